package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/steps/attribution"
)

// The Attribution screen's plan and its tick list of what the partner
// delivered.

// commandIndent is what stands left of a command: its indent and "$ ".
const commandIndent = 6

// planView is the fix plan: what was not checked first, the headline,
// palwiz's changes (and the advice) in a tick list with what the one under
// the cursor does and takes, then a person's steps with their commands,
// one a line and never wrapped, then what waits for delivered marks. The
// line returned is the tick list's cursor.
func (s *attributionScreen) planView(m *Model, width int) (string, int) {
	st := m.st
	a := &m.f.attr
	var b strings.Builder
	b.WriteString(s.recordView(m, tabPlan, width))
	b.WriteString(m.notesView(a.planNotes(), width) + "\n")
	anchor := -1
	if s.fixes != nil {
		changes, advice := a.changes()
		all := append(changes, advice...)
		rewidth(s.fixes, width, &s.fixesWidth, func(w int) []huh.Option[string] { return fixOptions(all, w) },
			func(w int) int { return optionLines(all, w) })
		b.WriteString("\n")
		list, _ := s.fixes.view(width)
		at, hovered := cursorLine(s.fixes, all, width)
		list, end := openOption(st, list, at, hovered, !s.more, width)
		anchor = lineCount(b.String()) - 1 + end // b ends with a newline
		b.WriteString(list + "\n")
	}
	if manual := a.plan.Manual(); len(manual) > 0 {
		b.WriteString("\n" + st.bold.Render("For a person to do") + "\n")
		for i, f := range manual {
			b.WriteString(hang(fmt.Sprintf("%2d. ", i+1), f.Summary, width) + "\n")
			for _, d := range fixDetails(f, false) {
				b.WriteString(lines(st.faint, hang("    ", d, width)) + "\n")
			}
			for _, c := range f.Commands {
				b.WriteString(s.commandLine(m, c, width) + "\n")
			}
		}
		if s.copied > 0 {
			b.WriteString(hang(st.ok.Render("✓ "), fmt.Sprintf("Copied %d command%s to the clipboard, one a line, where the terminal allows it (OSC 52).", s.copied, plural(s.copied)), width) + "\n")
		} else {
			b.WriteString(lines(st.faint, wrap("Commands never wrap: < and > scroll them, c copies them all.", width)) + "\n")
		}
	}
	if held := a.plan.Held; len(held) > 0 {
		b.WriteString("\n" + st.bold.Render(truncate("Waiting for you to mark what you delivered ("+tabDelivered+")", width)) + "\n")
		for _, f := range held {
			b.WriteString(hang("  · ", f.Summary, width) + "\n")
			if l := losesText(f); l != "" {
				b.WriteString(lines(st.faint, hang("    ", "What the customer would lose: "+l, width)) + "\n")
			}
		}
	}
	b.WriteString(s.confirmView(m, width))
	return b.String(), anchor
}

// openOption puts what the fix under the cursor does and takes under its
// option, inside the list (at is the option's first line). It returns the
// list and its last line about that fix, to keep in view.
func openOption(st styles, list string, at int, f *attribution.Fix, short bool, width int) (string, int) {
	ls := strings.Split(list, "\n")
	if f == nil || at < 1 || at >= len(ls) {
		return list, at
	}
	end := at + lineCount(wrapOption(fixLabel(*f), width)) - 1
	end = min(end, len(ls)-1)
	bar := ansi.Cut(ls[0], 0, 2) // the list's focus bar, with its style
	var details []string
	for _, d := range fixDetails(*f, short) {
		for _, l := range strings.Split(wrap(d, width-multiSelectIndent), "\n") {
			details = append(details, bar+strings.Repeat(" ", multiSelectIndent-2)+st.faint.Render(l))
		}
	}
	out := append(append(append([]string{}, ls[:end+1]...), details...), ls[end+1:]...)
	return strings.Join(out, "\n"), end + len(details)
}

