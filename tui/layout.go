package tui

import (
	"charm.land/lipgloss/v2"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/assets"
)

// wrap word-wraps s to width cells at spaces only (addresses and names with
// hyphens stay whole; a word longer than a line is broken), keeping newlines
// and each line's indentation.
func wrap(s string, width int) string {
	if width < 10 {
		width = 10
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		out = append(out, wrapLine(line, width)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(line string, width int) []string {
	trimmed := strings.TrimLeft(line, " ")
	lead := line[:len(line)-len(trimmed)]
	if ansi.StringWidth(line) <= width || trimmed == "" {
		return []string{line}
	}
	if ansi.StringWidth(lead) > width/2 {
		lead = ""
	}
	var out []string
	cur, curW := lead, ansi.StringWidth(lead)
	empty := true
	for _, w := range strings.Fields(trimmed) {
		ww := ansi.StringWidth(w)
		if !empty && curW+1+ww > width {
			out = append(out, cur)
			cur, curW, empty = lead, ansi.StringWidth(lead), true
		}
		if ww > width-curW {
			// A word longer than the line: break it.
			for _, piece := range strings.Split(ansi.Hardwrap(w, width-ansi.StringWidth(lead), false), "\n") {
				if !empty {
					out = append(out, cur)
					cur, curW = lead, ansi.StringWidth(lead)
				}
				cur += piece
				curW += ansi.StringWidth(piece)
				empty = false
			}
			continue
		}
		if !empty {
			cur += " "
			curW++
		}
		cur += w
		curW += ww
		empty = false
	}
	return append(out, cur)
}

// hang wraps text after a prefix and indents the continuation lines to line
// up under the text.
func hang(prefix, text string, width int) string {
	pw := ansi.StringWidth(prefix)
	body := wrap(text, width-pw)
	lines := strings.Split(body, "\n")
	pad := strings.Repeat(" ", pw)
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// kvRows renders label/value pairs with aligned values, wrapping each value;
// empty values are left out.
func kvRows(st styles, width int, pairs ...string) string {
	lw := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			lw = max(lw, ansi.StringWidth(pairs[i]))
		}
	}
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		label := st.faint.Render(pairs[i] + strings.Repeat(" ", lw-ansi.StringWidth(pairs[i])+2))
		b.WriteString(hang(label, pairs[i+1], width))
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// lineCount is how many lines s has.
func lineCount(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}

// truncate cuts s to width cells with an ellipsis.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// padRight pads s with spaces to width cells.
func padRight(s string, width int) string {
	w := ansi.StringWidth(s)
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
}

// countdown formats the time left as m:ss.
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// join joins the non-empty parts with sep.
func join(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// reflow joins the lines of each paragraph of a hard-wrapped text, so it can
// be wrapped again to the screen; paragraphs are separated by blank lines.
func reflow(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		out = append(out, strings.Join(strings.Fields(p), " "))
	}
	return out
}

// wrapText reflows a hard-wrapped text to width, keeping its paragraphs.
func wrapText(s string, width int) string {
	ps := reflow(s)
	for i := range ps {
		ps[i] = wrap(ps[i], width)
	}
	return strings.Join(ps, "\n\n")
}

// helpText is an embedded help text ("" if it is missing, which a test catches).
func helpText(name string) string {
	s, _ := assets.Help(name)
	return s
}

// guide is the embedded PAL guide.
func guide() (assets.PALGuide, error) { return assets.Guide() }

// joinLines undoes the hard wrapping of a letter-like text so it can be
// wrapped to the screen: a line is joined to the one before when both have
// the same indentation and the one before does not end a greeting, a
// heading or a list lead-in (",", ":").
func joinLines(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	for _, l := range lines {
		if n := len(out); n > 0 {
			prev := out[n-1]
			pt := strings.TrimSpace(prev)
			if pt != "" && strings.TrimSpace(l) != "" && indent(prev) == indent(l) &&
				!strings.HasSuffix(pt, ",") && !strings.HasSuffix(pt, ":") && !strings.HasPrefix(pt, "Subject:") &&
				!startsItem(strings.TrimSpace(l)) {
				out[n-1] = prev + " " + strings.TrimSpace(l)
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// startsItem reports whether a line starts a numbered list item.
func startsItem(l string) bool {
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && i < len(l) && l[i] == '.'
}

// lines styles each line of s on its own: lipgloss pads a multi-line
// string to its widest line, which leaves trailing spaces.
func lines(style lipgloss.Style, s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = style.Render(l)
	}
	return strings.Join(ls, "\n")
}

// trimRight drops trailing blanks (text fields pad to their width) and
// keeps the styles of what remains.
func trimRight(l string) string {
	plain := ansi.Strip(l)
	trimmed := strings.TrimRight(plain, " ")
	if len(trimmed) == len(plain) {
		return l
	}
	return ansi.Truncate(l, ansi.StringWidth(trimmed), "")
}
