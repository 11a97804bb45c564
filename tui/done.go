package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// doneScreen sums up what was done, says what to do next and asks whether
// to sign out and wipe palwiz's tokens (yes by default with --ephemeral).
type doneScreen struct {
	signOut bool
	ask     *embedded
	op      int
	working bool
	err     error
}

func (s *doneScreen) enter(m *Model) tea.Cmd {
	var cmd tea.Cmd
	s.ask, cmd = m.embed(confirmField(signOutLabel+"?", "", "Sign out", "Keep them", &s.signOut))
	return cmd
}

func (s *doneScreen) typing() bool { return false }
func (s *doneScreen) busy() bool   { return s.working }

func (s *doneScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(signedOutMsg); ok {
		if msg.op != s.op {
			return nil
		}
		s.working = false
		if msg.err != nil {
			s.err = msg.err
			return s.enter(m)
		}
		m.f.signedOutOK(msg.removed)
		m.f.completed = true
		return m.end(tea.Quit)
	}
	if s.working || s.ask == nil {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
		return m.back()
	}
	cmd, done := s.ask.step(m, msg)
	if done {
		if s.signOut {
			s.working, s.err = true, nil
			s.op = m.nextOp()
			return signOutCmd(m.ctx, m.be, s.op)
		}
		m.f.completed = true
		return m.end(tea.Quit)
	}
	return cmd
}

func (s *doneScreen) keys(m *Model) []key.Binding {
	k := m.keys
	if s.working {
		return nil
	}
	return []key.Binding{with(k.TopicPrev, "choose"), with(k.Continue, "finish"), with(k.Yes, "sign out"), with(k.No, "keep them"), k.Back}
}

func (s *doneScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Done") + "\n\n")
	if ns := m.f.doneNotes(); len(ns) > 0 {
		b.WriteString(m.notesView(ns, width) + "\n")
	}
	if m.o.Attributor != nil {
		b.WriteString("\n" + lines(st.bold, wrap(m.f.attributionHeading(), width)) + "\n")
		b.WriteString(m.notesView(m.f.attr.coverageNotes(m.f.dirName()), width) + "\n")
	}
	b.WriteString("\n" + st.bold.Render("Next") + "\n")
	for _, p := range nextSteps() {
		b.WriteString(hang("  • ", p, width) + "\n")
	}
	b.WriteString("\n")
	anchor := lineCount(b.String())
	b.WriteString(formView(s.ask, width) + "\n")
	if m.o.Ephemeral {
		b.WriteString(lines(st.faint, hang("  ", "This run keeps tokens only in memory (--ephemeral).", width)) + "\n")
	}
	switch {
	case s.working:
		b.WriteString("\n" + m.spin.View() + " Signing out…")
	case s.err != nil:
		b.WriteString("\n" + m.errorView(s.err, width) + "\n" + wrap("Choose again: sign out to try again, or keep them to finish without signing out.", width))
	}
	out := strings.TrimRight(b.String(), "\n")
	return out, max(anchor+3, lineCount(out)-1)
}
