package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/spf13/cobra"
)

// ciKeyVar is where palwiz reads the Customer Insights API key: a secret,
// so never a flag.
const ciKeyVar = "PALWIZ_CI_SUBSCRIPTION_KEY"

// scanFlags are the flags check and fix share.
type scanFlags struct {
	tenant         string
	environments   []string
	products       []string
	productionOnly bool
	linkedObjectID string
	linkedUPN      string
	// coOwners reads the co-owners of flows that are not attributed (for fix's advice).
	coOwners bool
}

func (f *scanFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.tenant, "tenant", "", "directory: tenant ID, domain or name (default: the current one)")
	fl.StringSliceVarP(&f.environments, "environment", "e", nil, "only these environments, Power BI workspaces or Customer Insights instances (ID or name; repeat or comma-separate)")
	fl.StringSliceVarP(&f.products, "product", "p", nil, "only these products: canvas-app, model-driven-app, flow, bot, solution, dataset, ci-instance")
	fl.BoolVar(&f.productionOnly, "production-only", false, "leave out the environments that do not count (sandbox, developer, trial…)")
	fl.StringVar(&f.linkedObjectID, "linked-object-id", "", "check for this object ID instead of the signed-in identity (an administrator checking the dedicated account)")
	fl.StringVar(&f.linkedUPN, "linked-upn", "", "the UPN that goes with --linked-object-id (Power BI names owners by UPN)")
}

// options turns the flags into scan options; bad values are usage errors.
func (f *scanFlags) options() (attribution.ScanOptions, error) {
	var o attribution.ScanOptions
	for _, p := range f.products {
		for _, x := range strings.Split(p, ",") {
			if strings.TrimSpace(x) == "" {
				continue
			}
			pr, err := attribution.ParseProduct(x)
			if err != nil {
				return o, &usageError{"--product: " + err.Error()}
			}
			o.Products = append(o.Products, pr)
		}
	}
	for _, e := range f.environments {
		if e = strings.TrimSpace(e); e != "" {
			o.Environments = append(o.Environments, e)
		}
	}
	if f.linkedUPN != "" && f.linkedObjectID == "" {
		return o, usagef("--linked-upn needs --linked-object-id (the object ID every check compares against)")
	}
	if f.linkedObjectID != "" && !steps.IsGUID(f.linkedObjectID) {
		return o, usagef("--linked-object-id %q is not an object ID: use the GUID shown by `palwiz whoami` or the PAL link", f.linkedObjectID)
	}
	o.SkipNonProduction = f.productionOnly
	o.FlowCoOwners = f.coOwners
	return o, nil
}

