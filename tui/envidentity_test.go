package tui

import (
	"strings"
	"testing"
	"time"
)

// TestEnvIdentityIsTheOnlyOne: when environment variables named the
// identity, the wizard offers only to continue as it, says so, and signs
// nobody in: the first call after the choice reads who it is.
func TestEnvIdentityIsTheOnlyOne(t *testing.T) {
	f := newFake()
	o := Options{Backend: f, NoColor: true}
	envIdentity(f, &o)
	r := newRunner(t, o)
	toInitiation(t, r)
	screen := r.screen()
	for _, bad := range []string{"Dedicated service account", "Personal or guest account", "signed in earlier"} {
		if strings.Contains(screen, bad) {
			t.Errorf("the choice offers %q besides the identity named:\n%s", bad, screen)
		}
	}
	r.key("down", "enter")
	r.waitFor("This is you", 2*time.Second)
	if calls := f.Calls(); len(calls) == 0 || calls[0] != "WhoAmI" {
		t.Errorf("calls %q, want WhoAmI first", calls)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "StartDeviceCode") || strings.HasPrefix(c, "LoginServicePrincipal") {
			t.Errorf("a sign-in was started: %q", f.Calls())
		}
	}
}
