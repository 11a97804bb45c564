package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/palwiz/palwiz/steps"
)

// The accessible runner's later steps: Registration to Done.

func (p *plain) registration() (step, error) {
	p.say("Step 2 of 3: Registration.")
	var cur *steps.PartnerLink
	if ok, err := p.retry(stepRegistration, func() (err error) {
		cur, err = p.be.ReadLink(p.ctx, p.f.tenant.ID)
		return err
	}); err != nil || !ok {
		return stepDirectory, err
	}
	for {
		plan := p.f.planLink(cur)
		p.say("Current link: %s. What palwiz will do: %s.", plan.current, plan.does)
		if plan.warning != "" {
			p.sayNotes([]note{{noteWarn, plan.warning}})
		}
		p.sayNotes(plan.guards)
		if plan.action == steps.ActionNone {
			p.f.linked(steps.Outcome{Action: steps.ActionNone, Before: cur, After: cur})
			return stepAttribution, nil
		}
		yes := plan.safe
		if err := p.ask(stepRegistration, confirmField(plan.question, "", plan.yes, plan.no, &yes)); err != nil {
			return stepRegistration, err
		}
		if !yes {
			return p.declined(plan, cur)
		}
		o, err := p.be.Link(p.ctx, p.f.tenant.ID, cur, p.f.partnerID, plan.action == steps.ActionMove)
		var nf *steps.NeedsForceError
		switch {
		case errors.As(err, &nf):
			cur = nf.Current // linked to another partner in the meantime: ask about that one
			continue
		case err != nil:
			p.sayErr(err)
			return p.whatNow(nil)
		}
		p.f.linked(o)
		p.say("%s.", o.Summary())
		if l := o.After; l != nil {
			p.say("As the Azure portal shows it: partner ID %s, partner name %s, directory %s.", l.PartnerID, l.PartnerName, p.f.dirName())
			if moved(l) {
				rows := p.f.linkRows(l)
				p.say("%s %s.", rows[len(rows)-2], rows[len(rows)-1])
			}
		}
		if o.Recovered {
			p.say("Note: %s", recoveredNote)
		}
		return stepAttribution, nil
	}
}

// declined says what not linking means and what can be done instead.
func (p *plain) declined(plan regPlan, cur *steps.PartnerLink) (step, error) {
	if plan.action != steps.ActionMove {
		p.say("%s", declinedLink)
		return p.whatNow(nil)
	}
	p.say("%s", keptLink(cur))
	p.sayNotes([]note{{noteWarn, p.f.keepConsequence(cur)}})
	return p.whatNow(cur)
}

// whatNow offers what the Registration screen's keys offer when the link
// was not made: keep another partner's link (kept) and go on, read it
// again (and retry), another partner ID, another directory.
func (p *plain) whatNow(kept *steps.PartnerLink) (step, error) {
	pairs := []string{"Read the link again and try again", "again"}
	def := "again"
	if kept != nil {
		pairs = []string{"Keep it and continue to Attribution", "keep", "Read the link again and decide again", "again"}
		def = "keep"
	}
	pairs = append(pairs, "Change the partner ID", "welcome", "Choose another directory", "directory")
	next, err := p.choose(stepRegistration, "What now?", def, pairs...)
	switch next {
	case "keep":
		p.f.keep(kept)
		return stepAttribution, err
	case "welcome":
		p.f.editPartnerID()
		return stepWelcome, err
	case "directory":
		return stepDirectory, err
	}
	return stepRegistration, err
}

// sayTopic reads out one of Attribution's topics.
func (p *plain) sayTopic(t string) {
	g, err := guide()
	switch {
	case t == "why" || t == "solutions":
		for _, para := range reflow(helpText(t)) {
			p.say("%s", para)
		}
	case err != nil:
		p.sayErr(err)
	case t == "rules":
		for _, r := range g.Products {
			p.say("%s (%s): %s %s", r.Product, r.Resource, r.Rule, strings.Join(r.Notes, " "))
		}
	case t == "tooling":
		for _, tb := range g.Tooling {
			p.say("%s. %s", tb.Title, tb.Caption)
			for _, r := range tb.Rows {
				var parts []string
				for i, ok := range r.Supported {
					parts = append(parts, tb.Tools[i]+" "+map[bool]string{true: "yes", false: "no"}[ok])
				}
				p.say("%s: %s.", r.Product, strings.Join(parts, ", "))
			}
		}
	}
}

