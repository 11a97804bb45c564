package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/palwiz/palwiz/steps"
)

// Tests for what a trainer found wrong in the wizard (issue 9), one each.

func demoSP(f *fakeBackend, o *Options) {
	demoOpts(f, o)
	o.Demo.ServicePrincipal = &DemoSP{Tenant: "contoso.onmicrosoft.com", ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", Secret: "sim-contoso-spn-secret-1"}
}

// TestSPFormEnterSignsInFromAnyField: once every value is there, enter
// signs in from whichever field has the focus; until then it moves to the
// next field; and the footer says which.
func TestSPFormEnterSignsInFromAnyField(t *testing.T) {
	for _, tabs := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("after %d tabs", tabs), func(t *testing.T) {
			f := newFake()
			o := Options{Backend: f, NoColor: true}
			demoSP(f, &o)
			r := newRunner(t, o)
			r.key("enter")
			r.waitFor("Which account", time.Second)
			r.key("down", "enter")
			r.waitFor("Sign in as a service principal", time.Second)
			for range tabs {
				r.key("tab")
			}
			if !strings.Contains(r.screen(), "enter sign in") {
				t.Fatalf("the footer does not say that enter signs in:\n%s", r.screen())
			}
			r.key("enter")
			r.waitFor("This is you", 2*time.Second)
			if calls := strings.Join(f.Calls(), "\n"); !strings.Contains(calls, "LoginServicePrincipal contoso.onmicrosoft.com e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 secret") {
				t.Fatalf("calls = %s", calls)
			}
		})
	}
	t.Run("incomplete", func(t *testing.T) {
		f := newFake()
		r := newRunner(t, Options{Backend: f, NoColor: true})
		toSPForm(t, r)
		r.typeText("contoso.onmicrosoft.com")
		if !strings.Contains(r.screen(), "enter next field") {
			t.Fatalf("the footer does not say that enter goes to the next field:\n%s", r.screen())
		}
		r.key("enter")
		if !strings.Contains(r.screen(), "┃ Application (client) ID") {
			t.Fatalf("enter did not move to the next field:\n%s", r.screen())
		}
		if calls := strings.Join(f.Calls(), "\n"); strings.Contains(calls, "LoginServicePrincipal") {
			t.Fatalf("signed in with the form incomplete: %s", calls)
		}
	})
}

// TestFocusMarkerWithoutColour: the focused field carries a bar that is a
// character, not a colour, and the bar moves with the focus.
func TestFocusMarkerWithoutColour(t *testing.T) {
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true})
	toSPForm(t, r)
	focused := func() []string {
		var out []string
		for _, l := range strings.Split(r.screen(), "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, " "), "┃ ") {
				out = append(out, strings.TrimSpace(strings.TrimPrefix(strings.TrimLeft(l, " "), "┃")))
			}
		}
		return out
	}
	if got := focused(); len(got) == 0 || got[0] != "Directory" {
		t.Fatalf("the marked field is %q, want Directory first", got)
	}
	r.typeText("contoso.onmicrosoft.com")
	r.key("tab")
	if got := focused(); len(got) == 0 || got[0] != "Application (client) ID" {
		t.Fatalf("after tab the marked field is %q, want the application ID", got)
	}
}

// TestHelpFromEveryScreen: ? opens the help on every screen, text fields
// included (it is not typed), esc closes it; alt+? types a literal ?.
func TestHelpFromEveryScreen(t *testing.T) {
	at := map[string]func(t *testing.T, r *runner, f *fakeBackend){
		"welcome":          func(t *testing.T, r *runner, f *fakeBackend) {},
		"identity":         func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r) },
		"device code":      func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter") },
		"browser":          func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter", "b") },
		"sp form":          func(t *testing.T, r *runner, f *fakeBackend) { toSPForm(t, r) },
		"request names":    func(t *testing.T, r *runner, f *fakeBackend) { toRequest(t, r); r.key("e") },
		"identity card":    signedIn,
		"directory":        toDirectory,
		"directory filter": func(t *testing.T, r *runner, f *fakeBackend) { toDirectory(t, r, f); r.key("/") },
		"registration":     toRegistration,
		"move question": func(t *testing.T, r *runner, f *fakeBackend) {
			f.links[tContoso] = tailspinLink()
			toRegistration(t, r, f)
			r.key("enter")
		},
		"attribution": toAttribution,
		"validation":  toValidation,
		"done":        toDone,
	}
	for name, drive := range at {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			r := newRunner(t, Options{Backend: f, NoColor: true, WorkDir: t.TempDir()})
			drive(t, r, f)
			before := r.screen()
			r.key("?")
			if !strings.Contains(r.screen(), "Help · ") || !strings.Contains(r.screen(), "Keys on this screen") {
				t.Fatalf("? did not open the help on %s:\n%s", name, r.screen())
			}
			r.key("esc")
			if after := r.screen(); after != before {
				t.Fatalf("closing the help did not bring the screen back as it was:\n--- before\n%s\n--- after\n%s", before, after)
			}
		})
	}
	t.Run("literal", func(t *testing.T) {
		f := newFake()
		r := newRunner(t, Options{Backend: f, NoColor: true})
		toSPForm(t, r)
		r.typeText("a")
		r.send(tea.KeyPressMsg{Code: '?', Mod: tea.ModAlt})
		r.settle()
		if r.m.initiation.sp.tenant != "a?" || strings.Contains(r.screen(), "Help · ") {
			t.Fatalf("alt+? typed %q (help open: %v)", r.m.initiation.sp.tenant, strings.Contains(r.screen(), "Help · "))
		}
	})
}

