package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/assets"
	"github.com/palwiz/palwiz/steps/attribution"
)

// The Attribution screen's topics.
const (
	tabResources = "Your resources"
	tabPlan      = "Fix plan"
	tabDelivered = "Delivered"
)

// attributionScreen is Attribution: why ownership matters, each product's
// rule, the managed-solutions recommendation and the tooling tables; and,
// when an Attributor is configured, the check's resources (legend, column
// headers, the reason on every row), the fix plan (palwiz's changes ticked
// in a huh multi-select, advice unticked, a person's steps with commands
// that never wrap) and the tick list of what the partner delivered.
// Applying asks first, saying what the customer loses.
type attributionScreen struct {
	tab      int
	guide    assets.PALGuide
	guideErr error

	op       int
	scanning bool
	status   string
	scanErr  error
	applying bool
	// stopping says the user stopped the apply: palwiz waits for the
	// record (the changes on their way read again), then quits.
	stopping bool
	stop     context.CancelFunc
	quitWith tea.Cmd
	applyErr error
	// recordOn is the topic the last apply was asked from: its record shows there.
	recordOn string

	// The fix plan's tick list: palwiz's changes ticked at first (unless
	// the user unticked them), advice unticked (unless the user ticked it).
	fixes      *embedded
	fixesWidth int
	selected   []string
	unticked   map[string]bool
	ticked     map[string]bool
	// The tick list of what the partner delivered.
	delivered  *embedded
	delivWidth int
	marks      []string

	confirm *embedded
	applyOK bool

	more     bool // more about each resource: the linked account's part, notes
	cmdShift int  // how far the commands are scrolled left
	copied   int  // commands just copied (0: no feedback)

	// tables are the resource tables as last drawn, for tablesKey: most
	// frames (a key, a spinner frame) do not change them.
	tables    string
	tablesKey [3]int
}

func newAttribution() *attributionScreen {
	s := &attributionScreen{unticked: map[string]bool{}, ticked: map[string]bool{}}
	s.guide, s.guideErr = assets.Guide()
	return s
}

func (s *attributionScreen) tabs(m *Model) []string {
	t := []string{"Why it matters", "Product rules", "Solutions", "Tooling"}
	if m.o.Attributor != nil {
		t = append([]string{tabResources, tabPlan, tabDelivered}, t...)
	}
	return t
}

func (s *attributionScreen) topic(m *Model) string { return s.tabs(m)[s.tab] }

func (s *attributionScreen) enter(m *Model) tea.Cmd {
	a := &m.f.attr
	if m.o.Attributor == nil || (a.checked() && a.tenantID == m.f.tenant.ID) || s.busy() {
		return nil
	}
	return s.scan(m)
}

func (s *attributionScreen) scan(m *Model) tea.Cmd {
	s.scanning, s.scanErr, s.applyErr, s.confirm, s.status, s.copied = true, nil, nil, nil, "", 0
	s.op = m.nextOp()
	return scanCmds(m.ctx, m.o.Attributor, s.op, m.f.tenant.ID)
}

func (s *attributionScreen) typing() bool { return false }

// sticky keeps the title and the topics in place while a topic scrolls.
func (s *attributionScreen) sticky() int { return 3 }
func (s *attributionScreen) busy() bool  { return s.scanning || s.applying }

func (s *attributionScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case scanProgressMsg:
		if msg.op != s.op {
			return nil
		}
		s.status = msg.status
		return msg.next
	case scannedMsg:
		if msg.op != s.op {
			return nil
		}
		s.scanning = false
		if msg.err != nil {
			s.scanErr = msg.err
			m.f.attr.scanFailed(m.f.tenant.ID, msg.err)
			return nil
		}
		m.f.attr.scanned(m.f.tenant.ID, msg.res)
		s.marks = slices.Clone(m.f.attr.marks)
		return tea.Batch(s.newFixes(m), s.newDelivered(m))
	case appliedMsg:
		if msg.op != s.op {
			return nil
		}
		return s.applied(m, msg)
	}
	if s.confirm != nil {
		return s.confirmUpdate(m, msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return s.formUpdate(m, msg)
	}
	if s.applying {
		return nil // ctrl+c stops; the root passes it on
	}
	return s.key(m, k)
}

