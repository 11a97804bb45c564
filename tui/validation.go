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
	notes   []note
	report  evidence
}

func (s *validationScreen) enter(m *Model) tea.Cmd { return s.read(m) }

func (s *validationScreen) read(m *Model) tea.Cmd {
	s.reading, s.err, s.notes = true, nil, nil
	m.f.final, m.f.validated = nil, false
	s.op = m.nextOp()
	return validateCmd(m.ctx, m.be, s.op, m.f.tenant.ID)
}

func (s *validationScreen) typing() bool { return s.report.typing() }
func (s *validationScreen) busy() bool   { return s.reading || s.report.busy() }

// offersReport says the evidence report can be written now.
func (s *validationScreen) offersReport(m *Model) bool {
	return m.o.Reporter != nil && !s.reading && s.err == nil && !s.report.writing
}

func (s *validationScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	if cmd, ok := s.report.update(m, msg); ok {
		return cmd
	}
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
		s.notes = m.f.validate(msg.link)
		return nil
	case tea.KeyPressMsg:
		k := m.keys
		switch {
		case key.Matches(msg, k.Report) && s.offersReport(m):
			return s.report.open(m)
		case s.report.writing:
			return nil
		case key.Matches(msg, k.Retry) && !s.reading:
			return s.read(m)
		case key.Matches(msg, k.Continue) && !s.reading && s.err == nil:
			return m.goTo(stepDone)
		case key.Matches(msg, k.Continue) && s.err != nil:
			return s.read(m)
		case key.Matches(msg, k.Back):
			return m.back()
		}
	}
	return nil
}

func (s *validationScreen) keys(m *Model) []key.Binding {
	k := m.keys
	switch {
	case s.report.form != nil:
		return s.report.keys(m)
	case s.reading:
		return []key.Binding{k.Back}
	case s.err != nil:
		return []key.Binding{k.Retry, k.Back}
	case s.report.writing:
		return nil
	}
	ks := []key.Binding{with(k.Continue, "finish"), with(k.Retry, "read again")}
	if s.offersReport(m) {
		ks = append(ks, k.Report)
	}
	return append(ks, k.Back)
}

func (s *validationScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(lines(st.bold, wrap("Is "+m.f.account()+" linked to a partner ID in "+m.f.dirName()+"?", width)) + "\n\n")
	switch {
	case s.reading:
		b.WriteString(m.spin.View() + " Reading the link again…")
		return b.String(), -1
	case s.err != nil:
		b.WriteString(m.errorView(s.err, width) + "\n\n" + wrap("Press r to read it again.", width))
		return b.String(), -1
	}
	l := m.f.final
	if l == nil {
		b.WriteString("  " + st.bad.Render("✗ NO") + "  not linked\n\n")
		b.WriteString(m.notesView(s.notes, width) + "\n")
		b.WriteString(strings.TrimRight(s.coverageView(m, width), "\n"))
		return s.withReport(m, strings.TrimRight(b.String(), "\n"), width)
	}
	b.WriteString("  " + st.ok.Render("✓ YES") + "  linked\n\n")
	b.WriteString(st.card.Render(kvRows(st, min(width, 74)-4, m.f.linkRows(l)...)) + "\n")
	if len(s.notes) > 1 {
		b.WriteString(m.notesView(s.notes[1:], width) + "\n")
	}
	b.WriteString(s.coverageView(m, width))
	b.WriteString(lines(st.faint, wrap(portalNote, width)))
	return s.withReport(m, b.String(), width)
}

// withReport puts the report's part under the screen, and the view's
// anchor on its last line while it is there (the form, the path and the
// digest are what the user looks at then).
func (s *validationScreen) withReport(m *Model, body string, width int) (string, int) {
	r := s.report.view(m, width)
	if r == "" {
		return body, -1
	}
	out := strings.TrimRight(body, "\n") + "\n\n" + r
	return out, lineCount(out) - 1
}

// coverageView is attribution by product beside the link: coverage, what
// is left and the next step for each product (when the wizard checks).
func (s *validationScreen) coverageView(m *Model, width int) string {
	if m.o.Attributor == nil {
		return ""
	}
	return "\n" + lines(m.st.bold, wrap(m.f.attributionHeading(), width)) + "\n" +
		m.notesView(m.f.attr.coverageNotes(m.f.dirName()), width) + "\n\n"
}
