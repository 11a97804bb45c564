package tui

import (
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// styles are the wizard's looks. Colours come from the terminal's own
// 16-colour palette so they follow the user's theme; with NO_COLOR the
// program renders with the Ascii profile and they disappear.
type styles struct {
	title, step, who, rule, faint, bold, accent          lipgloss.Style
	ok, warn, bad, key, keyDesc, selected, code, codeBox lipgloss.Style
	card, tabOn, tabOff, demo, label, dialog, value      lipgloss.Style
}

func newStyles() styles {
	var (
		accent = lipgloss.Color("6") // cyan
		green  = lipgloss.Color("2")
		yellow = lipgloss.Color("3")
		red    = lipgloss.Color("1")
		faint  = lipgloss.Color("8")
		magent = lipgloss.Color("5")
	)
	return styles{
		title:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		step:     lipgloss.NewStyle().Bold(true),
		who:      lipgloss.NewStyle().Foreground(faint),
		rule:     lipgloss.NewStyle().Foreground(faint),
		faint:    lipgloss.NewStyle().Foreground(faint),
		bold:     lipgloss.NewStyle().Bold(true),
		accent:   lipgloss.NewStyle().Foreground(accent),
		ok:       lipgloss.NewStyle().Foreground(green).Bold(true),
		warn:     lipgloss.NewStyle().Foreground(yellow),
		bad:      lipgloss.NewStyle().Foreground(red).Bold(true),
		key:      lipgloss.NewStyle().Foreground(accent).Bold(true),
		keyDesc:  lipgloss.NewStyle().Foreground(faint),
		selected: lipgloss.NewStyle().Foreground(accent).Bold(true),
		code:     lipgloss.NewStyle().Bold(true).Foreground(magent),
		codeBox:  lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 2),
		card:     lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(faint).Padding(0, 1),
		tabOn:    lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true),
		tabOff:   lipgloss.NewStyle().Foreground(faint),
		demo:     lipgloss.NewStyle().Bold(true).Foreground(magent),
		label:    lipgloss.NewStyle().Bold(true),
		value:    lipgloss.NewStyle(),
		dialog:   lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(yellow).Padding(0, 2),
	}
}

// cachedTheme is a huh theme built once: huh asks for its styles on every
// render, and building them is most of the cost of a frame.
func cachedTheme(build func(bool) *huh.Styles) huh.Theme {
	styles := build(false)
	return huh.ThemeFunc(func(bool) *huh.Styles { return styles })
}

// formTheme is the huh theme of the wizard's questions: the terminal's own
// palette, and a focus marker that needs no colour (a bar left of the
// focused field, ▸ at the chosen option and on the chosen button).
func formTheme(bool) *huh.Styles {
	var (
		accent = lipgloss.Color("6")
		faint  = lipgloss.Color("8")
		red    = lipgloss.Color("1")
	)
	t := huh.ThemeBase(false)
	t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
	t.Focused.Base = lipgloss.NewStyle().PaddingLeft(1).BorderStyle(lipgloss.ThickBorder()).BorderLeft(true).BorderForeground(accent)
	t.Focused.Card = t.Focused.Base
	t.Focused.Title = lipgloss.NewStyle().Bold(true)
	t.Focused.Description = lipgloss.NewStyle().Foreground(faint)
	t.Focused.ErrorIndicator = lipgloss.NewStyle().Foreground(red).SetString(" ✗")
	t.Focused.ErrorMessage = lipgloss.NewStyle().Foreground(red)
	t.Focused.SelectSelector = lipgloss.NewStyle().Foreground(accent).Bold(true).SetString("▸ ")
	t.Focused.SelectedOption = lipgloss.NewStyle().Foreground(accent).Bold(true)
	t.Focused.Option = lipgloss.NewStyle()
	t.Focused.UnselectedOption = lipgloss.NewStyle()
	t.Focused.MultiSelectSelector = lipgloss.NewStyle().Foreground(accent).Bold(true).SetString("▸ ")
	t.Focused.SelectedPrefix = lipgloss.NewStyle().SetString("[x] ")
	t.Focused.UnselectedPrefix = lipgloss.NewStyle().SetString("[ ] ")
	t.Focused.TextInput.Prompt = lipgloss.NewStyle().Foreground(accent)
	t.Focused.TextInput.Placeholder = lipgloss.NewStyle().Foreground(faint)
	t.Focused.FocusedButton = lipgloss.NewStyle().Bold(true).Reverse(true).MarginRight(2).
		Transform(func(s string) string { return "▸ " + s + " " })
	t.Focused.BlurredButton = lipgloss.NewStyle().MarginRight(2).
		Transform(func(s string) string { return "  " + s + " " })
	t.Blurred = t.Focused
	t.Blurred.Base = t.Focused.Base.BorderStyle(lipgloss.HiddenBorder())
	t.Blurred.Card = t.Blurred.Base
	t.Blurred.Title = lipgloss.NewStyle().Bold(true).Foreground(faint)
	t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("▹ ")
	t.Blurred.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
	t.Blurred.SelectedOption = lipgloss.NewStyle()
	t.Group.Title = t.Focused.Title
	t.Group.Description = t.Focused.Description
	return t
}
