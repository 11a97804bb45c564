package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/steps"
)

type regPhase int

const (
	regReading regPhase = iota // reading the current link
	regReady                   // the current link and what it implies
	regConfirm                 // moving, or linking past a guard rail: asks first (a huh confirm)
	regLinking                 // writing the link
	regDone                    // the result card
)

// registrationScreen is Registration: it reads the current link first,
// shows what that implies (link, nothing to do, move from A to B), asks
// before moving a link, and shows the result as the portal does.
type registrationScreen struct {
	phase     regPhase
	op        int
	current   *steps.PartnerLink
	plan      regPlan
	readErr   error
	linkErr   error
	tenantID  string
	partnerID string
	move      *embedded
	moveOK    bool
	// kept says the user kept another partner's link (or did not link
	// past a guard rail): what to say, and enter then goes on to Attribution.
	kept     string
	keptLink bool
}

func (s *registrationScreen) enter(m *Model) tea.Cmd {
	if m.f.outcome != nil && s.phase == regDone && s.tenantID == m.f.tenant.ID && s.partnerID == m.f.partnerID {
		return nil
	}
	return s.read(m)
}

func (s *registrationScreen) read(m *Model) tea.Cmd {
	s.phase, s.readErr, s.linkErr, s.current, s.kept, s.keptLink = regReading, nil, nil, nil, "", false
	s.tenantID, s.partnerID = m.f.tenant.ID, m.f.partnerID
	s.op = m.nextOp()
	return readLinkCmd(m.ctx, m.be, s.op, m.f.tenant.ID)
}

func (s *registrationScreen) typing() bool { return false }
func (s *registrationScreen) busy() bool {
	return s.phase == regReading && s.readErr == nil || s.phase == regLinking && s.linkErr == nil
}

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
		s.plan = m.f.planLink(msg.link)
		return nil
	case linkedMsg:
		if msg.op != s.op {
			return nil
		}
		if msg.err != nil {
			var nf *steps.NeedsForceError
			if errors.As(msg.err, &nf) {
				// Linked to another partner in the meantime: ask about that one.
				s.current = nf.Current
				s.plan = m.f.planLink(nf.Current)
				return s.confirmMove(m)
			}
			s.linkErr = msg.err
			return nil
		}
		m.f.linked(msg.outcome)
		s.phase = regDone
		return nil
	}
	if s.phase == regConfirm {
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
			s.declined()
			return nil
		}
		cmd, done := s.move.step(m, msg)
		if done {
			if s.moveOK {
				return s.link(m, s.plan.action == steps.ActionMove)
			}
			s.declined()
			return nil
		}
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return s.key(m, k)
	}
	return nil
}

// confirmMove asks before moving the link from another partner, or
// before linking past a guard rail (no by default).
func (s *registrationScreen) confirmMove(m *Model) tea.Cmd {
	s.phase, s.moveOK, s.kept, s.keptLink = regConfirm, s.plan.safe, "", false
	var cmd tea.Cmd
	s.move, cmd = m.embed(confirmField(s.plan.question, "", s.plan.yes, s.plan.no, &s.moveOK))
	return cmd
}

// declined is the user saying no: another partner's link stays (and the
// wizard can go on with it), or nothing is linked here.
func (s *registrationScreen) declined() {
	s.phase = regReady
	if s.plan.action == steps.ActionMove {
		s.kept, s.keptLink = keptLink(s.current), true
		return
	}
	s.kept = declinedLink
}

func (s *registrationScreen) link(m *Model, force bool) tea.Cmd {
	s.phase, s.linkErr, s.kept = regLinking, nil, ""
	s.op = m.nextOp()
	return linkCmd(m.ctx, m.be, s.op, s.tenantID, s.current, s.partnerID, force)
}

func (s *registrationScreen) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	km := m.keys
	switch s.phase {
	case regReading:
		switch {
		case key.Matches(k, km.Retry) && s.readErr != nil:
			return s.read(m)
		case key.Matches(k, km.Back):
			return m.back()
		}
	case regReady:
		switch {
		case key.Matches(k, km.Continue) && s.keptLink:
			// Keep the other partner's link and go on, as said.
			m.f.keep(s.current)
			return m.goTo(stepAttribution)
		case key.Matches(k, km.Continue):
			switch {
			case s.plan.action == steps.ActionNone:
				m.f.linked(steps.Outcome{Action: steps.ActionNone, Before: s.current, After: s.current})
				s.phase = regDone
				return m.goTo(stepAttribution)
			case s.plan.ask:
				return s.confirmMove(m)
			}
			return s.link(m, false)
		case key.Matches(k, km.ChangePID):
			m.f.editPartnerID()
			return m.goTo(stepWelcome)
		case key.Matches(k, km.Retry):
			return s.read(m)
		case key.Matches(k, km.Back):
			return m.back()
		}
	case regLinking:
		if s.linkErr == nil {
			return nil
		}
		switch {
		case key.Matches(k, km.Retry):
			// Read again before writing again: the failed write may have landed.
			return s.read(m)
		case key.Matches(k, km.ChangePID):
			m.f.editPartnerID()
			return m.goTo(stepWelcome)
		case key.Matches(k, km.Back):
			s.phase, s.linkErr = regReady, nil
		}
	case regDone:
		switch {
		case key.Matches(k, km.Continue):
			return m.goTo(stepAttribution)
		case key.Matches(k, km.Back):
			return m.back()
		}
	}
	return nil
}

