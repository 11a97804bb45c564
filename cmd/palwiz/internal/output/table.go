package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// writeJSON prints v as one indented JSON document. encoding/json escapes
// C0 controls; DEL and the C1 controls (U+0080–U+009F), which some
// terminals obey, are escaped here too, so a JSON document is safe on a
// terminal and unchanged as data.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err := w.Write(escapeC1(buf.Bytes()))
	return err
}

// escapeC1 writes DEL and the C1 control characters as \u escapes. In
// encoder output they can only be inside strings, where the escape means the same.
func escapeC1(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xc2}) && !bytes.Contains(b, []byte{0x7f}) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || r >= 0x80 && r < 0xa0 {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// table is rows under a header, printed aligned for people, as CSV, or as a
// Markdown table. Cells are cleaned as they are added.
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) add(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = Clean(c)
	}
	t.rows = append(t.rows, row)
}

// write prints the table in format (Table, CSV or Markdown).
func (t *table) write(w io.Writer, f Format) error {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(t.header); err != nil {
			return err
		}
		for _, r := range t.rows {
			if err := cw.Write(csvSafe(r)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case Markdown:
		var b strings.Builder
		b.WriteString("| " + strings.Join(mdCells(t.header), " | ") + " |\n|")
		for range t.header {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, r := range t.rows {
			b.WriteString("| " + strings.Join(mdCells(r), " | ") + " |\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, trimLines(buf.String()))
	return err
}

// trimLines removes the spaces tabwriter pads empty last cells with.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// csvSafe guards spreadsheet users: a cell that a spreadsheet would run as a
// formula (=, +, -, @ first) is prefixed with an apostrophe.
func csvSafe(r []string) []string {
	out := r
	for i, c := range r {
		if c != "" && strings.ContainsRune("=+-@", rune(c[0])) && !isNumber(c) {
			if &out[0] == &r[0] {
				out = append([]string(nil), r...)
			}
			out[i] = "'" + c
		}
	}
	return out
}

func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

func mdCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = md(c)
	}
	return out
}

// md makes cleaned text safe inside a Markdown table cell or line.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(Clean(s))
}

// kv prints aligned "key: value" lines for people; empty values are left out.
func kv(w io.Writer, pairs ...string) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		fmt.Fprintf(tw, "%s:\t%s\n", pairs[i], Clean(pairs[i+1]))
	}
	_ = tw.Flush()
	_, _ = io.WriteString(w, trimLines(buf.String()))
}

// line prints one line for people; the format is palwiz's own text, every
// string argument is cleaned.
func line(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format+"\n", cleanArgs(args)...)
}

func cleanArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = Clean(v)
		case error:
			out[i] = Clean(v.Error())
		case fmt.Stringer:
			out[i] = Clean(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
