package main

import (
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// TestCAEClaimsChallenge: palwiz declares CAE support, so a resource may
// revoke its access token at once. A claims challenge after a critical event
// that leaves the session valid is answered silently (a new token with the
// challenge's claims, then the request again); after the sessions are
// revoked, palwiz says to sign in again, and a new sign-in works.
func TestCAEClaimsChallenge(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(serviceUPN), 0)
	mustCode(t, h.run("status"), 0)

	h.sim.ChallengeUser(serviceUPN)
	before, signIns := h.sim.ChallengesSent(), h.sim.Stats()["login.microsoftonline.com"]
	r := h.run("status")
	mustCode(t, r, 0)
	if got := h.sim.ChallengesSent() - before; got != 1 {
		t.Fatalf("ARM sent %d claims challenges, want 1 (the cached token was revoked)", got)
	}
	// The directory's OpenID configuration (once per run) and one refresh with the claims.
	if got := h.sim.Stats()["login.microsoftonline.com"] - signIns; got != 2 {
		t.Fatalf("%d requests to Entra ID to answer the challenge, want 2", got)
	}
	mustCode(t, h.run("status"), 0)
	if got := h.sim.ChallengesSent() - before; got != 1 {
		t.Fatalf("the new token was challenged again (%d challenges)", got)
	}

	h.sim.RevokeUser(serviceUPN)
	r = h.run("status")
	mustCode(t, r, 3)
	for _, want := range []string{"AADSTS50173", "Sign in again"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("after the sessions were revoked, stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	mustCode(t, h.signInAs(serviceUPN), 0)
	mustCode(t, h.run("status"), 0)
}

// TestRetryAfterForms: a throttled read is retried after the service's
// Retry-After, whether it is a number of seconds or an HTTP date.
func TestRetryAfterForms(t *testing.T) {
	for _, asDate := range []bool{false, true} {
		t.Run(map[bool]string{false: "seconds", true: "HTTP date"}[asDate], func(t *testing.T) {
			h := newHarness(t, nil)
			mustCode(t, h.signInAs(serviceUPN), 0)
			if err := h.sim.AddFault(sim.Fault{Kind: "throttle", Host: "management.azure.com", Path: "/partners", RetryAfter: 2, RetryAfterDate: asDate, Times: 1}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			mustCode(t, h.run("status"), 0)
			// An HTTP date counts whole seconds, so the wait may be up to a second shorter.
			if d := time.Since(start); d < time.Second {
				t.Fatalf("status took %v: the 2 s Retry-After was not honoured", d)
			}
		})
	}
}

// TestReplicationLagPaths: with the services' replication lag on (the
// "lagging" scenario), palwiz's reads right after its own writes still come
// out right: a second link while the replicas lag ends linked, not failed,
// `fix --apply` reports the changes it made, and a new service principal
// signs in once Entra has replicated it and its secret.
func TestReplicationLagPaths(t *testing.T) {
	sc, err := sim.LoadScenario("lagging", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := harnessFor(t, sc)
	mustCode(t, h.signInAs(serviceUPN), 0)
	mustCode(t, h.run("link", "--partner-id", "4977985"), 0)
	// The replica still says "not linked"; the PUT says "already linked";
	// palwiz waits for the replica to show the link.
	r := h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Partner ID:  4977985") {
		t.Fatalf("a second link while the replicas lag: %s", r.stdout)
	}
	r = h.run("fix", "--apply", "--yes", "-o", "json")
	mustCode(t, r, 0)
	if strings.Contains(r.stdout, "does not show this change yet") || !strings.Contains(r.stdout, `"applied": true`) {
		t.Fatalf("fix --apply with the lag on: %s", r.stdout)
	}

	h2 := harnessFor(t, sc)
	mustCode(t, h2.signInAs("it-admin@contoso.onmicrosoft.com"), 0)
	r = h2.run("login", "--create-service-principal", "--partner-id", "4977985", "-o", "json")
	mustCode(t, r, 0)
}
