package tui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/steps"
)

// signInVia is how a person signs in.
type signInVia int

const (
	viaDeviceCode signInVia = iota
	viaBrowser
)

// signIn is the sign-in panel shared by Initiation and Directory: a device
// code (large, with the address, a countdown and a spinner) or a browser
// sign-in (its whole address, wrapped), with keys to copy the code or the
// address, to switch between the two, and in the demo to approve.
type signIn struct {
	tenant     string
	claims     string
	via        signInVia
	op         int
	ctx        context.Context
	cancel     context.CancelFunc
	dc         *steps.DeviceCode
	url        string
	err        error
	waiting    bool
	copied     string
	approving  bool
	approveErr error
	approveOp  int
}

// start begins a sign-in (abandoning any running one).
func (s *signIn) start(m *Model, via signInVia) tea.Cmd {
	s.stop()
	s.ctx, s.cancel = context.WithCancel(m.ctx)
	s.op = m.nextOp()
	s.via, s.dc, s.url, s.err, s.waiting, s.copied, s.approveErr, s.approving = via, nil, "", nil, true, "", nil, false
	if via == viaBrowser {
		return browserCmds(s.ctx, m.be, s.op, s.tenant, s.claims, m.o.OpenURL)
	}
	return startDeviceCodeCmd(s.ctx, m.be, s.op, s.tenant, s.claims)
}

// stop abandons the sign-in in progress.
func (s *signIn) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.waiting = false
}

func (s *signIn) busy() bool { return s.waiting }

// update handles the sign-in's messages and keys. finished is set when the
// sign-in succeeded, with the identity.
func (s *signIn) update(m *Model, msg tea.Msg) (cmd tea.Cmd, id *steps.Identity, finished bool) {
	switch msg := msg.(type) {
	case deviceCodeMsg:
		if msg.op != s.op || !s.waiting {
			return nil, nil, false
		}
		if msg.err != nil {
			s.fail(msg.err)
			return nil, nil, false
		}
		s.dc = msg.dc
		return waitDeviceCodeCmd(s.ctx, m.be, s.op, msg), nil, false
	case browserURLMsg:
		if msg.op == s.op {
			s.url = msg.url
		}
	case approvedMsg:
		if msg.op == s.approveOp {
			s.approving = false
			s.approveErr = msg.err
		}
	case signedInMsg:
		if msg.op != s.op || !s.waiting {
			return nil, nil, false
		}
		if msg.err != nil {
			if errors.Is(msg.err, context.Canceled) {
				return nil, nil, false
			}
			s.fail(msg.err)
			return nil, nil, false
		}
		s.stop()
		if msg.id != nil && msg.id.Kind == steps.KindUser {
			m.f.signedInAs = msg.id.Username
		}
		return nil, msg.id, true
	case tea.KeyPressMsg:
		return s.key(m, msg), nil, false
	}
	return nil, nil, false
}

func (s *signIn) fail(err error) {
	s.stop()
	s.err = err
}

// canApprove says the demo key would approve the pending sign-in now.
func (s *signIn) canApprove(m *Model) bool {
	d := m.o.Demo
	if d == nil || !s.waiting || s.approving {
		return false
	}
	if s.via == viaBrowser {
		return d.ApproveBrowser != nil && s.url != ""
	}
	return d.Approve != nil && s.dc != nil
}

func (s *signIn) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Browser) && (s.via != viaBrowser || s.err != nil):
		return s.start(m, viaBrowser)
	case key.Matches(msg, k.DeviceCode) && (s.via != viaDeviceCode || s.err != nil):
		return s.start(m, viaDeviceCode)
	case key.Matches(msg, k.Retry) && s.err != nil:
		return s.start(m, s.via)
	case key.Matches(msg, k.Copy) && s.via == viaDeviceCode && s.dc != nil && s.waiting:
		s.copied = "code"
		return tea.SetClipboard(s.dc.UserCode)
	case key.Matches(msg, k.Copy) && s.via == viaBrowser && s.url != "" && s.waiting:
		s.copied = "address"
		return tea.SetClipboard(s.url)
	case key.Matches(msg, k.Approve) && s.canApprove(m):
		s.approving, s.approveErr = true, nil
		s.approveOp = m.nextOp()
		if s.via == viaBrowser {
			return approveBrowserCmd(m.ctx, m.o.Demo, s.approveOp, s.url, m.f.demoAccount(m.o.Demo))
		}
		return approveCmd(m.ctx, m.o.Demo, s.approveOp, s.dc.UserCode, m.f.demoAccount(m.o.Demo))
	}
	return nil
}

