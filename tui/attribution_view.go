package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/steps/attribution"
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

// resultsView is the check: what was not checked first, the summary, the
// legend, then a table per product (its role in the header) with the
// reason under every row.
func (s *attributionScreen) resultsView(m *Model, width int) string {
	st := m.st
	var b strings.Builder
	dir := m.f.dirName()
	a := &m.f.attr
	switch {
	case s.stopping:
		b.WriteString(m.spin.View() + " " + wrap("Stopping: palwiz reads back the changes on their way (at most 10 s), then quits and shows what was done. Press ctrl+c again to quit at once.", width-2))
		return b.String()
	case s.scanning || s.applying:
		what := "Checking who owns the apps, flows, bots, solutions, datasets and instances in " + dir + "…"
		if s.applying {
			what = "Making the changes, then reading each one back… (ctrl+c stops and says what was done)"
		}
		b.WriteString(m.spin.View() + " " + wrap(what, width-2))
		if s.status != "" {
			b.WriteString("\n  " + st.faint.Render(s.status))
		}
		return b.String()
	case s.scanErr != nil:
		b.WriteString(m.errorView(s.scanErr, width) + "\n")
		if _, ok := needsSignIn(s.scanErr); ok {
			b.WriteString(hang("  ", signInAgainNext+".", width) + "\n")
		}
		b.WriteString("\n" + wrap("Nothing was checked, so palwiz says nothing about attribution. Press r to check again.", width))
		return b.String()
	case !a.checked():
		return ""
	}
	b.WriteString(wrap(a.judgedLine(dir), width) + "\n")
	b.WriteString(m.notesView(a.headNotes(), width) + "\n")
	b.WriteString(lines(st.faint, legendLines(width)) + "\n")
	b.WriteString(s.recordView(m, tabResources, width))
	b.WriteString(s.tablesView(m, width))
	b.WriteString("\n" + st.bold.Render("What the marks mean") + "\n")
	for _, e := range attribution.Legend() {
		b.WriteString(hang("  "+e.Symbol+" ", e.Meaning, width) + "\n")
	}
	if n := a.summary(); n.Automatic+n.Manual+n.Blocked+n.Held+n.Advice > 0 {
		b.WriteString("\n" + wrap("The fix plan ("+tabPlan+", →) says what palwiz can change and what is for a person to do; mark what your organisation delivered under "+tabDelivered+".", width) + "\n")
	}
	if ns := a.uncheckedNotes(); len(ns) > 0 {
		b.WriteString(m.notesView(ns, width) + "\n")
	}
	for _, n := range a.res.Notes {
		b.WriteString(hang(st.faint.Render("· "), n, width) + "\n")
	}
	b.WriteString(s.confirmView(m, width))
	return b.String()
}

// tablesView is every product's table, drawn again only when the check,
// the width or the details change.
func (s *attributionScreen) tablesView(m *Model, width int) string {
	key := [3]int{m.f.attr.version, width, map[bool]int{false: 0, true: 1}[s.more]}
	if key != s.tablesKey || s.tables == "" {
		var b strings.Builder
		for _, g := range m.f.attr.groups() {
			b.WriteString("\n" + s.groupView(m, g, width))
		}
		s.tables, s.tablesKey = b.String(), key
	}
	return s.tables
}

// Columns of the resource tables (an environment column where it fits).
const (
	nameCol = 22
	envCol  = 22
	roleCol = 9
)

// groupView is one product's table: a title with the role its rule looks
// at, column headers, and each row with its reason (and, with details,
// the rest of what is known) beneath.
func (s *attributionScreen) groupView(m *Model, g rowGroup, width int) string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.accent.Render(truncate(g.title, width)) + st.faint.Render(truncate(" · the rule looks at the "+g.role, width-len([]rune(g.title)))) + "\n")
	showEnv := width >= 2+nameCol+2+envCol+2+roleCol+2+12
	nw := nameCol
	if !showEnv {
		nw = min(nameCol, width/3)
	}
	hw := width - 2 - nw - 2 - roleCol - 2
	if showEnv {
		hw -= envCol + 2
	}
	cells := func(mark, name, env, role, holder string) string {
		line := mark + " " + padRight(truncate(name, nw), nw) + "  "
		if showEnv {
			line += padRight(truncate(env, envCol), envCol) + "  "
		}
		return line + padRight(truncate(role, roleCol), roleCol) + "  " + truncate(holder, hw)
	}
	b.WriteString(st.faint.Render(trimRight(cells(" ", "Name", "Environment", "Role", "Held by"))) + "\n")
	for _, r := range g.rows {
		b.WriteString(trimRight(cells(verdictMark(st, r.Verdict), r.Name, r.Environment, r.Role, holderCell(r))) + "\n")
		details := rowDetails(r, s.more)
		if !showEnv {
			details[0] = "In " + r.Environment + ". " + details[0]
		}
		for i, d := range details {
			prefix := "  "
			if i > 0 {
				prefix += "· "
			}
			b.WriteString(lines(st.faint, hang(prefix, d, width)) + "\n")
		}
	}
	return b.String()
}

// recordView is what the last apply did, on the topic it was asked from.
func (s *attributionScreen) recordView(m *Model, topic string, width int) string {
	rec := m.f.attr.last
	if rec == nil || s.recordOn != topic {
		return ""
	}
	out := "\n" + m.notesView(recordNotes(*rec), width) + "\n"
	if s.applyErr != nil {
		out += m.errorView(s.applyErr, width) + "\n"
	}
	return out
}

// confirmView is the question before changing owners.
func (s *attributionScreen) confirmView(m *Model, width int) string {
	if s.confirm == nil {
		return ""
	}
	bw := min(width, 64)
	// The fields wrap inside the dialog's border and padding, their own bar included.
	return "\n" + m.st.dialog.Width(bw).Render(formView(s.confirm, bw-8))
}

// verdictMark is a verdict's sign: ✓ attributed, ✗ not, ? cannot tell, · does not count.
func verdictMark(st styles, v attribution.Verdict) string {
	sym := attribution.Symbol(v)
	switch v {
	case attribution.Attributed:
		return st.ok.Render(sym)
	case attribution.NotAttributed:
		return st.bad.Render(sym)
	case attribution.CannotTell:
		return st.warn.Render(sym)
	}
	return st.faint.Render(sym)
}
