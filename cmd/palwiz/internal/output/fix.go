package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/palwiz/palwiz/steps/attribution"
)

// FixJSON is one planned change, step or piece of advice.
type FixJSON struct {
	Kind        string       `json:"kind"`
	Resource    ResourceJSON `json:"resource"`
	Summary     string       `json:"summary"`
	Explanation string       `json:"explanation"`
	Automatic   bool         `json:"automatic"`
	Blocked     string       `json:"blocked,omitempty"`
	Attributes  bool         `json:"attributes"`
	// After is the verdict a new check should find; Confirm how to see it.
	After     string   `json:"after,omitempty"`
	Confirm   string   `json:"confirm,omitempty"`
	Ownership bool     `json:"changesOwnership,omitempty"`
	Loses     string   `json:"loses,omitempty"`
	TakesFrom string   `json:"takesFrom,omitempty"`
	Commands  []string `json:"commands,omitempty"`
	Covers    []string `json:"covers,omitempty"`
}

// Fix is the machine shape of f.
func Fix(f attribution.Fix) FixJSON {
	return FixJSON{Kind: string(f.Kind), Resource: Resource(&f.Resource), Summary: f.Summary, Explanation: f.Explanation,
		Automatic: f.Automatic, Blocked: f.Blocked, Attributes: f.Attributes, After: string(f.After), Confirm: f.Confirm,
		Ownership: f.Ownership, Loses: f.Loses, TakesFrom: f.TakesFrom, Commands: f.Commands, Covers: f.Covers}
}

func fixes(fs []attribution.Fix) []FixJSON {
	out := make([]FixJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, Fix(f))
	}
	return out
}

// PlanJSON is a plan: what moves a verdict, what waits for delivered marks,
// and advice that does not move the credit.
type PlanJSON struct {
	Fixes        []FixJSON `json:"fixes"`
	Advice       []FixJSON `json:"advice"`
	Held         []FixJSON `json:"held"`
	NotDelivered int       `json:"notDelivered"`
	Delivered    string    `json:"delivered,omitempty"`
}

// PlanSummaryJSON is the plan in numbers, on the check's summary.
type PlanSummaryJSON struct {
	SummaryJSON
	Automatic    int `json:"automatic"`
	Blocked      int `json:"blocked"`
	Manual       int `json:"manual"`
	Advice       int `json:"advice"`
	Held         int `json:"held"`
	NotDelivered int `json:"notDelivered"`
}

func planSummaryJSON(sum attribution.PlanSummary, headline string) PlanSummaryJSON {
	return PlanSummaryJSON{SummaryJSON: summaryJSON(sum.Summary, headline), Automatic: sum.Automatic, Blocked: sum.Blocked,
		Manual: sum.Manual, Advice: sum.Advice, Held: sum.Held, NotDelivered: sum.NotDelivered}
}

// PlanDoc is the plan of attribution fixes.
type PlanDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Directory
	Linked   LinkedJSON      `json:"linked"`
	Summary  PlanSummaryJSON `json:"summary"`
	Plan     PlanJSON        `json:"plan"`
	Failures []FailureJSON   `json:"failures"`
}

var fixCSV = []string{"section", "kind", "resource.product", "resource.id", "resource.name", "resource.environmentName", "resource.verdict",
	"summary", "automatic", "blocked", "after", "loses", "commands"}

func fixRow(section string, f FixJSON) []string {
	return []string{section, f.Kind, f.Resource.Product, f.Resource.ID, f.Resource.Name, f.Resource.EnvironmentName, f.Resource.Verdict,
		f.Summary, strconv.FormatBool(f.Automatic), f.Blocked, f.After, f.Loses, strings.Join(f.Commands, " ; ")}
}

// sections are a plan's parts in the order palwiz shows them, each with
// its heading and how each fix in it is done.
func sections(p *attribution.Plan) []struct {
	id, title, md string
	fixes         []attribution.Fix
	mode          func(attribution.Fix) string
} {
	manualMode := func(f attribution.Fix) string {
		if f.Blocked != "" {
			return "blocked: " + f.Blocked
		}
		return "by hand"
	}
	return []struct {
		id, title, md string
		fixes         []attribution.Fix
		mode          func(attribution.Fix) string
	}{
		{"palwiz", "What palwiz can do:", "What palwiz can do", p.Applicable(), func(attribution.Fix) string { return "palwiz can do this" }},
		{"by-hand", "To do by hand:", "To do by hand", p.Manual(), manualMode},
		{"held", "Waiting for you to mark what your organisation delivered (--delivered):", "Waiting for delivered marks", p.Held,
			func(attribution.Fix) string { return "held: not marked as delivered" }},
		{"advice", "Advice that does not move the credit (not counted, never applied by --apply):", "Advice (does not move the credit)", p.Advice,
			func(attribution.Fix) string { return "advice" }},
	}
}

