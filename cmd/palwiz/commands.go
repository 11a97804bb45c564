package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

func (a *app) logoutCmd() *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "logout",
		Short: "Forget the signed-in account and its tokens",
		Long: `Sign out: remove the account's tokens and palwiz's record of it from the OS keyring.
With --all, delete every keyring item palwiz ever wrote for this cloud (other
accounts, remembered secrets, leftovers of an interrupted write), found by
searching the keyring for palwiz's items, and say how many.

Either way palwiz then reads the keyring again. If anything of palwiz's is
still there, or the keyring did not answer (stopped, locked), it says what is
left and why, and exits with code 1.`,
		Example: `  palwiz logout
  palwiz logout --all      # leave nothing behind on this computer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.logout(cmd.Context(), all)
		},
	}
	c.Flags().BoolVar(&all, "all", false, "delete every keyring item palwiz wrote")
	return c
}

// logout signs out in the keyring itself (never through a session that fell
// back to memory) and reports what it checked.
func (a *app) logout(ctx context.Context, all bool) error {
	if _, err := a.getCloud(); err != nil {
		return err
	}
	st := a.keyringStore()
	var res auth.SignOutResult
	var err error
	if st != nil {
		res, err = auth.SignOut(ctx, st, all)
	}
	if a.output == "json" {
		_ = writeJSON(a.st.out, map[string]any{"removedItems": res.Removed, "all": all, "left": nonNil(res.Left),
			"verified": err == nil && st != nil, "searched": res.Searched})
	} else {
		who := "Not signed in"
		if res.Profile != nil {
			who = "Signed out " + profileName(res.Profile)
		}
		switch {
		case st == nil:
			fmt.Fprintln(a.st.out, "Nothing to remove: with --ephemeral tokens are only ever in memory.")
		case err != nil:
			fmt.Fprintf(a.st.out, "%s; removed %d keyring item%s.\n", who, res.Removed, plural(res.Removed))
		default:
			how := "palwiz's index"
			if res.Searched {
				how = "a search of the keyring"
			}
			fmt.Fprintf(a.st.out, "%s; removed %d keyring item%s. Checked by %s: nothing of it is left.\n", who, res.Removed, plural(res.Removed), how)
		}
	}
	return err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func profileName(p *auth.Profile) string {
	if p.Kind == auth.KindServicePrincipal {
		return "service principal " + p.ClientID
	}
	return p.Username
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the signed-in identity as the customer's directory sees it",
		Long: `Show who you are signed in as, in the current directory: name, user principal
name, object ID, directory, and whether the account is a member or a guest there.
A guest's link counts only in the directory it was made in.`,
		Example: "  palwiz whoami\n  palwiz whoami -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.outputFormat("table", "json")
			if err != nil {
				return err
			}
			env, err := a.env(cmd.Context())
			if err != nil {
				return err
			}
			w, err := steps.WhoAmI(cmd.Context(), env)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(a.st.out, w)
			}
			dir := w.TenantID
			if w.TenantName != "" {
				dir = fmt.Sprintf("%s (%s, %s)", w.TenantName, w.TenantDomain, w.TenantID)
			}
			kind := "user"
			if w.Kind == auth.KindServicePrincipal {
				kind = "service principal"
			} else if w.UserType != "" {
				kind = "user (" + strings.ToLower(w.UserType) + ")"
			}
			store := "OS keyring"
			if !w.TokensInStore {
				store = "memory only (this run)"
			}
			kv(a.st.out, "Name", w.DisplayName, "Kind", kind, "User principal name", w.UPN, "App ID", w.AppID,
				"Object ID", w.ObjectID, "Directory", dir, "Tokens", store)
			for _, warn := range w.Warnings {
				a.warn(warn)
			}
			return nil
		},
	}
}

