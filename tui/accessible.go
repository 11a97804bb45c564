package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// RunAccessible runs the wizard's flow as plain line-by-line prompts: no
// cursor movement, no colour, one question per line, every answer typed and
// confirmed with Enter. Screen readers follow it, and so do terminals
// without cursor control. It calls the same Backend as the full-screen wizard.
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
	p := &plain{ctx: ctx, o: o, be: o.Backend, out: o.Out, in: newLineReader(o.In)}
	defer p.in.close()
	err := p.run()
	if errors.Is(err, errQuit) || errors.Is(err, context.Canceled) {
		return p.res, ErrCancelled
	}
	return p.res, err
}

// errQuit is the user typing q at a prompt; errInputEnded is standard input
// running out before a question was answered.
var (
	errQuit       = errors.New("quit")
	errInputEnded = errors.New("the input ended")
)

// plain is one accessible run.
type plain struct {
	ctx       context.Context
	o         Options
	be        Backend
	out       io.Writer
	in        *lineReader
	partnerID string
	approveAs string // who the demo key signs in
	tenants   []arm.Tenant
	res       Result
}

func (p *plain) say(format string, args ...any) {
	fmt.Fprintf(p.out, format+"\n", args...)
}

// ask prints a question with its default and returns the answer (the
// default for an empty line). q quits.
func (p *plain) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	line, err := p.in.read(p.ctx)
	if err != nil {
		fmt.Fprintln(p.out)
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("no answer to %q: %w", question, errInputEnded)
		}
		return "", err
	}
	line = strings.TrimSpace(line)
	if strings.EqualFold(line, "q") || strings.EqualFold(line, "quit") {
		return "", errQuit
	}
	if line == "" {
		return def, nil
	}
	return line, nil
}