// scan signs in, finds the linked identity and scans, with progress on a terminal.
func (a *app) scan(ctx context.Context, f *scanFlags, format string) (*steps.Env, *attribution.ScanResult, error) {
	opts, err := f.options()
	if err != nil {
		return nil, nil, err
	}
	env, err := a.env(ctx)
	if err != nil {
		return nil, nil, err
	}
	sc := tenantScope{tenant: f.tenant}
	tenant, err := sc.resolve(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	if tenant == "" {
		tenant = env.Session.Profile().Tenant
	}
	opts.Tenant = tenant
	opts.CISubscriptionKey = a.getenv(ciKeyVar)
	if a.getenv("GOMEMLIMIT") == "" {
		opts.MemoryLimit = attribution.DefaultMemoryLimit
	}
	var linked attribution.LinkedIdentity
	err = a.withReauth(ctx, tenant, func() (err error) {
		linked, err = attribution.ResolveLinked(ctx, env, tenant)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	linked, warning, err := attribution.ForIdentity(linked, f.linkedObjectID, f.linkedUPN)
	if err != nil {
		return nil, nil, &usageError{"--linked-object-id: " + err.Error()}
	}
	if warning != "" {
		a.warn(warning)
	}
	opts.Linked = &linked
	var prog func(attribution.ScanProgress)
	if a.st.errTTY && format == "table" {
		last := time.Time{}
		prog = func(p attribution.ScanProgress) {
			if !p.Done && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(a.st.err, "\r\x1b[KChecking: %d of %d environments, %d of %d workspaces, %d resources, %d requests…",
				p.EnvironmentsDone, p.Environments, p.WorkspacesDone, p.Workspaces, p.Resources, p.Requests)
		}
	}
	res, err := attribution.Scan(ctx, env, opts, prog)
	if prog != nil {
		fmt.Fprint(a.st.err, "\r\x1b[K")
	}
	if err != nil {
		return env, res, err
	}
	return env, res, nil
}

// partial ends a command whose output is printed but incomplete: the
// domain says when (a read failed), the command maps it to its exit code.
func partial(res *attribution.ScanResult, what string) error {
	sum := attribution.Summarize(res)
	if sum.ExitCode() != attribution.ExitPartial {
		return nil
	}
	return &exitErr{code: exitPartial, err: fmt.Errorf("%d part%s of the %s could not be read (listed above); everything else is reported", len(sum.NotChecked), plural(len(sum.NotChecked)), what)}
}

func (a *app) checkCmd() *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "check",
		Short: "Show which apps, flows, datasets and solutions earn the partner credit",
		Long: `Check attribution: for every resource that can earn Partner Admin Link credit
in the directory's environments, Power BI workspaces and Customer Insights
instances, say whether it is attributed to the linked identity, and why.

Each product has its own rule (see the PAL guidance): a canvas app needs the
linked account as owner or co-owner; a flow, model-driven app or bot needs it
as creator; a Power BI dataset as publisher; a managed solution as the last
account to import it (which then owns everything in it); Customer Insights any
active user. Production and Default environments count (Microsoft calls the Default
environment a special type of production environment). Where the sources do
not settle it (co-ownership through a group, a flow owned but not created, a
dataset taken over rather than published, a role in Customer Insights without
activity) palwiz says "cannot tell" and why.

Verdicts: attributed, not attributed, does not count (not production),
cannot tell. Run ` + "`palwiz fix`" + ` for what to do about the rest.

The check needs a Power Platform administrator (or environment admin) and
changes nothing. Customer Insights is checked only when ` + ciKeyVar + `
holds its API key (Customer Insights > Settings > Permissions > APIs).

Exit codes: 0 checked, 1 error, 2 usage, 3 sign-in needed, 4 part of the check failed.`,
		Example: `  palwiz check
  palwiz check --environment "Contoso Production" --product apps,flows
  palwiz check -o csv > attribution.csv
  palwiz check -o md > attribution.md          # for the evidence report
  palwiz check --linked-object-id 5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101 --linked-upn pal-service@contoso.onmicrosoft.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json", "csv", "md")
			if err != nil {
				return err
			}
			_, res, err := a.scan(ctx, &f, format)
			if err != nil {
				return err
			}
			if err := a.printCheck(res, format); err != nil {
				return err
			}
			return partial(res, "check")
		},
	}
	f.add(c)
	return c
}

func (a *app) printCheck(res *attribution.ScanResult, format string) error {
	w := a.st.out
	switch format {
	case "json":
		a.printFailures(res)
		return writeJSON(w, struct {
			*attribution.ScanResult
			Summary attribution.Summary `json:"summary"`
		}{res, attribution.Summarize(res)})
	case "csv":
		tb := &table{header: []string{"environmentId", "environmentName", "environmentType", "product", "id", "name", "role", "holderObjectId",
			"holderUpn", "holderName", "linkedRole", "verdict", "reason", "ownership", "solution"}}
		for _, r := range res.Resources {
			tb.add(r.Env.ID, r.Env.Name, r.Env.Type, string(r.Product), r.ID, r.Name, r.Role, r.Holder.ObjectID, r.Holder.UPN, r.Holder.Name,
				r.LinkedRole, string(r.Verdict), r.Reason, r.Ownership, r.Solution)
		}
		if err := tb.write(w, "csv"); err != nil {
			return err
		}
		a.printFailures(res)
		return nil
	case "md":
		return a.printCheckMarkdown(res)
	}
	a.printLinked(res)
	sum := attribution.Summarize(res)
	for _, f := range sum.NotChecked {
		fmt.Fprintln(w, attribution.NotCheckedLine(f))
	}
	if len(sum.NotChecked) > 0 {
		fmt.Fprintln(w)
	}
	tb := &table{header: []string{"", "ENVIRONMENT", "TYPE", "PRODUCT", "NAME", "HELD BY", "VERDICT", "WHY"}}
	for _, r := range res.Resources {
		holder := r.Holder.Label()
		if holder != "" {
			holder = r.Role + ": " + holder
		}
		tb.add(attribution.Symbol(r.Verdict), r.Env.Name, r.Env.Type, r.Product.Title(), r.Name, holder, r.Verdict.Label(), r.Reason)
	}
	if len(res.Resources) > 0 {
		if err := tb.write(w, "table"); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, sum.Headline())
	fmt.Fprintln(w, sum.Counts())
	fmt.Fprintln(w)
	a.printCoverage(w, res)
	a.printFailures(res)
	return nil
}

func (a *app) printLinked(res *attribution.ScanResult) {
	l := res.Linked
	who := l.Name()
	if l.ObjectID != "" && who != l.ObjectID {
		who += " (" + l.ObjectID + ")"
	}
	fmt.Fprintf(a.st.out, "Attribution for %s in directory %s\n", who, res.TenantID)
	for _, n := range res.Notes {
		a.warn(n)
	}
	fmt.Fprintln(a.st.out)
}

func (a *app) printCoverage(w io.Writer, res *attribution.ScanResult) {
	tb := &table{header: []string{"PRODUCT", "RESOURCES", "ATTRIBUTED", "NOT ATTRIBUTED", "CANNOT TELL", "DOES NOT COUNT", "FAILED", "NOTE"}}
	for _, c := range res.Coverage {
		total := strconv.Itoa(c.Total)
		if !c.Checked {
			total = "-"
		}
		tb.add(c.Product.Title(), total, strconv.Itoa(c.ByVerdict[attribution.Attributed]), strconv.Itoa(c.ByVerdict[attribution.NotAttributed]),
			strconv.Itoa(c.ByVerdict[attribution.CannotTell]), strconv.Itoa(c.ByVerdict[attribution.DoesNotCount]), strconv.Itoa(c.Failed), c.Note)
	}
	_ = tb.write(w, "table")
	fmt.Fprintf(w, "\n%d resources checked in %s with %d requests.\n", len(res.Resources), time.Duration(res.Elapsed).Round(time.Millisecond), res.Requests)
}

// printFailures lists what could not be read, on stderr.
func (a *app) printFailures(res *attribution.ScanResult) {
	for _, f := range res.Failures {
		fmt.Fprintln(a.st.err, attribution.NotCheckedLine(f))
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func (a *app) printCheckMarkdown(res *attribution.ScanResult) error {
	w := a.st.out
	l := res.Linked
	fmt.Fprintf(w, "# Attribution check\n\nLinked identity: **%s** (`%s`) in directory `%s`", mdEscape(l.Name()), l.ObjectID, res.TenantID)
	if l.Linked {
		fmt.Fprintf(w, ", linked to partner %s (%s)", mdEscape(l.PartnerName), l.PartnerID)
	}
	fmt.Fprintf(w, ".\nChecked %s.\n\n", res.Started.Format(time.RFC3339))
	for _, n := range res.Notes {
		fmt.Fprintf(w, "> %s\n\n", mdEscape(n))
	}
	sum := attribution.Summarize(res)
	for _, f := range sum.NotChecked {
		fmt.Fprintf(w, "> %s\n\n", mdEscape(attribution.NotCheckedLine(f)))
	}
	fmt.Fprintf(w, "**%s** %s\n\n", mdEscape(sum.Headline()), mdEscape(sum.Counts()))
	fmt.Fprintln(w, "## Coverage\n\n| Product | Resources | Attributed | Not attributed | Cannot tell | Does not count | Failed |\n|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range res.Coverage {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", c.Product.Title(), c.Total, c.ByVerdict[attribution.Attributed], c.ByVerdict[attribution.NotAttributed],
			c.ByVerdict[attribution.CannotTell], c.ByVerdict[attribution.DoesNotCount], c.Failed)
	}
	for _, c := range res.Coverage {
		if c.Note != "" {
			fmt.Fprintf(w, "\n- %s: %s", c.Product.Title(), mdEscape(c.Note))
		}
	}
	fmt.Fprintln(w, "\n\n## Resources\n\n| Environment | Type | Product | Name | Attributed to | Verdict | Why |\n|---|---|---|---|---|---|---|")
	for _, r := range res.Resources {
		holder := r.Holder.Label()
		if holder != "" {
			holder = r.Role + ": " + holder
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Env.Name), mdEscape(r.Env.Type), r.Product.Title(), mdEscape(r.Name),
			mdEscape(holder), r.Verdict.Label(), mdEscape(r.Reason))
	}
	if len(res.Failures) > 0 {
		fmt.Fprintln(w, "\n## Not checked")
		for _, f := range res.Failures {
			fmt.Fprintf(w, "\n- %s", mdEscape(attribution.NotCheckedLine(f)))
		}
		fmt.Fprintln(w)
		a.printFailures(res)
	}
	return nil
}
