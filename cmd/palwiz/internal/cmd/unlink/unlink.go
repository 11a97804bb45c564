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
	"github.com/palwiz/palwiz/steps/fleet"
	"github.com/spf13/cobra"
)

// Options are unlink's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Env      func(context.Context) (*steps.Env, error)
	Connect  *cmdutil.Connector
	Reauth   func(*steps.Env) steps.Reauth
	Prompter prompter.Prompter
	RunFleet func(context.Context, *steps.Env, output.Format, cmdutil.FleetFlags, string, cmdutil.FleetOp, bool) error
	Format   output.Format
	Tenant   cmdutil.TenantFlag
	// Yes skips the question.
	Yes bool
	// Fleet are --all-tenants, --tenants-file and their journal.
	Fleet cmdutil.FleetFlags
}

// NewCmdUnlink builds the command; runF replaces the run (tests).
func NewCmdUnlink(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, Prompter: f.Prompter, RunFleet: f.RunFleet}
	cmd := &cobra.Command{
		Use:   "unlink",
		Short: "Remove this identity's Partner Admin Link",
		Long: `Remove the link between the signed-in identity and its partner ID in the current
directory. Usage by this identity stops earning the partner credit. palwiz asks
first, unless --yes is given.

With --all-tenants (or --tenants-file) it removes the link in every directory
named, after one question for all of them; without a terminal to ask on,
--yes is required.`,
		Example: `  palwiz unlink
  palwiz unlink --yes --tenant contoso.onmicrosoft.com
  palwiz unlink --all-tenants --yes --journal unlink.jsonl -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := opts.Fleet.Check(opts.Tenant.Value != ""); err != nil {
				return err
			}
			if !opts.Yes && !opts.IO.CanPrompt() {
				if opts.Fleet.On() {
					return cmdutil.FlagErrorf("unlink removes the partner credit for this identity in every directory named: pass --yes to confirm when palwiz cannot ask")
				}
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
	opts.Fleet.Add(cmd, true)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	if opts.Fleet.On() {
		return runFleet(ctx, opts, env)
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

// runFleet removes the link in every directory named, after one question.
func runFleet(ctx context.Context, opts *Options, env *steps.Env) error {
	if !opts.Yes {
		where := "every directory this identity reaches"
		if opts.Fleet.TenantsFile != "" {
			where = "every directory " + opts.Fleet.TenantsFile + " names"
		}
		who := "this identity"
		if as, err := steps.WhoActs(ctx, env, ""); err == nil {
			who = as.Who()
		}
		ok, err := opts.Prompter.Confirm(ctx, fmt.Sprintf("As %s: remove the Partner Admin Link in %s? Usage there stops earning the partner credit.", output.Clean(who), output.Clean(where)))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing changed.")
			return nil
		}
	}
	return opts.RunFleet(ctx, env, opts.Format, opts.Fleet, "unlink", func(ctx context.Context, t fleet.Target) steps.TenantResult {
		c, err := env.ARMClient(t.Tenant.ID)
		if err != nil {
			return steps.TenantResult{Err: err}
		}
		o, err := steps.Unlink(ctx, c)
		return steps.TenantResult{Link: o.After, Outcome: &o, Err: err}
	}, true)
}
