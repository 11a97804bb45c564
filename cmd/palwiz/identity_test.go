package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
)

func TestWhoamiGuestIsWarned(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	r := h.run("tenants", "--use", "contoso.onmicrosoft.com")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "*") || !strings.Contains(r.stderr, "Now using Contoso Ltd") {
		t.Fatalf("tenants --use: %s %s", r.stdout, r.stderr)
	}
	r = h.run("whoami", "-o", "json")
	mustCode(t, r, 0)
	var w struct {
		UserType, ObjectID, TenantName, HomeTenant string
		Warnings                                   []string
	}
	_ = json.Unmarshal([]byte(r.stdout), &w)
	if w.UserType != "Guest" || w.ObjectID != "8f3e9c1a-4d5e-4f60-ab72-8a3c00000202" || w.TenantName != "Contoso Ltd" || w.HomeTenant != fabrikamID {
		t.Fatalf("guest whoami: %+v", w)
	}
	if len(w.Warnings) == 0 || !strings.Contains(w.Warnings[0], "counts only in Contoso Ltd") {
		t.Fatalf("guest warning: %q", w.Warnings)
	}
	r = h.run("whoami")
	if !strings.Contains(r.stdout, "user (guest)") || !strings.Contains(r.stderr, "counts only in Contoso Ltd") {
		t.Fatalf("whoami for people: %s / %s", r.stdout, r.stderr)
	}
	// Switching to the MFA directory fails with its reason and keeps the current one.
	r = h.run("tenants", "--use", "Woodgrove Bank")
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "multi-factor") {
		t.Fatalf("switch to Woodgrove: %s", r.stderr)
	}
	r = h.run("status", "-o", "json")
	if !strings.Contains(r.stdout, contosoID) {
		t.Fatalf("the current directory changed after a failed switch: %s", r.stdout)
	}
}

// TestForeignPrincipalExplained: a CSP/GDAP sign-in with no object of its
// own in the customer's directory is detected by whoami and explained when
// a link is attempted.
func TestForeignPrincipalExplained(t *testing.T) {
	h := newHarness(t, func(sc *sim.Scenario) {
		sc.Users = append(sc.Users, sim.User{ObjectID: "de840a6f-9203-44b5-80c7-df8100000501", UserPrincipalName: "csp.admin@fabrikam.example",
			DisplayName: "Fabrikam CSP Admin", HomeTenant: fabrikamID, ForeignIn: []string{contosoID}})
	})
	mustCode(t, h.signInAs("csp.admin@fabrikam.example"), 0)
	mustCode(t, h.run("tenants", "--use", contosoID), 0)
	r := h.run("whoami", "-o", "json")
	mustCode(t, r, 0)
	var w struct {
		Foreign  bool
		Warnings []string
	}
	_ = json.Unmarshal([]byte(r.stdout), &w)
	if !w.Foreign || len(w.Warnings) == 0 || !strings.Contains(w.Warnings[0], "CSP") {
		t.Fatalf("foreign whoami: %s", r.stdout)
	}
	r = h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "no account of its own in the customer's directory") {
		t.Fatalf("foreign link: %s", r.stderr)
	}
}

// TestCreateServicePrincipal is the accelerator path: the customer's admin
// creates a dedicated service principal, palwiz shows the secret once,
// waits out replication, signs in as it and links it.
func TestCreateServicePrincipal(t *testing.T) {
	h := newHarness(t, func(sc *sim.Scenario) { sc.Settings.ReplicationDelay = sim.Duration(1500 * time.Millisecond) })
	mustCode(t, h.signInAs("it-admin@contoso.onmicrosoft.com"), 0)
	r := h.run("login", "--create-service-principal", "--partner-id", "4977985", "-o", "json")
	mustCode(t, r, 0)
	var created struct{ AppID, Secret, ServicePrincipalObjectID, TenantID string }
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.Secret == "" {
		t.Fatalf("created: %v %s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "not ready yet") {
		t.Fatalf("replication retries not reported: %s", r.stderr)
	}
	if got := h.sim.LinkOf(contosoID, created.ServicePrincipalObjectID); got != "4977985" {
		t.Fatalf("new service principal linked to %q", got)
	}
	// The secret was shown once and is not kept.
	for _, v := range h.kr.Values() {
		if strings.Contains(v, created.Secret) {
			t.Fatal("the new secret was stored")
		}
	}
	// A non-admin cannot create one.
	h2 := newHarness(t, nil)
	mustCode(t, h2.signInAs(serviceUPN), 0)
	r = h2.run("login", "--create-service-principal")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "Application Administrator") {
		t.Fatalf("non-admin: %s", r.stderr)
	}
}

// hungKeyring never answers, like a session bus whose Secret Service is stuck.
type hungKeyring struct{ release chan struct{} }

func (h hungKeyring) Set(context.Context, string, string, string) error { <-h.release; return nil }
func (h hungKeyring) Get(context.Context, string, string) (string, error) {
	<-h.release
	return "", nil
}
func (h hungKeyring) Delete(context.Context, string, string) error { <-h.release; return nil }

func TestKeyringThatNeverAnswers(t *testing.T) {
	h := newHarness(t, nil)
	hung := hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	r := h.start(context.Background(), runSpec{stdin: contosoSecret, kr: keyring.WithTimeout(hung, 300*time.Millisecond)},
		"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
	out, errb := r.out, r.err
	code := <-r.done
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"did not answer within 300ms", "memory for this run only"} {
		if !strings.Contains(errb.String(), want) {
			t.Fatalf("stderr lacks %q: %s", want, errb.String())
		}
	}
	if strings.Count(errb.String(), "Note:") != 1 {
		t.Fatalf("the keyring notice should show once: %s", errb.String())
	}
	if !strings.Contains(out.String(), "in memory only") {
		t.Fatalf("login should say the tokens will not last: %s", out.String())
	}
}

func TestLogoutForgetsOnlyThisAccount(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(serviceUPN), 0)
	before := h.kr.Len()
	r := h.run("logout")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed out "+serviceUPN) {
		t.Fatalf("logout: %s", r.stdout)
	}
	mustCode(t, h.run("status"), 3)
	st := keyring.NewStore(h.kr, "palwiz-sim")
	cache, err := st.Load(context.Background(), "msal.user")
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("read the token cache after logout: %v", err)
	}
	if strings.Contains(string(cache), "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101") {
		t.Fatal("the account's tokens are still in the keyring's token cache after logout")
	}
	if _, err := st.Get(context.Background(), "profile"); err == nil {
		t.Fatal("the profile survived logout")
	}
	if h.kr.Len() >= before {
		t.Fatalf("logout removed nothing (%d items before, %d after)", before, h.kr.Len())
	}
	r = h.run("logout", "--all", "-o", "json")
	mustCode(t, r, 0)
	if h.kr.Len() != 0 {
		t.Fatalf("%d keyring items left after logout --all", h.kr.Len())
	}
}
