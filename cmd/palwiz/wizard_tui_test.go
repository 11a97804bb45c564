package main

import (
	"strings"
	"testing"
)

// TestDemoAccessibleScripted runs `palwiz demo --accessible` with its
// answers piped in, as a screen-reader user would type them: the demo key
// approves the device code, the answers typed ahead wait for their
// questions, and the link is validated. No escape codes are written.
func TestDemoAccessibleScripted(t *testing.T) {
	h := newHarness(t, nil)
	// partner ID (default), account 1, approve (demo, the second answer
	// while palwiz waits), link? yes, the fixes palwiz can make (all
	// ticked), make them? no, continue to Validation, sign out? (default
	// yes with the demo's memory-only tokens)
	r := h.runIn("\n1\n2\ny\n\nn\n\n\n", "demo", "--accessible")
	mustCode(t, r, 0)
	for _, w := range []string{
		"Spelled out:",
		"Demo: approved as pal-service@contoso.onmicrosoft.com.",
		"Linked to partner Fabrikam Consulting (Seattle) (4977985).",
		"judged for pal-service@contoso.onmicrosoft.com",
		"Linked: yes. Partner name: Fabrikam Consulting (Seattle). Partner ID: 4977985.",
		"Signed out.",
		// The same summary as after the full-screen wizard.
		"pal-service@contoso.onmicrosoft.com is linked to partner Fabrikam Consulting (Seattle) (4977985) in Contoso Ltd.\nSigned out; the tokens were only in memory and are gone.",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "\x1b") {
		t.Error("accessible output has escape codes")
	}
}

// TestWizardNeedsTerminal: without a terminal and without --accessible the
// wizard does not start; palwiz names the commands instead (exit 2).
func TestWizardNeedsTerminal(t *testing.T) {
	h := newHarness(t, nil)
	r := h.run("demo")
	mustCode(t, r, 2)
	for _, w := range []string{"needs an interactive terminal", "palwiz demo --accessible", "palwiz login", "palwiz link --partner-id ID", "palwiz check", "palwiz fix"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("the fallback does not name %q:\n%s", w, r.stderr)
		}
	}
}

// TestAccessibleQuitIsCancelled: q at a question ends with exit code 130.
func TestAccessibleQuitIsCancelled(t *testing.T) {
	h := newHarness(t, nil)
	// q on Welcome quits at once: nothing would be lost.
	r := h.runIn("q\n", "demo", "--accessible")
	mustCode(t, r, 130)
	// Once signed in, q asks first; no keeps going.
	r = h.runIn("\n1\n2\nq\nn\nq\ny\n", "demo", "--accessible")
	mustCode(t, r, 130)
	if strings.Count(r.stdout, "Quit palwiz?") != 2 || !strings.Contains(r.stdout, "the partner link is not made yet") {
		t.Errorf("q did not ask before quitting:\n%s", r.stdout)
	}
}

// TestLoginChecksLikeTheWizard: `palwiz login --service-principal` checks
// the application ID and the directory with the wizard's own rules
// (steps.ValidateClientID, steps.ValidateTenant) before asking Entra ID.
func TestLoginChecksLikeTheWizard(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--client-id", "not-a-guid", "--tenant", "contoso.onmicrosoft.com"}, "is a GUID"},
		{[]string{"--client-id", "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", "--tenant", "contoso"}, "or a domain such as"},
	} {
		r := h.runIn("secret\n", append([]string{"login", "--service-principal"}, c.args...)...)
		mustCode(t, r, 2)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: stderr %q lacks %q", c.args, r.stderr, c.want)
		}
	}
}
