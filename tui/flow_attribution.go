package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palwiz/palwiz/steps/attribution"
)

// The one flow's Attribution: what the check found, what the user marked
// as delivered, the plan, what applying did, and the words for them. Both
// renderers keep these facts through the methods below and only render
// what they return.

// attrFacts is what the wizard knows of attribution in one directory.
type attrFacts struct {
	tenantID string
	res      *attribution.ScanResult
	// marks are the keys of the resources the user marked as delivered.
	marks []string
	plan  *attribution.Plan
	// made are the fixes carried out in this run (by ID): they are never
	// planned again, even while the service does not show them yet.
	made map[string]bool
	// pending are fixes made whose resource does not show the change yet.
	pending []attribution.Fix
	// last is what the last apply did.
	last *attribution.ApplyRecord
	// failed is why the last check read nothing (nil when it read something).
	failed error
	// version counts the changes to the check (a screen caches what it
	// draws from it until the version moves).
	version int
}

// scanned records a check of tenantID; marks and changes made in the same
// directory are kept.
func (a *attrFacts) scanned(tenantID string, res *attribution.ScanResult) {
	if a.tenantID != tenantID {
		a.marks, a.made, a.last = nil, nil, nil
	}
	a.tenantID, a.res, a.failed = tenantID, res, nil
	a.version++
	a.replan()
}

// scanFailed records a check of tenantID that read nothing: what an
// earlier check showed no longer stands for the run's summary.
func (a *attrFacts) scanFailed(tenantID string, err error) {
	if a.tenantID != tenantID {
		a.marks, a.made, a.last, a.res, a.plan, a.pending = nil, nil, nil, nil, nil, nil
	}
	a.tenantID, a.failed = tenantID, err
	a.version++
}

// outcome is the last check as the run's result reports it.
func (a *attrFacts) outcome() (*attribution.Summary, string) {
	if a.failed != nil {
		what, next := explain(a.failed)
		return nil, join(". ", what, next)
	}
	if a.res == nil {
		return nil, ""
	}
	s := a.summarize()
	return &s, ""
}

// checked reports whether there is a check to show.
func (a *attrFacts) checked() bool { return a.res != nil }

// replan plans again from the check and the marks. A fix made in this run
// is never planned again: it waits in pending until the service shows it.
func (a *attrFacts) replan() {
	if a.res == nil {
		a.plan, a.pending = nil, nil
		return
	}
	p := attribution.PlanFixes(a.res, attribution.FixOptions{Delivered: attribution.DeliveredKeys(a.marks...)})
	a.pending = nil
	keep := func(list []attribution.Fix) []attribution.Fix {
		return slices.DeleteFunc(list, func(f attribution.Fix) bool {
			if a.made[f.ID()] {
				a.pending = append(a.pending, f)
				return true
			}
			return false
		})
	}
	p.Fixes, p.Advice = keep(p.Fixes), keep(p.Advice)
	a.plan = p
}

// mark records what the user marked as delivered and plans again.
func (a *attrFacts) mark(keys []string) {
	a.marks = slices.Clone(keys)
	a.replan()
}

// applied records what an apply did: each resource read again replaces
// its row, each change made is never planned again, and the plan is made
// again. It returns the record to show.
func (a *attrFacts) applied(results []attribution.FixResult, err error) attribution.ApplyRecord {
	rec := attribution.NewApplyRecord(results, err)
	if a.made == nil {
		a.made = map[string]bool{}
	}
	for _, r := range results {
		if r.After != nil && a.res != nil {
			a.res.Replace(*r.After)
		}
		if r.State == attribution.ChangeDone {
			a.made[r.Fix.ID()] = true
		}
	}
	a.last = &rec
	a.version++
	a.replan()
	return rec
}

// summary is the check and the plan in numbers.
func (a *attrFacts) summary() attribution.PlanSummary {
	s := attribution.SummarizePlan(a.res, a.plan)
	if a.res != nil {
		s.Linked = linkedName(a.res.Linked)
	}
	return s
}

// changes are the fixes palwiz can make now, then the advice a person may
// choose (unticked at first, not counted).
func (a *attrFacts) changes() (changes, advice []attribution.Fix) {
	if a.plan == nil {
		return nil, nil
	}
	for _, f := range a.plan.Advice {
		if f.Applicable() {
			advice = append(advice, f)
		}
	}
	return a.plan.Applicable(), advice
}

// chosen are the fixes with the IDs, in plan order.
func (a *attrFacts) chosen(ids []string) []attribution.Fix {
	changes, advice := a.changes()
	var out []attribution.Fix
	for _, f := range append(changes, advice...) {
		if slices.Contains(ids, f.ID()) {
			out = append(out, f)
		}
	}
	return out
}

// candidates are the resources the user can mark as delivered: those that
// count and are not attributed, or cannot tell, and those marked already.
func (a *attrFacts) candidates() []attribution.Row {
	var out []attribution.Row
	for _, r := range attribution.Rows(a.res) {
		if r.Verdict == attribution.NotAttributed || r.Verdict == attribution.CannotTell || slices.Contains(a.marks, r.Key) {
			out = append(out, r)
		}
	}
	return out
}

