// Package tui is palwiz's wizard: a Bubble Tea program that walks a partner
// through Partner Admin Link (Welcome, Initiation, Directory, Registration,
// Attribution, Validation, Done), and the same flow as plain line-by-line
// prompts for screen readers (RunAccessible).
//
// The root Model owns the step state and what the wizard has learnt (the
// partner ID, the identity, the directory, the link). Each screen is a small
// model in its own file. All outside work runs in tea.Cmds that call a
// Backend and answer with typed messages; Update never does I/O.
package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// step is where the wizard is.
type step int

const (
	stepWelcome step = iota
	stepInitiation
	stepDirectory
	stepRegistration
	stepAttribution
	stepValidation
	stepDone
)

var stepNames = [...]string{"Welcome", "Initiation", "Directory", "Registration", "Attribution", "Validation", "Done"}

func (s step) String() string { return stepNames[s] }

// label is the header's name for the step: the three PAL steps are numbered.
func (s step) label() string {
	switch s {
	case stepInitiation:
		return "1 of 3 · Initiation"
	case stepDirectory:
		return "1 of 3 · Initiation › Directory"
	case stepRegistration:
		return "2 of 3 · Registration"
	case stepAttribution:
		return "3 of 3 · Attribution"
	}
	return s.String()
}

// textMode says how much of the keyboard a screen's focused field takes.
type textMode int

const (
	textNone   textMode = iota // keys are commands
	textDigits                 // a digits-only field: ? still opens help
	textFree                   // free text: every printable key is typed
)

// screen is one step's model. The root calls enter when the step becomes
// current (forward or back), passes it keys and result messages, and places
// its view between the header and the footer.
type screen interface {
	enter(m *Model) tea.Cmd
	update(m *Model, msg tea.Msg) tea.Cmd
	// view renders the body at width; anchor is a line that must stay
	// visible when the body is taller than the screen (-1: none).
	view(m *Model, width int) (body string, anchor int)
	keys(m *Model) []key.Binding
	text() textMode
	busy() bool
}

// Model is the wizard's root model.
type Model struct {
	ctx context.Context
	o   Options
	be  Backend
	st  styles

	width, height int
	now           time.Time
	step          step
	ops           int
	spin          spinner.Model
	spinning      bool
	scroll        map[step]int

	// What the wizard has learnt so far.
	profile   *auth.Profile
	partnerID string
	who       *steps.Who
	tenant    arm.Tenant
	outcome   *steps.Outcome
	final     *arm.Link
	validated bool
	signedOut bool
	removed   int
	// signedInAs is the person the last sign-in produced (home UPN).
	signedInAs string

	welcome      *welcomeScreen
	initiation   *initiationScreen
	directory    *directoryScreen
	registration *registrationScreen
	attribution  *attributionScreen
	validation   *validationScreen
	done         *doneScreen

	help      bool
	quitAsk   bool
	cancelled bool
	completed bool
}

// New builds the wizard's model; Run runs it in a terminal.
func New(ctx context.Context, o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WorkDir == "" {
		o.WorkDir = "."
	}
	m := &Model{ctx: ctx, o: o, be: o.Backend, st: newStyles(), now: o.Now(), width: 80, height: 24, scroll: map[step]int{}}
	if o.Width > 0 && o.Height > 0 {
		m.width, m.height = o.Width, o.Height
	}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(m.st.accent))
	pid := o.PartnerID
	if pid == "" && o.Demo != nil {
		pid = o.Demo.PartnerID
	}
	m.welcome = newWelcome(pid)
	m.initiation = newInitiation()
	m.directory = &directoryScreen{}
	m.registration = &registrationScreen{}
	m.attribution = newAttribution()
	m.validation = &validationScreen{}
	m.done = &doneScreen{signOut: o.Ephemeral}
	return m
}

// Init starts the clock, asks who is signed in already, and shows Welcome.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(sessionCmd(m.ctx, m.be), tickCmd(), m.welcome.enter(m))
}

