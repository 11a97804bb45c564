package main

import (
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

// Pipelines sign in without a secret (docs/pipelines.md): workload identity
// federation from GitHub Actions, Azure DevOps or a token file, or the
// machine's managed identity. Each run signs in on its own, in memory: the
// keyring is never called. The sessions are scripts (testdata/script/
// pipeline-*.txtar); TestPipelineAgainstSimProcess runs them as processes.

const pipelineSubject = "repo:fabrikam/pal-delivery:environment:northwind"

// noKeyringCalls fails the test if the counting keyring was called.
func noKeyringCalls(t *testing.T, kr *countingKeyring) {
	t.Helper()
	if n := kr.calls.Load(); n != 0 {
		t.Fatalf("%d keyring calls on the pipeline path", n)
	}
}

// TestLoginManagedIdentity: on a machine with managed identities (the
// simulator plays the VM's IMDS), `login --managed-identity CLIENT_ID` signs
// in as a user-assigned one, later commands sign in with
// PALWIZ_MANAGED_IDENTITY, and an identity the machine lacks is explained
// (exit 3); nothing touches the keyring. The system-assigned identity is
// testdata/script/pipeline-managed-identity.txtar's.
func TestLoginManagedIdentity(t *testing.T) {
	// MSAL Go keeps managed identity tokens in one cache per process, and
	// each test has its own simulator (its own signing keys): one identity
	// per test in this package, so that no test is handed another's token.
	deployApp := "9a8b7c6d-5e4f-4a3b-8c2d-c0de00000721"
	h := newHarness(t, func(sc *sim.Scenario) {
		sc.ServicePrincipals = append(sc.ServicePrincipals, sim.ServicePrincipal{Tenant: contosoID, AppID: deployApp,
			ObjectID: "8b7c6d5e-4f3a-4b2c-9d1e-c0de00000722", DisplayName: "contoso-deploy", ManagedIdentity: "userAssigned"})
	})
	kr := &countingKeyring{Backend: h.kr}
	r := h.runWith(kr, map[string]string{"PALWIZ_MANAGED_IDENTITY": deployApp}, "", "link", "--partner-id", "4977985", "--no-prompt")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Linked to partner Fabrikam Consulting (Seattle) (4977985)") {
		t.Fatalf("link as the user-assigned identity:\n%s", r.stdout)
	}
	r = h.runWith(kr, map[string]string{"PALWIZ_MANAGED_IDENTITY": deployApp}, "", "login", "--managed-identity", deployApp)
	mustCode(t, r, 0)
	if strings.Contains(r.stderr, "set PALWIZ_MANAGED_IDENTITY") {
		t.Fatalf("PALWIZ_MANAGED_IDENTITY is already set:\n%s", r.stderr)
	}
	missing := "7c6d5e4f-3a2b-4c1d-8e0f-c0de00000723"
	r = h.runWith(kr, nil, "", "login", "--managed-identity", missing)
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "This machine has no user-assigned managed identity "+missing) {
		t.Fatalf("missing identity:\n%s", r.stderr)
	}
	noKeyringCalls(t, kr)
}
