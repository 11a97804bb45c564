package output

import (
	"strings"
	"unicode/utf8"
)

// Clean makes a string from a service or the user safe to show on a
// terminal or to write to CSV or Markdown: it removes terminal escape
// sequences (CSI, OSC, DCS and the rest, in their 7-bit and 8-bit forms)
// and C0 and C1 control characters, turns line breaks and tabs into spaces,
// and replaces invalid UTF-8. Every printer passes what it did not write
// itself through Clean; JSON needs no cleaning (see writeJSON).
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	brk := false // the last thing written was a line break turned space
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		wasBreak := brk
		brk = false
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
			i++
			continue
		case r == 0x1b: // ESC: skip the whole sequence
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			if !wasBreak { // "\r\n" is one break
				b.WriteByte(' ')
			}
			brk = true
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// other controls (BEL, BS, NUL, C1): dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII (the common case, no copy).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// skipEscape returns the index after the escape sequence whose ESC ended at i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC followed by intermediates (0x20–0x2f) and one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// skipCSI skips a control sequence's parameters and intermediates up to and
// including its final byte (0x40–0x7e).
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		case c >= 0x20 && c <= 0x3f:
			i++
		default:
			return i // malformed: resume at this byte, which is cleaned on its own
		}
	}
	return i
}

// skipString skips an OSC, DCS, SOS, PM or APC string up to its terminator:
// BEL, ESC \ or the 8-bit ST. An unterminated string runs to the end.
func skipString(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x07 || r == 0x9c:
			return i + size
		case r == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + size
		}
		i += size
	}
	return i
}