func (a *app) tenantsCmd() *cobra.Command {
	var use string
	c := &cobra.Command{
		Use:   "tenants",
		Short: "List the directories this identity can reach, or switch to one",
		Long: `List the directories (tenants) the signed-in identity can reach. The current one is
marked with *. With --use, switch to another directory: palwiz gets a token there
first, so a directory that demands MFA or blocks the sign-in says so now.`,
		Example: "  palwiz tenants\n  palwiz tenants --use northwind.onmicrosoft.com\n  palwiz tenants -o csv > directories.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := a.outputFormat("table", "json", "csv")
			if err != nil {
				return err
			}
			env, err := a.env(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := steps.Tenants(cmd.Context(), env)
			if err != nil {
				return err
			}
			if use != "" {
				t, ok := steps.FindTenant(ts, use)
				if !ok {
					return usagef("this identity cannot reach a directory %q: pick one from `palwiz tenants`", use)
				}
				if err := a.withReauth(cmd.Context(), t.ID, func() error { return steps.SwitchTenant(cmd.Context(), env, t) }); err != nil {
					return err
				}
				fmt.Fprintf(a.st.err, "Now using %s (%s).\n", t.DisplayName, t.DefaultDomain)
			}
			cur := env.Session.Profile().Tenant
			if format == "json" {
				type row struct {
					arm.Tenant
					Current bool `json:"current"`
				}
				rows := make([]row, 0, len(ts))
				for _, t := range ts {
					rows = append(rows, row{t, strings.EqualFold(t.ID, cur)})
				}
				return writeJSON(a.st.out, rows)
			}
			tb := &table{header: []string{"CURRENT", "NAME", "DOMAIN", "TENANT ID", "CATEGORY"}}
			if format == "csv" {
				tb.header = []string{"current", "name", "domain", "tenantId", "category"}
			}
			for _, t := range ts {
				mark := ""
				if strings.EqualFold(t.ID, cur) {
					mark = "*"
					if format == "csv" {
						mark = "true"
					}
				} else if format == "csv" {
					mark = "false"
				}
				tb.add(mark, t.DisplayName, t.DefaultDomain, t.ID, t.Category)
			}
			return tb.write(a.st.out, format)
		},
	}
	c.Flags().StringVar(&use, "use", "", "switch to this directory (tenant ID, domain or name)")
	return c
}

type tenantScope struct {
	tenant     string
	allTenants bool
}

func (ts *tenantScope) flags(c *cobra.Command) {
	c.Flags().StringVar(&ts.tenant, "tenant", "", "directory: tenant ID, domain or name (default: the current one)")
	c.Flags().BoolVar(&ts.allTenants, "all-tenants", false, "every directory this identity reaches, concurrently, one row each")
	c.MarkFlagsMutuallyExclusive("tenant", "all-tenants")
}

// resolve returns the tenant GUID to use ("" = current). A GUID is used as
// is; a domain or name is looked up among the reachable directories.
func (ts *tenantScope) resolve(ctx context.Context, env *steps.Env) (string, error) {
	if ts.tenant == "" || steps.IsGUID(ts.tenant) {
		return ts.tenant, nil
	}
	t, err := steps.ResolveTenant(ctx, env, ts.tenant)
	if err != nil {
		return "", err
	}
	return t.ID, nil
}

// client resolves the directory and returns it with an ARM client there.
func (ts *tenantScope) client(ctx context.Context, env *steps.Env) (string, *arm.Client, error) {
	tenant, err := ts.resolve(ctx, env)
	if err != nil {
		return "", nil, err
	}
	c, err := env.ARMClient(tenant)
	return tenant, c, err
}

// linkJSON is the stable machine shape of a link.
type linkJSON struct {
	Linked      bool   `json:"linked"`
	PartnerID   string `json:"partnerId,omitempty"`
	PartnerName string `json:"partnerName,omitempty"`
	State       string `json:"state,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	ObjectID    string `json:"objectId,omitempty"`
	Version     int    `json:"version,omitempty"`
	CreatedTime string `json:"createdTime,omitempty"`
	UpdatedTime string `json:"updatedTime,omitempty"`
}

func toLinkJSON(l *arm.Link) linkJSON {
	if l == nil || l.State == "Deleted" {
		return linkJSON{Linked: false}
	}
	j := linkJSON{Linked: true, PartnerID: l.PartnerID, PartnerName: l.PartnerName, State: l.State, TenantID: l.TenantID,
		ObjectID: l.ObjectID, Version: l.Version}
	if !l.CreatedTime.IsZero() {
		j.CreatedTime = l.CreatedTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	if !l.UpdatedTime.IsZero() {
		j.UpdatedTime = l.UpdatedTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	return j
}

func (a *app) printLink(l *arm.Link, tenant string) {
	if l == nil {
		fmt.Fprintf(a.st.out, "Not linked to a partner ID in directory %s.\n", tenant)
		return
	}
	name := l.PartnerName
	if name == "" {
		name = "(name not returned)"
	}
	kv(a.st.out, "Linked", "yes", "Partner", name, "Partner ID", l.PartnerID, "State", l.State,
		"Directory", l.TenantID, "Object ID", l.ObjectID, "Since", l.CreatedTime.UTC().Format("2006-01-02"))
}

func (a *app) statusCmd() *cobra.Command {
	var sc tenantScope
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the Partner Admin Link of this identity",
		Long: `Read the Partner Admin Link of the signed-in identity. PAL is a yes or no: the
identity is linked to one partner ID in a directory, or it is not.`,
		Example: `  palwiz status
  palwiz status --tenant contoso.onmicrosoft.com
  palwiz status --all-tenants -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json", "csv")
			if err != nil {
				return err
			}
			env, err := a.env(ctx)
			if err != nil {
				return err
			}
			if sc.allTenants {
				return a.fleet(ctx, env, format, func(ts []arm.Tenant, prog func(int, int)) []steps.TenantResult {
					return steps.FleetStatus(ctx, env, ts, prog)
				})
			}
			tenant, client, err := sc.client(ctx, env)
			if err != nil {
				return err
			}
			var l *arm.Link
			err = a.withReauth(ctx, tenant, func() (err error) {
				l, err = steps.Status(ctx, client)
				return err
			})
			if err != nil {
				return err
			}
			if tenant == "" {
				tenant = env.Session.Profile().Tenant
			}
			switch format {
			case "json":
				j := toLinkJSON(l)
				if j.TenantID == "" {
					j.TenantID = tenant
				}
				return writeJSON(a.st.out, j)
			case "csv":
				j := toLinkJSON(l)
				tb := &table{header: []string{"tenantId", "linked", "partnerId", "partnerName", "state"}}
				tb.add(tenant, strconv.FormatBool(j.Linked), j.PartnerID, j.PartnerName, j.State)
				return tb.write(a.st.out, "csv")
			}
			a.printLink(l, tenant)
			return nil
		},
	}
	sc.flags(c)
	return c
}

