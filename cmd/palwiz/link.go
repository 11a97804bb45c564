package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

func (a *app) linkCmd() *cobra.Command {
	var sc tenantScope
	var partnerID string
	var force bool
	c := &cobra.Command{
		Use:   "link",
		Short: "Link this identity to your Partner ID",
		Long: `Link the signed-in identity to a partner ID in the current directory.

palwiz reads the current link first: with none it links; when it is already
linked to this ID there is nothing to do; when it is linked to another partner
ID it stops, because moving the link takes the credit away from that partner.
Pass --force to move it.

` + steps.LocationIDExplainer,
		Example: `  palwiz link --partner-id 4977985
  palwiz link --partner-id 4977985 --tenant contoso.onmicrosoft.com
  palwiz link --partner-id 4977985 --force          # move a link from another partner ID
  palwiz link --partner-id 4977985 --all-tenants -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json", "csv")
			if err != nil {
				return err
			}
			id, warning, err := steps.ValidatePartnerID(partnerID)
			if err != nil {
				return &usageError{err.Error()}
			}
			if warning != "" {
				a.warn(warning)
			}
			env, err := a.env(ctx)
			if err != nil {
				return err
			}
			if sc.allTenants {
				a.actingInEach(ctx, env)
				return a.fleet(ctx, env, format, func(ts []arm.Tenant, prog func(int, int)) []steps.TenantResult {
					return steps.FleetLink(ctx, env, ts, id, force, prog)
				})
			}
			tenant, client, err := sc.client(ctx, env)
			if err != nil {
				return err
			}
			var out steps.Outcome
			var as *steps.Actor
			err = a.withReauth(ctx, tenant, func() (err error) {
				if as, err = a.actor(ctx, env, tenant); err != nil {
					return err
				}
				out, err = steps.Link(ctx, client, id, force)
				return err
			})
			if err != nil {
				a.sayActor(as)
				return err
			}
			return a.printOutcome(out, as, format)
		},
	}
	c.Flags().StringVar(&partnerID, "partner-id", "", "your Partner Location ID (Associated Partner ID in Partner Center)")
	c.Flags().BoolVar(&force, "force", false, "move the link when this identity is linked to another partner ID")
	sc.flags(c)
	return c
}

// actor names who acts in tenant ("" = current) for a write command.
func (a *app) actor(ctx context.Context, env *steps.Env, tenant string) (*steps.Actor, error) {
	as, err := steps.WhoActs(ctx, env, tenant)
	if err != nil {
		return nil, err
	}
	return &as, nil
}

// sayActor names the identity and directory on stderr when a write failed
// (its result, which names them otherwise, is not printed).
func (a *app) sayActor(as *steps.Actor) {
	if as != nil {
		fmt.Fprintln(a.st.err, as.String()+":")
	}
}

// actingInEach names the identity before a write in every directory.
func (a *app) actingInEach(ctx context.Context, env *steps.Env) {
	if as, err := steps.WhoActs(ctx, env, ""); err == nil {
		fmt.Fprintf(a.st.err, "As %s, in each directory below.\n", as.Who())
	}
}

func (a *app) printOutcome(o steps.Outcome, as *steps.Actor, format string) error {
	after := o.After
	if o.Action == steps.ActionUnlink || o.Action == steps.ActionNothing {
		after = nil
	}
	switch format {
	case "json":
		out := struct {
			Action   string       `json:"action"`
			Summary  string       `json:"summary"`
			ActingAs *steps.Actor `json:"actingAs,omitempty"`
			Previous *linkJSON    `json:"previous,omitempty"`
			linkJSON
		}{Action: string(o.Action), Summary: o.Summary(), ActingAs: as, linkJSON: toLinkJSON(after)}
		if o.Before != nil && (o.Action == steps.ActionMove || o.Action == steps.ActionUnlink) {
			p := toLinkJSON(o.Before)
			out.Previous = &p
		}
		return writeJSON(a.st.out, out)
	case "csv":
		j := toLinkJSON(after)
		tb := &table{header: []string{"action", "linked", "partnerId", "partnerName", "state", "tenantId", "objectId"}}
		tb.add(string(o.Action), fmt.Sprint(j.Linked), j.PartnerID, j.PartnerName, j.State, j.TenantID, j.ObjectID)
		if as != nil {
			tb.header = append(tb.header, "actingAs", "directory")
			tb.rows[0] = append(tb.rows[0], as.Who(), as.Where())
		}
		return tb.write(a.st.out, "csv")
	}
	if as != nil {
		fmt.Fprintln(a.st.out, as.String()+":")
	}
	fmt.Fprintln(a.st.out, o.Summary()+".")
	if after != nil && o.Action != steps.ActionNone {
		a.printLink(after, after.TenantID)
	}
	return nil
}

func (a *app) unlinkCmd() *cobra.Command {
	var sc tenantScope
	var yes bool
	c := &cobra.Command{
		Use:   "unlink",
		Short: "Remove this identity's Partner Admin Link",
		Long: `Remove the link between the signed-in identity and its partner ID in the current
directory. Usage by this identity stops earning the partner credit. palwiz asks
first, unless --yes is given.`,
		Example: "  palwiz unlink\n  palwiz unlink --yes --tenant contoso.onmicrosoft.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json")
			if err != nil {
				return err
			}
			if !yes && !a.interactive() {
				return usagef("unlink removes the partner credit for this identity: pass --yes to confirm when palwiz cannot ask")
			}
			env, err := a.env(ctx)
			if err != nil {
				return err
			}
			tenant, client, err := sc.client(ctx, env)
			if err != nil {
				return err
			}
			as, err := a.actor(ctx, env, tenant)
			if err != nil {
				return err
			}
			if !yes {
				cur, err := steps.Status(ctx, client)
				if err != nil {
					return err
				}
				if cur == nil {
					return a.printOutcome(steps.Outcome{Action: steps.ActionNothing}, as, format)
				}
				ok, err := a.confirm(ctx, fmt.Sprintf("%s: remove the link to partner %s (%s)? Usage by this identity stops earning that partner credit.", as, cur.PartnerName, cur.PartnerID))
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(a.st.err, "Nothing changed.")
					return nil
				}
			}
			out, err := steps.Unlink(ctx, client)
			if err != nil {
				a.sayActor(as)
				return err
			}
			return a.printOutcome(out, as, format)
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	sc.tenant = ""
	c.Flags().StringVar(&sc.tenant, "tenant", "", "directory: tenant ID, domain or name (default: the current one)")
	return c
}

// confirm asks a yes/no question on the terminal; the default is no.
// Ctrl-C (or SIGTERM) while it waits cancels the command (exit code 130):
// it is not an answer.
func (a *app) confirm(ctx context.Context, q string) (bool, error) {
	fmt.Fprintf(a.st.err, "%s [y/N] ", q)
	line, err := auth.ReadLine(ctx, a.st.in, 1024)
	if ctx.Err() != nil {
		fmt.Fprintln(a.st.err)
		return false, errInterrupted
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
