package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
)

// The Attribution screen's topics: the scan's results, the fix plan, the
// product rules and the tooling tables.

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
