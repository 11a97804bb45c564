package main

import (
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// TestEntraErrorsExplained: each Entra refusal palwiz can meet after sign-in
// is shown in plain words with a next step, and exits with code 3.
func TestEntraErrorsExplained(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(h *harness)
		code    string
		message string
		next    string
	}{
		{"MFA required", policy(50076), "AADSTS50076", "multi-factor authentication", "palwiz login --tenant " + contosoID},
		{"MFA enrolment required", policy(50079), "AADSTS50079", "multi-factor authentication", "palwiz login --tenant"},
		{"blocked by Conditional Access", policy(53003), "AADSTS53003", "Conditional Access", "--browser"},
		{"sign-in frequency", policy(70043), "AADSTS70043", "sign-in has expired", "palwiz login"},
		{"password changed", func(h *harness) { h.sim.RevokeUser(serviceUPN) }, "AADSTS50173", "password changed", "Sign in again"},
		{"token protection", policy(530084), "AADSTS530084", "token-protection policy", "registered with the customer"},
		{"device platform", policy(50005), "AADSTS50005", "do not allow sign-in", "palwiz login --browser"},
		{"consent needed", policy(65001), "AADSTS65001", "not been granted consent", "administrator of that directory to grant consent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Short-lived access tokens make every command redeem the refresh token.
			h := newHarness(t, func(sc *sim.Scenario) { sc.Settings.TokenLifetime = sim.Duration(2 * time.Minute) })
			mustCode(t, h.signInAs(serviceUPN), 0)
			mustCode(t, h.run("status"), 0)
			c.setup(h)
			r := h.run("status")
			mustCode(t, r, 3)
			for _, want := range []string{c.code, c.message, c.next} {
				if !strings.Contains(r.stderr, want) {
					t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
	t.Run("refresh token expired", func(t *testing.T) {
		h := newHarness(t, func(sc *sim.Scenario) {
			sc.Settings.TokenLifetime = sim.Duration(2 * time.Minute)
			sc.Settings.RefreshTokenLifetime = sim.Duration(time.Millisecond)
		})
		mustCode(t, h.signInAs(serviceUPN), 0)
		time.Sleep(5 * time.Millisecond)
		r := h.run("status")
		mustCode(t, r, 3)
		for _, want := range []string{"AADSTS700082", "sign-in has expired", "palwiz login"} {
			if !strings.Contains(r.stderr, want) {
				t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
	})
}

// policy sets an AADSTS refusal on Contoso, the signed-in account's directory.
func policy(code int) func(*harness) {
	return func(h *harness) {
		if err := h.sim.SetTenantPolicy(contosoID, func(t *sim.Tenant) { t.SignInError = code }); err != nil {
			h.t.Fatal(err)
		}
	}
}

// TestClaimsChallengeLeadsToMFASignIn: the MFA refusal carries a claims
// challenge; signing in again to that directory (with the challenge on the
// sign-in page) clears it.
func TestClaimsChallengeLeadsToMFASignIn(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	r := h.run("link", "--partner-id", "4977985", "--tenant", woodgroveID)
	mustCode(t, r, 3)
	r = h.loginDevice(func(code, page string) {
		signInPage(t, page, code, anaUPN, true, "continue")
	}, "--tenant", woodgroveID)
	mustCode(t, r, 0)
	mustCode(t, h.run("link", "--partner-id", "4977985", "--tenant", woodgroveID), 0)
	if got := h.sim.LinkOf(woodgroveID, "ab501e3c-6f70-4182-8d94-ac5e00000204"); got != "4977985" {
		t.Fatalf("Woodgrove link: %q", got)
	}
}

// TestInteractiveReauthPassesClaims: at a terminal, an MFA refusal offers to
// sign in to that directory right away; the device-code request carries the
// claims challenge, and the command then completes.
func TestInteractiveReauthPassesClaims(t *testing.T) {
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
