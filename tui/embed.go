package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
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
	// finished says the form was completed (and is done with).
	finished bool
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

// step passes msg to the form and reports whether the form is complete.
// The key that answers its last question (enter; y or n on a yes-or-no)
// completes it at once, with the value it set: the form's own way to
// completion runs through commands, and a key typed meanwhile would land
// in the finished form, or its last messages in the next one. So the
// commands of that key are dropped, and a later formDoneMsg of this form
// means nothing. A form completed otherwise (tab on its last field) says
// so with formDoneMsg.
func (e *embedded) step(m *Model, msg tea.Msg) (tea.Cmd, bool) {
	if e == nil || e.finished {
		return nil, false
	}
	if d, ok := msg.(formDoneMsg); ok {
		if d.id != e.id {
			return nil, false
		}
		e.finished = true
		return nil, true
	}
	cmd := e.update(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && e.answered(m.keys, k) {
		e.finished = true
		return nil, true
	}
	return cmd, false
}

// answered reports whether key k, just passed to the form, answered its
// last question without an error.
func (e *embedded) answered(km keyMap, k tea.KeyPressMsg) bool {
	f := unwrapField(e.focused())
	if f != e.lastField() || f.Error() != nil {
		return false
	}
	if _, ok := f.(*huh.Confirm); ok {
		return key.Matches(k, km.Continue, km.Yes, km.No)
	}
	return key.Matches(k, km.Continue)
}

// lastField is the form's last field that is shown.
func (e *embedded) lastField() huh.Field {
	for i := len(e.fields) - 1; i >= 0; i-- {
		if !e.fields[i].Skip() {
			return unwrapField(e.fields[i])
		}
	}
	return nil
}

// focused is the field that has the keys.
func (e *embedded) focused() huh.Field { return e.form.GetFocusedField() }

// typing reports whether the focused field takes free text.
func (e *embedded) typing() bool {
	return e != nil && !e.finished && e.form.State == huh.StateNormal && takesText(e.focused())
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
