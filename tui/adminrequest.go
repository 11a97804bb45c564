package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// adminRequest is the ready-to-send request for the customer's
// administrator: the names that sign it (a huh form, opened with e), the
// text, and keys to copy and save it. Saving never replaces a file
// without asking.
type adminRequest struct {
	org, name string
	names     *embedded // editing the names; nil while reading
	replace   *embedded // the question before replacing a saved file
	replaceOK bool
	exists    string
	saveOp    int
	saving    bool
	feedback  note
}

func (r *adminRequest) open(m *Model) {
	r.names, r.replace, r.feedback = nil, nil, note{}
}

func (r *adminRequest) typing() bool { return r.names.typing() }
func (r *adminRequest) busy() bool   { return r.saving }

func (r *adminRequest) text(m *Model) string { return requestText(r.org, r.name, m.f.partnerID) }

// saved shows how the save went; a file in the way makes it ask.
func (r *adminRequest) saved(m *Model, msg savedMsg) tea.Cmd {
	if msg.op != r.saveOp {
		return nil
	}
	r.saving = false
	var ee *existsError
	switch {
	case errors.As(msg.err, &ee):
		r.exists, r.replaceOK = ee.path, false
		var cmd tea.Cmd
		r.replace, cmd = m.embed(confirmField(replaceQuestion, replaceWhy(ee.path), "Replace it", "Keep it", &r.replaceOK))
		return cmd
	case msg.err != nil:
		what, next := explain(msg.err)
		r.feedback = note{noteBad, join(" ", what+".", next)}
	default:
		r.feedback = note{noteOK, "Saved to " + msg.path + "."}
	}
	return nil
}

func (r *adminRequest) save(m *Model, replace bool) tea.Cmd {
	r.saving, r.feedback = true, note{}
	r.saveOp = m.nextOp()
	return saveCmd(r.saveOp, m.o.WorkDir, r.text(m), replace)
}

// update handles a message; leave says the user left the request.
func (r *adminRequest) update(m *Model, msg tea.Msg) (cmd tea.Cmd, leave bool) {
	k := m.keys
	switch {
	case r.replace != nil:
		if kp, ok := msg.(tea.KeyPressMsg); ok && key.Matches(kp, k.Back) {
			r.replace = nil
			return nil, false
		}
		c, done := r.replace.step(m, msg)
		if !done {
			return c, false
		}
		r.replace = nil
		if r.replaceOK {
			return r.save(m, true), false
		}
		r.feedback = note{noteInfo, "Kept " + r.exists + " as it was; the request was not saved."}
		return nil, false
	case r.names != nil:
		if kp, ok := msg.(tea.KeyPressMsg); ok && key.Matches(kp, k.Back) {
			r.names = nil
			return nil, false
		}
		r.feedback = note{}
		c, done := r.names.step(m, msg)
		if done {
			r.names = nil
		}
		return c, false
	}
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch {
	case key.Matches(kp, k.Edit):
		r.feedback = note{}
		var c tea.Cmd
		r.names, c = m.embed(requestFields(&r.org, &r.name)...)
		return c, false
	case key.Matches(kp, k.Copy):
		r.feedback = note{noteOK, "Copied the request to the clipboard, where the terminal allows it (OSC 52). s saves it to a file."}
		return tea.SetClipboard(r.text(m)), false
	case key.Matches(kp, k.Save) && !r.saving:
		return r.save(m, false), false
	case key.Matches(kp, k.Back):
		return nil, true
	}
	return nil, false
}

func (r *adminRequest) keys(m *Model) []key.Binding {
	k := m.keys
	switch {
	case r.replace != nil:
		return []key.Binding{with(k.Yes, "replace"), with(k.No, "keep it"), with(k.Back, "keep it")}
	case r.names != nil:
		return []key.Binding{with(k.Continue, "next field"), k.PrevField, with(k.Back, "done")}
	}
	return []key.Binding{with(k.Edit, "edit names"), with(k.Copy, "copy"), with(k.Save, "save to "+requestFile), k.Back}
}

// view shows the names, the feedback of the last key right under the
// title where the user looks, and the request itself.
func (r *adminRequest) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("A request for the customer's administrator") + "\n")
	b.WriteString(wrap("Send this to whoever runs the customer's Microsoft Entra ID directory: it asks for a dedicated account, the access it needs, and says why.", width) + "\n")
	anchor := -1
	switch {
	case r.saving:
		b.WriteString(m.spin.View() + " Saving…\n")
		anchor = lineCount(b.String()) - 2
	case r.replace != nil:
		b.WriteString("\n" + st.dialog.Width(min(width, 64)).Render(formView(r.replace, min(width, 64)-6)) + "\n")
		anchor = lineCount(b.String()) - 2
	case r.feedback.text != "":
		b.WriteString(m.notesView([]note{r.feedback}, width) + "\n")
		anchor = lineCount(b.String()) - 2
	}
	b.WriteString("\n")
	if r.names != nil {
		names, at := r.names.view(width)
		anchor = lineCount(b.String()) - 1 + at + 2
		b.WriteString(names + "\n\n")
	} else {
		b.WriteString(kvRows(st, width, "Your organisation", cmpOr(r.org, "—"), "Your name", cmpOr(r.name, "—")) + "\n\n")
	}
	rule := st.rule.Render(strings.Repeat("─", min(width, 78)))
	b.WriteString(rule + "\n")
	b.WriteString(wrap(joinLines(strings.TrimRight(r.text(m), "\n")), width) + "\n")
	b.WriteString(rule)
	return b.String(), anchor
}
