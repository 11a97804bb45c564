package tui

import (
	"charm.land/lipgloss/v2"
)

// styles are the wizard's looks. Colours come from the terminal's own
// 16-colour palette so they follow the user's theme; with NO_COLOR the
// program renders with the Ascii profile and they disappear.
type styles struct {
	app, title, step, who, rule, faint, bold, accent       lipgloss.Style
	ok, warn, bad, key, keyDesc, selected, code, codeBox   lipgloss.Style
	card, tabOn, tabOff, demo, label, input, dialog, value lipgloss.Style
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
