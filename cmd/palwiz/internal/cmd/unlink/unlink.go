// Package unlink is `palwiz unlink`: remove the signed-in identity's link.
package unlink

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/prompter"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are unlink's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Env      func(context.Context) (*steps.Env, error)
	Connect  *cmdutil.Connector
	Reauth   func(*steps.Env) steps.Reauth
	Prompter prompter.Prompter
	Format   output.Format
	Tenant   cmdutil.TenantFlag
	// Yes skips the question.
	Yes bool
}

// NewCmdUnlink builds the command; runF replaces the run (tests).
func NewCmdUnlink(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, Prompter: f.Prompter}
	cmd := &cobra.Command{
		Use:   "unlink",
		Short: "Remove this identity's Partner Admin Link",
		Long: `Remove the link between the signed-in identity and its partner ID in the current
directory. Usage by this identity stops earning the partner credit. palwiz asks
first, unless --yes is given.`,
		Example: "  palwiz unlink\n  palwiz unlink --yes --tenant contoso.onmicrosoft.com",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if !opts.Yes && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("unlink removes the partner credit for this identity: pass --yes to confirm when palwiz cannot ask")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	opts.Tenant.Add(cmd, f, "")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	tenant, client, err := opts.Tenant.Client(ctx, env)
	if err != nil {
		return err
	}
	reauth := opts.Reauth(env)
	var as *steps.Actor
	err = steps.WithReauth(ctx, env, tenant, func() error {
		a, err := steps.WhoActs(ctx, env, tenant)
		as = &a
		return err
	}, reauth)
	if err != nil {
		return err
	}
	dir := opts.Connect.Directory(ctx, env, tenant, opts.Format == output.Table)
	if !opts.Yes {
		var cur *arm.Link
		err := steps.WithReauth(ctx, env, tenant, func() (err error) {
			cur, err = steps.Status(ctx, client)
			return err
		}, reauth)
		if err != nil {
			return err
		}
		if cur == nil {
			return output.Outcome(opts.IO.Out, opts.Format, dir, steps.Outcome{Action: steps.ActionNothing}, as)
		}
		ok, err := opts.Prompter.Confirm(ctx, fmt.Sprintf("%s: remove the link to partner %s? Usage by this identity stops earning that partner credit.",
			output.Clean(as.String()), output.Clean(output.Partner(cur.PartnerName, cur.PartnerID))))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing changed.")
			return nil
		}
	}
	var out steps.Outcome
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		out, err = steps.Unlink(ctx, client)
		return err
	}, reauth)
	if err != nil {
		return cmdutil.Acting(as, err)
	}
	return output.Outcome(opts.IO.Out, opts.Format, dir, out, as)
}