// yes asks a yes-or-no question until it gets an answer.
func (p *plain) yes(question string, def bool) (bool, error) {
	d := "n"
	if def {
		d = "y"
	}
	for {
		a, err := p.ask(question+" (y/n)", d)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(a) {
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		p.say("Please answer y or n.")
	}
}

// pick asks for a number from 1 to n.
func (p *plain) pick(question string, n, def int) (int, error) {
	for {
		a, err := p.ask(fmt.Sprintf("%s, 1 to %d", question, n), strconv.Itoa(def))
		if err != nil {
			return 0, err
		}
		if v, err := strconv.Atoi(a); err == nil && v >= 1 && v <= n {
			return v, nil
		}
		p.say("Please type a number from 1 to %d.", n)
	}
}

// sayErr says what failed and what to do next.
func (p *plain) sayErr(err error) {
	what, next := explain(err)
	for _, t := range p.tenants {
		if t.DisplayName == "" {
			continue
		}
		for _, d := range []string{"directory ", "Directory "} {
			what = strings.ReplaceAll(what, d+t.ID, t.DisplayName)
			next = strings.ReplaceAll(next, d+t.ID, t.DisplayName)
		}
	}
	p.say("Error: %s.", what)
	if next != "" {
		p.say("%s.", next)
	}
}

// retry runs fn until it succeeds or the user stops trying.
func (p *plain) retry(fn func() error) error {
	for {
		err := fn()
		if err == nil || errors.Is(err, errQuit) || errors.Is(err, errInputEnded) || errors.Is(err, context.Canceled) {
			return err
		}
		p.sayErr(err)
		again, aerr := p.yes("Try again?", true)
		if aerr != nil {
			return aerr
		}
		if !again {
			return err
		}
	}
}

func (p *plain) run() error {
	p.say("palwiz: Partner Admin Link, step by step.")
	p.say("Each question takes one line: type the answer and press Enter. An empty line takes the default in brackets; q quits.")
	p.say("")
	for _, para := range reflow(helpText("welcome")) {
		p.say("%s", para)
	}
	p.say("The steps: 1, Initiation: choose the account you deliver with and sign in to the customer's directory. 2, Registration: link that account to your partner ID. 3, Attribution: make sure that account owns what you deliver. Then Validation: read the link back.")
	p.say("")
	if err := p.askPartnerID(); err != nil {
		return err
	}
	if err := p.initiation(); err != nil {
		return err
	}
	if err := p.directory(); err != nil {
		return err
	}
	if err := p.registration(); err != nil {
		return err
	}
	if err := p.attribution(); err != nil {
		return err
	}
	if err := p.validation(); err != nil {
		return err
	}
	return p.done()
}

func (p *plain) askPartnerID() error {
	def := p.o.PartnerID
	if def == "" && p.o.Demo != nil {
		def = p.o.Demo.PartnerID
	}
	for {
		a, err := p.ask("Your partner ID (the 7-digit Partner Location ID)", def)
		if err != nil {
			return err
		}
		id, warning, verr := steps.ValidatePartnerID(a)
		if verr != nil {
			p.say("%s", verr.Error())
			continue
		}
		if warning != "" {
			p.say("Note: %s", warning)
			ok, err := p.yes("Use "+id+" anyway?", false)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		p.partnerID = id
		return nil
	}
}

func (p *plain) initiation() error {
	p.say("")
	p.say("Step 1 of 3: Initiation.")
	if prof := p.be.Profile(p.ctx); prof != nil {
		ok, err := p.yes("You signed in earlier as "+profileName(prof)+". Continue as this identity?", true)
		if err != nil {
			return err
		}
		if ok {
			err := p.readWho()
			if err == nil || errors.Is(err, errQuit) || errors.Is(err, context.Canceled) {
				return err
			}
			p.sayErr(err)
		}
	}
	for {
		p.say("Which account will you deliver with? The linked account earns the credit for what it owns.")
		n := 0
		for _, c := range steps.IdentityChoices {
			n++
			title := c.Title
			if c.Recommended {
				title += " (recommended)"
			}
			p.say("%d. %s. %s Good: %s. Watch out: %s.", n, title, c.Summary, strings.Join(c.Pros, "; "), strings.Join(c.Cons, "; "))
		}
		p.say("%d. No account yet: palwiz writes the request for the customer's administrator.", n+1)
		choice, err := p.pick("Choose", n+1, 1)
		if err != nil {
			return err
		}
		if choice == n+1 {
			if err := p.adminRequest(); err != nil {
				return err
			}
			continue
		}
		c := steps.IdentityChoices[choice-1]
		var signErr error
		if c.Key == "service-principal" {
			signErr = p.retry(p.signInSP)
		} else {
			p.approveAs = ""
			if d := p.o.Demo; d != nil {
				p.approveAs = d.ApproveAs
				if c.Key == "user" && d.PersonalAs != "" {
					p.approveAs = d.PersonalAs
				}
			}
			signErr = p.retry(func() error { return p.signInPerson("", "", viaDeviceCode) })
		}
		if errors.Is(signErr, errQuit) || errors.Is(signErr, context.Canceled) {
			return signErr
		}
		if signErr != nil {
			continue
		}
		if err := p.retry(p.readWho); err != nil {
			return err
		}
		if c.Key == "user" {
			p.say("Note: a personal or guest account has to be linked by every consultant, in every customer directory; keep track of who is linked where.")
		}
		return nil
	}
}

// signInPerson signs a person in by device code (or the browser), for
// tenant ("" = any work account) with an optional claims challenge. Typing
// b or d while it waits switches between the two.
func (p *plain) signInPerson(tenant, claims string, via signInVia) error {
	for {
		next, switched, err := p.signInOnce(tenant, claims, via)
		if err != nil || !switched {
			return err
		}
		via = next
	}
}

func (p *plain) signInOnce(tenant, claims string, via signInVia) (next signInVia, switched bool, err error) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	type result struct {
		id  *auth.Identity
		err error
	}
	done := make(chan result, 1)
	code := ""
	other, otherKey := viaBrowser, "b"
	if via == viaBrowser {
		other, otherKey = viaDeviceCode, "d"
		p.say("Opening the sign-in page in your browser.")
		go func() {
			id, err := p.be.LoginBrowser(ctx, tenant, claims, func(u string) error {
				p.say("If no browser opened, open this address: %s", u)
				if p.o.OpenURL != nil {
					_ = p.o.OpenURL(u)
				}
				return nil
			})
			done <- result{id, err}
		}()
		p.say("Waiting for the browser sign-in. Type d and press Enter to use a device code instead.")
	} else {
		dc, err := p.be.StartDeviceCode(ctx, tenant, claims)
		if err != nil {
			return via, false, err
		}
		code = dc.UserCode
		addr := dc.VerificationURL
		if p.o.Demo != nil && p.o.Demo.SignInPage != "" {
			addr = p.o.Demo.SignInPage
		}
		p.say("To sign in, open %s on any device and enter the code %s.", addr, dc.UserCode)
		p.say("Spelled out: %s.", spell(dc.UserCode))
		left := dc.ExpiresOn.Sub(p.o.Now()).Round(time.Minute)
		p.say("The code expires in %d minutes, at %s.", int(left.Minutes()), dc.ExpiresOn.Local().Format("15:04"))
		go func() {
			id, err := p.be.WaitDeviceCode(ctx, dc)
			done <- result{id, err}
		}()
		hint := "Waiting for you to sign in. Type b and press Enter to use the browser instead"
		if p.o.Demo != nil && p.o.Demo.Approve != nil {
			hint += ", or a to approve as " + p.demoAccount() + " (demo)"
		}
		p.say("%s.", hint)
	}
	lines := p.in.next()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				return via, false, r.err
			}
			p.say("Signed in.")
			return via, false, nil
		case l := <-lines:
			p.in.got()
			if l.err != nil {
				if !errors.Is(l.err, io.EOF) {
					return via, false, l.err
				}
				lines = nil // no more input: keep waiting for the sign-in
				continue
			}
			switch strings.ToLower(strings.TrimSpace(l.line)) {
			case otherKey:
				cancel()
				<-done
				return other, true, nil
			case "q", "quit":
				return via, false, errQuit
			case "a":
				if d := p.o.Demo; d != nil && d.Approve != nil && code != "" {
					if err := d.Approve(p.ctx, code, p.demoAccount()); err != nil {
						p.say("Demo: %s", err.Error())
					} else {
						p.say("Demo: approved as %s.", p.demoAccount())
					}
				}
			case "":
				p.say("Still waiting for the sign-in.")
			default:
				// Typed ahead: keep it for the next question, and stop
				// reading until the sign-in is done.
				p.in.unread(l)
				lines = nil
				continue
			}
			lines = p.in.next()
		case <-p.ctx.Done():
			return via, false, p.ctx.Err()
		}
	}
}

