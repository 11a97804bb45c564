package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
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

func (s *attributionScreen) rulesView(m *Model, width int) string {
	st := m.st
	var b strings.Builder
	for i, p := range s.guide.Products {
		if i > 0 {
			b.WriteString("\n")
		}
		head := st.accent.Render(p.Product)
		sub := p.Resource
		if p.Metric != "" {
			sub += ", counted in " + p.Metric
		}
		b.WriteString(head + st.faint.Render(" · "+sub) + "\n")
		b.WriteString(hang("  ", p.Rule, width) + "\n")
		for _, n := range p.Notes {
			b.WriteString(hang("  "+st.faint.Render("· "), n, width) + "\n")
		}
	}
	return b.String()
}

// toolingView renders the tooling tables; narrow screens get short tool names.
func (s *attributionScreen) toolingView(m *Model, width int) string {
	st := m.st
	var b strings.Builder
	for ti, t := range s.guide.Tooling {
		if ti > 0 {
			b.WriteString("\n")
		}
		b.WriteString(lines(st.accent, wrap(t.Title, width)) + "\n")
		b.WriteString(wrap(t.Caption, width) + "\n")
		pw := 0
		for _, r := range t.Rows {
			pw = max(pw, ansi.StringWidth(r.Product))
		}
		tools := t.Tools
		full := pw + 2
		for _, tool := range tools {
			full += max(3, ansi.StringWidth(tool)) + 2
		}
		short := full > width
		if short {
			tools = shortTools(tools)
		}
		cols := make([]int, len(tools))
		for i, tool := range tools {
			cols[i] = max(3, ansi.StringWidth(tool)) + 2
		}
		line := padRight("", pw+2)
		for i, tool := range tools {
			line += padRight(tool, cols[i])
		}
		b.WriteString(st.faint.Render(strings.TrimRight(line, " ")) + "\n")
		for _, r := range t.Rows {
			line := padRight(r.Product, pw+2)
			for i, ok := range r.Supported {
				if ok {
					line += st.ok.Render("yes") + strings.Repeat(" ", cols[i]-3)
				} else {
					line += st.faint.Render("no ") + strings.Repeat(" ", cols[i]-3)
				}
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		if short {
			b.WriteString(lines(st.faint, wrap("PS: PowerShell · CLI: Power Platform CLI · DevOps: DevOps and the Power Platform Build Tools", width)) + "\n")
		}
	}
	b.WriteString("\n" + wrap("Where nothing says yes, deliver the resource again in a managed solution imported by the linked account.", width))
	return b.String()
}

func shortTools(tools []string) []string {
	out := make([]string, len(tools))
	for i, t := range tools {
		switch {
		case t == "PowerShell":
			out[i] = "PS"
		case t == "PP CLI":
			out[i] = "CLI"
		case strings.HasPrefix(t, "DevOps"):
			out[i] = "DevOps"
		default:
			out[i] = t
		}
	}
	return out
}

func (s *attributionScreen) resultsView(m *Model, width int) string {
	st := m.st
	var b strings.Builder
	dir := m.f.tenant.DisplayName
	switch {
	case s.scanning || s.applying:
		what := "Checking who owns the apps, flows, bots, solutions, datasets and instances in " + dir + "…"
		if s.applying {
			what = "Applying the plan…"
		}
		b.WriteString(m.spin.View() + " " + wrap(what, width-2))
		if s.status != "" {
			b.WriteString("\n  " + st.faint.Render(s.status))
		}
		return b.String()
	case s.scanErr != nil:
		b.WriteString(m.errorView(s.scanErr, width) + "\n\n" + wrap("Press r to scan again.", width))
		return b.String()
	case s.report == nil:
		return ""
	}
	r := s.report
	count := map[string]int{}
	for _, it := range r.Items {
		count[it.Verdict]++
	}
	if len(r.Items) == 0 {
		b.WriteString(wrap("Nothing that earns credit was found in "+dir+".", width) + "\n")
	} else {
		b.WriteString(wrap(fmt.Sprintf("%d resources, judged for %s: %d attributed · %d not · %d cannot tell · %d do not count",
			len(r.Items), r.Linked, count[VerdictAttributed], count[VerdictNotAttributed], count[VerdictCannotTell], count[VerdictDoesNotCount]), width) + "\n")
	}
	for _, a := range r.Applied {
		b.WriteString(hang(st.ok.Render("· "), a, width) + "\n")
	}
	pw, nw := 0, 0
	for _, it := range r.Items {
		pw = max(pw, ansi.StringWidth(it.Product))
		nw = max(nw, ansi.StringWidth(it.Name))
	}
	pw = min(pw, 18)
	nw = max(10, min(nw, 28, width-pw-6-30))
	env := "\x00"
	for _, it := range r.Items {
		if it.Environment != env {
			env = it.Environment
			b.WriteString("\n" + st.accent.Render(truncate(orDash(env), width)) + "\n")
		}
		mark := verdictMark(st, it.Verdict)
		row := mark + " " + padRight(truncate(it.Product, pw), pw) + "  " + padRight(truncate(it.Name, nw), nw) + "  " + st.faint.Render(it.AttributedTo)
		b.WriteString(truncate(row, width) + "\n")
		if it.Reason != "" && (it.Verdict == VerdictNotAttributed || it.Verdict == VerdictCannotTell) {
			b.WriteString(lines(st.faint, hang("  ", it.Reason, width)) + "\n")
		}
	}
	if len(r.Plan) > 0 {
		b.WriteString("\n" + wrap(fmt.Sprintf("The fix plan has %d step(s); %d of them palwiz can carry out. See the Fix plan topic (→) to choose and apply them.",
			len(r.Plan), s.applicableCount()), width) + "\n")
	} else if count[VerdictNotAttributed] == 0 && len(r.Items) > 0 {
		b.WriteString("\n" + hang(st.ok.Render("✓ "), "Nothing to fix: every resource that counts is attributed to the linked account, or palwiz cannot tell.", width) + "\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			b.WriteString(hang(st.faint.Render("· "), n, width) + "\n")
		}
	}
	b.WriteString(s.confirmView(m, width))
	return b.String()
}

func (s *attributionScreen) applicableCount() int {
	n := 0
	if s.report != nil {
		for _, f := range s.report.Plan {
			if f.Applicable() {
				n++
			}
		}
	}
	return n
}

// confirmView is the question before changing owners.
func (s *attributionScreen) confirmView(m *Model, width int) string {
	if s.confirm == nil {
		return ""
	}
	bw := min(width, 60)
	return "\n" + m.st.dialog.Width(bw).Render(formView(s.confirm, bw-6))
}

// planView is the fix plan: the changes palwiz can make, ticked in a
// multi-select, and the ones a person must make, with their commands. The
// line returned is the multi-select's cursor.
func (s *attributionScreen) planView(m *Model, width int) (string, int) {
	st := m.st
	if s.scanning || s.applying || s.scanErr != nil || s.report == nil {
		return s.resultsView(m, width), -1
	}
	r := s.report
	var b strings.Builder
	// What the last apply did, where it was asked for.
	for _, a := range r.Applied {
		b.WriteString(hang(st.ok.Render("· "), a, width) + "\n")
	}
	if len(r.Applied) > 0 {
		b.WriteString("\n")
	}
	if len(r.Plan) == 0 {
		b.WriteString(hang(st.ok.Render("✓ "), "Nothing to fix: every resource that counts is attributed to the linked account, or palwiz cannot tell.", width) + "\n")
		return b.String(), -1
	}
	anchor := -1
	if s.plan != nil {
		if width != s.planWidth {
			// Wrap the changes to the new width.
			s.planWidth = width
			if ms, ok := s.plan.focused().(*huh.MultiSelect[string]); ok {
				hovered, _ := ms.Hovered()
				ms.Options(fixOptions(s.report.Plan, width)...).Height(1 + optionLines(s.report.Plan, width))
				s.hover(ms, hovered)
			}
		}
		b.WriteString(wrap("Tick the changes palwiz should make (space), then press a; it asks first. The others are for a person to do, as shown.", width) + "\n\n")
		list, _ := s.plan.view(width)
		anchor = lineCount(b.String()) + s.cursorLine(width)
		b.WriteString(list + "\n")
	}
	manual := false
	for i, f := range r.Plan {
		if f.Applicable() {
			continue
		}
		if !manual {
			b.WriteString("\n" + st.bold.Render("For a person to do") + "\n")
			manual = true
		}
		text := f.Action
		if f.Blocked != "" {
			text += " (cannot be done now: " + f.Blocked + ")"
		}
		b.WriteString(hang(fmt.Sprintf("  %d. ", i+1), text, width) + "\n")
		for _, c := range f.Commands {
			b.WriteString(hang("       "+st.faint.Render("$ "), c, width) + "\n")
		}
	}
	b.WriteString(s.confirmView(m, width))
	return b.String(), anchor
}

// hover puts the multi-select's cursor back on the fix with ID id, with
// the keys that move it (new options put it on the last ticked one).
func (s *attributionScreen) hover(ms *huh.MultiSelect[string], id string) {
	home := tea.KeyPressMsg{Code: tea.KeyHome}
	ms.Update(home)
	for range s.applicableCount() {
		if v, _ := ms.Hovered(); v == id {
			return
		}
		ms.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
}

// cursorLine is the line of the multi-select's option under the cursor,
// counted from the list's title (its options are the applicable fixes,
// in plan order).
func (s *attributionScreen) cursorLine(width int) int {
	line := 1
	ms, ok := s.plan.focused().(*huh.MultiSelect[string])
	if !ok {
		return line
	}
	v, _ := ms.Hovered()
	for _, f := range s.report.Plan {
		if !f.Applicable() {
			continue
		}
		if f.ID == v {
			return line
		}
		line += lineCount(fixLabel(f, width))
	}
	return line
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// verdictMark is a verdict's sign: ✓ attributed, ✗ not, ? cannot tell, · does not count.
func verdictMark(st styles, v string) string {
	switch v {
	case VerdictAttributed:
		return st.ok.Render("✓")
	case VerdictNotAttributed:
		return st.bad.Render("✗")
	case VerdictCannotTell:
		return st.warn.Render("?")
	}
	return st.faint.Render("·")
}
