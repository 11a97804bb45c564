package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestServicePrincipalLinkScript is the scripted PAL path: sign in as a
// service principal, link, link again, refuse to move without --force, move,
// unlink, and read "not linked".
func TestServicePrincipalLinkScript(t *testing.T) {
	h := newHarness(t, nil)
	r := h.runIn(contosoSecret+"\n", "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", "contoso.onmicrosoft.com")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, contosoID) {
		t.Fatalf("login should name the directory GUID: %s", r.stdout)
	}

	r = h.run("link", "--partner-id", "4977985", "-o", "json")
	mustCode(t, r, 0)
	var got struct {
		Action, PartnerID, PartnerName, State, ObjectID string
		Linked                                          bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("link -o json: %v\n%s", err, r.stdout)
	}
	if got.Action != "link" || got.PartnerID != "4977985" || got.PartnerName != "Fabrikam Consulting (Seattle)" || got.State != "Active" || !got.Linked {
		t.Fatalf("unexpected link answer: %+v", got)
	}
	if got.ObjectID != "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502" {
		t.Fatalf("linked object %s, want the service principal's", got.ObjectID)
	}
	if p := h.sim.LinkOf(contosoID, got.ObjectID); p != "4977985" {
		t.Fatalf("simulator holds link %q", p)
	}

	r = h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Already linked") {
		t.Fatalf("second link should say already linked: %s", r.stdout)
	}

	r = h.run("link", "--partner-id", "4977986")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "--force") || !strings.Contains(r.stderr, "Fabrikam Consulting (Seattle)") {
		t.Fatalf("moving without --force should name the current partner and --force: %s", r.stderr)
	}
	if p := h.sim.LinkOf(contosoID, got.ObjectID); p != "4977985" {
		t.Fatalf("refused move changed the link to %q", p)
	}

	r = h.run("link", "--partner-id", "4977986", "--force", "-o", "json")
	mustCode(t, r, 0)
	var moved struct {
		Action    string
		PartnerID string
		Previous  struct{ PartnerID, PartnerName string }
	}
	_ = json.Unmarshal([]byte(r.stdout), &moved)
	if moved.Action != "move" || moved.PartnerID != "4977986" || moved.Previous.PartnerID != "4977985" || moved.Previous.PartnerName == "" {
		t.Fatalf("move answer: %s", r.stdout)
	}

	r = h.run("unlink")
	mustCode(t, r, 2) // no terminal to ask on: needs --yes
	r = h.run("unlink", "--yes")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Removed the link") {
		t.Fatalf("unlink: %s", r.stdout)
	}

	r = h.run("status", "-o", "json")
	mustCode(t, r, 0)
	var st struct{ Linked bool }
	_ = json.Unmarshal([]byte(r.stdout), &st)
	if st.Linked || !strings.Contains(r.stdout, `"linked": false`) {
		t.Fatalf("status after unlink: %s", r.stdout)
	}
	r = h.run("status")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Not linked") {
		t.Fatalf("status for people: %s", r.stdout)
	}
}

// TestRequestsPerCommand holds the budgets: status makes one API call, link two.
func TestRequestsPerCommand(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.runIn(contosoSecret, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID), 0)
	// Warm: the token is cached after the first API call.
	mustCode(t, h.run("status"), 0)
	h.sim.ResetStats()
	mustCode(t, h.run("status", "-o", "json"), 0)
	if n := h.sim.Stats()["management.azure.com"]; n != 1 {
		t.Fatalf("status made %d ARM requests, want 1", n)
	}
	if n := h.sim.Stats()["login.microsoftonline.com"]; n != 0 {
		t.Fatalf("status on a cached token made %d sign-in requests, want 0", n)
	}
	h.sim.ResetStats()
	mustCode(t, h.run("link", "--partner-id", "4977985"), 0)
	if n := h.sim.Stats()["management.azure.com"]; n != 2 {
		t.Fatalf("link made %d ARM requests, want 2 (read, then write)", n)
	}

	// A person's cached token: no sign-in request either.
	mustCode(t, h.signInAs(serviceUPN), 0)
	mustCode(t, h.run("status"), 0)
	h.sim.ResetStats()
	mustCode(t, h.run("status", "-o", "json"), 0)
	if st := h.sim.Stats(); st["management.azure.com"] != 1 || st["login.microsoftonline.com"] != 0 {
		t.Fatalf("status on a person's cached token: %v, want 1 ARM request and none to Entra", st)
	}
}