// linkedName is the linked identity for people: a guest by its home
// address, never by the #EXT# name its customer's directory gives it.
func linkedName(l attribution.LinkedIdentity) string {
	if home := attribution.HomeUPN(l.UPN); home != "" {
		return home + " (guest)"
	}
	return l.Name()
}

// summarize is the check in numbers, the linked identity named for people.
func (a *attrFacts) summarize() attribution.Summary {
	s := attribution.Summarize(a.res)
	if a.res != nil {
		s.Linked = linkedName(a.res.Linked)
	}
	return s
}

// nothingToMark is said when no resource can be marked as delivered: an
// all-clear only when every read succeeded.
func (a *attrFacts) nothingToMark() note {
	if s := a.summarize(); !s.Complete() {
		return note{noteWarn, "Nothing to mark in what palwiz could read; some of the check failed (see " + tabResources + ")."}
	}
	return note{noteOK, "Nothing to mark: every resource that counts is attributed."}
}

// headNotes are the check's summary, what was not checked first: an
// all-clear only when every read succeeded.
func (a *attrFacts) headNotes() []note {
	s := a.summarize()
	var ns []note
	for _, f := range s.NotChecked {
		ns = append(ns, note{noteBad, attribution.NotCheckedLine(f)})
	}
	k := noteInfo
	switch {
	case !s.Complete():
		k = noteWarn
	case s.Counted() > 0 && s.Attributed == s.Counted():
		k = noteOK
	}
	return append(ns, note{k, s.Headline()}, note{noteInfo, s.Counts() + "."})
}

// uncheckedNotes are the products not read on purpose, or for want of a
// key, and why (after the resources: they are no failure).
func (a *attrFacts) uncheckedNotes() []note {
	var ns []note
	for _, u := range a.summarize().Unchecked {
		ns = append(ns, note{noteInfo, u.Product.Plural() + ": " + strings.TrimSpace(u.Reason)})
	}
	return ns
}

// judgedLine says what was checked, for whom.
func (a *attrFacts) judgedLine(dir string) string {
	return fmt.Sprintf("%d resource%s in %s, judged for %s.", len(a.res.Resources), plural(len(a.res.Resources)), dir, linkedName(a.res.Linked))
}

// planNotes are the plan's headline (failures first) and what it leaves out.
func (a *attrFacts) planNotes() []note {
	s := a.summary()
	var ns []note
	for _, f := range s.NotChecked {
		ns = append(ns, note{noteBad, attribution.NotCheckedLine(f)})
	}
	k := noteInfo
	if s.Complete() && s.Automatic+s.Manual+s.Blocked+s.Held == 0 && s.NotAttributed+s.CannotTell == 0 {
		k = noteOK
	}
	ns = append(ns, note{k, s.Headline()})
	for _, l := range s.Lines() {
		ns = append(ns, note{noteInfo, l})
	}
	for _, f := range a.pending {
		ns = append(ns, note{noteInfo, "Made in this run; the service does not show it yet, so palwiz does not plan it again: " + f.Summary + "."})
	}
	return ns
}

// legendLines are the verdict marks, as many to a line as fit in width
// (0: one line); a mark never breaks from its meaning.
func legendLines(width int) string {
	line, out := "Marks:", []string{}
	for _, e := range attribution.Legend() {
		entry := e.Symbol + " " + e.Verdict.Label()
		if width > 0 && len([]rune(line))+2+len([]rune(entry)) > width {
			out = append(out, line)
			line = "      " + entry
			continue
		}
		line += "  " + entry
	}
	return strings.Join(append(out, line), "\n")
}

// rowGroup is one product's rows, with the role its rule looks at.
type rowGroup struct {
	title string // "Canvas apps"
	role  string // "owner / co-owner"
	rows  []attribution.Row
}

