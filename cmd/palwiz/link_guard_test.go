package main

import (
	"context"
	"strings"
	"testing"
)

// TestLinkGuardAsks: at a terminal, `link` asks before linking in a
// guest's home directory (no by default) and `link --all-tenants` asks for
// that directory alone, linking the others (issue 15, item 5).
func TestLinkGuardAsks(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	const fabrikam, ana, contosoAna = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001", "7e2d8b0f-3c4d-4e5f-9a61-7f2b00000201", "8f3e9c1a-4d5e-4f60-ab72-8a3c00000202"
	ask := func(answer string, args ...string) result {
		t.Helper()
		return h.start(context.Background(), runSpec{stdin: answer, tty: true}, args...).wait()
	}

	r := ask("\n", "link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	for _, want := range []string{"Warning: Fabrikam Consulting is the home directory of " + anaUPN,
		"Link in Fabrikam Consulting (" + fabrikam + ") anyway? [y/N]", "Not linked. Choose the customer's directory with --tenant"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if got := h.sim.LinkOf(fabrikam, ana); got != "" || strings.Contains(r.stdout, "Linked") {
		t.Fatalf("linked after a no: %q\n%s", got, r.stdout)
	}

	r = ask("n\n", "link", "--partner-id", "4977985", "--all-tenants")
	if r.code != 4 { // Woodgrove demands MFA; Northwind is another partner's
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "Not linked in Fabrikam Consulting ("+fabrikam+").") || strings.Count(r.stderr, "[y/N]") != 1 {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	if h.sim.LinkOf(fabrikam, ana) != "" || h.sim.LinkOf(contosoID, contosoAna) != "4977985" {
		t.Fatalf("links: Fabrikam %q, Contoso %q", h.sim.LinkOf(fabrikam, ana), h.sim.LinkOf(contosoID, contosoAna))
	}

	r = ask("y\n", "link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if h.sim.LinkOf(fabrikam, ana) != "4977985" || !strings.Contains(r.stdout, "Linked to partner Fabrikam Consulting (Seattle) (4977985)") {
		t.Fatalf("not linked after a yes:\n%s\n%s", r.stdout, r.stderr)
	}
}
