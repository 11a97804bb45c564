package output

import (
	"fmt"
	"io"
	"strconv"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// FixResultJSON is what applying one fix did: its state in the running
// record (done, failed, unknown, not-started) and the resource read again.
type FixResultJSON struct {
	Fix       FixJSON       `json:"fix"`
	State     string        `json:"state"`
	Applied   bool          `json:"applied"`
	InEffect  bool          `json:"inEffect,omitempty"`
	Recovered bool          `json:"recovered,omitempty"`
	Error     string        `json:"error,omitempty"`
	After     *ResourceJSON `json:"after,omitempty"`
}

// RecordJSON is the running record of an apply in numbers
// (attribution.ApplyRecord): complete also when it was stopped.
type RecordJSON struct {
	Headline   string `json:"headline"`
	Stopped    bool   `json:"stopped"`
	Done       int    `json:"done"`
	Failed     int    `json:"failed"`
	Unknown    int    `json:"unknown"`
	NotStarted int    `json:"notStarted"`
}

// ResultsDoc is what fix --apply did, and what is left for a person.
type ResultsDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Directory
	Linked LinkedJSON `json:"linked"`
	// ActingAs is who made the changes, and where.
	ActingAs *ActorJSON `json:"actingAs,omitempty"`
	// Summary is the plan's, on the check behind it: an incomplete check
	// says so first in its headline.
	Summary PlanSummaryJSON `json:"summary"`
	Record  RecordJSON      `json:"record"`
	Results []FixResultJSON `json:"results"`
	Manual  []FixJSON       `json:"manual"`
	Advice  []FixJSON       `json:"advice"`
	Held    []FixJSON       `json:"held"`
	// Applied counts the changes made; Failed those asked for and not made
	// (failed, not known or not started).
	Applied  int           `json:"applied"`
	Failed   int           `json:"failed"`
	Failures []FailureJSON `json:"failures"`
}

// Applied is what fix --apply did in numbers and words.
type Applied struct {
	Dir    Directory
	Res    *attribution.ScanResult
	Plan   *attribution.Plan
	Record attribution.ApplyRecord
	// As is who made the changes (nil: not known).
	As *steps.Actor
}

// headline is the first sentence after an apply: what could not be read
// comes first (in the plan's headline), then the record's.
func (a Applied) headline() string {
	sum := attribution.SummarizePlan(a.Res, a.Plan)
	if len(a.Record.Results) == 0 {
		return sum.Headline()
	}
	h := a.Record.Headline()
	if n := len(sum.NotChecked); n > 0 {
		h = fmt.Sprintf("Incomplete: %d part%s of the check could not be read (listed first), so the plan covered only what was read. %s",
			n, map[bool]string{true: "", false: "s"}[n == 1], h)
	}
	return h
}

// Results prints what applying the fixes did (each change done, failed,
// not known or not started), and what is left for a person, once.
func Results(w io.Writer, f Format, a Applied) error {
	if a.Dir.TenantID == "" {
		a.Dir.TenantID = a.Res.TenantID
	}
	switch f {
	case JSON:
		return writeJSON(w, resultsDoc(a))
	case CSV:
		return resultsCSV(w, resultsDoc(a))
	case Markdown:
		return resultsMarkdown(w, a)
	}
	resultsText(w, a)
	return nil
}

func resultsDoc(a Applied) ResultsDoc {
	sum := attribution.SummarizePlan(a.Res, a.Plan)
	rec := a.Record
	doc := ResultsDoc{SchemaVersion: SchemaVersion, Directory: a.Dir, Linked: Linked(a.Res.Linked), ActingAs: Actor(a.As),
		Summary: planSummaryJSON(sum, sum.Headline()),
		Record: RecordJSON{Headline: a.headline(), Stopped: rec.Stopped, Done: rec.Done, Failed: rec.Failed, Unknown: rec.Unknown,
			NotStarted: rec.NotStarted},
		Results: make([]FixResultJSON, 0, len(rec.Results)), Manual: fixes(a.Plan.Manual()), Advice: fixes(a.Plan.Advice),
		Held: fixes(a.Plan.Held), Failures: failures(a.Res.Failures)}
	for _, r := range rec.Results {
		j := FixResultJSON{Fix: Fix(r.Fix), State: string(r.State), Applied: r.Applied, InEffect: r.InEffect, Recovered: r.Recovered, Error: r.Error}
		if r.After != nil {
			x := Resource(r.After)
			j.After = &x
		}
		doc.Results = append(doc.Results, j)
		switch {
		case r.Applied:
			doc.Applied++
		case r.State != attribution.ChangeDone:
			doc.Failed++
		}
	}
	return doc
}

