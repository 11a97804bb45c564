// Package resttest holds what the tests of rest's clients share: the rule
// for when encoding/json and rest.Scanner must read a document alike.
package resttest

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// MaxDepth is rest.Scanner's nesting limit (encoding/json allows 10,000).
const MaxDepth = 512

// Comparable reports whether encoding/json and a scanner reading exactly
// the member names in known must decode doc alike. They may differ only
// where JSON leaves the meaning open or the two readers' limits differ:
//   - an object with a repeated name (RFC 8259 §4: "the behavior … is
//     unpredictable"; encoding/json merges, a scanner may not);
//   - a name that matches a known one only when case is ignored
//     (encoding/json matches names case-insensitively; the services' names
//     are exact, and so are palwiz's scanners);
//   - nesting deeper than the scanner's MaxDepth.
//
// It also returns false for a document encoding/json rejects.
func Comparable(doc []byte, known ...string) bool {
	if !json.Valid(doc) {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	type frame struct {
		object bool
		names  map[string]bool
		key    bool // the next token of an object is a name
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return len(stack) == 0
		}
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if _, isName := tok.(string); isName && top != nil && top.object && top.key {
			name, _ := tok.(string)
			if top.names[name] {
				return false
			}
			top.names[name] = true
			for _, k := range known {
				if name != k && strings.EqualFold(name, k) {
					return false
				}
			}
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= MaxDepth {
				return false
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), names: map[string]bool{}, key: tok == json.Delim('{')})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}
