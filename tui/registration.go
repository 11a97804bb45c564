package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/steps"
)

type regPhase int

const (
	regReading regPhase = iota // reading the current link
	regReady                   // the current link and what it implies
	regConfirm                 // moving from another partner: asks first
	regLinking                 // writing the link
	regDone                    // the result card
)

// registrationScreen is Registration: it reads the current link first,
// shows what that implies (link, nothing to do, move from A to B), asks
// before moving a link, and shows the result as the portal does.
type registrationScreen struct {
	phase     regPhase
	op        int
	current   *arm.Link
	readErr   error
	linkErr   error
	tenantID  string
	partnerID string
}

func (s *registrationScreen) enter(m *Model) tea.Cmd {
	if m.outcome != nil && s.phase == regDone && s.tenantID == m.tenant.ID && s.partnerID == m.partnerID {
		return nil
	}
	return s.read(m)
}

func (s *registrationScreen) read(m *Model) tea.Cmd {
	s.phase, s.readErr, s.linkErr, s.current = regReading, nil, nil, nil
	s.tenantID, s.partnerID = m.tenant.ID, m.partnerID
	s.op = m.nextOp()
	return readLinkCmd(m.ctx, m.be, s.op, m.tenant.ID)
}

func (s *registrationScreen) text() textMode { return textNone }
func (s *registrationScreen) busy() bool {
	return s.phase == regReading && s.readErr == nil || s.phase == regLinking && s.linkErr == nil
}

func (s *registrationScreen) action() steps.Action { return steps.Decide(s.current, s.partnerID) }

func (s *registrationScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case linkReadMsg:
		if msg.op != s.op {
			return nil
		}
		if msg.err != nil {
			s.readErr = msg.err
			return nil
		}
		s.current, s.phase = msg.link, regReady
		return nil
	case linkedMsg:
		if msg.op != s.op {
			return nil
		}
		if msg.err != nil {
			var nf *steps.NeedsForceError
			if errors.As(msg.err, &nf) {
				s.current, s.phase = nf.Current, regConfirm
				return nil
			}
			s.linkErr = msg.err
			return nil
		}
		o := msg.outcome
		m.outcome = &o
		m.final, m.validated = nil, false
		s.phase = regDone
		return nil
	case tea.KeyPressMsg:
		return s.key(m, msg)
	}
	return nil
}

func (s *registrationScreen) link(m *Model, force bool) tea.Cmd {
	s.phase, s.linkErr = regLinking, nil
	s.op = m.nextOp()
	return linkCmd(m.ctx, m.be, s.op, s.tenantID, s.current, s.partnerID, force)
}

func (s *registrationScreen) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	switch s.phase {
	case regReading:
		switch k.String() {
		case "r":
			if s.readErr != nil {
				return s.read(m)
			}
		case "esc":
			return m.back()
		}
	case regReady:
		switch k.String() {
		case "enter":
			switch s.action() {
			case steps.ActionNone:
				m.outcome = &steps.Outcome{Action: steps.ActionNone, Before: s.current, After: s.current}
				s.phase = regDone
				return m.goTo(stepAttribution)
			case steps.ActionMove:
				s.phase = regConfirm
				return nil
			}
			return s.link(m, false)
		case "e":
			return m.goTo(stepWelcome)
		case "r":
			return s.read(m)
		case "esc":
			return m.back()
		}
	case regConfirm:
		switch k.String() {
		case "y", "Y":
			return s.link(m, true)
		case "n", "N", "esc":
			s.phase = regReady
		}
	case regLinking:
		if s.linkErr == nil {
			return nil
		}
		switch k.String() {
		case "r":
			// Read again before writing again: the failed write may have landed.
			return s.read(m)
		case "e":
			return m.goTo(stepWelcome)
		case "esc":
			s.phase, s.linkErr = regReady, nil
		}
	case regDone:
		switch k.String() {
		case "enter":
			return m.goTo(stepAttribution)
		case "esc":
			return m.back()
		}
	}
	return nil
}