func (s *signIn) keys(m *Model) []key.Binding {
	k := m.keys
	var ks []key.Binding
	if s.err != nil {
		ks = append(ks, k.Retry)
	}
	switch {
	case s.via == viaDeviceCode && s.dc != nil && s.waiting:
		ks = append(ks, with(k.Copy, "copy code"))
	case s.via == viaBrowser && s.url != "" && s.waiting:
		ks = append(ks, with(k.Copy, "copy address"))
	}
	if s.canApprove(m) {
		ks = append(ks, k.Approve)
	}
	if s.via == viaDeviceCode {
		return append(ks, k.Browser)
	}
	return append(ks, k.DeviceCode)
}

// view renders the panel; title says who is signing in where. The line
// returned is the one to keep in view: the feedback of the last key.
func (s *signIn) view(m *Model, width int, title string) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render(title) + "\n\n")
	if s.err != nil {
		b.WriteString(m.errorView(s.err, width))
		b.WriteString("\n\n" + wrap("Press r to try again, or switch the way you sign in.", width))
		return b.String(), -1
	}
	if s.via == viaBrowser {
		if s.url == "" {
			b.WriteString(m.spin.View() + " Opening the sign-in page in your browser…")
			return b.String(), -1
		}
		b.WriteString(wrap("Sign in on the page palwiz opened in your browser. If no browser opened, open this address yourself (c copies it):", width) + "\n\n")
		for _, l := range strings.Split(ansi.Hardwrap(s.url, width-2, false), "\n") {
			b.WriteString("  " + st.accent.Render(l) + "\n")
		}
		b.WriteString("\n")
		anchor := s.feedback(m, &b, width)
		b.WriteString(m.spin.View() + " Waiting for the browser sign-in…")
		return b.String(), anchor
	}
	if s.dc == nil {
		b.WriteString(m.spin.View() + " Asking Microsoft Entra ID for a device code…")
		return b.String(), -1
	}
	b.WriteString(wrap("On any device, open this address and enter the code:", width) + "\n\n")
	for _, l := range strings.Split(ansi.Hardwrap(signInAddress(s.dc, m.o.Demo), width-2, false), "\n") {
		b.WriteString("  " + st.accent.Render(l) + "\n")
	}
	b.WriteString("\n")
	if big := bigCode(s.dc.UserCode, width-4); big != "" {
		for _, l := range strings.Split(big, "\n") {
			b.WriteString("  " + st.code.Render(l) + "\n")
		}
	}
	b.WriteString("  Code: " + st.code.Render(s.dc.UserCode) + "\n\n")
	anchor := s.feedback(m, &b, width)
	b.WriteString(m.spin.View() + " Waiting for you to sign in · the code expires in " + countdown(s.dc.ExpiresOn.Sub(m.now)))
	return b.String(), anchor
}

// feedback writes what the last key did (copied, approving), or what the
// demo key would do, and a blank line; it returns the line, or -1.
func (s *signIn) feedback(m *Model, b *strings.Builder, width int) int {
	st := m.st
	switch {
	case s.approving:
		b.WriteString(hang(st.demo.Render("Demo: "), "approving as "+m.f.demoAccount(m.o.Demo)+"…", width) + "\n")
	case s.approveErr != nil:
		b.WriteString(hang(st.bad.Render("Demo: "), s.approveErr.Error(), width) + "\n")
	case s.copied != "":
		b.WriteString(hang(st.ok.Render("✓ "), "Copied the "+s.copied+" to the clipboard, where the terminal allows it (OSC 52).", width) + "\n")
	case s.canApprove(m):
		where := "on that page in a browser"
		b.WriteString(hang(st.demo.Render("Demo: "), "approve "+where+", or press a to approve as "+m.f.demoAccount(m.o.Demo)+".", width) + "\n")
	default:
		return -1
	}
	at := lineCount(strings.TrimSuffix(b.String(), "\n")) - 1
	b.WriteString("\n")
	return at
}