func (s *registrationScreen) keys(m *Model) []key.Binding {
	k := m.keys
	switch s.phase {
	case regReading:
		if s.readErr != nil {
			return []key.Binding{k.Retry, k.Back}
		}
	case regReady:
		enter := "link"
		switch {
		case s.keptLink:
			enter = "keep it and continue to Attribution"
		case s.plan.action == steps.ActionNone:
			enter = "continue"
		case s.plan.action == steps.ActionMove:
			enter = "move the link"
		}
		read := "read again"
		if s.keptLink {
			read = "read again to move it"
		}
		return []key.Binding{with(k.Continue, enter), k.ChangePID, with(k.Retry, read), k.Back}
	case regConfirm:
		return []key.Binding{with(k.Yes, strings.ToLower(s.plan.yes)), with(k.No, strings.ToLower(s.plan.no)), with(k.Continue, "answer")}
	case regLinking:
		if s.linkErr != nil {
			return []key.Binding{k.Retry, k.ChangePID, k.Back}
		}
	case regDone:
		return []key.Binding{k.Continue, k.Back}
	}
	return nil
}

func (s *registrationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(lines(st.bold, wrap("Link "+m.f.account()+" to partner ID "+s.partnerID, width)) + "\n")
	b.WriteString(lines(st.faint, wrap("in "+m.f.dirName(), width)) + "\n\n")
	if s.phase == regReading {
		if s.readErr != nil {
			b.WriteString(m.errorView(s.readErr, width) + "\n\n" + wrap("Press r to read the link again.", width))
		} else {
			b.WriteString(m.spin.View() + " Reading the current link…")
		}
		return b.String(), -1
	}
	if s.phase == regDone && m.f.outcome != nil {
		return b.String() + s.resultView(m, width), -1
	}
	b.WriteString(kvRows(st, width, "Current link", s.plan.current, "What palwiz will do", s.plan.does) + "\n")
	if s.plan.warning != "" {
		b.WriteString("\n" + m.notesView([]note{{noteWarn, s.plan.warning}}, width) + "\n")
	}
	if len(s.plan.guards) > 0 {
		b.WriteString("\n" + m.notesView(s.plan.guards, width) + "\n")
	}
	anchor := -1
	switch {
	case s.phase == regConfirm:
		bw := min(width, 60)
		b.WriteString("\n" + st.dialog.Width(bw).Render(formView(s.move, bw-6)) + "\n")
		anchor = lineCount(b.String()) - 2
	case s.phase == regLinking && s.linkErr != nil:
		b.WriteString("\n" + m.errorView(s.linkErr, width) + "\n\n" + wrap("Press r to read the link again and retry, or e to change the partner ID.", width))
	case s.phase == regLinking:
		b.WriteString("\n" + m.spin.View() + " Linking…")
	case s.keptLink:
		b.WriteString("\n" + m.notesView([]note{{noteInfo, s.kept}, {noteWarn, m.f.keepConsequence(s.current)}}, width))
	case s.kept != "":
		b.WriteString("\n" + m.notesView([]note{{noteInfo, s.kept}}, width))
	}
	return strings.TrimRight(b.String(), "\n"), anchor
}

func (s *registrationScreen) resultView(m *Model, width int) string {
	st := m.st
	o := m.f.outcome
	var b strings.Builder
	b.WriteString(hang(st.ok.Render("✓ "), o.Summary()+".", width) + "\n\n")
	if l := o.After; l != nil {
		b.WriteString(st.faint.Render("Link to a partner ID, as the Azure portal shows it:") + "\n")
		rows := m.f.linkRows(l)
		// The result card leads with the ID the user typed.
		rows[0], rows[1], rows[2], rows[3] = rows[2], rows[3], rows[0], rows[1]
		b.WriteString(st.card.Render(kvRows(st, min(width, 74)-4, rows...)) + "\n")
	}
	if o.Recovered {
		b.WriteString(hang(st.faint.Render("· "), recoveredNote, width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
