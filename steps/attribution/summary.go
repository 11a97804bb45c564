package attribution

import (
	"fmt"
	"strings"
)

// ExitPartial is the exit code of a command whose output is printed but
// incomplete because a read failed (the commands map Summary.ExitCode to it).
const ExitPartial = 4

// Summary is a check's verdicts in numbers, with what was not checked first.
// Every summary line palwiz prints (wizard, accessible mode, table, md,
// json) comes from it, so none claims more than was read.
type Summary struct {
	Linked        string `json:"linked"`
	Attributed    int    `json:"attributed"`
	NotAttributed int    `json:"notAttributed"`
	CannotTell    int    `json:"cannotTell"`
	DoesNotCount  int    `json:"doesNotCount"`
	// NotChecked are the parts whose reads failed, each with its cause and next step.
	NotChecked []Failure `json:"notChecked,omitempty"`
	// Unchecked are products that were not read at all, and why.
	Unchecked []Unchecked `json:"unchecked,omitempty"`
}

// Unchecked is a product palwiz did not read, on purpose or for want of a key.
type Unchecked struct {
	Product Product `json:"product"`
	Reason  string  `json:"reason"`
}

// Summarize counts a check's verdicts and lists what it could not read.
func Summarize(res *ScanResult) Summary {
	var s Summary
	if res == nil {
		return s
	}
	s.Linked = res.Linked.Name()
	for i := range res.Resources {
		switch res.Resources[i].Verdict {
		case Attributed:
			s.Attributed++
		case NotAttributed:
			s.NotAttributed++
		case CannotTell:
			s.CannotTell++
		case DoesNotCount:
			s.DoesNotCount++
		}
	}
	s.NotChecked = append(s.NotChecked, res.Failures...)
	for _, c := range res.Coverage {
		if !c.Checked {
			s.Unchecked = append(s.Unchecked, Unchecked{Product: c.Product, Reason: c.Note})
		}
	}
	return s
}

// Complete reports whether every read succeeded.
func (s Summary) Complete() bool { return len(s.NotChecked) == 0 }

// Counted is how many resources are in places that count.
func (s Summary) Counted() int { return s.Attributed + s.NotAttributed + s.CannotTell }

// ExitCode is 4 when a read failed (the output is printed but incomplete), else 0.
func (s Summary) ExitCode() int {
	if !s.Complete() {
		return ExitPartial
	}
	return 0
}

// Counts is one line of counts: "3 attributed · 6 not attributed · 2 cannot
// tell · 4 do not count · 1 not checked (failed)".
func (s Summary) Counts() string {
	parts := []string{
		fmt.Sprintf("%d attributed", s.Attributed),
		fmt.Sprintf("%d not attributed", s.NotAttributed),
		fmt.Sprintf("%d cannot tell", s.CannotTell),
		fmt.Sprintf("%d %s", s.DoesNotCount, pick(s.DoesNotCount == 1, "does not count", "do not count")),
	}
	if n := len(s.NotChecked); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not checked (failed)", n))
	}
	return strings.Join(parts, " · ")
}

// Headline is the one sentence a summary starts with: a failure first, an
// all-clear ("nothing found") only when every read succeeded.
func (s Summary) Headline() string {
	if n := len(s.NotChecked); n > 0 {
		return fmt.Sprintf("Incomplete: %d part%s could not be checked (listed first). Of what was read, %d of %d resources that count are attributed to %s.",
			n, plural(n), s.Attributed, s.Counted(), s.Linked)
	}
	switch {
	case s.Counted() == 0 && s.DoesNotCount == 0:
		if len(s.Unchecked) > 0 {
			return "Nothing that can earn credit was found in what palwiz checked (" + s.uncheckedNames() + " not checked)."
		}
		return "Nothing that can earn credit was found: every read succeeded."
	case s.Counted() == 0:
		return fmt.Sprintf("None of the %d resource%s found is in an environment that counts.", s.DoesNotCount, plural(s.DoesNotCount))
	}
	return fmt.Sprintf("%d of %d resources that count are attributed to %s.", s.Attributed, s.Counted(), s.Linked)
}

