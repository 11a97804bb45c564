package attribution

import (
	"testing"
)

// FuzzParseDelivered: --delivered is user input. Whatever parses must print
// back to marks that parse to the same marks, and matching never panics.
func FuzzParseDelivered(f *testing.F) {
	for _, s := range []string{"publisher=Fabrikam Consulting", "Site Survey,Case Desk", "env=Contoso UAT", "key=canvas-app/e/x", "=x", "name=", ",,", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDelivered([]string{s})
		if err != nil {
			return
		}
		again, err := ParseDelivered([]string{d.String()})
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, d.String(), err)
		}
		if again.String() != d.String() {
			t.Fatalf("%q: %q then %q", s, d.String(), again.String())
		}
		r := Resource{Product: CanvasApp, ID: s, Name: s, Env: &Environment{ID: s, Name: s}}
		r.setPublisher(s)
		_ = d.Match(r)
	})
}
