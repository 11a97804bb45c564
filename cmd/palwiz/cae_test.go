package main

import (
	"strings"
	"testing"
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