func (s *attributionScreen) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	km := m.keys
	n := len(s.tabs(m))
	s.copied = 0
	topic := s.topic(m)
	switch {
	case key.Matches(k, km.TopicNext):
		s.tab = (s.tab + 1) % n
		m.resetScroll()
	case key.Matches(k, km.TopicPrev):
		s.tab = (s.tab + n - 1) % n
		m.resetScroll()
	case key.Matches(k, km.Continue):
		return m.goTo(stepValidation)
	case key.Matches(k, km.Back):
		return m.back()
	case key.Matches(k, km.Retry) && m.o.Attributor != nil && !s.busy():
		return s.scan(m)
	case key.Matches(k, km.Apply) && s.onData(m) && len(s.chosen(m)) > 0 && !s.busy():
		return s.askApply(m)
	case key.Matches(k, km.Details) && (topic == tabResources || topic == tabPlan):
		s.more = !s.more
		m.follow = false
	case key.Matches(k, km.Copy) && topic == tabPlan && len(m.f.attr.commands()) > 0:
		cmds := m.f.attr.commands()
		s.copied = len(cmds)
		m.follow = false
		return tea.SetClipboard(strings.Join(cmds, "\n") + "\n")
	case key.Matches(k, km.CmdLeft, km.CmdRight) && topic == tabPlan:
		// The commands move sideways; the page stays where it is.
		m.follow = false
		if key.Matches(k, km.CmdLeft) {
			s.cmdShift = max(0, s.cmdShift-16)
		} else {
			s.cmdShift = min(s.cmdShift+16, s.maxShift(m))
		}
	case topic == tabPlan && s.fixes != nil && !s.busy():
		return s.fixes.update(k)
	case topic == tabDelivered && s.delivered != nil && !s.busy():
		cmd := s.delivered.update(k)
		s.marked(m)
		return cmd
	case key.Matches(k, km.Up):
		m.scrollLines(-1)
	case key.Matches(k, km.Down):
		m.scrollLines(1)
	}
	return nil
}

// formUpdate passes what is not a key (a cursor blink, a form's own
// messages) to the list on screen.
func (s *attributionScreen) formUpdate(m *Model, msg tea.Msg) tea.Cmd {
	switch s.topic(m) {
	case tabPlan:
		if s.fixes != nil {
			return s.fixes.update(msg)
		}
	case tabDelivered:
		if s.delivered != nil {
			return s.delivered.update(msg)
		}
	}
	return nil
}

// onData says the topic shows the check or the plan.
func (s *attributionScreen) onData(m *Model) bool {
	switch s.topic(m) {
	case tabResources, tabPlan, tabDelivered:
		return m.f.attr.checked()
	}
	return false
}

// newFixes puts the plan's changes into the tick list: palwiz's changes
// ticked unless the user unticked them, advice unticked unless ticked.
func (s *attributionScreen) newFixes(m *Model) tea.Cmd {
	changes, advice := m.f.attr.changes()
	s.fixes, s.selected = nil, nil
	for _, f := range changes {
		if !s.unticked[f.ID()] {
			s.selected = append(s.selected, f.ID())
		}
	}
	for _, f := range advice {
		if s.ticked[f.ID()] {
			s.selected = append(s.selected, f.ID())
		}
	}
	all := append(changes, advice...)
	if len(all) == 0 {
		return nil
	}
	var cmd tea.Cmd
	s.fixesWidth = m.contentWidth()
	s.fixes, cmd = m.embed(fixesField(&s.selected, all, s.fixesWidth))
	return cmd
}

// newDelivered puts the resources the user can mark into their tick list.
func (s *attributionScreen) newDelivered(m *Model) tea.Cmd {
	s.delivered = nil
	rows := m.f.attr.candidates()
	if len(rows) == 0 {
		return nil
	}
	var cmd tea.Cmd
	s.delivWidth = m.contentWidth()
	s.delivered, cmd = m.embed(deliveredField(&s.marks, rows, s.delivWidth))
	return cmd
}

// marked plans again when the user's delivered marks changed.
func (s *attributionScreen) marked(m *Model) {
	if slices.Equal(s.marks, m.f.attr.marks) {
		return
	}
	s.remember(m)
	m.f.attr.mark(s.marks)
	_ = s.newFixes(m)
}

// remember keeps the user's ticks and unticks in the plan's list, so a
// new plan keeps them.
func (s *attributionScreen) remember(m *Model) {
	changes, advice := m.f.attr.changes()
	for _, f := range changes {
		s.unticked[f.ID()] = !slices.Contains(s.selected, f.ID())
	}
	for _, f := range advice {
		s.ticked[f.ID()] = slices.Contains(s.selected, f.ID())
	}
}

// chosen are the ticked changes and advice, in plan order.
func (s *attributionScreen) chosen(m *Model) []attribution.Fix {
	return m.f.attr.chosen(s.selected)
}

// askApply asks before applying, saying what the customer loses.
func (s *attributionScreen) askApply(m *Model) tea.Cmd {
	s.applyOK = false
	title, desc := applyQuestion(s.chosen(m))
	var cmd tea.Cmd
	s.confirm, cmd = m.embed(confirmField(title, desc, "Apply", "Not now", &s.applyOK))
	return cmd
}

func (s *attributionScreen) confirmUpdate(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
		s.confirm = nil
		return nil
	}
	cmd, done := s.confirm.step(m, msg)
	if !done {
		return cmd
	}
	s.confirm = nil
	if !s.applyOK {
		return nil
	}
	chosen := s.chosen(m)
	s.remember(m)
	s.applying, s.status, s.applyErr, s.recordOn = true, "", nil, s.topic(m)
	s.op = m.nextOp()
	ctx, stop := context.WithCancel(m.ctx)
	s.stop = stop
	return applyCmds(ctx, m.o.Attributor, s.op, m.f.attr.res, chosen)
}