func (p *plain) validation() (step, error) {
	p.say("Validation: reading the link again.")
	var l *steps.PartnerLink
	if ok, err := p.retry(stepValidation, func() (err error) {
		l, err = p.be.ReadLink(p.ctx, p.f.tenant.ID)
		return err
	}); err != nil || !ok {
		return stepAttribution, err
	}
	ns := p.f.validate(l)
	if p.f.final != nil {
		l := p.f.final
		p.say("Linked: yes. Partner name: %s. Partner ID: %s. Directory: %s.", l.PartnerName, l.PartnerID, p.f.dirName())
		ns = ns[1:]
	}
	p.sayNotes(ns)
	p.sayCoverage()
	if err := p.offerReport(); err != nil {
		return stepValidation, err
	}
	if len(ns) == 0 {
		return stepDone, nil
	}
	next, err := p.choose(stepValidation, "What now?", "registration", "Back to Registration", "registration", "Finish anyway", "done")
	if next == "done" {
		return stepDone, err
	}
	return stepRegistration, err
}

func (p *plain) done() (step, error) {
	p.say("Done.")
	p.sayNotes(p.f.doneNotes())
	p.sayCoverage()
	for _, para := range nextSteps() {
		p.say("Next: %s", para)
	}
	out := p.o.Ephemeral
	if err := p.ask(stepDone, confirmField(signOutLabel+"?", "", "Sign out", "Keep them", &out)); err != nil {
		return stepDone, err
	}
	if out {
		n, err := p.be.SignOut(p.ctx)
		if err != nil {
			p.sayErr(err)
			return stepDone, nil
		}
		p.f.signedOutOK(n)
		p.say("Signed out.")
	}
	p.f.completed = true
	return stepDone, nil
}

// signInPerson signs a person in by device code or browser, for tenant
// ("" = any work account) with an optional claims challenge. While it
// waits, a question offers the other way and, in the demo, the approval.
func (p *plain) signInPerson(tenant, claims string, via signInVia) error {
	for {
		next, err := p.signInOnce(tenant, claims, via)
		if err != nil || next == via {
			return err
		}
		via = next
	}
}

// signInResult is how a sign-in ended.
type signInResult struct {
	id  *steps.Identity
	err error
}

func (p *plain) signInOnce(tenant, claims string, via signInVia) (signInVia, error) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	done := make(chan signInResult, 1)
	var code, url string
	if via == viaBrowser {
		p.say("Opening the sign-in page in your browser.")
		urls := make(chan string, 1)
		go func() {
			id, err := p.be.LoginBrowser(ctx, tenant, claims, func(u string) error {
				urls <- u
				if p.o.OpenURL != nil {
					_ = p.o.OpenURL(u)
				}
				return nil
			})
			done <- signInResult{id, err}
		}()
		select {
		case url = <-urls:
			p.say("If no browser opened, open this address: %s", url)
		case r := <-done:
			return via, r.err
		}
	} else {
		dc, err := p.be.StartDeviceCode(ctx, tenant, claims)
		if err != nil {
			return via, err
		}
		code = dc.UserCode
		p.say("To sign in, open %s on any device and enter the code %s.", signInAddress(dc, p.o.Demo), dc.UserCode)
		p.say("Spelled out: %s.", spell(dc.UserCode))
		left := dc.ExpiresOn.Sub(p.o.Now()).Round(time.Minute)
		p.say("The code expires in %d minutes, at %s.", int(left.Minutes()), dc.ExpiresOn.Local().Format("15:04"))
		go func() {
			id, err := p.be.WaitDeviceCode(ctx, dc)
			done <- signInResult{id, err}
		}()
	}
	return p.waitSignIn(ctx, via, code, url, done)
}