// demoAccount is who the demo key signs in: the identity already signed
// in (a new sign-in for another directory), or the one the choice implies.
func (p *plain) demoAccount() string {
	if p.res.Who != nil && p.res.Who.UPN != "" && !strings.Contains(p.res.Who.UPN, "#EXT#") {
		return p.res.Who.UPN
	}
	if p.approveAs != "" {
		return p.approveAs
	}
	return p.o.Demo.ApproveAs
}

// spell spaces a code out so a screen reader reads it one character at a time.
func spell(code string) string {
	var parts []string
	for _, r := range code {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, " ")
}

func (p *plain) signInSP() error {
	var defTenant, defClient, defSecret string
	if d := p.o.Demo; d != nil && d.ServicePrincipal != nil {
		defTenant, defClient, defSecret = d.ServicePrincipal.Tenant, d.ServicePrincipal.ClientID, d.ServicePrincipal.Secret
	}
	p.say("The customer's administrator gives you three values.")
	tenant, err := p.ask("Directory: the tenant ID or a domain", defTenant)
	if err != nil {
		return err
	}
	var client string
	for {
		client, err = p.ask("Application (client) ID", defClient)
		if err != nil {
			return err
		}
		if steps.IsGUID(client) {
			break
		}
		p.say("The application (client) ID is a GUID, such as e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501.")
	}
	secret, err := p.askSecret(defSecret)
	if err != nil {
		return err
	}
	p.say("Signing in as the service principal.")
	if _, err := p.be.LoginServicePrincipal(p.ctx, tenant, client, secret); err != nil {
		return err
	}
	p.say("Signed in.")
	return nil
}

// askSecret reads the client secret without echo on a terminal. The secret
// is never printed.
func (p *plain) askSecret(def string) (string, error) {
	q := "Client secret (typing is hidden)"
	if def != "" {
		q = "Client secret (press Enter for the demo service principal's secret)"
	}
	if f, ok := p.o.In.(*os.File); ok && term.IsTerminal(f.Fd()) && !p.in.pending {
		fmt.Fprintf(p.out, "%s: ", q)
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(p.out)
		if err != nil {
			return "", fmt.Errorf("read the secret: %w", err)
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			return s, nil
		}
		if def == "" {
			return "", errors.New("no client secret entered")
		}
		return def, nil
	}
	fmt.Fprintf(p.out, "%s: ", q)
	line, err := p.in.read(p.ctx)
	fmt.Fprintln(p.out)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if s := strings.TrimSpace(line); s != "" {
		return s, nil
	}
	if def == "" {
		return "", errors.New("no client secret entered")
	}
	return def, nil
}