func resultsCSV(w io.Writer, doc ResultsDoc) error {
	t := newTable(append(append([]string{}, fixCSV...), "state", "applied", "inEffect", "error", "now.verdict", "now.reason")...)
	for _, r := range doc.Results {
		verdict, reason := "", ""
		if r.After != nil {
			verdict, reason = r.After.Verdict, r.After.Reason
		}
		t.add(append(fixRow("palwiz", r.Fix), r.State, strconv.FormatBool(r.Applied), strconv.FormatBool(r.InEffect), r.Error, verdict, reason)...)
	}
	for _, m := range doc.Manual {
		t.add(append(fixRow("by-hand", m), "", "false", "false", "", "", "")...)
	}
	for _, m := range doc.Advice {
		t.add(append(fixRow("advice", m), "", "false", "false", "", "", "")...)
	}
	return t.write(w, CSV)
}

// stateLabel is a change's state for people.
func stateLabel(r attribution.FixResult) string {
	switch {
	case r.InEffect:
		return "already in effect"
	case r.State == attribution.ChangeDone:
		return "done"
	case r.State == attribution.ChangeUnknown:
		return "not known: " + r.Error
	case r.State == attribution.ChangeNotStarted:
		return "not started"
	}
	return "failed: " + r.Error
}

func resultsMarkdown(w io.Writer, a Applied) error {
	fmt.Fprintf(w, "# Attribution fixes applied for %s in %s\n\n", md(a.Res.Linked.Name()), md(a.Dir.Label()))
	for _, f := range attribution.Summarize(a.Res).NotChecked {
		fmt.Fprintf(w, "> %s\n\n", md(attribution.NotCheckedLine(f)))
	}
	fmt.Fprintf(w, "**%s**\n\n", md(a.headline()))
	t := newTable("Change", "Result", "Verdict now")
	for _, r := range a.Record.Results {
		now := ""
		if r.After != nil {
			now = r.After.Verdict.Label()
		}
		t.add(r.Fix.Summary, stateLabel(r), now)
	}
	for _, m := range a.Plan.Manual() {
		t.add(m.Summary, "to do by hand", "")
	}
	for _, m := range a.Plan.Advice {
		t.add(m.Summary, "advice: not applied, does not move the credit", "")
	}
	if err := t.write(w, Markdown); err != nil {
		return err
	}
	for _, l := range attribution.SummarizePlan(a.Res, a.Plan).Lines() {
		fmt.Fprintf(w, "\n- %s", md(l))
	}
	fmt.Fprintln(w)
	return nil
}

func resultsText(w io.Writer, a Applied) {
	sum := attribution.SummarizePlan(a.Res, a.Plan)
	for _, fl := range sum.NotChecked {
		line(w, "%s", attribution.NotCheckedLine(fl))
	}
	line(w, "%s", a.headline())
	for _, r := range a.Record.Results {
		resultText(w, r)
	}
	if manual := a.Plan.Manual(); len(manual) > 0 {
		fmt.Fprintln(w, "\nStill to do by hand:")
		for _, m := range manual {
			line(w, "  %s", m.Summary)
			if m.Blocked != "" {
				line(w, "    %s", m.Blocked)
			}
			for _, c := range m.Commands {
				line(w, "      %s", c)
			}
		}
	}
	if lines := sum.Lines(); len(lines) > 0 {
		fmt.Fprintln(w)
		for _, l := range lines {
			line(w, "%s", l)
		}
	}
}

// resultText is one change of the record for people.
func resultText(w io.Writer, r attribution.FixResult) {
	switch {
	case r.InEffect:
		line(w, "Already in effect, nothing changed: %s", r.Fix.Summary)
	case r.State == attribution.ChangeDone && r.After != nil:
		line(w, "Done: %s", r.Fix.Summary)
		line(w, "      now %s: %s", r.After.Verdict.Label(), r.After.Reason)
		for _, n := range r.After.Notes {
			line(w, "      %s", n)
		}
		if r.Recovered {
			line(w, "      %s", r.Error)
		}
	case r.State == attribution.ChangeDone:
		line(w, "Done: %s", r.Fix.Summary)
		line(w, "      %s", r.Error)
	case r.State == attribution.ChangeUnknown:
		line(w, "Not known: %s", r.Fix.Summary)
		line(w, "      %s", r.Error)
	case r.State == attribution.ChangeNotStarted:
		line(w, "Not started: %s", r.Fix.Summary)
		if r.Error != "" {
			line(w, "      %s", r.Error)
		}
	default:
		line(w, "Failed: %s", r.Fix.Summary)
		line(w, "      %s", r.Error)
	}
}
