package report

import (
	"context"
	"errors"
	"fmt"

	"github.com/palwiz/palwiz/azure/safefile"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/report"
	"github.com/spf13/cobra"
)

// maxReport bounds the report verify reads.
const maxReport = 512 << 20

// VerifyOptions are report verify's inputs.
type VerifyOptions struct {
	IO     *iostreams.IOStreams
	Format output.Format
	File   string
}

// verifyDoc is verify's JSON answer.
type verifyDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	File          string `json:"file"`
	Verified      bool   `json:"verified"`
	Format        string `json:"format"`
	Digest        string `json:"digest"`
	Generated     string `json:"generated"`
	Directories   int    `json:"directories"`
	Cloud         string `json:"cloud"`
}

// NewCmdVerify builds `report verify` (added under report by the root);
// runF replaces the run (tests).
func NewCmdVerify(f *cmdutil.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check that a report is what palwiz wrote",
		Long: `Check a report palwiz wrote (md, html or json): the SHA-256 digest of its
JSON form matches that form, and the Markdown or HTML around it is exactly
what palwiz renders from it, so no word was changed since. It prints the
digest, to compare with the one printed when the report was written.

Exit code 0: the report verifies; 1: it does not (the message says where).`,
		Example: "  palwiz report verify evidence.html\n  palwiz report verify fleet.json -o json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("report verify takes one file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			opts.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, []output.Format{output.Table, output.JSON})
	return cmd
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	data, err := safefile.Read(ctx, opts.File, maxReport)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	v, err := report.Verify(data)
	if err != nil {
		var ve *report.VerifyError
		if errors.As(err, &ve) {
			return fmt.Errorf("%s: %w", opts.File, err)
		}
		return err
	}
	d := v.Document
	if opts.Format == output.JSON {
		return output.WriteJSON(opts.IO.Out, verifyDoc{SchemaVersion: output.SchemaVersion, File: opts.File, Verified: true, Format: v.Format,
			Digest: v.Digest, Generated: d.Run.Generated.Format("2006-01-02T15:04:05Z07:00"), Directories: len(d.Directories), Cloud: d.Run.Cloud})
	}
	fmt.Fprintf(opts.IO.Out, "%s: verified. A palwiz report (%s) of %d director%s, generated %s by palwiz %s on the %s cloud.\nSHA-256 of its JSON form: %s\n",
		output.Clean(opts.File), v.Format, len(d.Directories), map[bool]string{true: "y", false: "ies"}[len(d.Directories) == 1],
		d.Run.Generated.UTC().Format("2006-01-02 15:04 UTC"), output.Clean(d.Run.Palwiz.Version), output.Clean(d.Run.Cloud), v.Digest)
	return nil
}