// applied shows what the apply did where the user asked for it, and plans
// again; an apply the user stopped ends the wizard once its record is in.
func (s *attributionScreen) applied(m *Model, msg appliedMsg) tea.Cmd {
	s.applying = false
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	m.f.attr.applied(msg.results, msg.err)
	if s.stopping {
		m.cancelled = true
		return m.end(s.quitWith)
	}
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		s.applyErr = msg.err
	}
	// The record is at the top of the topic the apply was asked from.
	m.follow = false
	m.vp.GotoTop()
	return tea.Batch(s.newFixes(m), s.newDelivered(m))
}

// stopApply stops the apply on its way (ctrl+c, or quitting): palwiz
// reads back the changes in flight, shows nothing more and ends with
// quit, printing the record after the screen is gone.
func (s *attributionScreen) stopApply(quit tea.Cmd) {
	s.stopping, s.quitWith = true, quit
	if s.stop != nil {
		s.stop()
	}
}

// maxShift is how far the longest command can scroll.
func (s *attributionScreen) maxShift(m *Model) int {
	longest := 0
	for _, c := range m.f.attr.commands() {
		longest = max(longest, len([]rune(c)))
	}
	return max(0, longest-(m.contentWidth()-commandIndent))
}

func (s *attributionScreen) keys(m *Model) []key.Binding {
	k := m.keys
	switch {
	case s.confirm != nil:
		return []key.Binding{with(k.Yes, "apply"), with(k.No, "not now"), with(k.Continue, "answer")}
	case s.stopping:
		return []key.Binding{with(k.Interrupt, "quit at once")}
	case s.applying:
		return []key.Binding{with(k.Stop, "stop (palwiz says what was done)")}
	}
	// The keys of what is on screen come first: the help line is cut at the width.
	var ks []key.Binding
	topic := s.topic(m)
	switch {
	case topic == tabPlan && s.fixes != nil && !s.busy():
		ks = append(ks, k.Choose, k.Toggle)
	case topic == tabDelivered && s.delivered != nil && !s.busy():
		ks = append(ks, k.Choose, with(k.Toggle, "mark delivered"))
	}
	if s.onData(m) && !s.busy() {
		if n := len(s.chosen(m)); n > 0 {
			ks = append(ks, with(k.Apply, fmt.Sprintf("apply %d", n)))
		}
	}
	desc := "more details"
	if s.more {
		desc = "fewer details"
	}
	switch {
	case topic == tabResources && m.f.attr.checked():
		ks = append(ks, with(k.Details, desc))
	case topic == tabPlan && len(m.f.attr.commands()) > 0:
		ks = append(ks, with(k.Copy, "copy commands"), k.CmdRight, with(k.Details, desc))
	case topic == tabPlan && s.fixes != nil:
		ks = append(ks, with(k.Details, desc))
	}
	ks = append(ks, k.TopicNext, with(k.Continue, "continue to Validation"), k.Back)
	if m.o.Attributor != nil && !s.busy() {
		ks = append(ks, with(k.Retry, "check again"))
	}
	return ks
}

func (s *attributionScreen) view(m *Model, width int) (string, int) {
	st := m.st
	var b strings.Builder
	b.WriteString(st.bold.Render("Make sure the linked account owns what you deliver") + "\n")
	var tabs []string
	for i, t := range s.tabs(m) {
		if i == s.tab {
			tabs = append(tabs, st.tabOn.Render("▸ "+t))
		} else {
			tabs = append(tabs, st.tabOff.Render(t))
		}
	}
	b.WriteString(truncate(strings.Join(tabs, st.faint.Render(" │ ")), width) + "\n\n")
	if s.guideErr != nil {
		b.WriteString(m.errorView(s.guideErr, width))
		return b.String(), -1
	}
	anchor := -1
	head := lineCount(b.String()) - 1
	switch s.topic(m) {
	case tabResources:
		b.WriteString(s.resultsView(m, width))
	case tabPlan, tabDelivered:
		body, at := s.listTopic(m, width)
		b.WriteString(body)
		if at >= 0 {
			anchor = head + at
		}
	case "Why it matters":
		b.WriteString(wrapText(helpText("why"), width))
	case "Product rules":
		b.WriteString(s.rulesView(m, width))
	case "Solutions":
		b.WriteString(wrapText(helpText("solutions"), width))
	case "Tooling":
		b.WriteString(s.toolingView(m, width))
	}
	out := strings.TrimRight(b.String(), "\n")
	if s.confirm != nil {
		// The question is at the end of a long list: keep it in view.
		return out, lineCount(out) - 1
	}
	return out, anchor
}

// listTopic is the plan or the delivered tick list, or what stands in
// their place while palwiz works (or failed to).
func (s *attributionScreen) listTopic(m *Model, width int) (string, int) {
	if s.scanning || s.applying || s.scanErr != nil || !m.f.attr.checked() {
		return s.resultsView(m, width), -1
	}
	if s.topic(m) == tabPlan {
		return s.planView(m, width)
	}
	return s.deliveredView(m, width)
}
