package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

const (
	serviceUPN = "pal-service@contoso.onmicrosoft.com"
	anaUPN     = "ana.lopez@fabrikam.example"
)

// simBackend starts the simulated cloud's demo scenario in process and
// returns it with the real Backend over a fresh in-memory session.
func simBackend(t testing.TB, edit func(*sim.Scenario)) (*sim.Server, Backend, Attributor) {
	t.Helper()
	w := simtest.Start(t, simtest.Options{Edit: edit, Pages: true, Timeout: 20 * time.Second})
	s, c, sess := w.Sim, w.Cloud, w.Session
	// Quick retries: fault tests exhaust them on purpose.
	env := &steps.Env{Cloud: c, Session: sess, ARM: rest.Options{MaxRetries: 1, RetryDelay: 5 * time.Millisecond}}
	return s, NewBackend(env), NewAttributor(env, "")
}

// simDemo is the demo wiring cmd/palwiz gives the wizard, for s.
func simDemo(s *sim.Server) *Demo {
	return &Demo{SignInPage: s.DeviceLoginURL(), ApproveAs: serviceUPN, PartnerID: "4977985",
		Approve: func(_ context.Context, code, upn string) error { return s.ApproveDeviceCode(code, upn, true) }}
}

// TestProgramWelcomeToDone drives the whole wizard against the simulated
// cloud: the dedicated service account signs in with a device code that
// the demo key approves, links to the Location ID, and the link is read
// back as yes with the partner's name.
func TestProgramWelcomeToDone(t *testing.T) {
	s, be, at := simBackend(t, nil)
	r := newRunner(t, Options{Backend: be, Attributor: at, Demo: simDemo(s), Ephemeral: true, NoColor: true})
	r.waitFor("> 4977985", 5*time.Second)
	r.key("enter")
	r.waitFor("Which account will you deliver with?", 5*time.Second)
	r.key("enter")
	r.waitFor("Code: ", 10*time.Second)
	if !strings.Contains(r.screen(), s.DeviceLoginURL()) {
		t.Fatalf("the device-code screen does not show the simulator's sign-in page %s:\n%s", s.DeviceLoginURL(), r.screen())
	}
	if len(s.PendingDeviceCodes()) != 1 {
		t.Fatalf("pending device codes: %v", s.PendingDeviceCodes())
	}
	r.key("a")
	r.waitFor("This is you in the customer's directory", 30*time.Second)
	for _, w := range []string{"PAL Service Account (Fabrikam)", "member user", "in Contoso Ltd"} {
		if !strings.Contains(r.screen(), w) {
			t.Errorf("identity card lacks %q:\n%s", w, r.screen())
		}
	}
	r.key("enter")
	r.waitFor("● Contoso Ltd", 10*time.Second)
	r.key("enter")
	r.waitFor("link it to partner ID 4977985", 10*time.Second)
	r.key("enter")
	r.waitFor("✓ Linked to partner Fabrikam Consulting (Seattle) (4977985)", 10*time.Second)
	if got := s.LinkOf(tContoso, "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"); got != "4977985" {
		t.Fatalf("the simulator holds link %q for the service account, want 4977985", got)
	}
	r.key("enter")
	r.waitFor("3 of 3 · Attribution", 5*time.Second)
	r.waitFor("judged for pal-service@contoso.onmicrosoft.com", 30*time.Second)
	t.Logf("attribution results:\n%s", r.screen())
	r.key("enter")
	r.waitFor("✓ YES", 10*time.Second)
	for _, w := range []string{"Fabrikam Consulting (Seattle)", "4977985"} {
		if !strings.Contains(r.screen(), w) {
			t.Errorf("validation lacks %q:\n%s", w, r.screen())
		}
	}
	r.key("enter")
	r.waitFor("▸ Sign out", 5*time.Second)
	r.key("enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.settle()
		if q, _ := r.quitted(); q {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wizard did not finish:\n%s", r.screen())
		}
	}
	res := r.m.Result()
	if !res.Completed || !res.Validated || res.Link == nil || res.Link.PartnerID != "4977985" || !res.SignedOut {
		t.Fatalf("result = %+v", res)
	}
	if r.m.Cancelled() {
		t.Fatal("a finished wizard reports itself cancelled")
	}
}