func (p *plain) adminRequest() error {
	org, err := p.ask("Your organisation's name", "")
	if err != nil {
		return err
	}
	name, err := p.ask("Your name, to sign the request", "")
	if err != nil {
		return err
	}
	if name == "" {
		name = "[your name]"
	}
	text := steps.AdminRequest(org, p.partnerID, name)
	p.say("Here is the request for the customer's administrator:")
	p.say("")
	fmt.Fprint(p.out, text)
	p.say("")
	save, err := p.yes("Save it to "+requestFile+"?", true)
	if err != nil {
		return err
	}
	if save {
		path := filepath.Join(p.o.WorkDir, requestFile)
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			p.sayErr(fmt.Errorf("save the request: %w", err))
		} else {
			p.say("Saved to %s.", path)
		}
	}
	p.say("Once the customer has created the account, choose how to sign in.")
	return nil
}

func (p *plain) readWho() error {
	w, err := p.be.WhoAmI(p.ctx)
	if err != nil {
		return err
	}
	p.res.Who = &w
	p.res.Tenant = arm.Tenant{ID: w.TenantID, DisplayName: w.TenantName, DefaultDomain: w.TenantDomain}
	kind := "user"
	switch {
	case w.Kind == auth.KindServicePrincipal:
		kind = "service principal, application ID " + w.AppID
	case w.UserType != "":
		kind = strings.ToLower(w.UserType) + " user"
	}
	p.say("This is you in the customer's directory: %s, %s.", join(", ", w.DisplayName, w.UPN), kind)
	p.say("Directory: %s. Object ID: %s.", join(", ", w.TenantName, w.TenantDomain, w.TenantID), w.ObjectID)
	if !w.TokensInStore {
		p.say("Tokens are kept in memory only, for this run.")
	}
	for _, warn := range w.Warnings {
		p.say("Warning: %s", warn)
	}
	return nil
}

func (p *plain) directory() error {
	p.say("")
	p.say("Which customer directory? A link is made in one directory at a time.")
	if err := p.retry(func() error {
		ts, err := p.be.Tenants(p.ctx)
		p.tenants = ts
		return err
	}); err != nil {
		return err
	}
	cur := 0
	for i, t := range p.tenants {
		if strings.EqualFold(t.ID, p.res.Tenant.ID) {
			cur = i
			p.res.Tenant = t
		}
	}
	if len(p.tenants) <= 1 {
		p.say("You can reach one directory: %s. palwiz works in it.", p.res.Tenant.DisplayName)
		return nil
	}
	for {
		for i, t := range p.tenants {
			note := ""
			switch {
			case i == cur:
				note = ", current"
			default:
				if err := p.be.ProbeTenant(p.ctx, t.ID); err != nil {
					if _, ok := needsSignIn(err); ok {
						note = ", needs a new sign-in: " + shortReason(err)
					} else {
						note = ", not available: " + shortReason(err)
					}
				}
			}
			p.say("%d. %s (%s)%s.", i+1, t.DisplayName, t.DefaultDomain, note)
		}
		n, err := p.pick("Which directory", len(p.tenants), cur+1)
		if err != nil {
			return err
		}
		if n-1 == cur {
			return nil
		}
		t := p.tenants[n-1]
		err = p.switchTenant(t)
		if err == nil {
			p.res.Tenant = t
			return nil
		}
		if errors.Is(err, errQuit) || errors.Is(err, context.Canceled) {
			return err
		}
		p.sayErr(err)
	}
}

func (p *plain) switchTenant(t arm.Tenant) error {
	p.say("Getting a token for %s.", t.DisplayName)
	err := p.be.SwitchTenant(p.ctx, t)
	if ae, ok := needsSignIn(err); ok {
		p.sayErr(ae)
		again, yerr := p.yes("Sign in again for "+t.DisplayName+" now?", true)
		if yerr != nil {
			return yerr
		}
		if !again {
			return err
		}
		if err := p.retry(func() error { return p.signInPerson(t.ID, ae.Claims, viaDeviceCode) }); err != nil {
			return err
		}
		err = p.be.SwitchTenant(p.ctx, t)
	}
	if err != nil {
		return err
	}
	p.say("Now working in %s.", t.DisplayName)
	return p.readWho()
}

