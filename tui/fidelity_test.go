package tui

import (
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps/attribution"
)

// TestProgramAnswersCAEChallenge: after sign-in, a continuous-access event
// revokes the wizard's cached token; the next step's request draws a claims
// challenge, which the wizard answers with a new token and goes on, without
// asking the person to sign in again.
func TestProgramAnswersCAEChallenge(t *testing.T) {
	s, be, at := simBackend(t, nil)
	r := newRunner(t, Options{Backend: be, Attributor: at, Demo: simDemo(s), Ephemeral: true, NoColor: true})
	r.waitFor("> 4977985", 5*time.Second)
	r.key("enter")
	r.waitFor("Which account will you deliver with?", 5*time.Second)
	r.key("enter")
	r.waitFor("Code: ", 10*time.Second)
	r.key("a")
	r.waitFor("This is you in the customer's directory", 30*time.Second)
	r.key("enter")
	r.waitFor("● Contoso Ltd", 10*time.Second)
	s.ChallengeUser(serviceUPN)
	before := s.ChallengesSent()
	r.key("enter")
	r.waitFor("link it to partner ID 4977985", 10*time.Second)
	r.key("enter")
	r.waitFor("✓ Linked to partner Fabrikam Consulting (Seattle) (4977985)", 10*time.Second)
	if s.ChallengesSent() == before {
		t.Fatal("no claims challenge was sent: the test did not exercise CAE")
	}
	if got := s.LinkOf(tContoso, "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"); got != "4977985" {
		t.Fatalf("the simulator holds link %q for the service account, want 4977985", got)
	}
}

// TestProgramWithReplicationLag: with the services' replication lag on (the
// "lagging" scenario's), the wizard's reads right after its writes still
// come out right: the link read back at Validation, and the resources read
// again after the attribution fixes.
func TestProgramWithReplicationLag(t *testing.T) {
	lagging, err := sim.LoadScenario("lagging", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, be, at := simBackend(t, func(sc *sim.Scenario) { sc.Settings = lagging.Settings })
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
	r.key("a")
	r.waitFor("changes now?", 5*time.Second)
	r.key("y")
	r.waitFor("All done: ", 60*time.Second)
	if notAfter := r.m.f.attr.res.Count(attribution.NotAttributed); notAfter >= notBefore {
		t.Errorf("not attributed before %d, after %d: the fixes read back the state before them", notBefore, notAfter)
	}
	if left, _ := r.m.f.attr.changes(); len(left) != 0 {
		t.Errorf("planned again after applying: %+v", left)
	}
	r.key("enter")
	r.waitFor("✓ YES", 20*time.Second)
}
