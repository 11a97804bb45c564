package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// formDoneMsg says the form with this id was completed.
type formDoneMsg struct{ id int }

// embedded is a huh form inside a screen. The screen keeps the fields to
// render them in its own layout; the form moves the focus between them,
// validates them and says when it is complete (formDoneMsg).
type embedded struct {
	form   *huh.Form
	id     int
	fields []huh.Field
	width  int
}

// embed builds the form for fields; its init command focuses the first one.
func (m *Model) embed(fields ...huh.Field) (*embedded, tea.Cmd) {
	e := &embedded{form: newForm(m.keys, m.theme, fields...), id: m.nextOp(), fields: fields}
	id := e.id
	e.form.SubmitCmd = func() tea.Msg { return formDoneMsg{id: id} }
	e.resize(m.contentWidth())
	return e, e.form.Init()
}

// resize sets the fields' width.
func (e *embedded) resize(width int) {
	if width != e.width {
		e.width = width
		e.form.WithWidth(width)
	}
}

// update passes a message to the form.
func (e *embedded) update(msg tea.Msg) tea.Cmd {
	f, cmd := e.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		e.form = ff
	}
	return cmd
}

// done reports whether msg says this form was completed.
func (e *embedded) done(msg tea.Msg) bool {
	d, ok := msg.(formDoneMsg)
	return ok && e != nil && d.id == e.id
}

// focused is the field that has the keys.
func (e *embedded) focused() huh.Field { return e.form.GetFocusedField() }

// typing reports whether the focused field takes free text.
func (e *embedded) typing() bool {
	return e != nil && e.form.State == huh.StateNormal && takesText(e.focused())
}

// view renders the fields that are shown, one under the other, at width,
// and the line where the focused field starts.
func (e *embedded) view(width int) (string, int) {
	e.resize(width)
	var parts []string
	anchor, lines := -1, 0
	focused := e.focused()
	for _, f := range e.fields {
		v := f.View()
		if v == "" {
			continue
		}
		if f == focused || unwrapField(f) == focused {
			anchor = lines
		}
		parts = append(parts, v)
		lines += lineCount(v)
	}
	return strings.Join(parts, "\n"), anchor
}

// err is the focused field's validation error, if any.
func (e *embedded) err() error {
	if e == nil {
		return nil
	}
	return e.focused().Error()
}

func unwrapField(f huh.Field) huh.Field {
	if o, ok := f.(*optionalField); ok {
		return o.Field
	}
	return f
}
