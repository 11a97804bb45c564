package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// Scanner reads the few fields palwiz needs out of a large JSON answer in
// one pass, skipping everything else without decoding it: the resource
// providers answer with kilobytes per canvas app, and encoding/json scans
// every byte twice and allocates for every field it keeps.
//
// Use it as a cursor: Object and Array call back once per member or
// element, and the callback must consume exactly one value (String, Int,
// Bool, Skip, Object or Array). Malformed input gives an error, never a panic.
//
// A Scanner reads either one []byte (NewScanner) or a stream
// (NewStreamScanner): then it holds a window of the stream, refilled as the
// cursor reaches its end, so a page of several megabytes is read through a
// buffer of tens of kilobytes and never held whole.
type Scanner struct {
	b     []byte
	i     int
	depth int
	// The stream (nil for a []byte), the offset of b[0] in it, and the
	// error that ended it (io.EOF at its end).
	r    io.Reader
	off  int64
	rerr error
	// keys hold each open object's current key (per depth) while the
	// callback reads its value, as the window moves on.
	keys [][]byte
}

// maxDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxDepth = 512

// NewScanner reads b.
func NewScanner(b []byte) *Scanner { return &Scanner{b: b} }

// NewStreamScanner reads r through buf (its capacity is the window; it
// grows only for a single string or number longer than the window).
func NewStreamScanner(r io.Reader, buf []byte) *Scanner {
	if cap(buf) < minWindow {
		buf = make([]byte, 0, minWindow)
	}
	return &Scanner{b: buf[:0], r: r}
}

// Buffer is the scanner's window, for reuse with the next stream.
func (s *Scanner) Buffer() []byte { return s.b[:0] }

// minWindow is the smallest window a stream is read through.
const minWindow = 4 << 10

// ReadError is a stream that failed before its end (not malformed JSON:
// the connection broke).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "read the answer: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// fill discards b[:from], moves the rest to the front and reads more of
// the stream after it. It returns how far the bytes moved (callers holding
// indices subtract it) and whether any were read.
func (s *Scanner) fill(from int) (shift int, ok bool) {
	if s.r == nil || s.rerr != nil {
		return 0, false
	}
	if from > 0 {
		n := copy(s.b, s.b[from:])
		s.b = s.b[:n]
		s.off += int64(from)
		s.i -= from
	}
	if len(s.b) == cap(s.b) {
		nb := make([]byte, len(s.b), 2*cap(s.b))
		copy(nb, s.b)
		s.b = nb
	}
	for range 100 {
		n, err := s.r.Read(s.b[len(s.b):cap(s.b)])
		s.b = s.b[:len(s.b)+n]
		if err != nil {
			s.rerr = err
		}
		if n > 0 || err != nil {
			return from, n > 0
		}
	}
	s.rerr = io.ErrNoProgress
	return from, false
}

// pos is the cursor's offset in the input.
func (s *Scanner) pos() int64 { return s.off + int64(s.i) }

// ensure makes n bytes after the cursor available if the input has them.
func (s *Scanner) ensure(n int) bool {
	for len(s.b)-s.i < n {
		if _, ok := s.fill(s.i); !ok {
			return false
		}
	}
	return true
}

// ErrSyntax wraps every malformed-JSON error.
var ErrSyntax = errors.New("malformed JSON")

func (s *Scanner) fail(what string) error {
	if s.rerr != nil && s.rerr != io.EOF {
		return &ReadError{Err: s.rerr}
	}
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, s.off+int64(s.i))
}

func (s *Scanner) ws() {
	for {
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ' ', '\t', '\n', '\r':
				s.i++
			default:
				return
			}
		}
		if _, ok := s.fill(s.i); !ok {
			return
		}
	}
}

// peek returns the next byte after white space (0 at the end). Wire JSON
// is mostly compact, so the next byte is usually the answer: that case is
// small enough to inline.
func (s *Scanner) peek() byte {
	if s.i < len(s.b) {
		if c := s.b[s.i]; c > ' ' {
			return c
		}
	}
	return s.peekSpace()
}

func (s *Scanner) peekSpace() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// End checks that nothing but white space follows the value read.
func (s *Scanner) End() error {
	if s.peek() != 0 {
		return s.fail("unexpected data after the value")
	}
	return nil
}

