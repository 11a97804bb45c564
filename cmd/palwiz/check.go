package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/palwiz/palwiz/steps"
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
func (f *scanFlags) options() (steps.ScanOptions, error) {
	var o steps.ScanOptions
	for _, p := range f.products {
		for _, x := range strings.Split(p, ",") {
			if strings.TrimSpace(x) == "" {
				continue
			}
			pr, err := steps.ParseProduct(x)
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
	return o, nil
}

// scan signs in, finds the linked identity and scans, with progress on a terminal.
func (a *app) scan(ctx context.Context, f *scanFlags, format string) (*steps.Env, *steps.ScanResult, error) {
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
		opts.MemoryLimit = steps.DefaultMemoryLimit
	}
	var linked steps.LinkedIdentity
	err = a.withReauth(ctx, tenant, func() (err error) {
		linked, err = steps.ResolveLinked(ctx, env, tenant)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if f.linkedObjectID != "" && !steps.SameObject(f.linkedObjectID, linked.ObjectID) {
		linked = steps.LinkedIdentity{ObjectID: strings.ToLower(f.linkedObjectID), UPN: f.linkedUPN, TenantID: tenant}
		a.warn("Checking for object " + f.linkedObjectID + ": palwiz cannot read another identity's Partner Admin Link, so make sure that account is the linked one.")
	}
	opts.Linked = &linked
	var prog func(steps.ScanProgress)
	if a.st.errTTY && format == "table" {
		last := time.Time{}
		prog = func(p steps.ScanProgress) {
			if !p.Done && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(a.st.err, "\r\x1b[KChecking: %d of %d environments, %d of %d workspaces, %d resources, %d requests…",
				p.EnvironmentsDone, p.Environments, p.WorkspacesDone, p.Workspaces, p.Resources, p.Requests)
		}
	}
	res, err := steps.Scan(ctx, env, opts, prog)
	if prog != nil {
		fmt.Fprint(a.st.err, "\r\x1b[K")
	}
	if err != nil {
		return env, res, err
	}
	return env, res, nil
}

// partial ends a command whose output is printed but incomplete: exit code 4.
func partial(res *steps.ScanResult, what string) error {
	return &exitErr{code: exitPartial, err: fmt.Errorf("%d part%s of the %s failed (listed above); everything else is reported", len(res.Failures), plural(len(res.Failures)), what)}
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
active user. Only production environments count. Where the guidance is unclear
(the Default environment, co-ownership through a group, a bot owned but not
created) palwiz says "cannot tell" and why.

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
			if res.Partial() {
				return partial(res, "check")
			}
			return nil
		},
	}
	f.add(c)
	return c
}

func (a *app) printCheck(res *steps.ScanResult, format string) error {
	w := a.st.out
	switch format {
	case "json":
		a.printFailures(res)
		return writeJSON(w, res)
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
	tb := &table{header: []string{"ENVIRONMENT", "TYPE", "PRODUCT", "NAME", "ATTRIBUTED TO", "VERDICT", "WHY"}}
	for _, r := range res.Resources {
		holder := r.Holder.Label()
		if holder != "" {
			holder = r.Role + ": " + holder
		}
		tb.add(r.Env.Name, r.Env.Type, r.Product.Title(), r.Name, holder, r.Verdict.Label(), r.Reason)
	}
	if len(res.Resources) == 0 {
		fmt.Fprintln(w, "No resources found.")
	} else if err := tb.write(w, "table"); err != nil {
		return err
	}
	fmt.Fprintln(w)
	a.printCoverage(w, res)
	a.printFailures(res)
	return nil
}

func (a *app) printLinked(res *steps.ScanResult) {
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

func (a *app) printCoverage(w io.Writer, res *steps.ScanResult) {
	tb := &table{header: []string{"PRODUCT", "RESOURCES", "ATTRIBUTED", "NOT ATTRIBUTED", "CANNOT TELL", "DOES NOT COUNT", "FAILED", "NOTE"}}
	for _, c := range res.Coverage {
		total := strconv.Itoa(c.Total)
		if !c.Checked {
			total = "-"
		}
		tb.add(c.Product.Title(), total, strconv.Itoa(c.ByVerdict[steps.Attributed]), strconv.Itoa(c.ByVerdict[steps.NotAttributed]),
			strconv.Itoa(c.ByVerdict[steps.CannotTell]), strconv.Itoa(c.ByVerdict[steps.DoesNotCount]), strconv.Itoa(c.Failed), c.Note)
	}
	_ = tb.write(w, "table")
	fmt.Fprintf(w, "\n%d resources checked in %s with %d requests.\n", len(res.Resources), time.Duration(res.Elapsed).Round(time.Millisecond), res.Requests)
}

// printFailures lists what could not be read, on stderr.
func (a *app) printFailures(res *steps.ScanResult) {
	for _, f := range res.Failures {
		where := f.Service
		if f.Environment != "" {
			where += " in " + f.Environment
		}
		if f.Product != "" {
			where = f.Product.Title() + "s, " + where
		}
		fmt.Fprintf(a.st.err, "Failed: %s: %s\n", where, f.Message)
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func (a *app) printCheckMarkdown(res *steps.ScanResult) error {
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
	fmt.Fprintln(w, "## Coverage\n\n| Product | Resources | Attributed | Not attributed | Cannot tell | Does not count | Failed |\n|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range res.Coverage {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d |\n", c.Product.Title(), c.Total, c.ByVerdict[steps.Attributed], c.ByVerdict[steps.NotAttributed],
			c.ByVerdict[steps.CannotTell], c.ByVerdict[steps.DoesNotCount], c.Failed)
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
			fmt.Fprintf(w, "\n- %s %s %s: %s", f.Product.Title(), f.Service, f.Environment, mdEscape(f.Message))
		}
		fmt.Fprintln(w)
		a.printFailures(res)
	}
	return nil
}

func (a *app) fixCmd() *cobra.Command {
	var f scanFlags
	var apply, yes, includeDefault bool
	var canvas, previous string
	c := &cobra.Command{
		Use:   "fix",
		Short: "Plan, then apply, the changes that attribute resources to the linked identity",
		Long: `Plan the attribution fixes: check the resources (as ` + "`palwiz check`" + ` does) and say,
for each one that is not attributed, what would make it so, as far as its
product allows. Nothing changes without --apply.

What palwiz can do itself (with --apply):
  canvas app   add the linked account as co-owner (default), or make it the
               owner with --canvas owner (the previous owner keeps CanEdit, or
               CanView with --previous-owner CanView)
  flow         add it as co-owner. The credit stays with the flow's creator,
               which never changes: palwiz says so and prints how to move it
               (import the flow in a solution as the linked account)
  bot          make it the bot's owner in Dataverse (its creator stays)
  dataset      take the dataset over; Power BI gives it to whoever is signed
               in, so palwiz must be signed in as the linked account

What only a person can do (palwiz prints the commands):
  solutions, model-driven apps and anything in a managed solution: import the
  solution again with the Power Platform CLI, signed in as the linked account.

After applying, palwiz reads each changed resource again and shows its new
verdict. --apply asks first unless --yes is given; without a terminal it needs
--yes.

Exit codes: 0 done, 1 error, 2 usage, 3 sign-in needed, 4 some changes failed.`,
		Example: `  palwiz fix                                   # the plan, changes nothing
  palwiz fix --apply                           # asks, then applies
  palwiz fix --apply --yes --canvas owner --previous-owner CanView
  palwiz fix --environment "Contoso Production" --product datasets --apply --yes
  palwiz fix -o json > plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json", "md")
			if err != nil {
				return err
			}
			fo := steps.FixOptions{CanvasApp: steps.CanvasFix(canvas), PreviousOwnerRole: previous, IncludeUnclear: includeDefault}
			if err := fo.Validate(); err != nil {
				return &usageError{err.Error() + ": use --canvas co-owner|owner and --previous-owner CanEdit|CanView"}
			}
			if apply && !yes && !a.interactive() {
				return usagef("fix --apply changes owners in the customer's tenant: pass --yes to confirm when palwiz cannot ask")
			}
			env, res, err := a.scan(ctx, &f, format)
			if err != nil {
				return err
			}
			plan := steps.PlanFixes(res, fo)
			if !apply {
				if err := a.printPlan(res, plan, format); err != nil {
					return err
				}
				a.printFailures(res)
				if res.Partial() {
					return partial(res, "check behind the plan")
				}
				return nil
			}
			n := 0
			for _, x := range plan {
				if x.Applicable() {
					n++
				}
			}
			if n > 0 && !yes {
				if err := a.printPlan(res, plan, "table"); err != nil {
					return err
				}
				ok, err := a.confirm(ctx, fmt.Sprintf("Apply the %d change%s palwiz can make?", n, plural(n)))
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(a.st.err, "Nothing changed.")
					return nil
				}
			}
			if as, err := steps.WhoActs(ctx, env, res.TenantID); err == nil && n > 0 {
				fmt.Fprintln(a.st.err, as.String()+": applying the changes.")
			}
			var prog func(steps.FixProgress)
			if a.st.errTTY && format == "table" {
				prog = func(p steps.FixProgress) { fmt.Fprintf(a.st.err, "\r\x1b[KApplying: %d of %d…", p.Done, p.Total) }
			}
			results, err := steps.ApplyFixes(ctx, env, res, plan, prog)
			if prog != nil {
				fmt.Fprint(a.st.err, "\r\x1b[K")
			}
			if err != nil {
				return err
			}
			failed := a.printResults(results, format)
			a.printFailures(res)
			if failed > 0 {
				return &exitErr{code: exitPartial, err: fmt.Errorf("%d of %d changes failed (see above); the others were made", failed, n)}
			}
			if res.Partial() {
				return partial(res, "check behind the plan")
			}
			return nil
		},
	}
	f.add(c)
	c.Flags().BoolVar(&apply, "apply", false, "make the changes palwiz can make (asks first)")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	c.Flags().StringVar(&canvas, "canvas", string(steps.CanvasCoOwner), "canvas apps: co-owner (add the linked account) or owner (make it the owner)")
	c.Flags().StringVar(&previous, "previous-owner", "CanEdit", "with --canvas owner, what the previous owner keeps: CanEdit or CanView")
	c.Flags().BoolVar(&includeDefault, "include-default", false, "also plan fixes in the Default environment, whose weight for PAL is unclear")
	return c
}

func (a *app) printPlan(res *steps.ScanResult, plan []steps.Fix, format string) error {
	w := a.st.out
	switch format {
	case "json":
		return writeJSON(w, struct {
			Linked steps.LinkedIdentity `json:"linked"`
			Plan   []steps.Fix          `json:"plan"`
		}{res.Linked, nonNil(plan)})
	case "md":
		fmt.Fprintf(w, "# Attribution fixes for %s\n\n", mdEscape(res.Linked.Name()))
		for i, f := range plan {
			fmt.Fprintf(w, "%d. **%s**%s\n\n   %s\n", i+1, mdEscape(f.Summary), mdMode(f), mdEscape(f.Explanation))
			if len(f.Covers) > 0 {
				fmt.Fprintf(w, "\n   Also attributes: %s\n", mdEscape(strings.Join(f.Covers, ", ")))
			}
			if len(f.Commands) > 0 {
				fmt.Fprintf(w, "\n   ```\n   %s\n   ```\n", strings.Join(f.Commands, "\n   "))
			}
			fmt.Fprintln(w)
		}
		return nil
	}
	a.printLinked(res)
	if len(plan) == 0 {
		fmt.Fprintln(w, "Nothing to fix: every resource that counts is attributed, or palwiz cannot tell and says why in `palwiz check`.")
		return nil
	}
	auto, manual := 0, 0
	for i, f := range plan {
		mode := "palwiz can do this"
		switch {
		case f.Blocked != "":
			mode = "blocked: " + f.Blocked
		case f.Applicable():
			auto++
		default:
			mode = "by hand"
			manual++
		}
		fmt.Fprintf(w, "%2d. %s\n    [%s]\n", i+1, f.Summary, mode)
		fmt.Fprintf(w, "    %s\n", wrap(f.Explanation, 90, "    "))
		if len(f.Covers) > 0 {
			fmt.Fprintf(w, "    Also attributes: %s\n", strings.Join(f.Covers, ", "))
		}
		for _, c := range f.Commands {
			fmt.Fprintf(w, "      %s\n", c)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d change%s palwiz can make (`palwiz fix --apply`), %d to do by hand.\n", auto, plural(auto), manual)
	return nil
}

func mdMode(f steps.Fix) string {
	switch {
	case f.Blocked != "":
		return " (blocked: " + mdEscape(f.Blocked) + ")"
	case f.Applicable():
		return " (palwiz can do this)"
	}
	return " (by hand)"
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// wrap breaks text at width, indenting the following lines.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// printResults shows what applying did; it returns how many changes failed.
func (a *app) printResults(results []steps.FixResult, format string) int {
	failed := 0
	for _, r := range results {
		if r.Fix.Applicable() && !r.Applied {
			failed++
		}
	}
	w := a.st.out
	if format == "json" {
		_ = writeJSON(w, struct {
			Results []steps.FixResult `json:"results"`
		}{nonNil(results)})
		return failed
	}
	var manual []steps.FixResult
	for _, r := range results {
		switch {
		case r.Applied && r.After != nil:
			fmt.Fprintf(w, "Done: %s\n      now %s: %s\n", r.Fix.Summary, r.After.Verdict.Label(), r.After.Reason)
			for _, n := range r.After.Notes {
				fmt.Fprintf(w, "      %s\n", n)
			}
		case r.Applied:
			fmt.Fprintf(w, "Done: %s\n      %s\n", r.Fix.Summary, r.Error)
		case r.Fix.Applicable():
			fmt.Fprintf(w, "Failed: %s\n      %s\n", r.Fix.Summary, r.Error)
		default:
			manual = append(manual, r)
		}
	}
	if len(manual) > 0 {
		fmt.Fprintln(w, "\nStill to do by hand:")
		for _, r := range manual {
			fmt.Fprintf(w, "  %s\n", r.Fix.Summary)
			if r.Fix.Blocked != "" {
				fmt.Fprintf(w, "    %s\n", r.Fix.Blocked)
			}
			for _, c := range r.Fix.Commands {
				fmt.Fprintf(w, "      %s\n", c)
			}
		}
	}
	return failed
}
