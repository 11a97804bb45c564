package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/palwiz/palwiz/steps/attribution"
)

// The accessible runner's Attribution: the same check, plan, tick lists
// and words as the screen (flow_attribution.go), read out and asked one
// question at a time.

func (p *plain) attribution() (step, error) {
	p.say("Step 3 of 3: Attribution. Make sure the linked account owns what you deliver.")
	a := p.o.Attributor
	if a != nil {
		if err := p.check(a); err != nil {
			return stepAttribution, err
		}
	}
	for {
		pairs := []string{"Continue to Validation", "next"}
		if a != nil && p.f.attr.checked() {
			if changes, advice := p.f.attr.changes(); len(changes)+len(advice) > 0 {
				pairs = append(pairs, "Choose what palwiz changes, and apply it", "apply")
			}
			if len(p.f.attr.candidates()) > 0 {
				pairs = append(pairs, "Mark what your organisation delivered", "delivered")
			}
			pairs = append(pairs, "Hear the resources again", "resources", "Hear the fix plan again", "plan")
		}
		if a != nil {
			pairs = append(pairs, "Check again", "check")
		}
		pairs = append(pairs, "Why it matters", "why", "Product rules", "rules", "Solutions", "solutions", "Tooling", "tooling")
		t, err := p.choose(stepAttribution, "Attribution: what now?", "next", pairs...)
		if err != nil || t == "next" {
			return stepValidation, err
		}
		switch t {
		case "apply":
			err = p.offerFixes(a)
		case "delivered":
			err = p.markDelivered(a)
		case "resources":
			p.sayResources()
		case "plan":
			p.sayPlan()
		case "check":
			err = p.check(a)
		default:
			p.sayTopic(t)
		}
		if err != nil {
			return stepAttribution, err
		}
	}
}

// check reads who holds what, reads it out, and offers the changes.
func (p *plain) check(a Attributor) error {
	p.say("Checking who owns the resources in %s.", p.f.dirName())
	var res *attribution.ScanResult
	var last error
	ok, err := p.retry(stepAttribution, func() (err error) {
		res, err = a.Scan(p.ctx, p.f.tenant.ID, nil)
		last = err
		return err
	})
	if err != nil || !ok {
		if err == nil {
			p.f.attr.scanFailed(p.f.tenant.ID, last)
			if _, ok := needsSignIn(last); ok {
				p.say("%s.", signInAgainNext)
			}
			p.say("Nothing was checked, so palwiz says nothing about attribution.")
		}
		return err
	}
	p.f.attr.scanned(p.f.tenant.ID, res)
	p.sayResources()
	p.sayPlan()
	return p.offerFixes(a)
}

// offerFixes asks which changes palwiz makes (its changes ticked, advice
// not), then asks before making them, saying what the customer loses.
func (p *plain) offerFixes(a Attributor) error {
	changes, advice := p.f.attr.changes()
	all := append(changes, advice...)
	if len(all) == 0 {
		return nil
	}
	var chosen []string
	for _, f := range changes {
		chosen = append(chosen, f.ID())
	}
	if err := p.ask(stepAttribution, fixesField(&chosen, all, 0)); err != nil {
		return err
	}
	picked := p.f.attr.chosen(chosen)
	if len(picked) == 0 {
		return nil
	}
	title, desc := applyQuestion(picked)
	p.say("%s", desc)
	apply := false
	if err := p.ask(stepAttribution, confirmField(title, "", "Apply", "Not now", &apply)); err != nil || !apply {
		return err
	}
	p.say("Making the changes, then reading each one back.")
	results, err := a.Apply(p.ctx, p.f.attr.res, picked, nil)
	rec := p.f.attr.applied(results, err)
	p.sayRecord(rec)
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case err != nil:
		p.sayErr(err)
	}
	p.say("The fix plan now: %s", p.f.attr.summary().Headline())
	return nil
}

// markDelivered asks what the partner delivered and plans again.
func (p *plain) markDelivered(a Attributor) error {
	p.say("%s", deliveredIntro)
	marks := append([]string(nil), p.f.attr.marks...)
	if err := p.ask(stepAttribution, deliveredField(&marks, p.f.attr.candidates(), 0)); err != nil {
		return err
	}
	p.f.attr.mark(marks)
	p.say("%d marked as delivered.", len(marks))
	p.sayPlan()
	return p.offerFixes(a)
}

// sayResources reads out the check: what was not checked first, the
// summary, the marks, then each product's resources with their reasons.
func (p *plain) sayResources() {
	a := &p.f.attr
	p.say("%s", a.judgedLine(p.f.dirName()))
	for _, n := range a.headNotes() {
		p.say("%s", n.text)
	}
	var marks []string
	for _, e := range attribution.Legend() {
		marks = append(marks, e.Symbol+" means "+e.Meaning)
	}
	p.say("The marks: %s.", strings.Join(marks, "; "))
	for _, g := range a.groups() {
		p.say("%s (the rule looks at the %s):", g.title, g.role)
		for _, r := range g.rows {
			p.say("  %s %s: %s, in %s. %s: %s. %s", r.Symbol, r.Verdict.Label(), r.Name, r.Environment, capital(r.Role), r.Holder,
				strings.Join(rowDetails(r, true), " "))
		}
	}
	for _, n := range a.res.Notes {
		p.say("Note: %s", n)
	}
}

// sayPlan reads out the plan: its headline, palwiz's changes, the advice,
// a person's steps with their commands (one a line), what waits for marks.
func (p *plain) sayPlan() {
	a := &p.f.attr
	for _, n := range a.planNotes() {
		p.say("%s", n.text)
	}
	changes, advice := a.changes()
	say := func(title string, fixes []attribution.Fix, details func(attribution.Fix) []string) {
		if len(fixes) == 0 {
			return
		}
		p.say("%s", title)
		for i, f := range fixes {
			p.say("  %d. %s. %s", i+1, strings.TrimSuffix(f.Summary, "."), strings.Join(details(f), " "))
			for _, c := range f.Commands {
				p.say("     $ %s", c)
			}
		}
	}
	loses := func(f attribution.Fix) []string {
		if l := losesText(f); l != "" {
			return []string{"What the customer loses: " + l}
		}
		return nil
	}
	say("Changes palwiz can make:", changes, loses)
	say("Advice that does not move the credit (unticked, not counted):", advice, func(f attribution.Fix) []string { return []string{f.Explanation} })
	say("For a person to do:", a.plan.Manual(), func(f attribution.Fix) []string { return fixDetails(f, false) })
	say("Waiting for you to mark what your organisation delivered:", a.plan.Held, loses)
}

// sayRecord reads out what an apply did, a line a change.
func (p *plain) sayRecord(rec attribution.ApplyRecord) {
	for _, n := range recordNotes(rec) {
		p.say("%s", n.text)
	}
}

// capital starts s with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sayCoverage reads out attribution by product, as Validation and Done show it.
func (p *plain) sayCoverage() {
	if p.o.Attributor == nil {
		return
	}
	p.say("%s", p.f.attributionHeading())
	for _, n := range p.f.attr.coverageNotes(p.f.dirName()) {
		p.say("%s", n.text)
	}
}