// rawString returns the bytes of the string at the cursor (without quotes)
// and whether they hold escapes; the slice is valid until the scanner
// reads on (a stream's window grows to hold the string). Control
// characters inside a string are let through: palwiz reads values, it
// does not validate documents.
func (s *Scanner) rawString() ([]byte, bool, error) {
	if s.peek() != '"' {
		return nil, false, s.fail("expected a string")
	}
	s.i++
	start, esc := s.i, false
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			// Read on, keeping the string and its opening quote.
			s.i = len(s.b)
			shift, ok := s.fill(start - 1)
			if !ok {
				return nil, false, s.fail("unterminated string")
			}
			start -= shift
			continue
		}
		end := s.i + j
		// The quote ends the string unless an odd run of backslashes escapes it.
		k := end
		for k > start && s.b[k-1] == '\\' {
			k--
		}
		if k < end {
			esc = true
		} else if !esc && bytes.IndexByte(s.b[start:end], '\\') >= 0 {
			esc = true
		}
		if (end-k)%2 == 0 {
			s.i = end + 1
			return s.b[start:end], esc, nil
		}
		s.i = end + 1
	}
}

// String reads a string (or null, as "").
func (s *Scanner) String() (string, error) {
	if s.null() {
		return "", nil
	}
	raw, esc, err := s.rawString()
	if err != nil {
		return "", err
	}
	return s.decode(raw, esc)
}

// decode turns a raw string (a slice of the window, its quotes around it)
// into a string.
func (s *Scanner) decode(raw []byte, esc bool) (string, error) {
	if !esc {
		if !utf8.Valid(raw) {
			return string([]rune(string(raw))), nil
		}
		return string(raw), nil
	}
	var out string
	start := s.i - len(raw) - 2 // the opening quote
	if err := json.Unmarshal(s.b[start:s.i], &out); err != nil {
		return "", s.fail("bad escape in a string")
	}
	return out, nil
}

// Interned reads a string like String, sharing one copy per distinct value
// through m: for fields that repeat across a list (owners, tenants, states).
// A nil m interns nothing.
func (s *Scanner) Interned(m map[string]string) (string, error) {
	if s.null() {
		return "", nil
	}
	raw, esc, err := s.rawString()
	if err != nil || esc {
		if err == nil {
			return s.decode(raw, esc)
		}
		return "", err
	}
	if v, ok := m[string(raw)]; ok {
		return v, nil
	}
	v := string(raw)
	if !utf8.ValidString(v) {
		v = string([]rune(v))
	}
	if m != nil && len(m) < 100000 {
		m[v] = v
	}
	return v, nil
}

func (s *Scanner) null() bool {
	if s.peek() == 'n' && s.ensure(4) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

func (s *Scanner) number() ([]byte, error) {
	s.ws()
	start := s.i
	for {
		if s.i == len(s.b) {
			shift, ok := s.fill(start)
			start -= shift
			if !ok {
				break
			}
		}
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return nil, s.fail("expected a number")
	}
	return s.b[start:s.i], nil
}

// Int reads a number (or null, as 0) as an int.
func (s *Scanner) Int() (int, error) {
	if s.null() {
		return 0, nil
	}
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	if v, err := strconv.Atoi(string(n)); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
		return 0, s.fail("not an integer")
	}
	return int(v), nil
}

// Float reads a number (or null, as 0).
func (s *Scanner) Float() (float64, error) {
	if s.null() {
		return 0, nil
	}
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, s.fail("bad number")
	}
	return v, nil
}

// Bool reads true, false or null (false).
func (s *Scanner) Bool() (bool, error) {
	if s.null() {
		return false, nil
	}
	s.ws()
	switch {
	case s.ensure(4) && string(s.b[s.i:s.i+4]) == "true":
		s.i += 4
		return true, nil
	case s.ensure(5) && string(s.b[s.i:s.i+5]) == "false":
		s.i += 5
		return false, nil
	}
	return false, s.fail("expected true or false")
}

// IsNull reports whether the next value is null, and consumes it if so.
func (s *Scanner) IsNull() bool { return s.null() }