func tailspinLink() *steps.PartnerLink {
	return &steps.PartnerLink{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tContoso, State: "Active"}
}

// TestBrowserAddressInFull: the browser sign-in address is on screen in
// full at every size, c copies all of it and says so where the user
// looks, and in the demo a approves the browser sign-in too.
func TestBrowserAddressInFull(t *testing.T) {
	for _, size := range []struct{ w, h int }{{60, 20}, {80, 24}, {120, 40}} {
		t.Run(sizeName(size.w, size.h), func(t *testing.T) {
			f := newFake()
			o := Options{Backend: f, NoColor: true, Width: size.w, Height: size.h}
			demoOpts(f, &o)
			r := newRunner(t, o)
			r.key("enter")
			r.waitFor("Which account", time.Second)
			r.key("enter", "b")
			r.waitFor("c copy address", time.Second)
			var joined strings.Builder
			for _, l := range strings.Split(r.screen(), "\n") {
				if t := strings.TrimSpace(l); strings.HasPrefix(t, "http://localhost") || joined.Len() > 0 && !strings.Contains(t, " ") && t != "" {
					joined.WriteString(t)
				}
			}
			if !strings.Contains(joined.String(), fakeAuthorizeURL) {
				t.Fatalf("the address is not on screen in full (%q):\n%s", joined.String(), r.screen())
			}
			r.key("c")
			if r.copied() != fakeAuthorizeURL {
				t.Fatalf("c copied %q, want the whole address", r.copied())
			}
			if !strings.Contains(r.screen(), "✓ Copied the address") {
				t.Fatalf("no feedback in view after c:\n%s", r.screen())
			}
			r.key("a")
			r.waitFor("This is you", 2*time.Second)
		})
	}
}

// TestResizeRepaintsWholeScreen: a new size asks Bubble Tea to clear the
// screen, and every line of every frame is as wide as the terminal, so
// no fragment of an earlier frame can survive.
func TestResizeRepaintsWholeScreen(t *testing.T) {
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true, Width: 60, Height: 20})
	toValidation(t, r, f)
	_, cmd := r.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if cmd == nil || !strings.Contains(fmt.Sprintf("%T", cmd()), "clearScreen") {
		t.Fatal("a resize does not clear the screen")
	}
	lines := strings.Split(ansi.Strip(r.m.Render()), "\n")
	if len(lines) != 40 {
		t.Fatalf("%d lines after the resize, want 40", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 120 {
			t.Errorf("line %d is %d wide, want the terminal's 120: %q", i, w, l)
		}
	}
}

// TestRequestFeedbackAndSave: on the request for the administrator, copy
// and save say what they did on the visible screen, even the smallest, and
// saving never replaces a file without a yes.
func TestRequestFeedbackAndSave(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true, Width: 60, Height: 20, WorkDir: dir})
	toRequest(t, r)
	r.key("c")
	if !strings.Contains(r.screen(), "✓ Copied the request") {
		t.Fatalf("no copy feedback in view:\n%s", r.screen())
	}
	if !strings.Contains(r.copied(), "Fabrikam Consulting would like a dedicated") {
		t.Fatalf("copied %q", r.copied())
	}
	path := filepath.Join(dir, requestFile)
	if err := os.WriteFile(path, []byte("an earlier request\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.key("s")
	r.waitFor("Replace the saved request?", time.Second)
	r.key("n")
	r.waitFor("was not saved", time.Second)
	if b, _ := os.ReadFile(path); string(b) != "an earlier request\n" {
		t.Fatalf("the file was replaced without a yes: %q", b)
	}
	r.key("s")
	r.waitFor("Replace the saved request?", time.Second)
	r.key("y")
	r.waitFor("✓ Saved to", time.Second)
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Ana Lopez") {
		t.Fatalf("the file was not replaced after a yes: %q", b)
	}
}

// TestQuitLeavesABlankFrame: the wizard's last frame is empty, so leaving
// the full screen leaves nothing of it behind.
func TestQuitLeavesABlankFrame(t *testing.T) {
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true})
	if r.m.View().Content == "" {
		t.Fatal("the first frame is empty")
	}
	r.key("ctrl+c")
	if _, intr := r.quitted(); !intr {
		t.Fatal("ctrl+c did not quit")
	}
	if c := r.m.View().Content; c != "" {
		t.Fatalf("the last frame is not empty: %q", c)
	}
}

// TestKeysTypedAhead: keys pressed faster than the forms' own commands run
// are not lost: enter on Welcome and enter on the identity list, sent
// back to back, reach the device code; a yes-or-no answered with y moves on.
func TestKeysTypedAhead(t *testing.T) {
	f := newFake()
	f.links[tContoso] = tailspinLink()
	r := newRunner(t, Options{Backend: f, NoColor: true})
	r.typeText("4977985")
	r.send(keyMsg("enter"))
	r.send(keyMsg("enter"))
	r.waitFor("Code: ", time.Second)
	f.approve()
	r.waitFor("This is you", time.Second)
	r.send(keyMsg("enter"))
	r.waitFor("enter continue here", time.Second)
	r.send(keyMsg("enter"))
	r.waitFor("What palwiz will do", time.Second)
	r.send(keyMsg("enter"))
	r.send(keyMsg("y"))
	r.waitFor("✓ Moved the link", time.Second)
	if calls := strings.Join(f.Calls(), "\n"); strings.Count(calls, "Link 4977985") != 1 {
		t.Fatalf("calls = %s", calls)
	}
}
