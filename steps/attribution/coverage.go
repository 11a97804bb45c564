package attribution

import (
	"fmt"
	"strings"
)

// ProductCoverage is one product's attribution for Validation and Done:
// "Canvas apps: 3 of 5 attributed", what is left, and one next step each.
type ProductCoverage struct {
	Product       Product `json:"product"`
	Attributed    int     `json:"attributed"`
	NotAttributed int     `json:"notAttributed"`
	CannotTell    int     `json:"cannotTell"`
	DoesNotCount  int     `json:"doesNotCount"`
	// Failed counts the parts of the product that could not be read.
	Failed int `json:"failed"`
	// Checked is false when the product was not read at all; Note says why.
	Checked bool   `json:"checked"`
	Note    string `json:"note,omitempty"`
	// Left are the resources that count but are not attributed.
	Left []Left `json:"left,omitempty"`
	// NextStep is the one thing to do next for the product ("" = nothing).
	NextStep Step `json:"nextStep"`
}

// Left is a resource still to attribute, and the next step for it.
type Left struct {
	Name        string  `json:"name"`
	Environment string  `json:"environment"`
	Verdict     Verdict `json:"verdict"`
	NextStep    Step    `json:"nextStep"`
}

// StepKind is who can take a next step.
type StepKind string

// Step kinds.
const (
	StepNone      StepKind = ""               // nothing to do
	StepApply     StepKind = "apply"          // palwiz can make the change
	StepByHand    StepKind = "by-hand"        // a person's steps (with commands)
	StepMark      StepKind = "mark-delivered" // mark it as delivered, then palwiz plans it
	StepAdvice    StepKind = "advice"         // only advice: it does not move the credit
	StepRetry     StepKind = "retry"          // a read failed: its own next step
	StepCannotFix StepKind = "no-fix"         // nothing palwiz knows moves it
)

// Step is a next step, worded by the renderer from Kind where it needs to
// (the CLI says `palwiz fix --apply`, the wizard its own key).
type Step struct {
	Kind StepKind `json:"kind,omitempty"`
	Text string   `json:"text,omitempty"`
}

// String words the step for either renderer.
func (s Step) String() string {
	switch s.Kind {
	case StepNone:
		return ""
	case StepApply:
		return "palwiz can do it: " + s.Text
	case StepByHand:
		return "By hand: " + s.Text
	case StepMark:
		return "If your organisation delivered it, mark it as delivered and palwiz plans: " + s.Text
	case StepAdvice:
		return "Only advice (does not move the credit): " + s.Text
	}
	return s.Text
}

// Count is "3 of 5 attributed".
func (c ProductCoverage) Count() string {
	return fmt.Sprintf("%d of %d attributed", c.Attributed, c.Attributed+c.NotAttributed+c.CannotTell)
}

// Line is the product's coverage in one line: "Canvas apps: 3 of 5
// attributed (1 not attributed, 1 cannot tell); 2 do not count".
func (c ProductCoverage) Line() string {
	if !c.Checked {
		note := strings.TrimSpace(c.Note)
		if rest, ok := strings.CutPrefix(note, "Not checked"); ok {
			return c.Product.Plural() + ": not checked" + rest // the note says it already
		}
		return c.Product.Plural() + ": not checked. " + note
	}
	if c.Failed > 0 && c.Attributed+c.NotAttributed+c.CannotTell+c.DoesNotCount == 0 {
		// Nothing was read: "0 of 0 attributed" would read as a count.
		return fmt.Sprintf("%s: not checked (%d part%s failed)", c.Product.Plural(), c.Failed, plural(c.Failed))
	}
	line := c.Product.Plural() + ": " + c.Count()
	var more []string
	if c.NotAttributed > 0 {
		more = append(more, fmt.Sprintf("%d not attributed", c.NotAttributed))
	}
	if c.CannotTell > 0 {
		more = append(more, fmt.Sprintf("%d cannot tell", c.CannotTell))
	}
	if len(more) > 0 {
		line += " (" + strings.Join(more, ", ") + ")"
	}
	if c.DoesNotCount > 0 {
		line += fmt.Sprintf("; %d %s", c.DoesNotCount, pick(c.DoesNotCount == 1, "does not count", "do not count"))
	}
	if c.Failed > 0 {
		line += fmt.Sprintf("; %d part%s not checked (failed)", c.Failed, plural(c.Failed))
	}
	return line
}