// Object calls fn with each member's key; fn consumes the value. The key
// is only valid during the call. A null object calls fn never.
func (s *Scanner) Object(fn func(key []byte) error) error {
	if s.null() {
		return nil
	}
	if s.peek() != '{' {
		return s.fail("expected an object")
	}
	if s.depth++; s.depth > maxDepth {
		return s.fail("nesting too deep")
	}
	defer func() { s.depth-- }()
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, esc, err := s.rawString()
		if err != nil {
			return err
		}
		if esc {
			var k string
			if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &k); err != nil {
				return s.fail("bad escape in a key")
			}
			key = []byte(k)
		} else if s.r != nil {
			// Reading on to the ':' may move the window under the key.
			for len(s.keys) < s.depth {
				s.keys = append(s.keys, nil)
			}
			s.keys[s.depth-1] = append(s.keys[s.depth-1][:0], key...)
			key = s.keys[s.depth-1]
		}
		if s.peek() != ':' {
			return s.fail("expected ':'")
		}
		s.i++
		before := s.pos()
		if err := fn(key); err != nil {
			return err
		}
		if s.pos() == before {
			return s.fail("a member's value was not read")
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("expected ',' or '}'")
		}
	}
}

// Array calls fn once per element; fn consumes the element. A null array
// calls fn never.
func (s *Scanner) Array(fn func() error) error {
	if s.null() {
		return nil
	}
	if s.peek() != '[' {
		return s.fail("expected an array")
	}
	if s.depth++; s.depth > maxDepth {
		return s.fail("nesting too deep")
	}
	defer func() { s.depth-- }()
	s.i++
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		before := s.pos()
		if err := fn(); err != nil {
			return err
		}
		if s.pos() == before {
			return s.fail("an element was not read")
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("expected ',' or ']'")
		}
	}
}

// Skip passes over one value of any kind. Objects and arrays are skipped
// by counting brackets outside strings, without parsing their members.
func (s *Scanner) Skip() error {
	switch c := s.peek(); c {
	case '"':
		s.i++
		return s.skipString()
	case '{', '[':
		return s.skipNested()
	case 't', 'f':
		_, err := s.Bool()
		return err
	case 'n':
		if s.null() {
			return nil
		}
		return s.fail("expected null")
	case 0:
		return s.fail("unexpected end")
	default:
		_, err := s.number()
		return err
	}
}

// skipNested passes over an object or array. It checks that brackets
// balance and strings end, not the grammar inside.
func (s *Scanner) skipNested() error {
	var stack [maxDepth]byte
	depth := 0
	for {
		b, i := s.b, s.i
		for i < len(b) && !structural[b[i]] {
			i++
		}
		s.i = i
		if i == len(b) {
			if _, ok := s.fill(i); !ok {
				break
			}
			continue
		}
		switch c := b[i]; c {
		case '{', '[':
			if depth == maxDepth {
				return s.fail("nesting too deep")
			}
			stack[depth] = c
			depth++
			s.i++
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			if depth == 0 || stack[depth-1] != open {
				return s.fail("unbalanced brackets")
			}
			depth--
			s.i++
			if depth == 0 {
				return nil
			}
		default: // '"'
			s.i++
			if err := s.skipString(); err != nil {
				return err
			}
		}
	}
	return s.fail("unexpected end")
}

// structural are the bytes skipNested stops at.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipString passes over the rest of a string whose opening quote was
// read, without keeping it: a stream's window holds at most a run of
// backslashes of it.
func (s *Scanner) skipString() error {
	run := s.i // where a run of backslashes before a quote may start
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			from := len(s.b)
			for from > run && s.b[from-1] == '\\' {
				from--
			}
			s.i = len(s.b)
			if _, ok := s.fill(from); !ok {
				return s.fail("unterminated string")
			}
			run = 0
			continue
		}
		end := s.i + j
		k := end
		for k > run && s.b[k-1] == '\\' {
			k--
		}
		s.i = end + 1
		if (end-k)%2 == 0 {
			return nil
		}
		run = s.i
	}
}

// ScanPage reads a list page ({"value":[...],"nextLink"|"@odata.nextLink":…}),
// calling item for each element of value, and returns the next link as
// Page.Next does: @odata.nextLink when both are given.
func ScanPage(body []byte, item func(s *Scanner) error) (next string, err error) {
	return NewScanner(body).Page(item)
}

// Page reads a list page from the scanner's input as ScanPage does.
func (s *Scanner) Page(item func(s *Scanner) error) (next string, err error) {
	var p Page[struct{}]
	err = s.Object(func(k []byte) (err error) {
		switch string(k) {
		case "value":
			return s.Array(func() error { return item(s) })
		case "nextLink":
			p.NextLink, err = s.String()
		case "@odata.nextLink":
			p.ODataNextLink, err = s.String()
		default:
			err = s.Skip()
		}
		return err
	})
	if err == nil {
		err = s.End()
	}
	return p.Next(), err
}
