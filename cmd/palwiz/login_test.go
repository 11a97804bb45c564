package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// TestDeviceCodeApprove signs in through the sign-in page's form with real
// MSAL Go, then uses the cached token in later runs without a new sign-in.
func TestDeviceCodeApprove(t *testing.T) {
	h := newHarness(t, nil)
	r := h.signInAs(serviceUPN)
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in as PAL Service Account (Fabrikam) ("+serviceUPN+")") || !strings.Contains(r.stdout, contosoID) {
		t.Fatalf("login output: %s", r.stdout)
	}
	h.sim.ResetStats()
	r = h.run("whoami", "-o", "json")
	mustCode(t, r, 0)
	var w struct {
		Kind, UserPrincipalName, ObjectID, TenantID, TenantName, UserType string
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil {
		t.Fatal(err, r.stdout)
	}
	if w.Kind != "user" || w.UserPrincipalName != serviceUPN || w.ObjectID != "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101" || w.TenantName != "Contoso Ltd" || w.UserType != "Member" {
		t.Fatalf("whoami: %+v", w)
	}
	r = h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if got := h.sim.LinkOf(contosoID, "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"); got != "4977985" {
		t.Fatalf("link in simulator: %q", got)
	}
}

func TestDeviceCodeDecline(t *testing.T) {
	h := newHarness(t, nil)
	r := h.loginDevice(func(code, page string) {
		body := signInPage(t, page, code, serviceUPN, false, "cancel")
		if !strings.Contains(body, "declined") {
			t.Errorf("page after cancel: %s", body)
		}
	})
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "declined") || !strings.Contains(r.stderr, "palwiz login") {
		t.Fatalf("decline message: %s", r.stderr)
	}
}

func TestDeviceCodeExpiry(t *testing.T) {
	h := newHarness(t, func(sc *sim.Scenario) { sc.Settings.DeviceCodeLifetime = sim.Duration(2 * time.Second) })
	r := h.loginDevice(func(code, page string) {})
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "expired") || !strings.Contains(r.stderr, "palwiz login") {
		t.Fatalf("expiry message: %s", r.stderr)
	}
}

func TestDisabledAccount(t *testing.T) {
	h := newHarness(t, nil)
	r := h.loginDevice(func(code, page string) {
		signInPage(t, page, code, "former.consultant@fabrikam.example", false, "continue")
	})
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "disabled") {
		t.Fatalf("disabled message: %s", r.stderr)
	}
}

// TestMFATenant: Ana's guest account in Woodgrove needs MFA there. A silent
// token fails with a clear reason and next step; signing in to that tenant
// with MFA on the page fixes it.
func TestMFATenant(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)

	r := h.run("status", "--tenant", "woodgrove.onmicrosoft.com")
	mustCode(t, r, 3)
	for _, want := range []string{"multi-factor", "palwiz login --tenant " + woodgroveID, "AADSTS50076"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("MFA message lacks %q: %s", want, r.stderr)
		}
	}

	// Without ticking MFA the page refuses; with it the sign-in completes.
	r = h.loginDevice(func(code, page string) {
		body := signInPage(t, page, code, anaUPN, false, "continue")
		if !strings.Contains(body, "multi-factor") {
			t.Errorf("page should ask for MFA: %s", body)
		}
		signInPage(t, page, code, anaUPN, true, "continue")
	}, "--tenant", "woodgrove.onmicrosoft.com")
	mustCode(t, r, 0)
	r = h.run("status", "--tenant", woodgroveID, "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"linked": false`) {
		t.Fatalf("status in Woodgrove after MFA: %s", r.stdout)
	}
}

// TestAllTenants: a failing directory (MFA) does not stop the others.
func TestAllTenants(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	r := h.run("link", "--partner-id", "4977985", "--all-tenants", "--force", "-o", "json")
	mustCode(t, r, 4)
	var rows []struct {
		TenantID, TenantName, Action string
		Link                         *struct {
			Linked    bool
			PartnerID string
		}
		Error *struct{ Reason, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err, r.stdout)
	}
	if len(rows) != 4 {
		t.Fatalf("want 4 directories (home + 3 guests), got %d: %s", len(rows), r.stdout)
	}
	byID := map[string]int{}
	for i, row := range rows {
		byID[row.TenantID] = i
	}
	wood := rows[byID[woodgroveID]]
	if wood.Error == nil || wood.Error.Reason != "mfa-required" {
		t.Fatalf("Woodgrove row: %+v %+v", wood, wood.Error)
	}
	north := rows[byID[northwindID]]
	if north.Error != nil || north.Action != "move" || north.Link == nil || north.Link.PartnerID != "4977985" {
		t.Fatalf("Northwind (linked to another partner, --force) row: %+v %+v", north, north.Link)
	}
	for _, id := range []string{contosoID, fabrikamID} {
		row := rows[byID[id]]
		if row.Error != nil || row.Link == nil || !row.Link.Linked {
			t.Fatalf("row %s: %+v", id, row)
		}
	}
	r = h.run("status", "--all-tenants")
	mustCode(t, r, 4)
	if !strings.Contains(r.stdout, "Woodgrove Bank") || !strings.Contains(r.stdout, "multi-factor") {
		t.Fatalf("status table: %s", r.stdout)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, nil)
	badCert := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(badCert, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		env   map[string]string
		args  []string
		code  int
		want  string
	}{
		{"non-numeric partner ID", "", nil, []string{"link", "--partner-id", "12ab"}, 2, "only digits"},
		{"empty partner ID", "", nil, []string{"link", "--partner-id", ""}, 2, "No partner ID"},
		{"unknown tenant", "secret\n", nil, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", "nosuch.example"}, 3, "no directory nosuch.example"},
		{"wrong secret", "wrong\n", nil, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID}, 3, "refused the client secret"},
		{"unreadable certificate", "", nil, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--certificate", badCert}, 1, "export it as"},
		{"missing certificate", "", nil, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--certificate", "/nonexistent.pem"}, 2, "cannot read the certificate"},
		{"no secret", "", nil, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID}, 2, "PALWIZ_CLIENT_SECRET"},
		{"simulator not running", "secret\n", map[string]string{"PALWIZ_SIM_URL": "https://127.0.0.1:1"}, []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID}, 1, "palwiz sim"},
		{"no simulator configured", "", map[string]string{"PALWIZ_SIM_URL": ""}, []string{"status"}, 1, "PALWIZ_SIM_URL"},
		{"unknown cloud", "", map[string]string{"PALWIZ_CLOUD": "mars"}, []string{"status"}, 2, "public or sim"},
		{"not signed in", "", nil, []string{"status"}, 3, "palwiz login"},
		{"unknown flag", "", nil, []string{"status", "--bogus"}, 2, "unknown flag"},
		{"bad output format", "", nil, []string{"whoami", "-o", "xml"}, 2, "--output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.runCtx(t.Context(), c.stdin, c.env, c.args...)
			mustCode(t, r, c.code)
			if !strings.Contains(r.stderr, c.want) {
				t.Fatalf("stderr lacks %q:\n%s", c.want, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines > 3 {
				t.Fatalf("error should be short, got %d lines:\n%s", lines, r.stderr)
			}
		})
	}
}
