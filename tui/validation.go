package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// validationScreen is Validation: the link read again, shown as a yes or a
// no with the partner name and ID, as the portal shows it.
type validationScreen struct {
	op      int
	reading bool
	err     error
}

func (s *validationScreen) enter(m *Model) tea.Cmd { return s.read(m) }

func (s *validationScreen) read(m *Model) tea.Cmd {
	s.reading, s.err = true, nil
	m.final, m.validated = nil, false
	s.op = m.nextOp()
	return validateCmd(m.ctx, m.be, s.op, m.tenant.ID)
}

func (s *validationScreen) text() textMode { return textNone }
func (s *validationScreen) busy() bool     { return s.reading }

func (s *validationScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case validatedMsg:
		if msg.op != s.op {
			return nil
		}
		s.reading = false
		if msg.err != nil {
			s.err = msg.err
			return nil
		}
		m.final, m.validated = msg.link, true
		if msg.link != nil && msg.link.State == "Deleted" {
			m.final = nil
		}
		return nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "r":
			if !s.reading {
				return s.read(m)
			}
		case "enter":
			if !s.reading && s.err == nil {
				return m.goTo(stepDone)
			}
			if s.err != nil {
				return s.read(m)
			}
		case "esc":
			return m.back()
		}
	}
	return nil
}

func (s *validationScreen) keys(m *Model) []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch {
	case s.reading:
		return []key.Binding{b("esc", "back")}
	case s.err != nil:
		return []key.Binding{b("r", "try again"), b("esc", "back")}
	}
	return []key.Binding{b("enter", "finish"), b("r", "read again"), b("esc", "back")}
}

func (s *validationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	who := "this account"
	if m.who != nil {
		who = whoName(*m.who)
	}
	dir := m.tenant.DisplayName
	b.WriteString(lines(st.bold, wrap("Is "+who+" linked to a partner ID in "+dir+"?", width)) + "\n\n")
	switch {
	case s.reading:
		b.WriteString(m.spin.View() + " Reading the link again…")
		return b.String(), -1
	case s.err != nil:
		b.WriteString(m.errorView(s.err, width) + "\n\n" + wrap("Press r to read it again.", width))
		return b.String(), -1
	}
	l := m.final
	if l == nil {
		b.WriteString("  " + st.bad.Render("✗ NO") + "  not linked\n\n")
		b.WriteString(wrap("This account earns no partner credit in "+dir+". Go back to Registration (esc) to link it.", width))
		return b.String(), -1
	}
	b.WriteString("  " + st.ok.Render("✓ YES") + "  linked\n\n")
	since := ""
	if !l.CreatedTime.IsZero() {
		since = l.CreatedTime.UTC().Format("2 January 2006")
	}
	card := kvRows(st, min(width, 74)-4,
		"Partner name", l.PartnerName,
		"Partner ID", l.PartnerID,
		"Account", who,
		"Object ID", l.ObjectID,
		"Directory", join(" · ", dir, l.TenantID),
		"Linked since", since)
	b.WriteString(st.card.Render(card) + "\n")
	if m.partnerID != "" && l.PartnerID != m.partnerID {
		b.WriteString(hang(st.warn.Render("! "), "This is not the partner ID you chose ("+m.partnerID+"). Go back to Registration (esc) to move the link.", width) + "\n")
	}
	b.WriteString(lines(st.faint, wrap("The Azure portal shows the same under \"Link to a partner ID\"; so does Get-AzManagementPartner.", width)))
	return b.String(), -1
}
