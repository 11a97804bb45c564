package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/steps"
)

// doneScreen sums up what was done, says what to do next and offers to sign
// out and wipe palwiz's tokens (ticked by default with --ephemeral).
type doneScreen struct {
	signOut  bool
	op       int
	working  bool
	err      error
	finished bool
}

func (s *doneScreen) enter(*Model) tea.Cmd { return nil }
func (s *doneScreen) text() textMode       { return textNone }
func (s *doneScreen) busy() bool           { return s.working }

func (s *doneScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case signedOutMsg:
		if msg.op != s.op {
			return nil
		}
		s.working = false
		if msg.err != nil {
			s.err = msg.err
			return nil
		}
		m.signedOut, m.removed = true, msg.removed
		m.completed = true
		return tea.Quit
	case tea.KeyPressMsg:
		if s.working {
			return nil
		}
		switch msg.String() {
		case "space", "x":
			s.signOut = !s.signOut
			s.err = nil
		case "enter":
			if s.signOut {
				s.working, s.err = true, nil
				s.op = m.nextOp()
				return signOutCmd(m.ctx, m.be, s.op)
			}
			m.completed = true
			return tea.Quit
		case "esc":
			return m.back()
		}
	}
	return nil
}

func (s *doneScreen) keys(*Model) []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	if s.working {
		return nil
	}
	return []key.Binding{b("space", "toggle sign-out"), b("enter", "finish"), b("esc", "back")}
}

func (s *doneScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Done") + "\n\n")
	dir := m.tenant.DisplayName
	if m.who != nil {
		b.WriteString(hang(st.ok.Render("✓ "), "Signed in as "+whoName(*m.who)+" in "+dir, width) + "\n")
	}
	if o := m.outcome; o != nil {
		mark := st.ok.Render("✓ ")
		if o.Action == steps.ActionNone {
			mark = st.ok.Render("· ")
		}
		b.WriteString(hang(mark, o.Summary(), width) + "\n")
	}
	switch {
	case m.validated && m.final != nil:
		b.WriteString(hang(st.ok.Render("✓ "), "Validated: linked to "+partnerLabel(m.final), width) + "\n")
	case m.validated:
		b.WriteString(hang(st.bad.Render("✗ "), "Validated: not linked", width) + "\n")
	}
	b.WriteString("\n" + st.bold.Render("Next") + "\n")
	for _, p := range reflow(helpText("nextsteps")) {
		b.WriteString(hang("  • ", p, width) + "\n")
	}
	box := "[ ]"
	if s.signOut {
		box = "[x]"
	}
	b.WriteString("\n" + hang(st.selected.Render(box)+" ", "Sign out and wipe palwiz's tokens from this computer", width) + "\n")
	if m.o.Ephemeral {
		b.WriteString(lines(st.faint, hang("    ", "This run keeps tokens only in memory (--ephemeral).", width)) + "\n")
	}
	switch {
	case s.working:
		b.WriteString("\n" + m.spin.View() + " Signing out…")
	case s.err != nil:
		b.WriteString("\n" + m.errorView(s.err, width) + "\n" + wrap("Press enter to try again, or space and enter to finish without signing out.", width))
	}
	return strings.TrimRight(b.String(), "\n"), -1
}
