package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

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
	// Both faces end with the same summary, once the full screen is gone.
	if sum := tui.Summary(res, a.session != nil && a.session.Persistent()); sum != "" {
		fmt.Fprintln(a.st.out, sum)
	}
	return nil
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
		ApproveBrowser: approveBrowser,
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

// approveBrowser does what a person does on the simulator's browser
// sign-in page at authorizeURL: picks upn (with MFA) and lets the page post
// the code back to palwiz's loopback redirect. Only loopback pages qualify.
func approveBrowser(ctx context.Context, authorizeURL, upn string) error {
	u, err := url.Parse(authorizeURL)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return fmt.Errorf("the demo approves only its own sign-in page, not %q", authorizeURL)
	}
	form := u.Query()
	form.Set("user", upn)
	form.Set("mfa", "on")
	submit := *u
	submit.Path, submit.RawQuery = strings.TrimSuffix(u.Path, "/")+"/submit", ""
	page, err := postForm(ctx, submit.String(), form)
	if err != nil {
		return fmt.Errorf("approve the browser sign-in: %w", err)
	}
	m := demoPostBackRE.FindStringSubmatch(page)
	if m == nil {
		if e := demoPageErrorRE.FindStringSubmatch(page); e != nil {
			return errors.New(html.UnescapeString(e[1]))
		}
		return errors.New("approve the browser sign-in: the sign-in page did not return to palwiz")
	}
	back := url.Values{}
	for _, f := range demoHiddenRE.FindAllStringSubmatch(m[2], -1) {
		back.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	if _, err := postForm(ctx, html.UnescapeString(m[1]), back); err != nil {
		return fmt.Errorf("return the browser sign-in to palwiz: %w", err)
	}
	return nil
}

var (
	demoPostBackRE  = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)">(.*?)</form>`)
	demoHiddenRE    = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	demoPageErrorRE = regexp.MustCompile(`class="err">([^<]*)<`)
)

// postForm posts a form on loopback and returns the answer's body.
func postForm(ctx context.Context, target string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 400 {
		return "", fmt.Errorf("%s: HTTP %d", target, resp.StatusCode)
	}
	return string(b), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