// commandLine is a command on one line: scrolled by cmdShift, cut at the
// width, with ← and → where it goes on.
func (s *attributionScreen) commandLine(m *Model, c string, width int) string {
	avail := max(8, width-commandIndent)
	full := ansi.StringWidth(c)
	shift := min(s.cmdShift, max(0, full-avail))
	text := ansi.Cut(c, shift, shift+avail)
	if shift > 0 {
		text = "←" + ansi.Cut(text, 1, avail)
	}
	if shift+avail < full {
		text = ansi.Cut(text, 0, avail-1) + "→"
	}
	return "    " + m.st.faint.Render("$ ") + text
}

// cursorLine is the tick list's line under the cursor, counted from its
// title, and the fix there.
func cursorLine(e *embedded, fixes []attribution.Fix, width int) (int, *attribution.Fix) {
	line := 1
	ms, ok := e.focused().(*huh.MultiSelect[string])
	if !ok {
		return line, nil
	}
	v, _ := ms.Hovered()
	for i, f := range fixes {
		if f.ID() == v {
			return line, &fixes[i]
		}
		line += lineCount(wrapOption(fixLabel(f), width))
	}
	return 1, nil
}

// deliveredView is the tick list of what the partner delivered, and what
// the marks do to the plan.
func (s *attributionScreen) deliveredView(m *Model, width int) (string, int) {
	a := &m.f.attr
	var b strings.Builder
	b.WriteString(s.recordView(m, tabDelivered, width))
	b.WriteString(wrap(deliveredIntro, width) + "\n\n")
	b.WriteString(m.notesView([]note{{noteInfo, fmt.Sprintf("%d marked. %s", len(a.marks), a.summary().Headline())}}, width) + "\n")
	if s.delivered == nil {
		b.WriteString("\n" + m.notesView([]note{a.nothingToMark()}, width) + "\n")
		return b.String(), -1
	}
	rows := a.candidates()
	rewidth(s.delivered, width, &s.delivWidth, func(w int) []huh.Option[string] {
		opts := make([]huh.Option[string], len(rows))
		for i, r := range rows {
			opts[i] = huh.NewOption(wrapOption(deliveredLabel(r), w), r.Key)
		}
		return opts
	}, func(w int) int {
		n := 0
		for _, r := range rows {
			n += lineCount(wrapOption(deliveredLabel(r), w))
		}
		return n
	})
	b.WriteString("\n")
	list, _ := s.delivered.view(width)
	anchor := lineCount(b.String()) - 1 + s.deliveredCursor(rows, width) // b ends with a newline
	b.WriteString(list + "\n")
	b.WriteString(s.confirmView(m, width))
	return b.String(), anchor
}

// deliveredIntro says what the delivered marks do.
const deliveredIntro = "palwiz changes owners (a new owner, a take-over, an import) only of what your organisation delivered. Once anything is ticked, it plans only what is ticked."

// deliveredCursor is the delivered list's line under the cursor.
func (s *attributionScreen) deliveredCursor(rows []attribution.Row, width int) int {
	line := 1
	ms, ok := s.delivered.focused().(*huh.MultiSelect[string])
	if !ok {
		return line
	}
	v, _ := ms.Hovered()
	for _, r := range rows {
		if r.Key == v {
			return line
		}
		line += lineCount(wrapOption(deliveredLabel(r), width))
	}
	return 1
}

// rewidth wraps a tick list's options to a new width, keeping the cursor.
func rewidth(e *embedded, width int, have *int, options func(int) []huh.Option[string], lines func(int) int) {
	if e == nil || width == *have {
		return
	}
	*have = width
	ms, ok := e.focused().(*huh.MultiSelect[string])
	if !ok {
		return
	}
	hovered, _ := ms.Hovered()
	opts := options(width)
	ms.Options(opts...).Height(1 + lines(width))
	ms.Update(tea.KeyPressMsg{Code: tea.KeyHome})
	for range opts {
		if v, _ := ms.Hovered(); v == hovered {
			return
		}
		ms.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
}
