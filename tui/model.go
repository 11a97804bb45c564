package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
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

// screen is one step's model. The root calls enter when the step becomes
// current (forward or back), passes it keys and result messages, and places
// its view between the header and the footer.
type screen interface {
	enter(m *Model) tea.Cmd
	update(m *Model, msg tea.Msg) tea.Cmd
	// view renders the body at width; anchor is a line that must stay
	// visible when the body is taller than the screen (-1: none).
	view(m *Model, width int) (body string, anchor int)
	// keys are the screen's bindings now, for the footer and the help.
	keys(m *Model) []key.Binding
	// typing reports whether a text field has the keys (q and letters type).
	typing() bool
	busy() bool
}

// overlay is what covers the screen: nothing, the help or the quit question.
type overlay int

const (
	noOverlay overlay = iota
	helpOverlay
	quitOverlay
)

// Model is the wizard's root model.
type Model struct {
	ctx   context.Context
	o     Options
	be    Backend
	st    styles
	keys  keyMap
	theme huh.Theme
	help  help.Model
	f     facts

	width, height int
	now           time.Time
	step          step
	ops           int
	spin          spinner.Model
	spinning      bool

	// The body scrolls in vp; follow keeps the screen's anchor in view
	// until the user scrolls. top are lines that stay above it.
	vp     viewport.Model
	follow bool
	top    []string
	more   string

	welcome      *welcomeScreen
	initiation   *initiationScreen
	directory    *directoryScreen
	registration *registrationScreen
	attribution  *attributionScreen
	validation   *validationScreen
	done         *doneScreen

	overlay   overlay
	quitting  bool
	quitForm  *embedded
	quitYes   bool
	cancelled bool
}

// New builds the wizard's model; Run runs it in a terminal.
func New(ctx context.Context, o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WorkDir == "" {
		o.WorkDir = "."
	}
	m := &Model{ctx: ctx, o: o, be: o.Backend, st: newStyles(), keys: newKeyMap(), now: o.Now(), width: 80, height: 24, follow: true}
	if o.Width > 0 && o.Height > 0 {
		m.width, m.height = o.Width, o.Height
	}
	m.theme = cachedTheme(formTheme)
	m.help = help.New()
	m.help.Styles.ShortKey, m.help.Styles.FullKey = m.st.key, m.st.key
	m.help.Styles.ShortDesc, m.help.Styles.FullDesc = m.st.keyDesc, m.st.keyDesc
	m.help.Styles.ShortSeparator, m.help.Styles.FullSeparator, m.help.Styles.Ellipsis = m.st.faint, m.st.faint, m.st.faint
	m.help.ShortSeparator = " · "
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(m.st.accent))
	m.vp = viewport.New()
	pid := o.PartnerID
	if pid == "" && o.Demo != nil {
		pid = o.Demo.PartnerID
	}
	m.welcome = &welcomeScreen{value: pid}
	m.initiation = &initiationScreen{}
	m.directory = &directoryScreen{}
	m.registration = &registrationScreen{}
	m.attribution = newAttribution()
	m.validation = &validationScreen{}
	m.done = &doneScreen{signOut: o.Ephemeral}
	m.layout()
	return m
}

// Init starts the clock, asks who is signed in already, and shows Welcome.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(sessionCmd(m.ctx, m.be), tickCmd(), m.welcome.enter(m))
}

// Result is what the wizard did so far.
func (m *Model) Result() Result { return m.f.result() }

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

func (m *Model) screens() []screen {
	return []screen{m.welcome, m.initiation, m.directory, m.registration, m.attribution, m.validation, m.done}
}

// goTo makes s the current step and lets its screen start its work.
func (m *Model) goTo(s step) tea.Cmd {
	m.step = s
	m.overlay = noOverlay
	m.resetScroll()
	m.vp.GotoTop()
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
// overlays to the current screen, results to the screen that asked. The
// body is laid out again after every message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width == m.width && msg.Height == m.height {
			return nil // the forms ask for the size again; nothing changed
		}
		m.width, m.height = msg.Width, msg.Height
		// The text flows anew: show the screen's top (or its focused line)
		// again, and repaint the whole screen so nothing of the old frame stays.
		m.follow = true
		return tea.ClearScreen
	case tickMsg:
		m.now = time.Time(msg)
		return tickCmd()
	case spinner.TickMsg:
		if !m.screen().busy() {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case sessionMsg:
		m.f.profile = msg.profile
		return nil
	case tea.KeyPressMsg:
		return tea.Batch(m.handleKey(msg), m.startSpin())
	}
	if m.overlay == quitOverlay && !isResult(msg) {
		return m.quitUpdate(msg)
	}
	// Results go to every screen: each one ignores operations it did not start.
	var cmds []tea.Cmd
	for _, s := range m.screens() {
		if s == m.screen() || isResult(msg) {
			cmds = append(cmds, s.update(m, msg))
		}
	}
	return tea.Batch(append(cmds, m.startSpin())...)
}

