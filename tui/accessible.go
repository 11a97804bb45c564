package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/palwiz/palwiz/steps"
)

// RunAccessible runs the wizard's flow in huh's accessible mode: the same
// questions as the full-screen wizard (forms.go), asked one per line, and
// the same decisions and words (flow.go), printed as plain sentences. No
// cursor movement and no colour; screen readers follow it, and so do
// terminals without cursor control. It calls the same Backend.
func RunAccessible(ctx context.Context, o Options) (Result, error) {
	if o.Backend == nil {
		return Result{}, errors.New("tui: no backend")
	}
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WorkDir == "" {
		o.WorkDir = "."
	}
	// huh styles its prompts; accessible output is plain text.
	out := &colorprofile.Writer{Forward: o.Out, Profile: colorprofile.NoTTY}
	p := &plain{ctx: ctx, o: o, be: o.Backend, out: out, in: newLineQueue(o.In), theme: cachedTheme(huh.ThemeBase)}
	defer p.in.close()
	err := p.run()
	if errors.Is(err, errQuit) || errors.Is(err, context.Canceled) {
		return p.f.result(), ErrCancelled
	}
	return p.f.result(), err
}

// plain is one accessible run.
type plain struct {
	ctx    context.Context
	o      Options
	be     Backend
	out    io.Writer
	in     *lineQueue
	f      facts
	probes map[string]error
	theme  huh.Theme
}

func (p *plain) say(format string, args ...any) { fmt.Fprintf(p.out, format+"\n", args...) }

// sayNotes prints notes as sentences.
func (p *plain) sayNotes(ns []note) {
	for _, n := range ns {
		switch n.kind {
		case noteInfo:
			p.say("Note: %s", n.text)
		case noteWarn:
			p.say("Warning: %s", n.text)
		default:
			p.say("%s", n.text)
		}
	}
}

// sayErr says what failed and what to do next.
func (p *plain) sayErr(err error) {
	what, next := explainIn(err, p.f.tenants)
	p.say("Error: %s.", what)
	if next != "" {
		p.say("%s.", next)
	}
}

// retry runs fn until it succeeds or the user stops trying (done false).
func (p *plain) retry(s step, fn func() error) (done bool, err error) {
	for {
		err := fn()
		if err == nil {
			return true, nil
		}
		if errors.Is(err, errQuit) || errors.Is(err, errInputEnded) || errors.Is(err, context.Canceled) {
			return false, err
		}
		p.sayErr(err)
		again := true
		if err := p.ask(s, confirmField("Try again?", "", "Yes", "No", &again)); err != nil || !again {
			return false, err
		}
	}
}

// choose asks a list question with the options given as label, value pairs.
func (p *plain) choose(s step, title string, def string, pairs ...string) (string, error) {
	v := def
	err := p.ask(s, newSelect(title, &v, pairs...))
	return v, err
}

func (p *plain) run() error {
	p.say("palwiz: Partner Admin Link, step by step.")
	p.say("Each question takes one line: type the answer and press Enter. An empty line takes the default; q quits (palwiz asks first when work would be lost).")
	p.say("")
	for _, para := range reflow(helpText("welcome")) {
		p.say("%s", para)
	}
	p.say("The steps: 1, Initiation: choose the account you deliver with and sign in to the customer's directory. 2, Registration: link that account to your partner ID. 3, Attribution: make sure that account owns what you deliver. Then Validation: read the link back.")
	steps := map[step]func() (step, error){
		stepWelcome: p.welcome, stepInitiation: p.initiation, stepDirectory: p.directory,
		stepRegistration: p.registration, stepAttribution: p.attribution, stepValidation: p.validation, stepDone: p.done,
	}
	for s := stepWelcome; ; {
		p.say("")
		next, err := steps[s]()
		if err != nil || s == stepDone && next == stepDone {
			return err
		}
		s = next
	}
}