// Result is what the wizard did so far.
func (m *Model) Result() Result {
	r := Result{Completed: m.completed, Who: m.who, Tenant: m.tenant, Outcome: m.outcome, Link: m.final,
		Validated: m.validated, SignedOut: m.signedOut, Removed: m.removed}
	return r
}

// Cancelled reports whether the user quit before the end.
func (m *Model) Cancelled() bool { return m.cancelled }

func (m *Model) nextOp() int {
	m.ops++
	return m.ops
}

func (m *Model) screen() screen {
	switch m.step {
	case stepInitiation:
		return m.initiation
	case stepDirectory:
		return m.directory
	case stepRegistration:
		return m.registration
	case stepAttribution:
		return m.attribution
	case stepValidation:
		return m.validation
	case stepDone:
		return m.done
	}
	return m.welcome
}

// goTo makes s the current step and lets its screen start its work.
func (m *Model) goTo(s step) tea.Cmd {
	m.step = s
	m.help, m.quitAsk = false, false
	delete(m.scroll, s)
	return tea.Batch(m.screen().enter(m), m.startSpin())
}

// back returns to the previous step.
func (m *Model) back() tea.Cmd {
	if m.step == stepWelcome {
		return nil
	}
	return m.goTo(m.step - 1)
}

// startSpin keeps the spinner turning while a screen is busy.
func (m *Model) startSpin() tea.Cmd {
	if m.spinning || !m.screen().busy() {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// Update routes messages: window and clock to the root, keys through the
// overlays to the current screen, results to the screen that asked.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if m.o.Width == 0 || m.o.Height == 0 {
			m.width, m.height = msg.Width, msg.Height
		}
		return m, nil
	case tickMsg:
		m.now = time.Time(msg)
		return m, tickCmd()
	case spinner.TickMsg:
		if !m.screen().busy() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case sessionMsg:
		m.profile = msg.profile
		return m, nil
	case tea.KeyPressMsg:
		cmd := m.handleKey(msg)
		return m, tea.Batch(cmd, m.startSpin())
	}
	// Results go to every screen: each one ignores operations it did not start.
	cmds := []tea.Cmd{}
	for _, s := range []screen{m.welcome, m.initiation, m.directory, m.registration, m.attribution, m.validation, m.done} {
		if s == m.screen() || isResult(msg) {
			cmds = append(cmds, s.update(m, msg))
		}
	}
	cmds = append(cmds, m.startSpin())
	return m, tea.Batch(cmds...)
}

// isResult tells the wizard's own result messages from everything else
// (cursor blinks, pastes), which only the current screen gets.
func isResult(msg tea.Msg) bool {
	switch msg.(type) {
	case deviceCodeMsg, browserURLMsg, signedInMsg, whoMsg, tenantsMsg, probeMsg, switchedMsg,
		linkReadMsg, linkedMsg, validatedMsg, signedOutMsg, savedMsg, approvedMsg, scannedMsg, scanProgressMsg:
		return true
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		m.cancelled = true
		return tea.Interrupt
	}
	if m.quitAsk {
		switch k {
		case "y", "Y", "enter":
			m.cancelled = true
			return tea.Quit
		case "n", "N", "esc", "q":
			m.quitAsk = false
		}
		return nil
	}
	if m.help {
		switch k {
		case "?", "esc", "q", "enter":
			m.help = false
		}
		return nil
	}
	mode := m.screen().text()
	switch {
	case k == "?" && mode != textFree:
		m.help = true
		return nil
	case k == "q" && mode == textNone:
		return m.askQuit()
	case k == "pgdown" || k == "ctrl+d" || k == "pgup" || k == "ctrl+u":
		m.scrollBy(k)
		return nil
	}
	if _, _, _, anchor := m.bodyParts(); anchor >= 0 {
		// Typing brings the focused field back into view.
		delete(m.scroll, m.step)
	}
	return m.screen().update(m, msg)
}

// resetScroll shows the current screen from its top (or its anchor) again.
func (m *Model) resetScroll() { delete(m.scroll, m.step) }