// isResult tells the wizard's own result messages from everything else
// (the forms' own messages, cursor blinks, pastes), which only the current
// screen gets.
func isResult(msg tea.Msg) bool {
	switch msg.(type) {
	case deviceCodeMsg, browserURLMsg, signedInMsg, whoMsg, tenantsMsg, probeMsg, switchedMsg,
		linkReadMsg, linkedMsg, validatedMsg, signedOutMsg, savedMsg, reportWrittenMsg, approvedMsg, scannedMsg, appliedMsg, scanProgressMsg:
		return true
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Interrupt) {
		if a := m.attribution; a.applying && !a.stopping {
			// Stop the changes first: the record says what was done.
			m.overlay = noOverlay
			a.stopApply(tea.Interrupt)
			return nil
		}
		m.cancelled = true
		return m.end(tea.Interrupt)
	}
	switch m.overlay {
	case quitOverlay:
		if key.Matches(msg, k.Back) {
			m.overlay = noOverlay
			return nil
		}
		return m.quitUpdate(msg)
	case helpOverlay:
		switch {
		case key.Matches(msg, k.PageUp, k.PageDown):
			m.scroll(msg)
		case key.Matches(msg, k.Help, k.Back, k.Quit, k.Continue):
			m.overlay = noOverlay
			m.vp.GotoTop()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Help):
		m.overlay = helpOverlay
		m.vp.GotoTop()
		return nil
	case key.Matches(msg, k.PageUp, k.PageDown):
		m.scroll(msg)
		return nil
	case key.Matches(msg, k.Quit) && !m.screen().typing():
		return m.askQuit()
	case key.Matches(msg, k.Literal) && m.screen().typing():
		msg = tea.KeyPressMsg{Code: '?', Text: "?"}
	}
	// Typing brings the focused field back into view.
	m.follow = true
	return m.screen().update(m, msg)
}

// end quits with cmd (tea.Quit or tea.Interrupt). The last frame is
// empty: the full screen is left blank, so nothing of it can reach the
// terminal's normal screen (tmux copies alternate-screen lines there when
// the window was resized).
func (m *Model) end(cmd tea.Cmd) tea.Cmd {
	m.quitting = true
	return cmd
}

// askQuit quits at once when nothing would be lost, and asks otherwise.
func (m *Model) askQuit() tea.Cmd {
	reason := m.f.quitReason(m.step, m.screen().busy())
	if reason == "" {
		if m.step == stepDone {
			m.f.completed = true
		} else {
			m.cancelled = true
		}
		return m.end(tea.Quit)
	}
	if m.o.Ephemeral && m.f.who != nil {
		reason += " " + quitEphemeral
	}
	m.quitYes = false
	var cmd tea.Cmd
	m.quitForm, cmd = m.embed(quitField(reason, &m.quitYes))
	m.overlay = quitOverlay
	return cmd
}

// quitUpdate passes a message to the quit question and acts on its answer.
func (m *Model) quitUpdate(msg tea.Msg) tea.Cmd {
	cmd, done := m.quitForm.step(m, msg)
	if !done {
		return cmd
	}
	m.overlay = noOverlay
	switch a := m.attribution; {
	case m.quitYes && a.applying && !a.stopping:
		a.stopApply(tea.Quit)
	case m.quitYes:
		m.cancelled = true
		return m.end(tea.Quit)
	}
	return nil
}

// scroll moves a body taller than the screen by half a page.
func (m *Model) scroll(msg tea.KeyPressMsg) {
	m.follow = false
	if key.Matches(msg, m.keys.PageUp) {
		m.vp.HalfPageUp()
	} else {
		m.vp.HalfPageDown()
	}
}

// resetScroll shows the current screen from its top (or its anchor) again.
func (m *Model) resetScroll() { m.follow = true }

// scrollLines scrolls a body taller than the screen by n lines.
func (m *Model) scrollLines(n int) {
	m.follow = false
	if n < 0 {
		m.vp.ScrollUp(-n)
	} else {
		m.vp.ScrollDown(n)
	}
}

// contentWidth is the width screens render to: one column margin each
// side, and no wider than comfortable reading on a large terminal.
func (m *Model) contentWidth() int { return max(20, min(m.width-2, 100)) }

// bodyHeight is the number of lines between the header and the footer.
func (m *Model) bodyHeight() int { return max(3, m.height-lineCount(m.header())-1) }

// showRail says whether the screen is roomy enough for the step rail.
func (m *Model) showRail() bool { return m.width >= 100 && m.height >= 30 }