// TestProgramGuestMovesLinkAndMFA: Ana signs in, switches to Northwind where
// her guest account is linked to another partner (the wizard asks before
// moving it), and Woodgrove's MFA demand leads to a new sign-in with the
// claims challenge rather than a dead end.
func TestProgramGuestMovesLinkAndMFA(t *testing.T) {
	s, be, _ := simBackend(t, nil)
	d := simDemo(s)
	d.PersonalAs = anaUPN // the demo key signs Ana in after the personal/guest choice
	r := newRunner(t, Options{Backend: be, Demo: d, NoColor: true, Width: 100, Height: 30})
	r.waitFor("> 4977985", 5*time.Second)
	r.key("enter", "down", "down", "enter")
	r.waitFor("Code: ", 10*time.Second)
	r.key("a")
	r.waitFor("This is you in the customer's directory", 30*time.Second)
	if !strings.Contains(r.screen(), anaUPN) {
		t.Fatalf("the demo key did not sign Ana in:\n%s", r.screen())
	}
	r.key("enter")
	r.waitFor("Woodgrove Bank", 10*time.Second)
	r.waitFor("sign-in needed", 20*time.Second)

	// Woodgrove first: MFA.
	r.key("/")
	r.typeText("woodgrove")
	r.key("enter")
	r.waitFor("Woodgrove Bank needs a new sign-in", 10*time.Second)
	if !strings.Contains(r.screen(), "multi-factor") {
		t.Fatalf("the reason is not shown:\n%s", r.screen())
	}
	r.key("enter")
	r.waitFor("Code: ", 10*time.Second)
	r.key("a")
	r.waitFor("Now working in Woodgrove Bank", 30*time.Second)

	// Then Northwind, where Ana's guest account is linked to Tailspin.
	r.key("/")
	r.typeText("northwind")
	r.key("enter")
	r.waitFor("Now working in Northwind Traders", 20*time.Second)
	r.key("enter")
	r.waitFor("Tailspin Partners (Dublin) (5127255)", 10*time.Second)
	r.key("enter")
	r.waitFor("y move it", 5*time.Second)
	r.key("n")
	if got := s.LinkOf(tNorthwind, "9a4f0d2b-5e6f-4071-bc83-9b4d00000203"); got != "5127255" {
		t.Fatalf("declining the move changed the link to %q", got)
	}
	r.waitFor("If you continue with it", 5*time.Second)
	// Moving after all: read it again, then move.
	r.key("r")
	r.waitFor("move the link from Tailspin", 10*time.Second)
	r.key("enter", "y")
	r.waitFor("✓ Moved the link", 10*time.Second)
	if !strings.Contains(r.screen(), "since") || !strings.Contains(r.screen(), "(first linked") {
		t.Errorf("the moved link does not say since when, and when it was first made:\n%s", r.screen())
	}
	if got := s.LinkOf(tNorthwind, "9a4f0d2b-5e6f-4071-bc83-9b4d00000203"); got != "4977985" {
		t.Fatalf("link after moving = %q, want 4977985", got)
	}
}