// askQuit quits at once when nothing would be lost, and asks otherwise.
func (m *Model) askQuit() tea.Cmd {
	if m.quitReason() == "" {
		if m.step == stepDone {
			m.completed = true
		} else {
			m.cancelled = true
		}
		return tea.Quit
	}
	m.quitAsk = true
	return nil
}

// quitReason says what quitting now would lose ("" = nothing).
func (m *Model) quitReason() string {
	switch {
	case m.step == stepWelcome || m.step == stepDone:
		return ""
	case m.screen().busy():
		return "palwiz is still working on this step; quitting stops it."
	case m.outcome == nil && m.who != nil:
		return "You are signed in, but the partner link is not made yet."
	case m.outcome != nil && !m.validated:
		return "The link is made, but Validation has not read it back yet."
	case m.who == nil && m.step > stepWelcome:
		return "You have not signed in yet; the partner link is not made."
	}
	return "You have not finished the wizard."
}

func (m *Model) scrollBy(k string) {
	step := max(1, m.bodyHeight()/2)
	if k == "pgup" || k == "ctrl+u" {
		step = -step
	}
	m.scrollLines(step)
}

// scrollLines scrolls a body taller than the screen by n lines.
func (m *Model) scrollLines(n int) {
	_, rest, h, anchor := m.bodyParts()
	total := len(rest)
	off, ok := m.scroll[m.step]
	if !ok {
		off = autoOffset(total, h, anchor)
	}
	m.scroll[m.step] = max(0, min(off+n, total-h))
}

// stickyScreen is a screen whose first lines (a title, tabs) stay in place
// while the rest of its body scrolls.
type stickyScreen interface{ sticky() int }

// bodyParts renders the current body and splits it into its fixed top and
// the part that scrolls in h lines; anchor is counted within the latter.
func (m *Model) bodyParts() (top, rest []string, h, anchor int) {
	var body string
	anchor = -1
	sticky := 0
	switch {
	case m.quitAsk:
		body = m.quitView(m.contentWidth())
	case m.help:
		body = m.helpView(m.contentWidth())
	default:
		body, anchor = m.screen().view(m, m.contentWidth())
		if ss, ok := m.screen().(stickyScreen); ok {
			sticky = ss.sticky()
		}
	}
	lines := strings.Split(body, "\n")
	h = m.bodyHeight()
	if sticky > 0 && sticky < len(lines) && sticky < h-2 {
		top, lines = lines[:sticky], lines[sticky:]
		h -= sticky
		if anchor >= 0 {
			anchor -= sticky
		}
	}
	return top, lines, h, anchor
}

func autoOffset(total, h, anchor int) int {
	if total <= h || anchor < 0 {
		return 0
	}
	return max(0, min(anchor-h+2, total-h))
}

// contentWidth is the width screens render to: one column margin each
// side, and no wider than comfortable reading on a large terminal.
func (m *Model) contentWidth() int { return max(20, min(m.width-2, 100)) }

// bodyHeight is the number of lines between the header and the footer.
func (m *Model) bodyHeight() int { return max(3, m.height-lineCount(m.header())-1) }

// showRail says whether the screen is roomy enough for the step rail.
func (m *Model) showRail() bool { return m.width >= 100 && m.height >= 30 }

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

// View draws the header, the current screen (or an overlay) and the keys.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "palwiz · " + m.step.String()
	return v
}

