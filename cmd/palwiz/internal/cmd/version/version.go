// Package version is `palwiz version`: what this binary is, from its build
// information.
package version

import (
	"context"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/spf13/cobra"
)

// Options are version's inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Build  cmdutil.BuildInfo
	Format output.Format
}

// NewCmdVersion builds the command; runF replaces the run (tests).
func NewCmdVersion(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Build: f.Build}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show palwiz's version, commit, build date, Go version and platform",
		Long: `Show what this palwiz is: its version, the commit and date it was built from
(when built from a git checkout), the Go version and the platform. ` + "`palwiz --version`" + `
prints the same on one line.`,
		Example: "  palwiz version\n  palwiz version -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			b := opts.Build
			return output.Version(opts.IO.Out, opts.Format, output.VersionDoc{Version: b.Version, Commit: b.Commit, Modified: b.Modified,
				Date: b.Date, GoVersion: b.GoVersion, Platform: b.Platform}, b.String())
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	return cmd
}
