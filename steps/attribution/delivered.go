package attribution

import (
	"fmt"
	"strings"
)

// Delivered says which resources the partner delivered: palwiz plans
// changes of ownership only for those, and, once anything is marked, leaves
// every other resource alone. The zero value marks nothing.
//
// A term is "name=…", "id=…", "environment=…" (or "env=…"), "publisher=…"
// (a managed solution's publisher, for the solution and everything in it)
// or "key=…" (Resource.Key, what the wizard's tick list sends); a bare term
// matches a name, an ID or a key. Matches are whole and case-insensitive.
type Delivered struct {
	terms []deliveredTerm
}

type deliveredTerm struct {
	kind, value string // kind "" = name, ID or key
}

// Delivered term kinds.
var deliveredKinds = map[string]string{"name": "name", "id": "id", "environment": "environment", "env": "environment",
	"publisher": "publisher", "key": "key"}

// ParseDelivered reads the --delivered values (each may be a
// comma-separated list).
func ParseDelivered(values []string) (Delivered, error) {
	var d Delivered
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			t := deliveredTerm{value: part}
			if k, rest, ok := strings.Cut(part, "="); ok {
				kind, known := deliveredKinds[strings.ToLower(strings.TrimSpace(k))]
				if !known {
					return Delivered{}, fmt.Errorf("%q: a delivered mark is name=, id=, environment=, publisher= or key= (or a bare name or ID)", part)
				}
				t = deliveredTerm{kind: kind, value: strings.TrimSpace(rest)}
				if t.value == "" {
					return Delivered{}, fmt.Errorf("%q names no %s", part, kind)
				}
			}
			d.terms = append(d.terms, t)
		}
	}
	return d, nil
}

// DeliveredKeys marks resources by their keys (the wizard's tick list).
func DeliveredKeys(keys ...string) Delivered {
	var d Delivered
	for _, k := range keys {
		d.terms = append(d.terms, deliveredTerm{kind: "key", value: k})
	}
	return d
}

// Empty reports whether nothing is marked as delivered.
func (d Delivered) Empty() bool { return len(d.terms) == 0 }

// String is the marks as the command line takes them.
func (d Delivered) String() string {
	out := make([]string, len(d.terms))
	for i, t := range d.terms {
		out[i] = t.value
		if t.kind != "" {
			out[i] = t.kind + "=" + t.value
		}
	}
	return strings.Join(out, ", ")
}

// Match reports whether the partner delivered r.
func (d Delivered) Match(r Resource) bool {
	for _, t := range d.terms {
		if t.match(r) {
			return true
		}
	}
	return false
}

func (t deliveredTerm) match(r Resource) bool {
	eq := func(s string) bool { return s != "" && strings.EqualFold(strings.TrimSpace(s), t.value) }
	switch t.kind {
	case "name":
		return eq(r.Name)
	case "id":
		return eq(r.ID)
	case "key":
		return eq(r.Key())
	case "environment":
		return r.Env != nil && (eq(r.Env.ID) || eq(r.Env.Name))
	case "publisher":
		return eq(r.Publisher())
	}
	return eq(r.Name) || eq(r.ID) || eq(r.Key())
}
