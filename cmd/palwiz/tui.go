package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/tui"
)

// startWizard runs the Bubble Tea wizard (or, with --accessible, the same
// flow as line-by-line prompts), then prints what it did.
func (a *app) startWizard(ctx context.Context, demo bool) error {
	// Notes (keyring trouble) must not scribble over the full-screen wizard:
	// hold them until it ends. The writer stays in place for the rest of the
	// run so no goroutine ever sees the field change.
	held := &heldWriter{w: a.st.err}
	a.st.err = held
	defer held.release()

	s, err := a.getSession(ctx, "")
	if err != nil {
		return err
	}
	env := &steps.Env{Cloud: a.cloud, Session: s}
	o := tui.Options{
		Backend:    tui.NewBackend(env),
		Attributor: tui.NewAttributor(env, a.getenv("PALWIZ_CI_SUBSCRIPTION_KEY")),
		Ephemeral:  a.ephemeral || truthy(a.getenv("PALWIZ_EPHEMERAL")),
		PartnerID:  a.getenv("PALWIZ_PARTNER_ID"),
		NoColor:    a.getenv("NO_COLOR") != "",
		In:         a.st.in,
		Out:        a.st.out,
		OpenURL:    a.openURLQuietly,
	}
	if demo && a.simServer != nil {
		o.Demo = demoOptions(a.simServer)
	}
	var res tui.Result
	if a.accessibleMode() {
		o.Out = a.st.out
		res, err = tui.RunAccessible(ctx, o)
	} else {
		res, err = tui.Run(ctx, o)
	}
	held.release()
	if errors.Is(err, tui.ErrCancelled) || errors.Is(err, context.Canceled) {
		return errInterrupted
	}
	if err != nil {
		return err
	}
	if !a.accessibleMode() {
		printWizardSummary(a.st.out, res, a.session != nil && a.session.Persistent())
	}
	return nil
}

// printWizardSummary says in one or two lines what the wizard did, once the
// full-screen view is gone.
func printWizardSummary(w io.Writer, r tui.Result, persistent bool) {
	who := "the account"
	if r.Who != nil {
		who = r.Who.UPN
		if who == "" {
			who = r.Who.DisplayName
		}
	}
	switch {
	case r.Validated && r.Link != nil:
		fmt.Fprintf(w, "%s is linked to partner %s (%s) in %s.\n", who, r.Link.PartnerName, r.Link.PartnerID, r.Tenant.DisplayName)
	case r.Validated:
		fmt.Fprintf(w, "%s is not linked to a partner ID in %s.\n", who, r.Tenant.DisplayName)
	case r.Outcome != nil:
		fmt.Fprintln(w, r.Outcome.Summary()+".")
	}
	switch {
	case r.SignedOut && persistent:
		fmt.Fprintf(w, "Signed out; removed %d keyring item%s.\n", r.Removed, plural(r.Removed))
	case r.SignedOut:
		fmt.Fprintln(w, "Signed out; the tokens were only in memory and are gone.")
	}
}

// openURLQuietly opens the system browser without letting the browser's
// own output reach the terminal the wizard draws on.
func (a *app) openURLQuietly(url string) error {
	if truthy(a.getenv("PALWIZ_NO_BROWSER")) {
		return nil
	}
	return auth.OpenBrowser(url, nil)
}

// demoOptions wires the demo: the simulator's sign-in page, the key that
// approves as the scenario's dedicated service account, and pre-filled values.
func demoOptions(s *sim.Server) *tui.Demo {
	ids := s.Identities()
	d := &tui.Demo{
		SignInPage: s.DeviceLoginURL(),
		Approve: func(_ context.Context, userCode, upn string) error {
			return s.ApproveDeviceCode(userCode, upn, true)
		},
	}
	for _, u := range ids.Users {
		if strings.HasPrefix(u.UPN, "pal-") || d.ApproveAs == "" {
			d.ApproveAs = u.UPN
			if strings.HasPrefix(u.UPN, "pal-") {
				break
			}
		}
	}
	most := 0
	for _, u := range ids.Users {
		if len(u.GuestIn) > most {
			d.PersonalAs, most = u.UPN, len(u.GuestIn)
		}
	}
	for _, p := range ids.Partners {
		if p.Kind == "location" || p.Kind == "" {
			d.PartnerID = p.ID
			break
		}
	}
	if len(ids.ServicePrincipals) > 0 {
		sp := ids.ServicePrincipals[0]
		tenant := sp.Tenant
		for _, t := range ids.Tenants {
			if t.ID == sp.Tenant && t.Domain != "" {
				tenant = t.Domain
			}
		}
		d.ServicePrincipal = &tui.DemoSP{Tenant: tenant, ClientID: sp.ClientID, Secret: sp.Secret}
	}
	return d
}

// heldWriter keeps what is written while the wizard owns the terminal and
// passes it on, and everything after, once released.
type heldWriter struct {
	mu       sync.Mutex
	w        io.Writer
	buf      bytes.Buffer
	released bool
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return h.w.Write(p)
	}
	return h.buf.Write(p)
}

func (h *heldWriter) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return
	}
	h.released = true
	_, _ = h.w.Write(h.buf.Bytes())
	h.buf.Reset()
}
