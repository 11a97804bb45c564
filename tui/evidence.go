package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// evidence is Validation's offer to write the evidence report: a form for
// the format and the name (w opens it), the write in a command, then the
// path and the digest, or why nothing was written.
type evidence struct {
	form    *embedded
	choice  reportChoice
	op      int
	writing bool
	notes   []note
}

func (e *evidence) typing() bool { return e.form.typing() }
func (e *evidence) busy() bool   { return e.writing }

// open asks for the format and the name (keeping the last answers).
func (e *evidence) open(m *Model) tea.Cmd {
	if e.choice.format == "" {
		e.choice.format = "html"
	}
	var cmd tea.Cmd
	e.form, cmd = m.embed(m.f.reportFields(&e.choice, m.now)...)
	return cmd
}

// update handles a message while the form is open or the write runs;
// handled says the message was Validation's report's.
func (e *evidence) update(m *Model, msg tea.Msg) (cmd tea.Cmd, handled bool) {
	if w, ok := msg.(reportWrittenMsg); ok {
		if w.op != e.op {
			return nil, true
		}
		e.writing = false
		if w.err == nil {
			e.notes = reportWritten(shownPath(m.o.WorkDir, w.path), w.digest)
			return nil, true
		}
		var suggest string
		e.notes, suggest = reportNotWritten(m.o.WorkDir, w.err)
		if suggest == "" {
			return nil, true
		}
		// Offer the free name rather than replace anything.
		e.choice.path = suggest
		return e.open(m), true
	}
	if e.form == nil {
		return nil, false
	}
	if kp, ok := msg.(tea.KeyPressMsg); ok && key.Matches(kp, m.keys.Back) {
		e.form = nil
		return nil, true
	}
	c, done := e.form.step(m, msg)
	if !done {
		return c, true
	}
	e.form = nil
	return e.write(m), true
}

// write starts writing the report where the user chose.
func (e *evidence) write(m *Model) tea.Cmd {
	path := m.f.reportTarget(m.o.WorkDir, e.choice, m.now)
	e.writing, e.notes = true, nil
	e.op = m.nextOp()
	return reportCmd(m.ctx, m.o.Reporter, e.op, m.f.tenant, e.choice.format, path)
}

func (e *evidence) keys(m *Model) []key.Binding {
	k := m.keys
	if e.form != nil {
		return []key.Binding{with(k.Continue, "next"), with(k.Back, "cancel")}
	}
	return nil
}

// view is the report's part of Validation ("" before anything happened).
func (e *evidence) view(m *Model, width int) string {
	var b strings.Builder
	switch {
	case e.writing:
		b.WriteString(m.spin.View() + " Checking the directory again and writing the report…")
	case e.form != nil:
		bw := min(width, 72)
		if len(e.notes) > 0 {
			b.WriteString(m.notesView(e.notes, width) + "\n")
		}
		b.WriteString(m.st.dialog.Width(bw).Render(strings.TrimRight(formView(e.form, bw-6), "\n")))
	case len(e.notes) > 0:
		b.WriteString(m.notesView(e.notes, width))
	}
	return b.String()
}