func (s Summary) uncheckedNames() string {
	names := make([]string, len(s.Unchecked))
	for i, u := range s.Unchecked {
		names[i] = u.Product.Plural()
	}
	return strings.Join(names, ", ")
}

// Lines are the summary for people: what was not checked and why (with the
// next step) first, then the counts, then what was not read on purpose.
func (s Summary) Lines() []string {
	var out []string
	for _, f := range s.NotChecked {
		out = append(out, NotCheckedLine(f))
	}
	out = append(out, s.Headline(), s.Counts())
	for _, u := range s.Unchecked {
		out = append(out, u.Product.Plural()+": "+u.Reason)
	}
	return out
}

// NotCheckedLine is one failure for people: what, why, and what to do.
func NotCheckedLine(f Failure) string {
	line := "Not checked: " + f.Where() + ": " + strings.TrimRight(f.Message, ". ") + "."
	if f.NextStep != "" {
		line += " Next: " + strings.TrimRight(f.NextStep, ". ") + "."
	}
	return line
}

// PlanSummary is a plan in numbers, on top of the check behind it.
type PlanSummary struct {
	Summary
	Automatic    int `json:"automatic"`
	Blocked      int `json:"blocked"`
	Manual       int `json:"manual"`
	Advice       int `json:"advice"`
	Held         int `json:"held"`
	NotDelivered int `json:"notDelivered"`
}

// SummarizePlan counts a plan's changes.
func SummarizePlan(res *ScanResult, p *Plan) PlanSummary {
	s := PlanSummary{Summary: Summarize(res)}
	if p == nil {
		return s
	}
	for _, f := range p.Fixes {
		switch {
		case f.Applicable():
			s.Automatic++
		case f.Automatic:
			s.Blocked++
		default:
			s.Manual++
		}
	}
	s.Advice, s.Held, s.NotDelivered = len(p.Advice), len(p.Held), p.NotDelivered
	return s
}

// Headline is the plan's first sentence. "Nothing to fix" only when every
// read succeeded and everything that counts is attributed; "nothing palwiz
// can change" when only a person (or a delivered mark) can move the rest.
func (s PlanSummary) Headline() string {
	prefix := ""
	if n := len(s.NotChecked); n > 0 {
		prefix = fmt.Sprintf("Incomplete: %d part%s of the check could not be read (listed first), so this plan covers only what was read. ", n, plural(n))
	}
	switch {
	case s.Automatic > 0:
		return prefix + fmt.Sprintf("%d change%s palwiz can make, %d step%s to do by hand.", s.Automatic, plural(s.Automatic), s.Manual+s.Blocked, plural(s.Manual+s.Blocked))
	case s.Manual+s.Blocked > 0:
		return prefix + fmt.Sprintf("Nothing palwiz can change; %d step%s to do by hand.", s.Manual+s.Blocked, plural(s.Manual+s.Blocked))
	case s.Complete() && s.NotAttributed == 0 && s.CannotTell == 0:
		return "Nothing to fix: every resource that counts is attributed."
	}
	return prefix + "Nothing palwiz can change."
}

// Lines say what the plan leaves out, and why.
func (s PlanSummary) Lines() []string {
	var out []string
	if s.Held > 0 {
		out = append(out, fmt.Sprintf("%d change%s of ownership wait%s for you to mark what your organisation delivered: palwiz changes owners only of what the partner delivered.",
			s.Held, plural(s.Held), pick(s.Held == 1, "s", "")))
	}
	if s.NotDelivered > 0 {
		out = append(out, fmt.Sprintf("%d resource%s not marked as delivered %s left alone.", s.NotDelivered, plural(s.NotDelivered), pick(s.NotDelivered == 1, "is", "are")))
	}
	if s.Advice > 0 {
		out = append(out, fmt.Sprintf("%d piece%s of advice %s not move the credit (not counted, not applied unless chosen).", s.Advice, plural(s.Advice), pick(s.Advice == 1, "does", "do")))
	}
	if left := s.NotAttributed + s.CannotTell; left > 0 && s.Automatic+s.Manual+s.Blocked == 0 && s.Held == 0 {
		out = append(out, fmt.Sprintf("%d resource%s that count%s not attributed or cannot tell; the check says why.", left, plural(left), pick(left == 1, "s is", " are")))
	}
	return out
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