// fleet runs an operation on every reachable directory and prints one row each.
func (a *app) fleet(ctx context.Context, env *steps.Env, format string, op func([]arm.Tenant, func(int, int)) []steps.TenantResult) error {
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		return err
	}
	var prog func(int, int)
	if a.st.errTTY && format == "table" {
		prog = func(done, total int) { fmt.Fprintf(a.st.err, "\r\x1b[K%d of %d directories…", done, total) }
	}
	rows := op(ts, prog)
	if prog != nil {
		fmt.Fprint(a.st.err, "\r\x1b[K")
	}
	failed := 0
	type jrow struct {
		TenantID   string    `json:"tenantId"`
		TenantName string    `json:"tenantName"`
		Domain     string    `json:"domain"`
		Action     string    `json:"action,omitempty"`
		Link       *linkJSON `json:"link,omitempty"`
		Error      *errJSON  `json:"error,omitempty"`
	}
	var jrows []jrow
	tb := &table{header: []string{"DIRECTORY", "DOMAIN", "LINKED", "PARTNER", "RESULT"}}
	if format == "csv" {
		tb.header = []string{"tenantId", "tenantName", "domain", "linked", "partnerId", "partnerName", "action", "error"}
	}
	for _, r := range rows {
		jr := jrow{TenantID: r.Tenant.ID, TenantName: r.Tenant.DisplayName, Domain: r.Tenant.DefaultDomain}
		if r.Outcome != nil && r.Err == nil {
			jr.Action = string(r.Outcome.Action)
		}
		linked, partner, result := "", "", "ok"
		if r.Err != nil {
			failed++
			ej := toErrJSON(r.Err)
			jr.Error = &ej
			linked, result = "?", ej.Message
		} else {
			lj := toLinkJSON(r.Link)
			jr.Link = &lj
			linked = map[bool]string{true: "yes", false: "no"}[lj.Linked]
			if lj.Linked {
				partner = fmt.Sprintf("%s (%s)", lj.PartnerName, lj.PartnerID)
			}
			if r.Outcome != nil {
				result = r.Outcome.Summary()
			}
		}
		jrows = append(jrows, jr)
		if format == "csv" {
			lj := toLinkJSON(r.Link)
			errText := ""
			if jr.Error != nil {
				errText = jr.Error.Message
			}
			tb.add(r.Tenant.ID, r.Tenant.DisplayName, r.Tenant.DefaultDomain, strconv.FormatBool(lj.Linked && r.Err == nil), lj.PartnerID, lj.PartnerName, jr.Action, errText)
		} else {
			tb.add(r.Tenant.DisplayName, r.Tenant.DefaultDomain, linked, partner, result)
		}
	}
	if format == "json" {
		if err := writeJSON(a.st.out, jrows); err != nil {
			return err
		}
	} else if err := tb.write(a.st.out, format); err != nil {
		return err
	}
	if failed > 0 {
		return &partialError{failed: failed, total: len(rows)}
	}
	return nil
}

// errJSON is the machine shape of an error in fleet rows.
type errJSON struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func toErrJSON(err error) errJSON {
	err = steps.Explain(err)
	var ae *auth.Error
	if errors.As(err, &ae) {
		return errJSON{Reason: string(ae.Reason), Message: ae.Error()}
	}
	return errJSON{Reason: "error", Message: err.Error()}
}