// TestProgramNetworkFailures injects a failure into every step of the
// wizard against the simulator: each one shows the error and a retry key,
// and retrying after the network recovers carries on. Nothing panics.
func TestProgramNetworkFailures(t *testing.T) {
	s, be, _ := simBackend(t, nil)
	r := newRunner(t, Options{Backend: be, Demo: simDemo(s), NoColor: true})
	fail := func(f sim.Fault) {
		t.Helper()
		if err := s.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	expectError := func(step string) {
		t.Helper()
		r.waitFor("✗", 30*time.Second)
		if !strings.Contains(r.screen(), "r try again") && !strings.Contains(r.screen(), "Press r") {
			t.Fatalf("%s: the error offers no retry:\n%s", step, r.screen())
		}
		s.ClearFaults()
		r.key("r")
	}

	r.waitFor("> 4977985", 5*time.Second)
	r.key("enter")
	// Initiation: Entra ID drops the connection when asked for a device code.
	fail(sim.Fault{Host: "login.microsoftonline.com", Path: "devicecode", Kind: "reset"})
	r.key("enter")
	expectError("device code")
	r.waitFor("Code: ", 10*time.Second)
	r.key("a")
	r.waitFor("This is you in the customer's directory", 30*time.Second)

	// Directory: listing the directories fails on the server.
	fail(sim.Fault{Host: "management.azure.com", Path: "/tenants", Kind: "status", Status: 503})
	r.key("enter")
	expectError("tenants")
	r.waitFor("● Contoso Ltd", 10*time.Second)

	// Registration: reading the link gets a broken answer, then writing it is throttled.
	fail(sim.Fault{Host: "management.azure.com", Method: "GET", Path: "Microsoft.ManagementPartner", Kind: "malformed"})
	r.key("enter")
	expectError("read link")
	r.waitFor("link it to partner ID 4977985", 10*time.Second)
	fail(sim.Fault{Host: "management.azure.com", Method: "PUT", Path: "Microsoft.ManagementPartner", Kind: "throttle", RetryAfter: 1})
	r.key("enter")
	expectError("write link")
	r.waitFor("What palwiz will do", 10*time.Second)
	r.key("enter")
	r.waitFor("✓ Linked to partner", 10*time.Second)

	// Validation: the connection drops while reading the link again.
	r.key("enter")
	r.waitFor("3 of 3 · Attribution", 5*time.Second)
	fail(sim.Fault{Host: "management.azure.com", Path: "Microsoft.ManagementPartner", Kind: "reset"})
	r.key("enter")
	expectError("validation")
	r.waitFor("✓ YES", 10*time.Second)
	if q, i := r.quitted(); q || i {
		t.Fatal("the wizard quit on a failure")
	}
}

// TestProgramAttributionFix: against the simulator, the Attribution step
// lists the demo's resources; applying the plan (after a yes) makes the
// changes palwiz can make and reports each one where the user is; then
// `a apply N` reaches zero: an applied change never comes back ticked, and
// checking again plans nothing palwiz can change.
func TestProgramAttributionFix(t *testing.T) {
	s, be, at := simBackend(t, nil)
	r := newRunner(t, Options{Backend: be, Attributor: at, Demo: simDemo(s), NoColor: true, Width: 120, Height: 40})
	r.waitFor("> 4977985", 5*time.Second)
	r.key("enter", "enter")
	r.waitFor("Code: ", 10*time.Second)
	r.key("a")
	r.waitFor("This is you", 30*time.Second)
	r.key("enter")
	r.waitFor("● Contoso Ltd", 10*time.Second)
	r.key("enter")
	r.waitFor("link it to", 10*time.Second)
	r.key("enter")
	r.waitFor("✓ Linked", 10*time.Second)
	r.key("enter")
	r.waitFor("judged for pal-service@contoso.onmicrosoft.com", 30*time.Second)
	notBefore := r.m.f.attr.res.Count(attribution.NotAttributed)
	auto := len(r.m.attribution.chosen(r.m))
	if auto == 0 || !strings.Contains(r.screen(), fmt.Sprintf("a apply %d", auto)) {
		t.Fatalf("nothing to apply:\n%s", r.screen())
	}
	r.key("a")
	r.waitFor("changes now?", 5*time.Second)
	r.key("y")
	r.waitFor(fmt.Sprintf("All done: %d changes done.", auto), 60*time.Second)
	if n := strings.Count(r.screen(), "✓ Done: "); n == 0 {
		t.Errorf("the results are not where the user is:\n%s", r.screen())
	}
	if notAfter := r.m.f.attr.res.Count(attribution.NotAttributed); notAfter >= notBefore {
		t.Errorf("not attributed before %d, after %d: the fixes changed nothing", notBefore, notAfter)
	}
	// a apply N reached zero: nothing ticked, no apply key, in the plan too.
	r.key("right")
	r.waitFor("▸ Fix plan", time.Second)
	if n := len(r.m.attribution.chosen(r.m)); n != 0 || strings.Contains(r.screen(), "a apply") {
		t.Errorf("%d changes ticked again after applying:\n%s", n, r.screen())
	}
	if !strings.Contains(r.screen(), "Nothing palwiz can change") {
		t.Errorf("the plan after applying:\n%s", r.screen())
	}
	// Check again: the service agrees, and the plan stays at zero.
	r.key("r")
	r.waitFor("▸ Fix plan", time.Second)
	r.settle()
	if n := len(r.m.attribution.chosen(r.m)); n != 0 || r.m.f.attr.summary().Automatic != 0 {
		t.Errorf("a new check plans %d changes:\n%s", n, r.screen())
	}
}
