// Package link is `palwiz link`: link the signed-in identity to a partner
// ID, in one directory or all of them.
package link

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/prompter"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/fleet"
	"github.com/spf13/cobra"
)

// Options are link's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Env      func(context.Context) (*steps.Env, error)
	Connect  *cmdutil.Connector
	Reauth   func(*steps.Env) steps.Reauth
	RunFleet func(context.Context, *steps.Env, output.Format, cmdutil.FleetFlags, string, cmdutil.FleetOp, bool) error
	Warn     func(string)
	Prompter prompter.Prompter
	Format   output.Format

	// PartnerID is the cleaned partner ID; Warning says it does not look
	// like a Location ID.
	PartnerID, Warning string
	Force              bool
	// Yes links where a guard rail warns (the partner's own directory, a
	// guest's home directory) without asking.
	Yes    bool
	Tenant cmdutil.TenantFlag
	// Fleet are --all-tenants, --tenants-file and their journal.
	Fleet cmdutil.FleetFlags
}

// NewCmdLink builds the command; runF replaces the run (tests).
func NewCmdLink(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, RunFleet: f.RunFleet, Warn: f.Connect.Warn, Prompter: f.Prompter}
	var partnerID string
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Link this identity to your partner ID",
		Long: `Link the signed-in identity to a partner ID in the current directory.

palwiz reads the current link first: with none it links; when it is already
linked to this ID there is nothing to do; when it is linked to another partner
ID it stops, because moving the link takes the credit away from that partner.
Pass --force to move it.

Before linking palwiz warns when the directory looks like your own
organisation's (the partner's) or is the home directory of an account that is a
guest in customers' directories: PAL earns credit only for work in the
customer's directory. It then asks; --yes links there anyway, and without a
terminal palwiz links nothing there unless --yes is given.

` + steps.LocationIDExplainer,
		Example: `  palwiz link --partner-id 4977985
  palwiz link --partner-id 4977985 --tenant contoso.onmicrosoft.com
  palwiz link --partner-id 4977986 --force          # move the link to another partner ID
  palwiz link --partner-id 4977985 --all-tenants -o json
  palwiz link --partner-id 4977985 --tenants-file customers.txt --journal link.jsonl
  palwiz link --partner-id 4977985 --yes            # link even where palwiz warns`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := opts.Fleet.Check(opts.Tenant.Value != ""); err != nil {
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
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "link without asking where palwiz warns (the partner's own directory, a guest's home directory)")
	opts.Tenant.Add(cmd, f, "")
	opts.Fleet.Add(cmd, true)
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
	if opts.Fleet.On() {
		return runFleet(ctx, opts, env)
	}
	tenant, client, err := opts.Tenant.Client(ctx, env)
	if err != nil {
		return err
	}
	reauth := opts.Reauth(env)
	var cur *arm.Link
	var as *steps.Actor
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		if as, err = actor(ctx, env, tenant); err != nil {
			return err
		}
		if cur, err = client.GetLink(ctx); err != nil {
			return steps.Explain(err)
		}
		return nil
	}, reauth)
	if err != nil {
		return cmdutil.Acting(as, err)
	}
	if cur.Active() {
		opts.Connect.RememberPartner(ctx, cur.PartnerID, cur.PartnerName)
	}
	dir := opts.Connect.Directory(ctx, env, tenant, opts.Format == output.Table)
	var warned []steps.Warning
	if a := steps.Decide(cur, opts.PartnerID); a == steps.ActionLink || a == steps.ActionMove && opts.Force {
		ws, ok, err := guard(ctx, opts, env, tenant, dir)
		if err != nil || !ok {
			return err
		}
		warned = ws
	}
	var out steps.Outcome
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		out, err = steps.LinkFrom(ctx, client, cur, opts.PartnerID, opts.Force)
		return err
	}, reauth)
	if err != nil {
		return cmdutil.Acting(as, err)
	}
	if out.After.Active() {
		opts.Connect.RememberPartner(ctx, out.After.PartnerID, out.After.PartnerName)
	}
	return output.OutcomeWarned(opts.IO.Out, opts.Format, dir, out, as, warned)
}

// guard shows the guard rails before a link in tenant and asks; false
// means the person said no (nothing is linked, and that is no failure).
func guard(ctx context.Context, opts *Options, env *steps.Env, tenant string, dir output.Directory) ([]steps.Warning, bool, error) {
	g, ok := facts(ctx, opts, env, tenant)
	if !ok {
		return nil, true, nil
	}
	ws := steps.LinkWarnings(g.who, g.target(ctx, opts, env, tenant), g.reachable, g.partnerName)
	yes, err := confirm(ctx, opts, dir.Label(), ws)
	if err == nil && !yes {
		fmt.Fprintln(opts.IO.ErrOut, "Not linked. Choose the customer's directory with --tenant, or pass --yes to link here anyway.")
	}
	return ws, yes, err
}

// runFleet links in every directory the fleet flags name, after the
// guard rails: a directory refused (no, or no terminal without --yes) gets
// a row saying so and is not linked.
func runFleet(ctx context.Context, opts *Options, env *steps.Env) error {
	refused, err := fleetGuard(ctx, opts, env)
	if err != nil {
		return err
	}
	force := ""
	if opts.Force {
		force = "--force"
	}
	return opts.RunFleet(ctx, env, opts.Format, opts.Fleet, cmdutil.JournalOp("link", "--partner-id", opts.PartnerID, force), func(ctx context.Context, t fleet.Target) steps.TenantResult {
		if why, ok := refused[strings.ToLower(t.Tenant.ID)]; ok {
			return steps.TenantResult{Err: errors.New(why)}
		}
		c, err := env.ARMClient(t.Tenant.ID)
		if err != nil {
			return steps.TenantResult{Err: err}
		}
		o, err := steps.Link(ctx, c, opts.PartnerID, opts.Force)
		return steps.TenantResult{Link: o.After, Outcome: &o, Err: err}
	}, true)
}

// actor names who acts in tenant, for the write's result.
func actor(ctx context.Context, env *steps.Env, tenant string) (*steps.Actor, error) {
	as, err := steps.WhoActs(ctx, env, tenant)
	if err != nil {
		return nil, err
	}
	return &as, nil
}
