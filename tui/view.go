package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// stickyScreen is a screen whose first lines (a title, tabs) stay in place
// while the rest of its body scrolls.
type stickyScreen interface{ sticky() int }

// layout renders the body (the screen or an overlay) into the viewport,
// keeping the screen's anchor in view unless the user has scrolled.
func (m *Model) layout() {
	w := m.contentWidth()
	var body string
	anchor, sticky := -1, 0
	switch m.overlay {
	case quitOverlay:
		body = m.quitView(w)
		anchor = lineCount(body) - 1
	case helpOverlay:
		body = m.helpView(w)
	default:
		body, anchor = m.screen().view(m, w)
		if ss, ok := m.screen().(stickyScreen); ok {
			sticky = ss.sticky()
		}
	}
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = " " + trimRight(truncate(l, w))
	}
	h := m.bodyHeight()
	m.top = nil
	if sticky > 0 && sticky < len(lines) && sticky < h-2 {
		m.top, lines = lines[:sticky], lines[sticky:]
		h -= sticky
		if anchor >= 0 {
			anchor -= sticky
		}
	}
	m.vp.SetWidth(m.width)
	m.vp.SetHeight(h)
	m.vp.SetContentLines(lines)
	if m.follow {
		m.vp.SetYOffset(autoOffset(len(lines), h, anchor))
	} else {
		m.vp.SetYOffset(m.vp.YOffset())
	}
	m.more = ""
	if len(lines) > h {
		switch off := m.vp.YOffset(); {
		case off > 0 && !m.vp.AtBottom():
			m.more = "↑↓ pgup/pgdn"
		case off > 0:
			m.more = "↑ pgup"
		default:
			m.more = "↓ pgdn"
		}
	}
}

// autoOffset scrolls so that the anchor line is near the bottom of h lines.
func autoOffset(total, h, anchor int) int {
	if total <= h || anchor < 0 {
		return 0
	}
	return max(0, min(anchor-h+2, total-h))
}

