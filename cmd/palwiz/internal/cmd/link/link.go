// Package link is `palwiz link`: link the signed-in identity to a partner
// ID, in one directory or all of them.
package link

import (
	"context"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are link's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Env      func(context.Context) (*steps.Env, error)
	Connect  *cmdutil.Connector
	Reauth   func(*steps.Env) steps.Reauth
	RunFleet func(context.Context, *steps.Env, output.Format, cmdutil.FleetOp, bool) error
	Warn     func(string)
	Format   output.Format

	// PartnerID is the cleaned partner ID; Warning says it does not look
	// like a Location ID.
	PartnerID, Warning string
	Force              bool
	Tenant             cmdutil.TenantFlag
	AllTenants         bool
}

// NewCmdLink builds the command; runF replaces the run (tests).
func NewCmdLink(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, RunFleet: f.RunFleet, Warn: f.Connect.Warn}
	var partnerID string
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Link this identity to your partner ID",
		Long: `Link the signed-in identity to a partner ID in the current directory.

palwiz reads the current link first: with none it links; when it is already
linked to this ID there is nothing to do; when it is linked to another partner
ID it stops, because moving the link takes the credit away from that partner.
Pass --force to move it.

` + steps.LocationIDExplainer,
		Example: `  palwiz link --partner-id 4977985
  palwiz link --partner-id 4977985 --tenant contoso.onmicrosoft.com
  palwiz link --partner-id 4977986 --force          # move the link to another partner ID
  palwiz link --partner-id 4977985 --all-tenants -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := cmdutil.MutuallyExclusive("--tenant and --all-tenants cannot be used together", opts.Tenant.Value != "", opts.AllTenants); err != nil {
				return err
			}
			if opts.PartnerID, opts.Warning, err = steps.ValidatePartnerID(partnerID); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	cmd.Flags().StringVar(&partnerID, "partner-id", "", "your Partner Location ID (the Associated Partner ID in Partner Center)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "move the link when this identity is linked to another partner ID")
	opts.Tenant.Add(cmd, f, "")
	cmd.Flags().BoolVar(&opts.AllTenants, "all-tenants", false, "every directory this identity reaches, concurrently, one row each")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	if opts.Warning != "" {
		opts.Warn(opts.Warning)
	}
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	if opts.AllTenants {
		return opts.RunFleet(ctx, env, opts.Format, func(ts []arm.Tenant, prog func(int, int)) []steps.TenantResult {
			return steps.FleetLink(ctx, env, ts, opts.PartnerID, opts.Force, prog)
		}, true)
	}
	tenant, client, err := opts.Tenant.Client(ctx, env)
	if err != nil {
		return err
	}
	var out steps.Outcome
	var as *steps.Actor
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		if as, err = actor(ctx, env, tenant); err != nil {
			return err
		}
		out, err = steps.Link(ctx, client, opts.PartnerID, opts.Force)
		return err
	}, opts.Reauth(env))
	if err != nil {
		return cmdutil.Acting(as, err)
	}
	dir := opts.Connect.Directory(ctx, env, tenant, opts.Format == output.Table)
	return output.Outcome(opts.IO.Out, opts.Format, dir, out, as)
}

// actor names who acts in tenant, for the write's result.
func actor(ctx context.Context, env *steps.Env, tenant string) (*steps.Actor, error) {
	as, err := steps.WhoActs(ctx, env, tenant)
	if err != nil {
		return nil, err
	}
	return &as, nil
}
