package main

import (
	"strings"
	"testing"
	"time"
)

// TestInteractiveReauthPassesClaims: at a terminal, an MFA refusal offers to
// sign in to that directory right away; the device-code request carries the
// claims challenge, and the command then completes.
func TestInteractiveReauthPassesClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	r := h.start(t.Context(), runSpec{stdin: "y\n", tty: true}, "link", "--partner-id", "4977985", "--tenant", woodgroveID)
	out, errb, done := r.out, r.err, r.done
	deadline := time.Now().Add(20 * time.Second)
	for userCodeRE.FindStringSubmatch(errb.String()) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no device code offered: %s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	code := userCodeRE.FindStringSubmatch(errb.String())[1]
	if !h.sim.DeviceCodeHasClaims(code) {
		t.Fatal("the new sign-in did not carry the claims challenge")
	}
	signInPage(t, h.sim.DeviceLoginURL(), code, anaUPN, true, "continue")
	if c := <-done; c != 0 {
		t.Fatalf("exit %d: %s", c, errb.String())
	}
	if !strings.Contains(errb.String(), "multi-factor") || !strings.Contains(out.String(), "Linked to partner") {
		t.Fatalf("stdout %s\nstderr %s", out.String(), errb.String())
	}
}