// View draws the header, the current screen (or an overlay) and the keys.
func (m *Model) View() tea.View {
	content := m.Render()
	if m.quitting {
		content = ""
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "palwiz · " + m.step.String()
	return v
}

// Render is the whole screen as text (the View's content). Every line is
// as wide as the terminal, so a new frame covers all of the old one.
func (m *Model) Render() string {
	var b strings.Builder
	for _, l := range strings.Split(m.header(), "\n") {
		b.WriteString(padRight(l, m.width) + "\n")
	}
	for _, l := range m.top {
		b.WriteString(padRight(l, m.width) + "\n")
	}
	b.WriteString(m.vp.View())
	b.WriteString("\n")
	b.WriteString(padRight(m.footer(), m.width))
	return b.String()
}

func (m *Model) header() string {
	w := m.width
	left := " " + m.st.title.Render("palwiz") + "  " + m.st.step.Render(m.step.label())
	right := ""
	if m.o.Demo != nil {
		right = m.st.demo.Render("DEMO · simulated cloud")
	}
	gap := w - 1 - ansi.StringWidth(left) - ansi.StringWidth(right)
	line1 := left
	if gap >= 1 && right != "" {
		line1 += strings.Repeat(" ", gap) + right
	}
	line2 := " " + m.st.who.Render(truncate(m.identityLine(), w-2))
	h := truncate(line1, w) + "\n" + line2 + "\n" + m.st.rule.Render(strings.Repeat("─", max(0, w)))
	if m.showRail() {
		h += "\n" + truncate(m.rail(), w) + "\n"
	}
	return h
}

// rail shows every step: done ✓, current ●, to come ○.
func (m *Model) rail() string {
	var parts []string
	for i := stepWelcome; i <= stepDone; i++ {
		switch {
		case i < m.step:
			parts = append(parts, m.st.ok.Render("✓")+" "+m.st.faint.Render(i.String()))
		case i == m.step:
			parts = append(parts, m.st.selected.Render("● "+i.String()))
		default:
			parts = append(parts, m.st.faint.Render("○ "+i.String()))
		}
	}
	return " " + strings.Join(parts, m.st.faint.Render(" ─ "))
}

// identityLine names the identity and the directory in use.
func (m *Model) identityLine() string {
	switch {
	case m.f.who != nil:
		return "as " + whoName(*m.f.who) + " · in " + cmpOr(m.f.tenant.DisplayName, m.f.who.TenantName, m.f.who.TenantID)
	case m.f.profile != nil && m.o.EnvIdentity != "":
		return "as " + profileName(m.f.profile) + " (environment)"
	case m.f.profile != nil:
		return "signed in earlier as " + profileName(m.f.profile)
	}
	return "not signed in"
}

// footerKeys are the bindings the footer shows now: the screen's first
// (the line is cut at the width), then help and quit.
func (m *Model) footerKeys() []key.Binding {
	k := m.keys
	switch m.overlay {
	case quitOverlay:
		return []key.Binding{with(k.Yes, "quit"), with(k.No, "stay"), with(k.Back, "stay")}
	case helpOverlay:
		return []key.Binding{with(k.Help, "close help"), with(k.Back, "close help")}
	}
	ks := append([]key.Binding(nil), m.screen().keys(m)...)
	ks = append(ks, k.Help)
	if m.screen().typing() {
		return append(ks, with(k.Interrupt, "quit"))
	}
	return append(ks, k.Quit)
}

func (m *Model) footer() string {
	prefix := ""
	if m.more != "" {
		prefix = m.st.faint.Render(m.more) + "  "
	}
	m.help.SetWidth(max(10, m.width-2-ansi.StringWidth(prefix)))
	return " " + truncate(prefix+m.help.ShortHelpView(m.footerKeys()), m.width-2)
}

func (m *Model) quitView(w int) string {
	bw := min(w-4, 56)
	return "\n" + m.st.dialog.Width(bw).Render(strings.TrimRight(formView(m.quitForm, bw-6), "\n"))
}

// formView renders an embedded form's fields at width (nothing for nil).
func formView(e *embedded, width int) string {
	if e == nil {
		return ""
	}
	v, _ := e.view(width)
	return v
}

func (m *Model) helpView(w int) string {
	k := m.keys
	var b strings.Builder
	b.WriteString(m.st.bold.Render("Help · "+m.step.label()) + "\n\n")
	b.WriteString(wrap(stepHelp[m.step], w) + "\n\n")
	b.WriteString(m.st.bold.Render("Keys on this screen") + "\n")
	m.help.SetWidth(w)
	b.WriteString(m.help.FullHelpView([][]key.Binding{m.screen().keys(m)}) + "\n\n")
	b.WriteString(m.st.bold.Render("Everywhere") + "\n")
	b.WriteString(m.help.FullHelpView([][]key.Binding{{
		with(k.Back, "go back a step"), with(k.PageDown, "scroll a long screen"), with(k.Help, "this help"),
		with(k.Quit, "quit (asks when work would be lost)"), k.Interrupt, k.Literal,
	}}))
	return strings.TrimRight(b.String(), "\n")
}

// stepHelp says what each step is for, in the help overlay.
var stepHelp = map[step]string{
	stepWelcome: "Type your Partner Location ID: Partner Center calls it the Associated Partner ID, and it is usually 7 digits. " +
		"Your organisation's global ID does not work for PAL.",
	stepInitiation: "Choose the account you deliver with. A dedicated service account that the customer creates for you is best: " +
		"one identity owns all your work and survives changes in your team. Then sign in to the customer's directory with it.",
	stepDirectory: "A link is made in one directory. Pick the customer's directory; palwiz gets a token for it first, " +
		"so an MFA or Conditional Access demand shows up here, with a way through.",
	stepRegistration: "palwiz reads the current link first. No link: it links. The same partner ID: nothing to do. " +
		"Another partner ID: it asks before moving the link, because that moves the credit.",
	stepAttribution: "The link earns credit only for resources attributed to this account. Each product has its own rule; " +
		"managed solutions imported by this account attribute everything inside them at once.",
	stepValidation: "PAL is a yes or no. palwiz reads the link again and shows the partner name and ID as the Azure portal does.",
	stepDone:       "What was done, what to do next, and whether to leave any tokens behind on this computer.",
}

// notesView renders notes with their marks, each wrapped at width.
func (m *Model) notesView(ns []note, width int) string {
	var out []string
	for _, n := range ns {
		out = append(out, hang(m.mark(n.kind), n.text, width))
	}
	return strings.Join(out, "\n")
}

// mark is a note's sign on screen.
func (m *Model) mark(k noteKind) string {
	switch k {
	case noteOK:
		return m.st.ok.Render("✓ ")
	case noteWarn:
		return m.st.warn.Render("! ")
	case noteBad:
		return m.st.bad.Render("✗ ")
	}
	return m.st.faint.Render("· ")
}
