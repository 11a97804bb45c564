package tui

import (
	"strings"
	"testing"
	"time"
)

// TestCtrlCOnEveryScreen: Ctrl-C interrupts at once on every screen, also
// while a sign-in waits and while a text field has the focus.
func TestCtrlCOnEveryScreen(t *testing.T) {
	at := map[string]func(t *testing.T, r *runner, f *fakeBackend){
		"welcome":           func(t *testing.T, r *runner, f *fakeBackend) {},
		"initiation":        func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r) },
		"device code":       func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter") },
		"sp form":           func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("down", "enter") },
		"identity card":     signedIn,
		"directory":         toDirectory,
		"directory filter":  func(t *testing.T, r *runner, f *fakeBackend) { toDirectory(t, r, f); r.key("/") },
		"registration":      toRegistration,
		"attribution":       toAttribution,
		"validation":        toValidation,
		"done":              func(t *testing.T, r *runner, f *fakeBackend) { toValidation(t, r, f); r.key("enter") },
		"help overlay":      func(t *testing.T, r *runner, f *fakeBackend) { toRegistration(t, r, f); r.key("?") },
		"quit confirmation": func(t *testing.T, r *runner, f *fakeBackend) { signedIn(t, r, f); r.key("q") },
	}
	for name, drive := range at {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			r := newRunner(t, Options{Backend: f, NoColor: true})
			drive(t, r, f)
			r.key("ctrl+c")
			if _, intr := r.quitted(); !intr {
				t.Fatalf("ctrl+c did not interrupt on %s:\n%s", name, r.screen())
			}
			if !r.m.Cancelled() {
				t.Fatal("the model does not report the cancellation")
			}
		})
	}
}

// TestQuitAsksOnlyWhenWorkWouldBeLost: q on Welcome quits at once; after
// signing in it asks, n stays and y quits as cancelled.
func TestQuitAsksOnlyWhenWorkWouldBeLost(t *testing.T) {
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true})
	toInitiation(t, r)
	r.key("esc") // back to Welcome: the partner ID field has the focus, so q is typed
	r.key("q")
	if q, _ := r.quitted(); q {
		t.Fatal("q typed into the partner ID quit the wizard")
	}
	if !strings.Contains(r.screen(), "is not a partner ID") {
		t.Fatalf("q in the partner ID is not flagged:\n%s", r.screen())
	}
	r.key("backspace", "enter")
	f.approve()
	r.key("enter")
	r.waitFor("This is you", time.Second)
	r.key("q")
	if !strings.Contains(r.screen(), "Quit palwiz?") {
		t.Fatalf("no confirmation:\n%s", r.screen())
	}
	r.key("n")
	if q, _ := r.quitted(); q || strings.Contains(r.screen(), "Quit palwiz?") {
		t.Fatal("n did not keep the wizard")
	}
	r.key("q", "y")
	if q, _ := r.quitted(); !q || !r.m.Cancelled() {
		t.Fatal("y did not quit as cancelled")
	}
}

// TestBackAndForward: esc goes back a step and enter comes forward again
// without losing what was entered; the link is read again on the way.
func TestBackAndForward(t *testing.T) {
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true})
	toRegistration(t, r, f)
	r.key("esc")
	r.waitFor("Which customer directory?", time.Second)
	r.key("esc")
	r.waitFor("This is you", time.Second)
	r.key("esc")
	r.waitFor("> 4977985", time.Second)
	r.key("enter")
	r.waitFor("This is you", time.Second)
	reads := strings.Count(strings.Join(f.Calls(), "\n"), "ReadLink")
	r.key("enter", "enter")
	r.waitFor("What palwiz will do", time.Second)
	if n := strings.Count(strings.Join(f.Calls(), "\n"), "ReadLink"); n != reads+1 {
		t.Fatalf("coming back to Registration read the link %d times, want once", n-reads)
	}
}
