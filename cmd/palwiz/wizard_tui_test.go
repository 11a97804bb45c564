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
	// partner ID (default), account 1, approve (demo), link? yes, let palwiz
	// fix ownership? no, continue to Validation, sign out? (default yes
	// with the demo's memory-only tokens)
	r := h.runIn("\n1\na\ny\nn\n\n\n", "demo", "--accessible")
	mustCode(t, r, 0)
	for _, w := range []string{
		"Spelled out:",
		"Demo: approved as pal-service@contoso.onmicrosoft.com.",
		"Linked to partner Fabrikam Consulting (Seattle) (4977985).",
		"judged for pal-service@contoso.onmicrosoft.com",
		"Linked: yes. Partner name: Fabrikam Consulting (Seattle). Partner ID: 4977985.",
		"Signed out.",
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
	if !strings.Contains(r.stderr, "palwiz link --partner-id ID") {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

// TestAccessibleQuitIsCancelled: q at a question ends with exit code 130.
func TestAccessibleQuitIsCancelled(t *testing.T) {
	h := newHarness(t, nil)
	r := h.runIn("q\n", "demo", "--accessible")
	mustCode(t, r, 130)
}