func (p *plain) welcome() (step, error) {
	def := cmpOr(p.f.partnerID, p.o.PartnerID)
	if def == "" && p.o.Demo != nil {
		def = p.o.Demo.PartnerID
	}
	v := ""
	if err := p.ask(stepWelcome, partnerIDField(&v, def, true)); err != nil {
		return stepWelcome, err
	}
	if err := p.f.acceptPartnerID(cmpOr(strings.TrimSpace(v), def)); err != nil {
		p.sayErr(err)
		return stepWelcome, nil
	}
	if _, n, _ := checkPartnerID(p.f.partnerID); n.kind == noteWarn {
		p.sayNotes([]note{n})
	}
	return p.f.afterPartnerID(), nil
}

func (p *plain) initiation() (step, error) {
	p.say("Step 1 of 3: Initiation.")
	p.f.profile = p.be.Profile(p.ctx)
	opts := identityOptions(p.f.profile, p.o.EnvIdentity)
	choice := opts[0].key
	if err := p.ask(stepInitiation, identityField(&choice, opts, true)); err != nil {
		return stepInitiation, err
	}
	p.f.choice = choice
	var ok bool
	var err error
	switch choice {
	case optRequest:
		return stepInitiation, p.adminRequest()
	case optContinue:
		ok = true
	case optServicePrincipal:
		ok, err = p.retry(stepInitiation, p.signInSP)
	default:
		p.f.signedInAs = ""
		ok, err = p.retry(stepInitiation, func() error { return p.signInPerson("", "", viaDeviceCode) })
	}
	if err != nil || !ok {
		return stepInitiation, err
	}
	if ok, err := p.retry(stepInitiation, p.readWho); err != nil || !ok {
		return stepInitiation, err
	}
	if q := p.f.kindQuestion(); q != "" {
		goOn := false
		if err := p.ask(stepInitiation, confirmField(q, "", "Continue anyway", "Sign in again", &goOn)); err != nil || !goOn {
			return stepInitiation, err
		}
	}
	return stepDirectory, nil
}

func (p *plain) signInSP() error {
	v := spValues{}
	if d := p.o.Demo; d != nil && d.ServicePrincipal != nil {
		v = spValues{tenant: d.ServicePrincipal.Tenant, clientID: d.ServicePrincipal.ClientID, secret: d.ServicePrincipal.Secret}
	}
	defaults := v
	p.say("The customer's administrator gives you these values. A secret stays in memory for this run: palwiz never shows it, logs it or writes it to disk.")
	for _, f := range spFields(&v, true, p.canHide()) {
		if f.Skip() {
			continue
		}
		if err := p.ask(stepInitiation, f); err != nil {
			return err
		}
	}
	// An empty answer takes the demo's value.
	v.tenant, v.clientID, v.secret = cmpOr(strings.TrimSpace(v.tenant), defaults.tenant), cmpOr(strings.TrimSpace(v.clientID), defaults.clientID), cmpOr(v.secret, defaults.secret)
	if _, err := v.complete(); err != nil {
		return err
	}
	p.say("Signing in as the service principal.")
	if _, err := p.be.LoginServicePrincipal(p.ctx, strings.TrimSpace(v.tenant), strings.TrimSpace(v.clientID), v.credential()); err != nil {
		return err
	}
	p.say("Signed in.")
	return nil
}

func (p *plain) adminRequest() error {
	var org, name string
	for _, f := range requestFields(&org, &name) {
		if err := p.ask(stepInitiation, f); err != nil {
			return err
		}
	}
	text := requestText(org, name, p.f.partnerID)
	p.say("Here is the request for the customer's administrator:")
	p.say("")
	fmt.Fprint(p.out, text)
	p.say("")
	save := true
	if err := p.ask(stepInitiation, confirmField("Save it to "+requestFile+"?", "", "Yes", "No", &save)); err != nil || !save {
		return err
	}
	path, err := saveRequest(p.o.WorkDir, text, false)
	var ee *existsError
	if errors.As(err, &ee) {
		replace := false
		p.say("%s", replaceWhy(path))
		if err := p.ask(stepInitiation, confirmField(replaceQuestion, "", "Replace it", "Keep it", &replace)); err != nil {
			return err
		}
		if !replace {
			p.say("Kept %s as it was; the request was not saved.", path)
			return nil
		}
		path, err = saveRequest(p.o.WorkDir, text, true)
	}
	if err != nil {
		p.sayErr(err)
		return nil
	}
	p.say("Saved to %s.", path)
	p.say("Once the customer has created the account, choose how to sign in.")
	return nil
}

