package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
)

// keyMap is every key the wizard answers to. Update matches keys with
// key.Matches against these bindings only, and the footer and the help
// overlay (bubbles/help) show the same bindings, so what the screen says a
// key does is what it does. The forms' own keys (moving in a list, the next
// field) come from huhKeyMap, built from the same bindings.
type keyMap struct {
	// Everywhere.
	Interrupt key.Binding // quit at once
	Quit      key.Binding // quit, asking when work would be lost
	Help      key.Binding
	Literal   key.Binding // types a literal ? into a text field
	Back      key.Binding
	PageUp    key.Binding
	PageDown  key.Binding
	Continue  key.Binding // enter: what it does depends on the screen

	// Lists and forms.
	Choose    key.Binding // ↑/↓ (shown; a list moves itself)
	Up        key.Binding
	Down      key.Binding
	NextField key.Binding
	PrevField key.Binding
	Filter    key.Binding
	Toggle    key.Binding
	Yes       key.Binding
	No        key.Binding

	// Sign-in.
	Copy       key.Binding
	Approve    key.Binding
	Browser    key.Binding
	DeviceCode key.Binding

	// Screen actions.
	Retry     key.Binding
	SwitchID  key.Binding // sign in as someone else
	ChangePID key.Binding // change the partner ID
	Edit      key.Binding
	Save      key.Binding
	TopicNext key.Binding
	TopicPrev key.Binding
	Apply     key.Binding
	Details   key.Binding // more about each row
	Report    key.Binding // write the evidence report (Validation)
	CmdLeft   key.Binding // scroll commands (they never wrap)
	CmdRight  key.Binding
	Stop      key.Binding // ctrl+c while changes are being made
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Interrupt: b([]string{"ctrl+c"}, "ctrl+c", "quit at once"),
		Quit:      b([]string{"q"}, "q", "quit"),
		Help:      b([]string{"?"}, "?", "help"),
		Literal:   b([]string{"alt+?"}, "alt+?", "type a ? in a field"),
		Back:      b([]string{"esc"}, "esc", "back"),
		PageUp:    b([]string{"pgup", "ctrl+u"}, "pgup", "scroll up"),
		PageDown:  b([]string{"pgdown", "ctrl+d"}, "pgdn", "scroll down"),
		Continue:  b([]string{"enter"}, "enter", "continue"),

		Choose:    b([]string{"up", "down", "k", "j"}, "↑/↓", "choose"),
		Up:        b([]string{"up", "k"}, "↑", "up"),
		Down:      b([]string{"down", "j"}, "↓", "down"),
		NextField: b([]string{"tab"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab"}, "shift+tab", "previous field"),
		Filter:    b([]string{"/"}, "/", "filter"),
		Toggle:    b([]string{"space", "x"}, "space", "tick"),
		Yes:       b([]string{"y", "Y"}, "y", "yes"),
		No:        b([]string{"n", "N"}, "n", "no"),

		Copy:       b([]string{"c"}, "c", "copy"),
		Approve:    b([]string{"a"}, "a", "approve (demo)"),
		Browser:    b([]string{"b"}, "b", "browser"),
		DeviceCode: b([]string{"d"}, "d", "device code"),

		Retry:     b([]string{"r"}, "r", "try again"),
		SwitchID:  b([]string{"s"}, "s", "sign in as someone else"),
		ChangePID: b([]string{"e"}, "e", "change the partner ID"),
		Edit:      b([]string{"e"}, "e", "edit"),
		Save:      b([]string{"s"}, "s", "save"),
		TopicNext: b([]string{"right", "l", "tab"}, "←/→", "topic"),
		TopicPrev: b([]string{"left", "h", "shift+tab"}, "←/→", "topic"),
		Apply:     b([]string{"a"}, "a", "apply"),
		Details:   b([]string{"d"}, "d", "more details"),
		Report:    b([]string{"w"}, "w", reportOffer),
		CmdLeft:   b([]string{"<", ",", "shift+left"}, "</>", "scroll commands"),
		CmdRight:  b([]string{">", ".", "shift+right"}, "</>", "scroll commands"),
		Stop:      b([]string{"ctrl+c"}, "ctrl+c", "stop"),
	}
}

// with is b with another description (the key stays).
func with(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// huhKeyMap is huh's key map with the wizard's bindings where both act:
// the lists move, filter and tick with the keys the footer shows, and
// Ctrl-C is the wizard's (huh's own quit is off).
func (k keyMap) huhKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit.SetEnabled(false)
	km.Select.Filter = k.Filter
	km.Select.Up = k.Up
	km.Select.Down = k.Down
	km.Select.Next = key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "select"))
	km.Select.Submit = with(k.Continue, "select")
	km.Select.Prev = k.PrevField
	km.MultiSelect.Toggle = k.Toggle
	km.MultiSelect.Up = km.Select.Up
	km.MultiSelect.Down = km.Select.Down
	km.MultiSelect.Filter.SetEnabled(false)
	km.MultiSelect.SelectAll.SetEnabled(false)
	km.MultiSelect.SelectNone.SetEnabled(false)
	km.MultiSelect.Next = with(k.Continue, "done")
	km.MultiSelect.Submit = with(k.Continue, "done")
	km.Input.Next = key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "next field"))
	km.Input.Prev = k.PrevField
	km.Confirm.Accept = k.Yes
	km.Confirm.Reject = k.No
	return km
}
