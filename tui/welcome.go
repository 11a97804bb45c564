package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/steps"
)

// welcomeScreen says what PAL is and what the three steps do, and takes the
// partner ID, checking it as it is typed.
type welcomeScreen struct {
	input   textinput.Model
	id      string
	warning string
	err     error
	tried   bool
}

func newWelcome(partnerID string) *welcomeScreen {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "7-digit Partner Location ID"
	in.CharLimit = 20
	in.SetWidth(30)
	in.SetValue(partnerID)
	s := &welcomeScreen{input: in}
	s.check()
	return s
}

func (s *welcomeScreen) check() {
	s.id, s.warning, s.err = steps.ValidatePartnerID(s.input.Value())
}

func (s *welcomeScreen) enter(*Model) tea.Cmd { return s.input.Focus() }
func (s *welcomeScreen) text() textMode       { return textDigits }
func (s *welcomeScreen) busy() bool           { return false }

func (s *welcomeScreen) keys(*Model) []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue"))}
}

func (s *welcomeScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			s.tried = true
			s.check()
			if s.err != nil {
				return nil
			}
			m.partnerID = s.id
			return m.goTo(stepInitiation)
		case "esc":
			if s.input.Value() == "" {
				return m.askQuit()
			}
		}
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	s.check()
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
	b.WriteString("\n" + st.label.Render("Your partner ID") + st.faint.Render(" (the Partner Location ID)") + "\n")
	b.WriteString(s.input.View() + "\n")
	switch {
	case s.input.Value() == "" && !s.tried:
		b.WriteString(lines(st.faint, wrap("In Partner Center: Account settings > Identifiers, the Associated Partner ID.", width)))
	case s.err != nil:
		b.WriteString(hang(st.bad.Render("✗ "), s.err.Error(), width))
	case s.warning != "":
		b.WriteString(hang(st.warn.Render("! "), s.warning, width))
	default:
		b.WriteString(hang(st.ok.Render("✓ "), s.id+" has the shape of a Partner Location ID.", width))
	}
	out := b.String()
	return out, lineCount(out) - 1
}