// Plan prints the plan of fixes for dir: what was not checked first, the
// headline, then palwiz's changes, a person's steps, what waits for
// delivered marks, and the advice apart. Commands are one a line.
func Plan(w io.Writer, f Format, dir Directory, res *attribution.ScanResult, plan *attribution.Plan) error {
	if dir.TenantID == "" {
		dir.TenantID = res.TenantID
	}
	sum := attribution.SummarizePlan(res, plan)
	switch f {
	case JSON:
		return writeJSON(w, PlanDoc{SchemaVersion: SchemaVersion, Directory: dir, Linked: Linked(res.Linked),
			Summary: planSummaryJSON(sum, sum.Headline()),
			Plan: PlanJSON{Fixes: fixes(plan.Fixes), Advice: fixes(plan.Advice), Held: fixes(plan.Held), NotDelivered: plan.NotDelivered,
				Delivered: plan.Delivered},
			Failures: failures(res.Failures)})
	case CSV:
		t := newTable(fixCSV...)
		for _, s := range sections(plan) {
			for _, x := range s.fixes {
				t.add(fixRow(s.id, Fix(x))...)
			}
		}
		return t.write(w, CSV)
	case Markdown:
		planMarkdown(w, dir, res, plan, sum)
		return nil
	}
	linkedHeader(w, io.Discard, dir, res)
	for _, fl := range sum.NotChecked {
		line(w, "%s", attribution.NotCheckedLine(fl))
	}
	headline := sum.Headline()
	if sum.Automatic > 0 {
		headline = strings.Replace(headline, "palwiz can make", "palwiz can make (`palwiz fix --apply`)", 1)
	}
	line(w, "%s", headline)
	fmt.Fprintln(w)
	n := 0
	for _, s := range sections(plan) {
		if len(s.fixes) == 0 {
			continue
		}
		fmt.Fprintln(w, s.title)
		for _, x := range s.fixes {
			n++
			printFix(w, n, x, s.mode(x))
		}
	}
	for _, l := range sum.Lines() {
		line(w, "%s", l)
	}
	return nil
}

func printFix(w io.Writer, i int, f attribution.Fix, mode string) {
	line(w, "%2d. %s", i, f.Summary)
	line(w, "    [%s]", mode)
	fmt.Fprintf(w, "    %s\n", wrap(Clean(f.Explanation), 90, "    "))
	if note := attribution.TakeAwayNote(f); note != "" {
		fmt.Fprintf(w, "    %s\n", wrap(Clean(note), 90, "    "))
	} else if f.Loses != "" {
		fmt.Fprintf(w, "    %s\n", wrap(Clean(f.Loses), 90, "    "))
	}
	if len(f.Covers) > 0 {
		line(w, "    Also settles: %s", strings.Join(f.Covers, ", "))
	}
	if f.Confirm != "" {
		line(w, "    Counted only once %s confirms it.", f.Confirm)
	}
	for _, c := range f.Commands {
		line(w, "      %s", c)
	}
	fmt.Fprintln(w)
}

func planMarkdown(w io.Writer, dir Directory, res *attribution.ScanResult, plan *attribution.Plan, sum attribution.PlanSummary) {
	fmt.Fprintf(w, "# Attribution fixes for %s in %s\n\n", md(res.Linked.Name()), md(dir.Label()))
	for _, f := range sum.NotChecked {
		fmt.Fprintf(w, "> %s\n\n", md(attribution.NotCheckedLine(f)))
	}
	fmt.Fprintf(w, "**%s**\n\n", md(sum.Headline()))
	if plan.Delivered != "" {
		fmt.Fprintf(w, "Marked as delivered: %s.\n\n", md(plan.Delivered))
	}
	n := 0
	for _, s := range sections(plan) {
		if len(s.fixes) == 0 {
			continue
		}
		fmt.Fprintf(w, "## %s\n\n", s.md)
		for _, f := range s.fixes {
			n++
			fmt.Fprintf(w, "%d. **%s** (%s)\n\n   %s\n", n, md(f.Summary), md(s.mode(f)), md(f.Explanation))
			if note := attribution.TakeAwayNote(f); note != "" {
				fmt.Fprintf(w, "\n   %s\n", md(note))
			} else if f.Loses != "" {
				fmt.Fprintf(w, "\n   %s\n", md(f.Loses))
			}
			if len(f.Covers) > 0 {
				fmt.Fprintf(w, "\n   Also settles: %s\n", md(strings.Join(f.Covers, ", ")))
			}
			if f.Confirm != "" {
				fmt.Fprintf(w, "\n   Counted only once %s confirms it.\n", md(f.Confirm))
			}
			if len(f.Commands) > 0 {
				cmds := make([]string, len(f.Commands))
				for j, c := range f.Commands {
					cmds[j] = Clean(c)
				}
				fmt.Fprintf(w, "\n   ```\n   %s\n   ```\n", strings.Join(cmds, "\n   "))
			}
			fmt.Fprintln(w)
		}
	}
	for _, l := range sum.Lines() {
		fmt.Fprintf(w, "- %s\n", md(l))
	}
}

// wrap breaks prose at width, indenting the following lines (never commands).
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
