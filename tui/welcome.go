package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// welcomeScreen says what PAL is and what the three steps do, and takes the
// partner ID (a huh input), checking it as it is typed.
type welcomeScreen struct {
	value string
	form  *embedded
	tried bool
}

func (s *welcomeScreen) enter(m *Model) tea.Cmd {
	if m.f.partnerID != "" {
		s.value = m.f.partnerID
	}
	var cmd tea.Cmd
	s.form, cmd = m.embed(partnerIDField(&s.value, "", false))
	return cmd
}

func (s *welcomeScreen) typing() bool { return s.form.typing() }
func (s *welcomeScreen) busy() bool   { return false }

func (s *welcomeScreen) keys(m *Model) []key.Binding {
	if m.f.backTo == stepRegistration {
		return []key.Binding{with(m.keys.Continue, "back to Registration"), with(m.keys.Back, "keep the partner ID")}
	}
	return []key.Binding{m.keys.Continue}
}

func (s *welcomeScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	if s.form == nil {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.keys.Continue):
			s.tried = true
		case key.Matches(k, m.keys.Back) && m.f.backTo == stepRegistration:
			// Keep the partner ID: back to Registration as it was.
			m.f.backTo = stepWelcome
			return m.goTo(stepRegistration)
		case key.Matches(k, m.keys.Back) && strings.TrimSpace(s.value) == "":
			return m.askQuit()
		}
	}
	cmd, done := s.form.step(m, msg)
	if done {
		if err := m.f.acceptPartnerID(s.value); err != nil {
			// The field validates first; this is a safety net.
			return s.enter(m)
		}
		return m.goTo(m.f.afterPartnerID())
	}
	return cmd
}

func (s *welcomeScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Link the account you deliver with to your partner ID.") + "\n\n")
	b.WriteString(wrapText(helpText("welcome"), width) + "\n\n")
	b.WriteString(wrap("palwiz walks you through the three steps, then proves the result:", width) + "\n")
	for _, r := range [][2]string{
		{"1 Initiation  ", "choose the account you deliver with; sign in to the customer's directory"},
		{"2 Registration", "link that account to your partner ID"},
		{"3 Attribution ", "make sure that account owns what you deliver"},
		{"  Validation  ", "read the link back: it is there, or it is not"},
	} {
		b.WriteString(hang("  "+st.accent.Render(r[0])+"  ", r[1], width) + "\n")
	}
	b.WriteString("\n")
	anchor := lineCount(b.String()) - 1
	b.WriteString(formView(s.form, width) + "\n")
	switch id, n, err := checkPartnerID(s.value); {
	case strings.TrimSpace(s.value) == "" && !s.tried:
		b.WriteString(lines(st.faint, wrap(partnerIDHint, width)))
	case err != nil:
		b.WriteString(hang(st.bad.Render("✗ "), errorText(err), width))
	default:
		_ = id
		b.WriteString(m.notesView([]note{n}, width))
	}
	out := b.String()
	return out, max(anchor, lineCount(out)-1)
}
