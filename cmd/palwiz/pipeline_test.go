package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// Pipelines sign in without a secret (docs/pipelines.md): workload identity
// federation from GitHub Actions, Azure DevOps or a token file, or the
// machine's managed identity. Each run signs in on its own, in memory: the
// keyring is never called.

const pipelineSubject = "repo:fabrikam/pal-delivery:environment:northwind"

// withIdentity adds the pipeline principal's client ID and directory to a
// job's environment, as a workflow's env: block does.
func withIdentity(env map[string]string) map[string]string {
	out := map[string]string{"AZURE_CLIENT_ID": northwindSPApp, "AZURE_TENANT_ID": "northwind.onmicrosoft.com"}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// noKeyringCalls fails the test if the counting keyring was called.
func noKeyringCalls(t *testing.T, kr *countingKeyring) {
	t.Helper()
	if n := kr.calls.Load(); n != 0 {
		t.Fatalf("%d keyring calls on the pipeline path", n)
	}
}

// TestLoginFederated: `palwiz login --federated` in a GitHub Actions job
// signs the pipeline principal in with the job's OIDC token and says so;
// later commands in the job sign in the same way from the same variables;
// an Azure DevOps job and a token file work alike; nothing touches the
// keyring.
func TestLoginFederated(t *testing.T) {
	h := newHarness(t, nil)
	kr := &countingKeyring{Backend: h.kr}
	job, err := h.sim.NewGitHubJob(pipelineSubject)
	if err != nil {
		t.Fatal(err)
	}
	env := withIdentity(job)
	r := h.runWith(kr, env, "", "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in as service principal Fabrikam Delivery Pipeline ("+northwindSPApp+") in Northwind Traders") ||
		!strings.Contains(r.stdout, "Signed in with GitHub Actions' OIDC token (workload identity federation), for this run only: nothing was stored.") {
		t.Fatalf("login --federated:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Later palwiz commands sign in the same way, with GitHub Actions' OIDC token") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	r = h.runWith(kr, env, "", "whoami", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"signIn": "GitHub Actions' OIDC token (workload identity federation)"`) || !strings.Contains(r.stdout, `"tokensPersisted": false`) {
		t.Fatalf("whoami:\n%s", r.stdout)
	}
	r = h.runWith(kr, env, "", "link", "--partner-id", "4977985", "--no-prompt", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"partnerId": "4977985"`) || !strings.Contains(r.stdout, northwindSPObject) {
		t.Fatalf("link:\n%s", r.stdout)
	}
	noKeyringCalls(t, kr)

	// Azure DevOps: the AzureCLI@2 task's variables and the mapped access token.
	ado, err := h.sim.NewAzureDevOpsJob("fabrikam", "PAL", "northwind-pal")
	if err != nil {
		t.Fatal(err)
	}
	ado["AZURESUBSCRIPTION_CLIENT_ID"], ado["AZURESUBSCRIPTION_TENANT_ID"] = northwindSPApp, "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	r = h.runWith(kr, ado, "", "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "an Azure DevOps service connection's OIDC token") {
		t.Fatalf("Azure DevOps:\n%s", r.stdout)
	}
	r = h.runWith(kr, ado, "", "status", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"linked": true`) {
		t.Fatalf("status:\n%s", r.stdout)
	}

	// A token file (Kubernetes, or any platform that writes one).
	file := filepath.Join(t.TempDir(), "token")
	tok, err := h.sim.IssueFederatedToken(sim.FederatedToken{Subject: pipelineSubject})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.runWith(kr, withIdentity(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file}), "", "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stderr, "the federated token file "+file+" (AZURE_FEDERATED_TOKEN_FILE)") {
		t.Fatalf("token file:\n%s", r.stderr)
	}
	noKeyringCalls(t, kr)
	// A stored sign-in is untouched and unused: the keyring holds nothing of the pipeline's.
	if v := h.kr.Values(); len(v) != 0 {
		t.Fatalf("the keyring holds %d items", len(v))
	}
}

// TestFederatedRefusedExit3: a federated token Entra refuses ends the
// command with exit 3 and Entra's code, naming what the token presented;
// a job that cannot get a token says what it lacks.
func TestFederatedRefusedExit3(t *testing.T) {
	h := newHarness(t, nil)
	kr := &countingKeyring{Backend: h.kr}
	file := filepath.Join(t.TempDir(), "token")
	write := func(ft sim.FederatedToken) {
		t.Helper()
		tok, err := h.sim.IssueFederatedToken(ft)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	viaFile := withIdentity(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file})
	for _, c := range []struct {
		name string
		tok  sim.FederatedToken
		says []string
	}{
		{"wrong subject", sim.FederatedToken{Subject: "repo:fabrikam/pal-delivery:ref:refs/heads/main"}, []string{"AADSTS70021", "subject repo:fabrikam/pal-delivery:ref:refs/heads/main"}},
		{"wrong audience", sim.FederatedToken{Subject: pipelineSubject, Audience: "api://other"}, []string{"AADSTS70021", "audience api://other"}},
		{"issuer not trusted", sim.FederatedToken{Issuer: sim.AzureDevOpsIssuer("tailspin"), Subject: "sc://tailspin/PAL/x"}, []string{"AADSTS700211", sim.AzureDevOpsIssuer("tailspin")}},
		{"expired", sim.FederatedToken{Subject: pipelineSubject, Lifetime: -time.Minute}, []string{"AADSTS700024", "has expired"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			write(c.tok)
			for _, args := range [][]string{{"login", "--federated"}, {"status"}} {
				r := h.runWith(kr, viaFile, "", args...)
				mustCode(t, r, 3)
				for _, s := range c.says {
					if !strings.Contains(r.stderr, s) {
						t.Fatalf("%v: stderr does not say %q:\n%s", args, s, r.stderr)
					}
				}
			}
		})
	}
	// A GitHub job without the id-token permission, or no variables at all.
	r := h.runWith(kr, withIdentity(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.githubusercontent.com/x"}), "", "login", "--federated")
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "id-token: write") {
		t.Fatalf("no id-token permission:\n%s", r.stderr)
	}
	r = h.runWith(kr, nil, "", "login", "--federated", "-o", "json")
	mustCode(t, r, 3)
	if !strings.Contains(r.stdout+r.stderr, "AZURE_CLIENT_ID") {
		t.Fatalf("no variables:\n%s%s", r.stdout, r.stderr)
	}
	noKeyringCalls(t, kr)
	for _, args := range [][]string{
		{"login", "--federated", "--tenant", "contoso.onmicrosoft.com"},
		{"login", "--federated", "--managed-identity"},
		{"login", "--managed-identity", "--service-principal"},
		{"login", "--managed-identity="},
	} {
		mustCode(t, h.runWith(kr, nil, "", args...), 2)
	}
}

// TestLoginManagedIdentity: on a machine with managed identities (the
// simulator plays the VM's IMDS), `login --managed-identity` signs in as the
// system-assigned one or a user-assigned one by client ID, later commands
// sign in with PALWIZ_MANAGED_IDENTITY, and an identity the machine lacks is
// explained (exit 3); nothing touches the keyring.
func TestLoginManagedIdentity(t *testing.T) {
	// MSAL Go keeps managed identity tokens per process: the user-assigned
	// identity is one no other test in this package asks for.
	deployApp := "9a8b7c6d-5e4f-4a3b-8c2d-c0de00000721"
	h := newHarness(t, func(sc *sim.Scenario) {
		sc.ServicePrincipals = append(sc.ServicePrincipals, sim.ServicePrincipal{Tenant: contosoID, AppID: deployApp,
			ObjectID: "8b7c6d5e-4f3a-4b2c-9d1e-c0de00000722", DisplayName: "contoso-deploy", ManagedIdentity: "userAssigned"})
	})
	kr := &countingKeyring{Backend: h.kr}
	r := h.runWith(kr, nil, "", "login", "--managed-identity")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in as service principal contoso-build-agent") || !strings.Contains(r.stdout, "the system-assigned managed identity of this machine") ||
		!strings.Contains(r.stderr, "set PALWIZ_MANAGED_IDENTITY=system") {
		t.Fatalf("login --managed-identity:\n%s\n%s", r.stdout, r.stderr)
	}
	r = h.runWith(kr, map[string]string{"PALWIZ_MANAGED_IDENTITY": deployApp}, "", "link", "--partner-id", "4977985", "--no-prompt")
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
