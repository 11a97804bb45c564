package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// printPlan shows a plan: what was not checked first, the headline, then
// palwiz's changes, a person's steps, what waits for delivered marks, and
// the advice apart. Commands are printed one a line, never wrapped.
func (a *app) printPlan(res *attribution.ScanResult, plan *attribution.Plan, format string) error {
	w := a.st.out
	sum := attribution.SummarizePlan(res, plan)
	switch format {
	case "json":
		return writeJSON(w, struct {
			Linked  attribution.LinkedIdentity `json:"linked"`
			Summary attribution.PlanSummary    `json:"summary"`
			Plan    *attribution.Plan          `json:"plan"`
		}{res.Linked, sum, plan})
	case "md":
		printPlanMarkdown(w, res, plan, sum)
		return nil
	}
	a.printLinked(res)
	for _, f := range sum.NotChecked {
		fmt.Fprintln(w, attribution.NotCheckedLine(f))
	}
	headline := sum.Headline()
	if sum.Automatic > 0 {
		headline = strings.Replace(headline, "palwiz can make", "palwiz can make (`palwiz fix --apply`)", 1)
	}
	fmt.Fprintln(w, headline)
	fmt.Fprintln(w)
	n := 0
	section := func(title string, fixes []attribution.Fix, mode func(attribution.Fix) string) {
		if len(fixes) == 0 {
			return
		}
		fmt.Fprintln(w, title)
		for _, f := range fixes {
			n++
			printFix(w, n, f, mode(f))
		}
	}
	section("What palwiz can do:", plan.Applicable(), func(attribution.Fix) string { return "palwiz can do this" })
	section("To do by hand:", plan.Manual(), func(f attribution.Fix) string {
		if f.Blocked != "" {
			return "blocked: " + f.Blocked
		}
		return "by hand"
	})
	section("Waiting for you to mark what your organisation delivered (--delivered):", plan.Held, func(attribution.Fix) string { return "held: not marked as delivered" })
	section("Advice that does not move the credit (not counted, never applied by --apply):", plan.Advice, func(attribution.Fix) string { return "advice" })
	for _, l := range sum.Lines() {
		fmt.Fprintln(w, l)
	}
	return nil
}

func printFix(w io.Writer, i int, f attribution.Fix, mode string) {
	fmt.Fprintf(w, "%2d. %s\n    [%s]\n", i, f.Summary, mode)
	fmt.Fprintf(w, "    %s\n", wrapText(f.Explanation, 90, "    "))
	if note := attribution.TakeAwayNote(f); note != "" {
		fmt.Fprintf(w, "    %s\n", wrapText(note, 90, "    "))
	} else if f.Loses != "" {
		fmt.Fprintf(w, "    %s\n", wrapText(f.Loses, 90, "    "))
	}
	if len(f.Covers) > 0 {
		fmt.Fprintf(w, "    Also settles: %s\n", strings.Join(f.Covers, ", "))
	}
	if f.Confirm != "" {
		fmt.Fprintf(w, "    Counted only once %s confirms it.\n", f.Confirm)
	}
	for _, c := range f.Commands {
		fmt.Fprintf(w, "      %s\n", c)
	}
	fmt.Fprintln(w)
}