func (p *plain) readWho() error {
	w, err := p.be.WhoAmI(p.ctx)
	if err != nil {
		return err
	}
	ns := p.f.setWho(w)
	p.sayWho(w)
	p.sayNotes(ns)
	return nil
}

func (p *plain) sayWho(w steps.Who) {
	rows := whoRows(w)
	var parts []string
	for i := 0; i+1 < len(rows); i += 2 {
		if rows[i+1] != "" {
			parts = append(parts, rows[i]+": "+rows[i+1])
		}
	}
	p.say("This is you in the customer's directory. %s.", strings.Join(parts, ". "))
}

func (p *plain) directory() (step, error) {
	p.say("Which customer directory? A link is made in one directory at a time.")
	if p.probes == nil {
		if ok, err := p.retry(stepDirectory, func() error {
			ts, err := p.be.Tenants(p.ctx)
			p.f.tenants = ts
			return err
		}); err != nil || !ok {
			return stepInitiation, err
		}
		if t, ok := steps.FindTenant(p.f.tenants, p.f.tenant.ID); ok {
			p.f.tenant = t
		}
		p.probes = map[string]error{}
		for _, t := range p.f.tenants {
			if !strings.EqualFold(t.ID, p.f.tenant.ID) {
				p.probes[t.ID] = p.be.ProbeTenant(p.ctx, t.ID)
			}
		}
	}
	if len(p.f.tenants) <= 1 {
		p.say("You can reach one directory: %s. palwiz works in it.", p.f.dirName())
		return stepRegistration, nil
	}
	var pairs []string
	for _, t := range p.f.tenants {
		_, probed := p.probes[t.ID]
		status, _ := tenantStatus(t, p.f.tenant.ID, probed, p.probes[t.ID])
		pairs = append(pairs, join(", ", t.DisplayName+" ("+t.DefaultDomain+")", status), t.ID)
	}
	id, err := p.choose(stepDirectory, "Which customer directory?", p.f.preselect(), pairs...)
	if err != nil || strings.EqualFold(id, p.f.tenant.ID) {
		return stepRegistration, err
	}
	t, _ := steps.FindTenant(p.f.tenants, id)
	if err := p.switchTenant(t); err != nil && !errors.Is(err, errDeclined) {
		if errors.Is(err, errQuit) || errors.Is(err, errInputEnded) || errors.Is(err, context.Canceled) {
			return stepDirectory, err
		}
		p.sayErr(err)
	}
	return stepDirectory, nil
}

// errDeclined is the user declining a new sign-in.
var errDeclined = errors.New("declined")

func (p *plain) switchTenant(t steps.Tenant) error {
	p.say("Getting a token for %s.", t.DisplayName)
	err := p.be.SwitchTenant(p.ctx, t)
	p.probes[t.ID] = err
	if ae, ok := needsSignIn(err); ok {
		p.say("%s needs a new sign-in.", t.DisplayName)
		p.sayErr(ae)
		p.say("%s", reauthText(t))
		again := true
		if err := p.ask(stepDirectory, confirmField("Sign in again for "+t.DisplayName+" now?", "", "Yes", "No", &again)); err != nil {
			return err
		}
		if !again {
			return errDeclined
		}
		if ok, err := p.retry(stepDirectory, func() error { return p.signInPerson(t.ID, ae.Claims, viaDeviceCode) }); err != nil || !ok {
			return errors.Join(err, errDeclined)
		}
		err = p.be.SwitchTenant(p.ctx, t)
	}
	if err != nil {
		return err
	}
	p.probes[t.ID] = nil
	if prev := p.f.tenant.ID; prev != "" {
		p.probes[prev] = nil
	}
	w, err := p.be.WhoAmI(p.ctx)
	if err != nil {
		return err
	}
	p.sayNotes(p.f.switched(t, w))
	return nil
}