func (p *plain) registration() error {
	p.say("")
	p.say("Step 2 of 3: Registration.")
	who := "this account"
	if p.res.Who != nil {
		who = whoName(*p.res.Who)
	}
	var cur *arm.Link
	return p.retry(func() error {
		var err error
		cur, err = p.be.ReadLink(p.ctx, p.res.Tenant.ID)
		if err != nil {
			return err
		}
		force := false
		switch steps.Decide(cur, p.partnerID) {
		case steps.ActionNone:
			p.say("Current link: %s. Nothing to do: it is already linked to this partner ID.", partnerLabel(cur))
			o := steps.Outcome{Action: steps.ActionNone, Before: cur, After: cur}
			p.res.Outcome = &o
			return nil
		case steps.ActionMove:
			p.say("Current link: %s.", partnerLabel(cur))
			p.say("Moving the link takes the credit for this account's work away from %s.", partnerLabel(cur))
			ok, err := p.yes("Move the link from "+partnerLabel(cur)+" to "+p.partnerID+"?", false)
			if err != nil {
				return err
			}
			if !ok {
				p.say("The link stays with %s.", partnerLabel(cur))
				return nil
			}
			force = true
		default:
			p.say("Current link: none. %s is not linked to any partner ID in %s.", who, p.res.Tenant.DisplayName)
			ok, err := p.yes("Link "+who+" to partner ID "+p.partnerID+" now?", true)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
		}
		o, err := p.be.Link(p.ctx, p.res.Tenant.ID, cur, p.partnerID, force)
		if err != nil {
			var nf *steps.NeedsForceError
			if errors.As(err, &nf) {
				p.say("It was linked to %s in the meantime.", partnerLabel(nf.Current))
			}
			return err
		}
		p.res.Outcome = &o
		p.say("%s.", o.Summary())
		if l := o.After; l != nil {
			p.say("As the Azure portal shows it: partner ID %s, partner name %s, directory %s.", l.PartnerID, l.PartnerName, p.res.Tenant.DisplayName)
		}
		return nil
	})
}

func (p *plain) attribution() error {
	p.say("")
	p.say("Step 3 of 3: Attribution. Make sure the linked account owns what you deliver.")
	for _, para := range reflow(helpText("why")) {
		p.say("%s", para)
	}
	g, err := guide()
	if err != nil {
		return err
	}
	p.say("The product rules:")
	for _, r := range g.Products {
		p.say("%s (%s): %s %s", r.Product, r.Resource, r.Rule, strings.Join(r.Notes, " "))
	}
	for _, para := range reflow(helpText("solutions")) {
		p.say("%s", para)
	}
	for _, t := range g.Tooling {
		p.say("%s. %s", t.Title, t.Caption)
		for _, r := range t.Rows {
			var parts []string
			for i, ok := range r.Supported {
				parts = append(parts, t.Tools[i]+" "+map[bool]string{true: "yes", false: "no"}[ok])
			}
			p.say("%s: %s.", r.Product, strings.Join(parts, ", "))
		}
	}
	if a := p.o.Attributor; a != nil {
		p.say("Checking who owns the resources in %s.", p.res.Tenant.DisplayName)
		var rep AttributionReport
		if err := p.retry(func() error {
			var err error
			rep, err = a.Scan(p.ctx, p.res.Tenant.ID, nil)
			return err
		}); err != nil {
			return err
		}
		p.sayReport(rep)
		var auto []AttributionFix
		for _, f := range rep.Plan {
			if f.Applicable() {
				auto = append(auto, f)
			}
		}
		if len(auto) > 0 {
			ok, err := p.yes(fmt.Sprintf("palwiz can make %d of these changes. Make them now?", len(auto)), false)
			if err != nil {
				return err
			}
			if ok && len(auto) > 1 {
				all, err := p.yes(fmt.Sprintf("All %d? Answer no to choose them one by one.", len(auto)), true)
				if err != nil {
					return err
				}
				if !all {
					var picked []AttributionFix
					for _, f := range auto {
						one, err := p.yes(fmt.Sprintf("%s?", strings.TrimSuffix(f.Action, ".")), false)
						if err != nil {
							return err
						}
						if one {
							picked = append(picked, f)
						}
					}
					auto, ok = picked, len(picked) > 0
				}
			}
			if ok {
				if err := p.retry(func() error {
					var err error
					rep, err = a.Apply(p.ctx, p.res.Tenant.ID, auto, nil)
					return err
				}); err != nil {
					return err
				}
				for _, l := range rep.Applied {
					p.say("%s.", l)
				}
			}
		}
	}
	_, err = p.ask("Press Enter to continue to Validation", "")
	return err
}

