// Package whoami is `palwiz whoami`: the signed-in identity as the
// customer's directory sees it.
package whoami

import (
	"context"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are whoami's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Env     func(context.Context) (*steps.Env, error)
	Warn    func(string)
	Connect *cmdutil.Connector
	Format  output.Format
	// Kind is the kind of identity meant (--kind): whoami warns when the
	// account is not that kind.
	Kind cmdutil.KindFlag
}

// NewCmdWhoami builds the command; runF replaces the run (tests).
func NewCmdWhoami(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Warn: f.Connect.Warn, Connect: f.Connect}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the signed-in identity as the customer's directory sees it",
		Long: `Show who you are signed in as, in the current directory: name, user principal
name, object ID, directory, and whether the account is a member or a guest there.
A guest's link counts only in the directory it was made in.

With --kind, palwiz says when the account is not the kind of identity you mean
to use (a person's account where a dedicated service account was meant, a
guest, a user where a service principal was meant).`,
		Example: "  palwiz whoami\n  palwiz whoami -o json\n  palwiz whoami --kind service-account",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := opts.Kind.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	opts.Kind.Add(cmd)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	w, err := steps.WhoAmI(ctx, env)
	if err != nil {
		return err
	}
	if w.TenantName == "" {
		// The directory did not say (an identity that may not read it):
		// the name palwiz remembered, if any.
		d := opts.Connect.Directory(ctx, env, w.TenantID, false)
		w.TenantName, w.TenantDomain = d.Name, d.Domain
	}
	return cmdutil.ShowIdentity(opts.IO, opts.Format, opts.Warn, opts.Kind.Value, w, output.WhoAmI)
}
