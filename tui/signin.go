package tui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/azure/auth"
)

// signInVia is how a person signs in.
type signInVia int

const (
	viaDeviceCode signInVia = iota
	viaBrowser
)

// signIn is the sign-in panel shared by Initiation and Directory: a device
// code (large, with the address, a countdown and a spinner) or a browser
// sign-in, with a key to switch between them. It reports signedInMsg.
type signIn struct {
	tenant     string
	claims     string
	via        signInVia
	op         int
	ctx        context.Context
	cancel     context.CancelFunc
	dc         *auth.DeviceCode
	url        string
	err        error
	waiting    bool
	copied     bool
	approving  bool
	approveErr error
	approveOp  int
}

// start begins a sign-in (abandoning any running one).
func (s *signIn) start(m *Model, via signInVia) tea.Cmd {
	s.stop()
	s.ctx, s.cancel = context.WithCancel(m.ctx)
	s.op = m.nextOp()
	s.via, s.dc, s.url, s.err, s.waiting, s.copied, s.approveErr, s.approving = via, nil, "", nil, true, false, nil, false
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

// update handles the sign-in's messages and keys. done is set when the
// sign-in finished (id, or err when it failed for good).
func (s *signIn) update(m *Model, msg tea.Msg) (cmd tea.Cmd, id *auth.Identity, finished bool) {
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
		if msg.id != nil && msg.id.Kind == auth.KindUser {
			m.signedInAs = msg.id.Username
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

func (s *signIn) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "b":
		if s.via != viaBrowser || s.err != nil {
			return s.start(m, viaBrowser)
		}
	case "d":
		if s.via != viaDeviceCode || s.err != nil {
			return s.start(m, viaDeviceCode)
		}
	case "r":
		if s.err != nil {
			return s.start(m, s.via)
		}
	case "c":
		if s.dc != nil && s.waiting {
			s.copied = true
			return tea.SetClipboard(s.dc.UserCode)
		}
	case "a":
		if d := m.o.Demo; d != nil && d.Approve != nil && s.dc != nil && s.waiting && !s.approving {
			s.approving, s.approveErr = true, nil
			s.approveOp = m.nextOp()
			return approveCmd(m.ctx, d, s.approveOp, s.dc.UserCode, m.demoAccount())
		}
	}
	return nil
}

// demoAccount is who the demo key signs in: the signed-in person, when
// there is one, or the scenario's dedicated service account.
func (m *Model) demoAccount() string {
	if m.signedInAs != "" {
		return m.signedInAs
	}
	if m.profile != nil && m.profile.Kind == auth.KindUser && m.profile.Username != "" {
		return m.profile.Username
	}
	if m.initiation.choice == "user" && m.o.Demo.PersonalAs != "" {
		return m.o.Demo.PersonalAs
	}
	return m.o.Demo.ApproveAs
}

func (s *signIn) keys(m *Model) []key.Binding {
	var ks []key.Binding
	if s.err != nil {
		ks = append(ks, key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")))
	}
	if s.via == viaDeviceCode {
		if s.dc != nil && s.waiting {
			ks = append(ks, key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy code")))
			if m.o.Demo != nil && m.o.Demo.Approve != nil {
				ks = append(ks, key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve (demo)")))
			}
		}
		ks = append(ks, key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "browser")))
	} else {
		ks = append(ks, key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "device code")))
	}
	return ks
}

// view renders the panel; title says who is signing in where.
func (s *signIn) view(m *Model, width int, title string) string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render(title) + "\n\n")
	if s.err != nil {
		b.WriteString(m.errorView(s.err, width))
		b.WriteString("\n\n" + wrap("Press r to try again, or switch the way you sign in.", width))
		return b.String()
	}
	if s.via == viaBrowser {
		if s.url == "" {
			b.WriteString(m.spin.View() + " Opening the sign-in page in your browser…")
			return b.String()
		}
		b.WriteString(wrap("Sign in on the page palwiz opened in your browser. If no browser opened, open this address yourself:", width) + "\n\n")
		b.WriteString("  " + st.accent.Render(s.url) + "\n\n")
		b.WriteString(m.spin.View() + " Waiting for the browser sign-in…")
		return b.String()
	}
	if s.dc == nil {
		b.WriteString(m.spin.View() + " Asking Microsoft Entra ID for a device code…")
		return b.String()
	}
	addr := s.dc.VerificationURL
	if m.o.Demo != nil && m.o.Demo.SignInPage != "" {
		addr = m.o.Demo.SignInPage
	}
	b.WriteString(wrap("On any device, open this address and enter the code:", width) + "\n\n")
	b.WriteString("  " + st.accent.Render(addr) + "\n\n")
	if big := bigCode(s.dc.UserCode, width-4); big != "" {
		for _, l := range strings.Split(big, "\n") {
			b.WriteString("  " + st.code.Render(l) + "\n")
		}
	}
	b.WriteString("  Code: " + st.code.Render(s.dc.UserCode))
	if s.copied {
		b.WriteString(st.faint.Render("  (copied, where the terminal allows it)"))
	}
	b.WriteString("\n\n")
	left := countdown(s.dc.ExpiresOn.Sub(m.now))
	b.WriteString(m.spin.View() + " Waiting for you to sign in · the code expires in " + left)
	if m.o.Demo != nil && m.o.Demo.Approve != nil {
		b.WriteString("\n\n")
		switch {
		case s.approving:
			b.WriteString(st.demo.Render("Demo: ") + "approving as " + m.demoAccount() + "…")
		case s.approveErr != nil:
			b.WriteString(st.bad.Render("Demo: ") + wrap(s.approveErr.Error(), width-6))
		default:
			b.WriteString(hang(st.demo.Render("Demo: "), "approve on that page in a browser, or press a to approve as "+m.demoAccount()+".", width))
		}
	}
	return b.String()
}
