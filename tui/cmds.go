package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// The commands below do the wizard's outside work. Each captures only the
// values it needs, never the model, and answers with one typed message.

func sessionCmd(ctx context.Context, be Backend) tea.Cmd {
	return func() tea.Msg { return sessionMsg{profile: be.Profile(ctx)} }
}

func tickCmd() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func startDeviceCodeCmd(ctx context.Context, be Backend, op int, tenant, claims string) tea.Cmd {
	return func() tea.Msg {
		dc, err := be.StartDeviceCode(ctx, tenant, claims)
		return deviceCodeMsg{op: op, dc: dc, err: err}
	}
}

func waitDeviceCodeCmd(ctx context.Context, be Backend, op int, dc deviceCodeMsg) tea.Cmd {
	return func() tea.Msg {
		id, err := be.WaitDeviceCode(ctx, dc.dc)
		return signedInMsg{op: op, id: id, err: err}
	}
}

// browserCmds signs in with the browser; the sign-in address arrives first
// as its own message so the screen can show it.
func browserCmds(ctx context.Context, be Backend, op int, tenant, claims string, openURL func(string) error) tea.Cmd {
	urls := make(chan string, 1)
	return tea.Batch(browserLoginCmd(ctx, be, op, tenant, claims, openURL, urls), browserAddressCmd(ctx, op, urls))
}

// browserLoginCmd runs the browser sign-in, passing its address on to urls.
func browserLoginCmd(ctx context.Context, be Backend, op int, tenant, claims string, openURL func(string) error, urls chan<- string) tea.Cmd {
	open := func(u string) error {
		select {
		case urls <- u:
		default:
		}
		if openURL != nil {
			// A browser that will not open is no failure: the address is on screen.
			_ = openURL(u)
		}
		return nil
	}
	return func() tea.Msg {
		id, err := be.LoginBrowser(ctx, tenant, claims, open)
		return signedInMsg{op: op, id: id, err: err}
	}
}

// browserAddressCmd reports the sign-in address as soon as there is one.
func browserAddressCmd(ctx context.Context, op int, urls <-chan string) tea.Cmd {
	return func() tea.Msg {
		select {
		case u := <-urls:
			return browserURLMsg{op: op, url: u}
		case <-ctx.Done():
			return nil
		}
	}
}

func spLoginCmd(ctx context.Context, be Backend, op int, tenant, clientID string, cred steps.SPCredential) tea.Cmd {
	return func() tea.Msg {
		id, err := be.LoginServicePrincipal(ctx, tenant, clientID, cred)
		return signedInMsg{op: op, id: id, err: err}
	}
}

func whoCmd(ctx context.Context, be Backend, op int) tea.Cmd {
	return func() tea.Msg {
		w, err := be.WhoAmI(ctx)
		return whoMsg{op: op, who: w, err: err}
	}
}

func tenantsCmd(ctx context.Context, be Backend, op int) tea.Cmd {
	return func() tea.Msg {
		ts, err := be.Tenants(ctx)
		return tenantsMsg{op: op, tenants: ts, err: err}
	}
}

func probeCmd(ctx context.Context, be Backend, op int, tenantID string) tea.Cmd {
	return func() tea.Msg {
		return probeMsg{op: op, tenantID: tenantID, err: be.ProbeTenant(ctx, tenantID)}
	}
}

func switchCmd(ctx context.Context, be Backend, op int, t steps.Tenant) tea.Cmd {
	return func() tea.Msg {
		return switchedMsg{op: op, tenant: t, err: be.SwitchTenant(ctx, t)}
	}
}

func readLinkCmd(ctx context.Context, be Backend, op int, tenantID string) tea.Cmd {
	return func() tea.Msg {
		l, err := be.ReadLink(ctx, tenantID)
		return linkReadMsg{op: op, link: l, err: err}
	}
}

func linkCmd(ctx context.Context, be Backend, op int, tenantID string, current *steps.PartnerLink, partnerID string, force bool) tea.Cmd {
	return func() tea.Msg {
		o, err := be.Link(ctx, tenantID, current, partnerID, force)
		return linkedMsg{op: op, outcome: o, err: err}
	}
}

func validateCmd(ctx context.Context, be Backend, op int, tenantID string) tea.Cmd {
	return func() tea.Msg {
		l, err := be.ReadLink(ctx, tenantID)
		return validatedMsg{op: op, link: l, err: err}
	}
}

func signOutCmd(ctx context.Context, be Backend, op int) tea.Cmd {
	return func() tea.Msg {
		n, err := be.SignOut(ctx)
		return signedOutMsg{op: op, removed: n, err: err}
	}
}

// saveCmd saves the request for the customer's administrator in dir,
// replacing an earlier file only when replace is set.
func saveCmd(op int, dir, text string, replace bool) tea.Cmd {
	return func() tea.Msg {
		path, err := saveRequest(dir, text, replace)
		return savedMsg{op: op, path: path, err: err}
	}
}

func approveCmd(ctx context.Context, d *Demo, op int, userCode, upn string) tea.Cmd {
	return func() tea.Msg {
		return approvedMsg{op: op, err: d.Approve(ctx, userCode, upn)}
	}
}

func approveBrowserCmd(ctx context.Context, d *Demo, op int, url, upn string) tea.Cmd {
	return func() tea.Msg {
		return approvedMsg{op: op, err: d.ApproveBrowser(ctx, url, upn)}
	}
}

// scanCmds runs a scan and reports its progress lines as they come, the
// latest one winning.
func scanCmds(ctx context.Context, a Attributor, op int, tenantID string) tea.Cmd {
	return withProgress(op, func(progress func(string)) tea.Msg {
		res, err := a.Scan(ctx, tenantID, progress)
		return scannedMsg{op: op, res: res, err: err}
	})
}

// applyCmds applies fixes (until ctx ends) and reports progress the same way.
func applyCmds(ctx context.Context, a Attributor, op int, res *attribution.ScanResult, fixes []attribution.Fix) tea.Cmd {
	return withProgress(op, func(progress func(string)) tea.Msg {
		results, err := a.Apply(ctx, res, fixes, progress)
		return appliedMsg{op: op, results: results, err: err}
	})
}

// withProgress runs work, passing it a progress function whose lines
// arrive as scanProgressMsgs while it runs.
func withProgress(op int, work func(progress func(string)) tea.Msg) tea.Cmd {
	status := make(chan string, 1)
	done := make(chan struct{})
	progress := func(s string) {
		select {
		case <-status:
		default:
		}
		select {
		case status <- s:
		default:
		}
	}
	run := func() tea.Msg {
		defer close(done)
		return work(progress)
	}
	return tea.Batch(run, listenProgress(op, status, done))
}

// listenProgress waits for the next progress line of a scan.
func listenProgress(op int, status <-chan string, done <-chan struct{}) tea.Cmd {
	return func() tea.Msg {
		select {
		case s := <-status:
			return scanProgressMsg{op: op, status: s, next: listenProgress(op, status, done)}
		case <-done:
			return nil
		}
	}
}
