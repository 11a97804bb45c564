package tui

import (
	"testing"
	"time"
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