// CoverageByProduct is the check's coverage per product, with what is left
// and the next step for each, from the plan (nil: no plan was made).
func CoverageByProduct(res *ScanResult, plan *Plan) []ProductCoverage {
	if res == nil {
		return nil
	}
	steps := stepsByResource(plan)
	var out []ProductCoverage
	for _, cv := range res.Coverage {
		c := ProductCoverage{Product: cv.Product, Attributed: cv.ByVerdict[Attributed], NotAttributed: cv.ByVerdict[NotAttributed],
			CannotTell: cv.ByVerdict[CannotTell], DoesNotCount: cv.ByVerdict[DoesNotCount], Failed: cv.Failed, Checked: cv.Checked, Note: cv.Note}
		for _, r := range res.Resources {
			if r.Product != cv.Product || r.Verdict != NotAttributed && r.Verdict != CannotTell {
				continue
			}
			st, ok := steps[r.Key()]
			if !ok {
				st = Step{Kind: StepCannotFix, Text: r.Reason}
			}
			c.Left = append(c.Left, Left{Name: r.Name, Environment: envName(*r), Verdict: r.Verdict, NextStep: st})
		}
		c.NextStep = productStep(c, res)
		out = append(out, c)
	}
	return out
}

// productStep is the one next step for a product: a failure to fix first,
// then palwiz's changes, then a person's, then marks, then advice.
func productStep(c ProductCoverage, res *ScanResult) Step {
	for _, f := range res.Failures {
		if f.Product == c.Product || f.Product == "" && c.Product != Dataset && c.Product != CIInstance {
			return Step{Kind: StepRetry, Text: strings.TrimRight(first(f.NextStep, f.Message), ".") + "."}
		}
	}
	if !c.Checked {
		return Step{Kind: StepRetry, Text: c.Note}
	}
	for _, kind := range []StepKind{StepApply, StepByHand, StepMark, StepAdvice} {
		n := 0
		var text string
		for _, l := range c.Left {
			if l.NextStep.Kind == kind {
				if n == 0 {
					text = l.NextStep.Text
				}
				n++
			}
		}
		if n > 1 {
			text += fmt.Sprintf(" (and %d more like it)", n-1)
		}
		if n > 0 {
			return Step{Kind: kind, Text: text}
		}
	}
	return Step{}
}

// stepsByResource is the plan's first step for each resource.
func stepsByResource(p *Plan) map[string]Step {
	out := map[string]Step{}
	if p == nil {
		return out
	}
	add := func(f Fix, kind StepKind) {
		keys := []string{f.Resource.Key()}
		if _, ok := out[keys[0]]; !ok {
			out[keys[0]] = Step{Kind: kind, Text: f.Summary}
		}
	}
	for _, f := range p.Fixes {
		if f.Applicable() {
			add(f, StepApply)
		} else {
			add(f, StepByHand)
		}
		for _, c := range f.coveredKeys {
			if _, ok := out[c]; !ok {
				out[c] = Step{Kind: StepByHand, Text: f.Summary}
			}
		}
	}
	for _, f := range p.Held {
		add(f, StepMark)
		for _, c := range f.coveredKeys {
			if _, ok := out[c]; !ok {
				out[c] = Step{Kind: StepMark, Text: f.Summary}
			}
		}
	}
	for _, f := range p.Advice {
		add(f, StepAdvice)
	}
	return out
}