func printPlanMarkdown(w io.Writer, res *attribution.ScanResult, plan *attribution.Plan, sum attribution.PlanSummary) {
	fmt.Fprintf(w, "# Attribution fixes for %s\n\n", mdEscape(res.Linked.Name()))
	for _, f := range sum.NotChecked {
		fmt.Fprintf(w, "> %s\n\n", mdEscape(attribution.NotCheckedLine(f)))
	}
	fmt.Fprintf(w, "**%s**\n\n", mdEscape(sum.Headline()))
	if plan.Delivered != "" {
		fmt.Fprintf(w, "Marked as delivered: %s.\n\n", mdEscape(plan.Delivered))
	}
	n := 0
	section := func(title string, fixes []attribution.Fix, mode string) {
		if len(fixes) == 0 {
			return
		}
		fmt.Fprintf(w, "## %s\n\n", title)
		for _, f := range fixes {
			n++
			m := mode
			if f.Blocked != "" {
				m = "blocked: " + mdEscape(f.Blocked)
			}
			fmt.Fprintf(w, "%d. **%s** (%s)\n\n   %s\n", n, mdEscape(f.Summary), m, mdEscape(f.Explanation))
			if note := attribution.TakeAwayNote(f); note != "" {
				fmt.Fprintf(w, "\n   %s\n", mdEscape(note))
			} else if f.Loses != "" {
				fmt.Fprintf(w, "\n   %s\n", mdEscape(f.Loses))
			}
			if len(f.Covers) > 0 {
				fmt.Fprintf(w, "\n   Also settles: %s\n", mdEscape(strings.Join(f.Covers, ", ")))
			}
			if f.Confirm != "" {
				fmt.Fprintf(w, "\n   Counted only once %s confirms it.\n", mdEscape(f.Confirm))
			}
			if len(f.Commands) > 0 {
				fmt.Fprintf(w, "\n   ```\n   %s\n   ```\n", strings.Join(f.Commands, "\n   "))
			}
			fmt.Fprintln(w)
		}
	}
	section("What palwiz can do", plan.Applicable(), "palwiz can do this")
	section("To do by hand", plan.Manual(), "by hand")
	section("Waiting for delivered marks", plan.Held, "held: not marked as delivered")
	section("Advice (does not move the credit)", plan.Advice, "advice")
	for _, l := range sum.Lines() {
		fmt.Fprintf(w, "- %s\n", mdEscape(l))
	}
}

// applyPlan confirms (unless yes), applies what palwiz can, and prints what
// happened and what is left for a person, once.
func (a *app) applyPlan(ctx context.Context, env *steps.Env, res *attribution.ScanResult, plan *attribution.Plan, format string, yes bool) error {
	chosen := plan.Applicable()
	n := len(chosen)
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
	var prog func(attribution.FixProgress)
	if a.st.errTTY && format == "table" {
		prog = func(p attribution.FixProgress) {
			fmt.Fprintf(a.st.err, "\r\x1b[KApplying: %d of %d…", p.Done, p.Total)
		}
	}
	results, err := attribution.ApplyFixes(ctx, env, res, chosen, prog)
	if prog != nil {
		fmt.Fprint(a.st.err, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	failed := a.printResults(res, plan, results, format)
	a.printFailures(res)
	if failed > 0 {
		return &exitErr{code: exitPartial, err: fmt.Errorf("%d of %d changes failed (see above); the others were made", failed, n)}
	}
	return partial(res, "check behind the plan")
}

// printResults shows what applying did; it returns how many changes failed.
func (a *app) printResults(res *attribution.ScanResult, plan *attribution.Plan, results []attribution.FixResult, format string) int {
	failed := 0
	for _, r := range results {
		if r.Fix.Applicable() && !r.Applied && !r.InEffect {
			failed++
		}
		if r.After != nil {
			res.Replace(*r.After)
		}
	}
	w := a.st.out
	if format == "json" {
		_ = writeJSON(w, struct {
			Results []attribution.FixResult `json:"results"`
			Manual  []attribution.Fix       `json:"manual"`
		}{nonNil(results), nonNil(plan.Manual())})
		return failed
	}
	if len(results) == 0 {
		fmt.Fprintln(w, "Nothing palwiz can change.")
	}
	for _, r := range results {
		switch {
		case r.Applied && r.After != nil:
			fmt.Fprintf(w, "Done: %s\n      now %s: %s\n", r.Fix.Summary, r.After.Verdict.Label(), r.After.Reason)
			for _, n := range r.After.Notes {
				fmt.Fprintf(w, "      %s\n", n)
			}
		case r.InEffect:
			fmt.Fprintf(w, "Already in effect, nothing changed: %s\n", r.Fix.Summary)
		case r.Applied:
			fmt.Fprintf(w, "Done: %s\n      %s\n", r.Fix.Summary, r.Error)
		default:
			fmt.Fprintf(w, "Failed: %s\n      %s\n", r.Fix.Summary, r.Error)
		}
	}
	if manual := plan.Manual(); len(manual) > 0 {
		fmt.Fprintln(w, "\nStill to do by hand:")
		for _, f := range manual {
			fmt.Fprintf(w, "  %s\n", f.Summary)
			if f.Blocked != "" {
				fmt.Fprintf(w, "    %s\n", f.Blocked)
			}
			for _, c := range f.Commands {
				fmt.Fprintf(w, "      %s\n", c)
			}
		}
	}
	return failed
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// wrapText breaks prose at width, indenting the following lines (never commands).
func wrapText(s string, width int, indent string) string {
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