// groups are the check's rows by product, in the order palwiz lists products.
func (a *attrFacts) groups() []rowGroup {
	rows := attribution.Rows(a.res)
	var out []rowGroup
	for _, p := range attribution.Products {
		g := rowGroup{title: p.Plural(), role: attribution.RoleLabel(p)}
		for _, r := range rows {
			if r.Product == p {
				g.rows = append(g.rows, r)
			}
		}
		if len(g.rows) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// rowDetails are a row's reason and, with more, what else is known (the
// linked account's own part, the primary owner, the notes).
func rowDetails(r attribution.Row, more bool) []string {
	out := []string{r.Reason}
	if !more {
		return out
	}
	if r.LinkedRole != "" {
		out = append(out, "The linked account: "+r.LinkedRole+".")
	}
	if r.Owner != "" {
		out = append(out, "Primary owner: "+r.Owner+".")
	}
	return append(out, r.Notes...)
}

// holderCell is who holds a row's resource, short enough for a table cell:
// the name, or the address (a guest's home address) when there is no name.
func holderCell(r attribution.Row) string {
	if name, _, ok := strings.Cut(r.Holder, " <"); ok && name != "" {
		return name
	}
	return r.Holder
}

// fixLabel is a fix as a tick list shows it; advice says it is advice.
func fixLabel(f attribution.Fix) string {
	if isAdvice(f) {
		return "Advice, does not move the credit: " + f.Summary
	}
	return f.Summary
}

func isAdvice(f attribution.Fix) bool {
	switch f.Kind {
	case attribution.FixAddFlowCoOwner, attribution.FixAssignBot, attribution.FixUseInstance:
		return true
	}
	return false
}

// losesText is what the customer loses by a fix ("" = nothing).
func losesText(f attribution.Fix) string {
	if n := attribution.TakeAwayNote(f); n != "" {
		return n
	}
	return f.Loses
}

// fixDetails are the lines under a fix: what it achieves, what the
// customer loses, what else it settles, when it counts. Short, the
// explanation is its first sentence.
func fixDetails(f attribution.Fix, short bool) []string {
	why := f.Explanation
	if short {
		why = firstSentence(why)
	}
	out := []string{why}
	if l := losesText(f); l != "" {
		out = append(out, "What the customer loses: "+l)
	}
	if len(f.Covers) > 0 {
		out = append(out, "Also settles: "+strings.Join(f.Covers, ", ")+".")
	}
	if f.Confirm != "" {
		out = append(out, "Counted only once "+f.Confirm+" confirms it.")
	}
	if f.Blocked != "" {
		out = append(out, "Cannot be done now: "+f.Blocked)
	}
	return out
}

// firstSentence is s up to the end of its first sentence.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// applyQuestion asks before making the chosen changes; the description
// says, before anything is applied, what the customer loses.
func applyQuestion(chosen []attribution.Fix) (title, description string) {
	n, advice := len(chosen), 0
	var loses []string
	for _, f := range chosen {
		if isAdvice(f) {
			advice++
		}
		if l := losesText(f); l != "" {
			loses = append(loses, l)
		}
	}
	title = fmt.Sprintf("Make %d change%s now?", n, plural(n))
	if advice > 0 {
		title = fmt.Sprintf("Make %d change%s now (%d of them advice that does not move the credit)?", n, plural(n), advice)
	}
	switch {
	case len(loses) > 0:
		description = "What the customer loses: " + strings.Join(loses, " ")
	default:
		description = "Nobody loses access: each change adds the linked account."
	}
	return title, description
}

// commands are every command of the plan's steps, for copying.
func (a *attrFacts) commands() []string {
	if a.plan == nil {
		return nil
	}
	var out []string
	for _, f := range a.plan.Manual() {
		out = append(out, f.Commands...)
	}
	return out
}

// recordNotes are what an apply did: the headline, then a line a change.
func recordNotes(rec attribution.ApplyRecord) []note {
	k := noteOK
	if !rec.Complete() {
		k = noteWarn
	}
	ns := []note{{k, rec.Headline()}}
	for _, r := range rec.Results {
		k := noteOK
		switch r.State {
		case attribution.ChangeFailed, attribution.ChangeUnknown:
			k = noteBad
		case attribution.ChangeNotStarted:
			k = noteInfo
		}
		ns = append(ns, note{k, r.Line()})
		if r.After != nil {
			// What the read-back says that the check did not.
			for _, n := range r.After.Notes {
				if !slices.Contains(r.Fix.Resource.Notes, n) {
					ns = append(ns, note{noteInfo, n})
				}
			}
		}
	}
	return ns
}

// coverageNotes are attribution by product for Validation and Done: the
// coverage, what is left, and the one next step for each product; what
// was not checked comes first, and nothing is called attributed that was
// not read.
func (a *attrFacts) coverageNotes(dir string) []note {
	if a.res == nil {
		return []note{{noteInfo, "Attribution was not checked in " + dir + ": go back to Attribution to see which resources earn the credit."}}
	}
	s := a.summarize()
	var ns []note
	for _, f := range s.NotChecked {
		ns = append(ns, note{noteBad, attribution.NotCheckedLine(f)})
	}
	ns = append(ns, note{noteInfo, s.Headline()})
	for _, c := range attribution.CoverageByProduct(a.res, a.plan) {
		k := noteInfo
		switch {
		case !c.Checked || c.Failed > 0:
			k = noteWarn
		case len(c.Left) == 0 && c.Attributed > 0:
			k = noteOK
		}
		text := c.Line()
		if c.Checked && len(c.Left) > 0 {
			var names []string
			for _, l := range c.Left {
				names = append(names, l.Name)
			}
			text += ". Left: " + strings.Join(names, ", ")
		}
		if step := c.NextStep.String(); step != "" && c.Checked {
			text += ". Next: " + step
		}
		ns = append(ns, note{k, strings.TrimRight(text, ".") + "."})
	}
	return ns
}

// attributionHeading introduces the coverage on Validation and Done, with
// the partner the credit goes to.
func (f *facts) attributionHeading() string {
	if f.final != nil {
		return "What earns credit for " + partnerLabel(f.final) + " in " + f.dirName() + ":"
	}
	return "Attribution in " + f.dirName() + ":"
}