func (s *registrationScreen) keys(m *Model) []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch s.phase {
	case regReading:
		if s.readErr != nil {
			return []key.Binding{b("r", "try again"), b("esc", "back")}
		}
	case regReady:
		enter := "link"
		switch s.action() {
		case steps.ActionNone:
			enter = "continue"
		case steps.ActionMove:
			enter = "move the link"
		}
		return []key.Binding{b("enter", enter), b("e", "change the partner ID"), b("esc", "back")}
	case regConfirm:
		return []key.Binding{b("y", "move it"), b("n", "keep it")}
	case regLinking:
		if s.linkErr != nil {
			return []key.Binding{b("r", "try again"), b("e", "change the partner ID"), b("esc", "back")}
		}
	case regDone:
		return []key.Binding{b("enter", "continue"), b("esc", "back")}
	}
	return nil
}

// partnerLabel is a link's partner as the portal names it.
func partnerLabel(l *arm.Link) string {
	if l == nil {
		return ""
	}
	if l.PartnerName != "" {
		return l.PartnerName + " (" + l.PartnerID + ")"
	}
	return l.PartnerID
}

func (s *registrationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	who := "this account"
	if m.who != nil {
		who = whoName(*m.who)
	}
	dir := m.tenant.DisplayName
	if dir == "" {
		dir = m.tenant.ID
	}
	b.WriteString(lines(st.bold, wrap("Link "+who+" to partner ID "+s.partnerID, width)) + "\n")
	b.WriteString(lines(st.faint, wrap("in "+dir, width)) + "\n\n")
	if s.phase == regReading {
		if s.readErr != nil {
			b.WriteString(m.errorView(s.readErr, width) + "\n\n" + wrap("Press r to read the link again.", width))
		} else {
			b.WriteString(m.spin.View() + " Reading the current link…")
		}
		return b.String(), -1
	}
	if s.phase == regDone && m.outcome != nil {
		return b.String() + s.resultView(m, width), -1
	}
	cur := "none: not linked to any partner ID in " + dir
	if s.current != nil && s.current.State != "Deleted" {
		cur = partnerLabel(s.current)
	}
	var act string
	switch s.action() {
	case steps.ActionLink:
		act = "link it to partner ID " + s.partnerID
	case steps.ActionNone:
		act = "nothing to do: it is already linked to this partner ID"
	case steps.ActionMove:
		act = "move the link from " + partnerLabel(s.current) + " to " + s.partnerID
	}
	b.WriteString(kvRows(st, width, "Current link", cur, "What palwiz will do", act) + "\n")
	if s.action() == steps.ActionMove {
		b.WriteString("\n" + hang(st.warn.Render("! "), "Moving the link takes the credit for this account's work away from "+partnerLabel(s.current)+". Move it only if that partner no longer delivers here.", width) + "\n")
	}
	switch s.phase {
	case regConfirm:
		q := "Move the link from " + partnerLabel(s.current) + " to " + s.partnerID + "?"
		b.WriteString("\n" + st.dialog.Width(min(width, 60)).Render(wrap(q, min(width, 60)-6)+"\n\n"+m.keyHelp("y", "move it")+st.faint.Render(" · ")+m.keyHelp("n", "keep it")) + "\n")
	case regLinking:
		if s.linkErr != nil {
			b.WriteString("\n" + m.errorView(s.linkErr, width) + "\n\n" + wrap("Press r to read the link again and retry, or e to change the partner ID.", width))
		} else {
			b.WriteString("\n" + m.spin.View() + " Linking…")
		}
	}
	return strings.TrimRight(b.String(), "\n"), -1
}

func (s *registrationScreen) resultView(m *Model, width int) string {
	st := m.st
	o := m.outcome
	l := o.After
	var b strings.Builder
	b.WriteString(hang(st.ok.Render("✓ "), o.Summary()+".", width) + "\n\n")
	if l != nil {
		b.WriteString(st.faint.Render("Link to a partner ID, as the Azure portal shows it:") + "\n")
		since := ""
		if !l.CreatedTime.IsZero() {
			since = l.CreatedTime.UTC().Format("2 January 2006")
		}
		who := ""
		if m.who != nil {
			who = whoName(*m.who)
		}
		card := kvRows(st, min(width, 74)-4,
			"Partner ID", l.PartnerID,
			"Partner name", l.PartnerName,
			"Account", who,
			"Directory", join(" · ", m.tenant.DisplayName, m.tenant.ID),
			"Linked since", since)
		b.WriteString(st.card.Render(card) + "\n")
	}
	if o.Recovered {
		b.WriteString(hang(st.faint.Render("· "), "The write reported an error, but reading the link back showed it had been made.", width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
