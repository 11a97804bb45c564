package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/assets"
)

// attributionScreen is Attribution: why ownership matters, each product's
// rule, the managed-solutions recommendation and the tooling tables; and,
// when an Attributor is configured, the scan results and the fix plan,
// whose changes are ticked in a huh multi-select and applied after a huh
// confirmation.
type attributionScreen struct {
	tab      int
	guide    assets.PALGuide
	guideErr error

	scanOp   int
	scanning bool
	status   string
	report   *AttributionReport
	scanErr  error
	tenantID string
	applying bool

	// The fix plan: the automatic fixes ticked (by ID), every one at first.
	plan      *embedded
	planWidth int
	selected  []string
	confirm   *embedded
	applyOK   bool
}

func newAttribution() *attributionScreen {
	s := &attributionScreen{}
	s.guide, s.guideErr = assets.Guide()
	return s
}

func (s *attributionScreen) tabs(m *Model) []string {
	t := []string{"Why it matters", "Product rules", "Solutions", "Tooling"}
	if m.o.Attributor != nil {
		t = append([]string{"Your resources", "Fix plan"}, t...)
	}
	return t
}

func (s *attributionScreen) enter(m *Model) tea.Cmd {
	if m.o.Attributor == nil || (s.report != nil && s.tenantID == m.f.tenant.ID) || s.scanning {
		return nil
	}
	return s.scan(m)
}

func (s *attributionScreen) scan(m *Model) tea.Cmd {
	s.scanning, s.scanErr, s.confirm, s.status = true, nil, nil, ""
	s.tenantID = m.f.tenant.ID
	s.scanOp = m.nextOp()
	return scanCmds(m.ctx, m.o.Attributor, s.scanOp, m.f.tenant.ID, nil)
}

func (s *attributionScreen) typing() bool { return false }

// sticky keeps the title and the topics in place while a topic scrolls.
func (s *attributionScreen) sticky() int { return 3 }
func (s *attributionScreen) busy() bool  { return s.scanning || s.applying }

func (s *attributionScreen) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case scanProgressMsg:
		if msg.op != s.scanOp {
			return nil
		}
		s.status = msg.status
		return msg.next
	case scannedMsg:
		if msg.op != s.scanOp {
			return nil
		}
		s.scanning, s.applying = false, false
		if msg.err != nil {
			s.scanErr = msg.err
			return nil
		}
		r := msg.report
		s.report = &r
		return s.newPlan(m)
	}
	if s.confirm != nil {
		return s.confirmUpdate(m, msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if s.plan != nil {
			return s.plan.update(msg)
		}
		return nil
	}
	km := m.keys
	n := len(s.tabs(m))
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
	case key.Matches(k, km.Apply) && (s.onResults(m) || s.onPlan(m)) && len(s.autoFixes()) > 0 && !s.busy():
		s.applyOK = false
		var cmd tea.Cmd
		s.confirm, cmd = m.embed(confirmField(applyQuestion(len(s.autoFixes())), "", "Apply", "Not now", &s.applyOK))
		return cmd
	case s.onPlan(m) && s.plan != nil && !s.busy():
		return s.plan.update(msg)
	case key.Matches(k, km.Up):
		m.scrollLines(-1)
	case key.Matches(k, km.Down):
		m.scrollLines(1)
	}
	return nil
}

// newPlan puts the scan's fix plan into the multi-select, every change
// palwiz can make ticked.
func (s *attributionScreen) newPlan(m *Model) tea.Cmd {
	s.plan, s.selected = nil, nil
	if s.report == nil {
		return nil
	}
	var auto []AttributionFix
	for _, f := range s.report.Plan {
		if f.Applicable() {
			auto = append(auto, f)
			s.selected = append(s.selected, f.ID)
		}
	}
	if len(auto) == 0 {
		return nil
	}
	var cmd tea.Cmd
	s.plan, cmd = m.embed(fixesField(&s.selected, auto, m.contentWidth()))
	s.planWidth = m.contentWidth()
	return cmd
}

func (s *attributionScreen) confirmUpdate(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
		s.confirm = nil
		return nil
	}
	cmd, done := s.confirm.step(m, msg)
	if done {
		s.confirm = nil
		if !s.applyOK {
			return nil
		}
		s.applying, s.status = true, ""
		s.scanOp = m.nextOp()
		return scanCmds(m.ctx, m.o.Attributor, s.scanOp, s.tenantID, s.autoFixes())
	}
	return cmd
}

func (s *attributionScreen) onResults(m *Model) bool { return m.o.Attributor != nil && s.tab == 0 }
func (s *attributionScreen) onPlan(m *Model) bool    { return m.o.Attributor != nil && s.tab == 1 }

// autoFixes are the planned fixes palwiz can carry out itself and the user
// has left ticked.
func (s *attributionScreen) autoFixes() []AttributionFix {
	if s.report == nil {
		return nil
	}
	out := []AttributionFix{}
	for _, f := range s.report.Plan {
		if f.Applicable() && slices.Contains(s.selected, f.ID) {
			out = append(out, f)
		}
	}
	return out
}

func (s *attributionScreen) keys(m *Model) []key.Binding {
	k := m.keys
	if s.confirm != nil {
		return []key.Binding{with(k.Yes, "apply"), with(k.No, "not now"), with(k.Continue, "answer")}
	}
	// The keys of what is on screen come first: the help line is cut at the width.
	var ks []key.Binding
	if s.onPlan(m) && !s.busy() && s.plan != nil {
		ks = append(ks, k.Choose, k.Toggle)
	}
	if (s.onResults(m) || s.onPlan(m)) && !s.busy() {
		if n := len(s.autoFixes()); n > 0 {
			ks = append(ks, with(k.Apply, fmt.Sprintf("apply %d", n)))
		}
	}
	ks = append(ks, k.TopicNext, with(k.Continue, "continue to Validation"), k.Back)
	if (s.onResults(m) || s.onPlan(m)) && !s.busy() {
		ks = append(ks, with(k.Retry, "scan again"))
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
	switch s.tabs(m)[s.tab] {
	case "Your resources":
		b.WriteString(s.resultsView(m, width))
	case "Fix plan":
		head := lineCount(b.String()) - 1
		plan, at := s.planView(m, width)
		b.WriteString(plan)
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