// waitSignIn asks, while the sign-in runs, what else to do: the other way
// to sign in and, in the demo, the approval. The question is given up when
// the sign-in ends.
func (p *plain) waitSignIn(ctx context.Context, via signInVia, code, url string, done <-chan signInResult) (signInVia, error) {
	other, otherLabel := viaBrowser, "Use the browser instead"
	if via == viaBrowser {
		other, otherLabel = viaDeviceCode, "Use a device code instead"
	}
	d := p.o.Demo
	approve := func() error { return d.Approve(p.ctx, code, p.f.demoAccount(d)) }
	if via == viaBrowser {
		approve = func() error { return d.ApproveBrowser(p.ctx, url, p.f.demoAccount(d)) }
	}
	pairs := []string{"Keep waiting", "wait"}
	if d != nil && (via == viaDeviceCode && d.Approve != nil || via == viaBrowser && d.ApproveBrowser != nil) {
		pairs = append(pairs, "Approve as "+p.f.demoAccount(d)+" (demo)", "approve")
	}
	pairs = append(pairs, otherLabel, "other")
	finished := func(r signInResult) (signInVia, error) {
		if r.err != nil {
			return via, r.err
		}
		if r.id != nil && r.id.Kind == steps.KindUser {
			p.f.signedInAs = r.id.Username
		}
		p.say("Signed in.")
		return via, nil
	}
	for {
		askCtx, stop := context.WithCancel(ctx)
		res, exited := make(chan signInResult, 1), make(chan struct{})
		go func() {
			defer close(exited)
			select {
			case r := <-done:
				res <- r
				stop()
			case <-askCtx.Done():
			}
		}()
		v := "wait"
		gaveUp, err := p.askUntil(askCtx, stepInitiation, newSelect("While palwiz waits for the sign-in", &v, pairs...))
		stop()
		<-exited
		select {
		case r := <-res:
			return finished(r)
		default:
		}
		switch {
		case err != nil:
			return via, err
		case gaveUp:
			continue
		case v == "other":
			return other, nil
		case v == "approve":
			if err := approve(); err != nil {
				p.say("Demo: %s", err.Error())
				continue
			}
			p.say("Demo: approved as %s.", p.f.demoAccount(d))
			select {
			case r := <-done:
				return finished(r)
			case <-ctx.Done():
				return via, ctx.Err()
			}
		}
		p.say("Still waiting for the sign-in.")
	}
}

// spell spaces a code out so a screen reader reads it one character at a time.
func spell(code string) string {
	return strings.Join(strings.Split(code, ""), " ")
}

// offerReport asks whether to write the evidence report and writes it
// where the user says; a file palwiz did not write is left alone and
// another name offered.
func (p *plain) offerReport() error {
	if p.o.Reporter == nil {
		return nil
	}
	write := false
	if err := p.ask(stepValidation, confirmField(reportAsk, "", "Yes", "No", &write)); err != nil || !write {
		return err
	}
	c := reportChoice{format: "html"}
	if err := p.ask(stepValidation, reportFormatField(&c, true)); err != nil {
		return err
	}
	for {
		if err := p.ask(stepValidation, p.f.reportPathField(&c, p.o.Now(), true)); err != nil {
			return err
		}
		path := p.f.reportTarget(p.o.WorkDir, c, p.o.Now())
		p.say("Checking the directory again and writing the report…")
		digest, err := p.o.Reporter.WriteReport(p.ctx, p.f.tenant, c.format, path)
		if err == nil {
			p.sayNotes(reportWritten(shownPath(p.o.WorkDir, path), digest))
			return nil
		}
		ns, suggest := reportNotWritten(p.o.WorkDir, err)
		p.sayNotes(ns)
		if suggest == "" {
			return nil
		}
		c.path = suggest
	}
}
