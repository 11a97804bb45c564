// Package status is `palwiz status`: the Partner Admin Link of the
// signed-in identity, in one directory or all of them.
package status

import (
	"context"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/fleet"
	"github.com/spf13/cobra"
)

// Options are status's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Env      func(context.Context) (*steps.Env, error)
	Connect  *cmdutil.Connector
	Reauth   func(*steps.Env) steps.Reauth
	RunFleet func(context.Context, *steps.Env, output.Format, cmdutil.FleetFlags, string, cmdutil.FleetOp, bool) error
	Format   output.Format
	Tenant   cmdutil.TenantFlag
	// Fleet are --all-tenants, --tenants-file and their journal.
	Fleet cmdutil.FleetFlags
}

// NewCmdStatus builds the command; runF replaces the run (tests).
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, RunFleet: f.RunFleet}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the Partner Admin Link of this identity",
		Long: `Read the Partner Admin Link of the signed-in identity. PAL is a yes or no: the
identity is linked to one partner ID in a directory, or it is not.`,
		Example: `  palwiz status
  palwiz status --tenant contoso.onmicrosoft.com
  palwiz status --all-tenants -o csv
  palwiz status --tenants-file customers.csv --journal status.jsonl
  palwiz status --tenants-file customers.csv --journal status.jsonl --resume   # after Ctrl-C`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := opts.Fleet.Check(opts.Tenant.Value != ""); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
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
		return opts.RunFleet(ctx, env, opts.Format, opts.Fleet, "status", func(ctx context.Context, t fleet.Target) steps.TenantResult {
			c, err := env.ARMClient(t.Tenant.ID)
			if err != nil {
				return steps.TenantResult{Err: err}
			}
			l, err := steps.Status(ctx, c)
			return steps.TenantResult{Link: l, Err: err}
		}, false)
	}
	tenant, client, err := opts.Tenant.Client(ctx, env)
	if err != nil {
		return err
	}
	var l *arm.Link
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		l, err = steps.Status(ctx, client)
		return err
	}, opts.Reauth(env))
	if err != nil {
		return err
	}
	dir := opts.Connect.Directory(ctx, env, tenant, opts.Format == output.Table)
	return output.Status(opts.IO.Out, opts.Format, dir, l)
}