// Render is the whole screen as text (the View's content).
func (m *Model) Render() string {
	w := m.contentWidth()
	top, lines, h, anchor := m.bodyParts()
	more := ""
	if len(lines) > h {
		off, ok := m.scroll[m.step]
		if !ok || m.help || m.quitAsk {
			off = autoOffset(len(lines), h, anchor)
		}
		off = max(0, min(off, len(lines)-h))
		switch {
		case off > 0 && off+h < len(lines):
			more = "↑↓ pgup/pgdn"
		case off > 0:
			more = "↑ pgup"
		default:
			more = "↓ pgdn"
		}
		lines = lines[off : off+h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	var b strings.Builder
	b.WriteString(m.header())
	for _, l := range append(top, lines...) {
		b.WriteString("\n ")
		b.WriteString(trimRight(truncate(l, w)))
	}
	b.WriteString("\n")
	b.WriteString(m.footer(more))
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

// identityLine names the identity and the directory in use.
func (m *Model) identityLine() string {
	switch {
	case m.who != nil:
		dir := m.tenant.DisplayName
		if dir == "" {
			dir = m.who.TenantName
		}
		if dir == "" {
			dir = m.who.TenantID
		}
		return "as " + whoName(*m.who) + " · in " + dir
	case m.profile != nil:
		return "signed in earlier as " + profileName(m.profile)
	}
	return "not signed in"
}

// whoName is the identity's sign-in name, or its display name.
func whoName(w steps.Who) string {
	switch {
	case w.Kind == auth.KindServicePrincipal && w.DisplayName != "":
		return "service principal " + w.DisplayName
	case w.Kind == auth.KindServicePrincipal:
		return "service principal " + w.AppID
	case strings.Contains(w.UPN, "#EXT#") && w.DisplayName != "":
		// A guest's UPN in another directory is a mangled address: name it instead.
		return w.DisplayName + " (guest)"
	case w.UPN != "":
		return w.UPN
	}
	return w.DisplayName
}

func profileName(p *auth.Profile) string {
	if p.Kind == auth.KindServicePrincipal {
		return "service principal " + p.ClientID
	}
	if p.Username != "" {
		return p.Username
	}
	return p.DisplayName
}

func (m *Model) footer(more string) string {
	var parts []string
	switch {
	case m.quitAsk:
		parts = []string{m.keyHelp("y", "quit"), m.keyHelp("n", "stay")}
	case m.help:
		parts = []string{m.keyHelp("?/esc", "close help")}
	default:
		for _, b := range m.screen().keys(m) {
			if b.Enabled() {
				parts = append(parts, m.keyHelp(b.Help().Key, b.Help().Desc))
			}
		}
		if m.screen().text() != textFree {
			parts = append(parts, m.keyHelp("?", "help"))
		}
		if m.screen().text() == textNone {
			parts = append(parts, m.keyHelp("q", "quit"))
		} else {
			parts = append(parts, m.keyHelp("ctrl+c", "quit"))
		}
	}
	line := strings.Join(parts, m.st.faint.Render(" · "))
	if more != "" {
		line = m.st.faint.Render(more) + "  " + line
	}
	return " " + truncate(line, m.width-2)
}

func (m *Model) keyHelp(k, desc string) string {
	return m.st.key.Render(k) + " " + m.st.keyDesc.Render(desc)
}

func (m *Model) quitView(w int) string {
	bw := min(w-4, 56)
	text := m.st.bold.Render("Quit palwiz?") + "\n\n" + wrap(m.quitReason(), bw-6)
	if m.o.Ephemeral && m.who != nil {
		text += "\n" + wrap("Your sign-in is kept only in memory and ends with palwiz.", bw-6)
	}
	text += "\n\n" + m.keyHelp("y", "quit") + m.st.faint.Render(" · ") + m.keyHelp("n", "stay")
	return "\n" + m.st.dialog.Width(bw).Render(text)
}

func (m *Model) helpView(w int) string {
	var b strings.Builder
	b.WriteString(m.st.bold.Render("Help · "+m.step.label()) + "\n\n")
	b.WriteString(wrap(stepHelp[m.step], w) + "\n\n")
	b.WriteString(m.st.bold.Render("Keys on this screen") + "\n")
	for _, k := range m.screen().keys(m) {
		if k.Enabled() {
			b.WriteString("  " + padRight(m.st.key.Render(k.Help().Key), 12) + " " + k.Help().Desc + "\n")
		}
	}
	b.WriteString("\n" + m.st.bold.Render("Everywhere") + "\n")
	for _, kv := range [][2]string{
		{"enter", "continue"}, {"esc", "go back a step"}, {"pgup/pgdn", "scroll a long screen"},
		{"?", "this help"}, {"q", "quit (asks when work would be lost)"}, {"ctrl+c", "quit at once"},
	} {
		b.WriteString("  " + padRight(m.st.key.Render(kv[0]), 12) + " " + kv[1] + "\n")
	}
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