// sayReport reads out a scan: each resource with its verdict, then the plan.
func (p *plain) sayReport(rep AttributionReport) {
	p.say("%d resources, judged for %s.", len(rep.Items), rep.Linked)
	for _, it := range rep.Items {
		p.say("%s %s in %s: %s; %s.", it.Product, it.Name, orDash(it.Environment), it.Verdict, strings.TrimSuffix(it.Reason, "."))
	}
	for i, f := range rep.Plan {
		how := ""
		if f.Manual {
			how = " By hand: " + strings.Join(f.Commands, "; ")
		}
		p.say("Fix %d: %s.%s", i+1, strings.TrimSuffix(f.Action, "."), how)
	}
	for _, n := range rep.Notes {
		p.say("Note: %s", n)
	}
}

func (p *plain) validation() error {
	p.say("")
	p.say("Validation: reading the link again.")
	return p.retry(func() error {
		l, err := p.be.ReadLink(p.ctx, p.res.Tenant.ID)
		if err != nil {
			return err
		}
		p.res.Validated = true
		if l == nil || l.State == "Deleted" {
			p.res.Link = nil
			p.say("Linked: no. This account earns no partner credit in %s.", p.res.Tenant.DisplayName)
			return nil
		}
		p.res.Link = l
		p.say("Linked: yes. Partner name: %s. Partner ID: %s. Directory: %s.", l.PartnerName, l.PartnerID, p.res.Tenant.DisplayName)
		return nil
	})
}

func (p *plain) done() error {
	p.say("")
	p.say("Done.")
	for _, para := range reflow(helpText("nextsteps")) {
		p.say("Next: %s", para)
	}
	out, err := p.yes("Sign out and wipe palwiz's tokens from this computer?", p.o.Ephemeral)
	if err != nil {
		return err
	}
	if out {
		n, err := p.be.SignOut(p.ctx)
		if err != nil {
			p.sayErr(err)
		} else {
			p.res.SignedOut, p.res.Removed = true, n
			p.say("Signed out.")
		}
	}
	p.res.Completed = true
	return nil
}

// lineReader reads lines on demand in its own goroutine, so a prompt can
// wait for a line and for a sign-in at the same time. A line asked for but
// not taken (the sign-in finished first) answers the next prompt.
type lineReader struct {
	req     chan struct{}
	res     chan lineResult
	pending bool
	back    []lineResult
}

type lineResult struct {
	line string
	err  error
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{req: make(chan struct{}), res: make(chan lineResult, 1)}
	br := bufio.NewReader(r)
	go func() {
		for range lr.req {
			s, err := br.ReadString('\n')
			if err != nil && s != "" {
				err = nil
			}
			lr.res <- lineResult{strings.TrimRight(s, "\r\n"), err}
		}
	}()
	return lr
}

// next asks for a line (unless one is already asked for) and returns the
// channel it arrives on; call got after taking it.
func (lr *lineReader) next() <-chan lineResult {
	if len(lr.back) > 0 {
		ch := make(chan lineResult, 1)
		ch <- lr.back[0]
		lr.back = lr.back[1:]
		return ch
	}
	if !lr.pending {
		lr.pending = true
		lr.req <- struct{}{}
	}
	return lr.res
}

// unread keeps a line that was read too early for the next question.
func (lr *lineReader) unread(l lineResult) { lr.back = append([]lineResult{l}, lr.back...) }

// got records that the asked-for line was taken.
func (lr *lineReader) got() { lr.pending = false }

func (lr *lineReader) read(ctx context.Context) (string, error) {
	select {
	case r := <-lr.next():
		lr.got()
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// close stops the reader once it is idle.
func (lr *lineReader) close() { close(lr.req) }
