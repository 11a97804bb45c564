package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

// The demo scenario's pipeline principal (Northwind) and what its federated
// credentials name.
const (
	pipelineApp   = "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601"
	pipelineObj   = "b4d5e6f7-0819-42a3-b4c5-d6e7f8090602"
	ghSubject     = "repo:fabrikam/pal-delivery:environment:northwind"
	graphScope    = "https://graph.microsoft.com/.default"
	armScope      = "https://management.core.windows.net//.default"
	buildAgentApp = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f0701"
)

// noKeyring is a keyring every call to which is counted (and refused): the
// pipeline identities must never reach it.
type noKeyring struct{ calls atomic.Int32 }

func (k *noKeyring) Set(context.Context, string, string, string) error {
	k.calls.Add(1)
	return errors.New("keyring used")
}
func (k *noKeyring) Get(context.Context, string, string) (string, error) {
	k.calls.Add(1)
	return "", errors.New("keyring used")
}
func (k *noKeyring) Delete(context.Context, string, string) error {
	k.calls.Add(1)
	return errors.New("keyring used")
}

// pipelineEnv is a run's environment: the variables given, nothing else.
func pipelineEnv(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// openEnv signs in as the environment's identity with a keyring that counts
// every call, and checks that none was made.
func openEnv(t *testing.T, w *simtest.World, env map[string]string) (*auth.Session, *auth.Identity, error) {
	t.Helper()
	kr := &noKeyring{}
	t.Cleanup(func() {
		if n := kr.calls.Load(); n != 0 {
			t.Errorf("%d keyring calls on the pipeline path", n)
		}
	})
	e := auth.EnvIdentityFrom(pipelineEnv(env))
	if !e.Complete() {
		t.Fatalf("the environment names no complete identity: %+v", e)
	}
	cfg := auth.Config{Cloud: w.Cloud, CloudID: "sim:test", Store: keyring.NewStore(kr, "palwiz-sim"), Warn: func(s string) { t.Errorf("warned: %s", s) }}
	return auth.OpenEnvironment(context.Background(), cfg, e)
}

// writeToken replaces the token file as Kubernetes does: a new file renamed over the old.
func writeToken(t *testing.T, path, tok string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func fedToken(t *testing.T, s *sim.Server, ft sim.FederatedToken) string {
	t.Helper()
	tok, err := s.IssueFederatedToken(ft)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// authErr asserts a refusal palwiz explains, with Entra's code, and that
// the message never quotes the token.
func authErr(t *testing.T, err error, reason auth.Reason, code int, says ...string) *auth.Error {
	t.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) {
		t.Fatalf("not an explained sign-in error: %T %v", err, err)
	}
	if ae.Reason != reason || ae.Code != code {
		t.Fatalf("reason %s code %d, want %s %d: %v", ae.Reason, ae.Code, reason, code, ae)
	}
	for _, s := range says {
		if !strings.Contains(ae.Error(), s) {
			t.Fatalf("%q does not say %q", ae.Error(), s)
		}
	}
	if strings.Contains(ae.Error(), "eyJ") {
		t.Fatalf("the message quotes a token: %s", ae.Error())
	}
	return ae
}

// TestFederatedTokenFile: AZURE_FEDERATED_TOKEN_FILE with AZURE_CLIENT_ID and
// AZURE_TENANT_ID signs the pipeline principal in; when the file changes,
// the next token request reads it again (here: a token Entra refuses, then
// a good one); the keyring is never touched.
func TestFederatedTokenFile(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	path := filepath.Join(t.TempDir(), "token")
	writeToken(t, path, fedToken(t, w.Sim, sim.FederatedToken{Subject: ghSubject}))
	s, id, err := openEnv(t, w, map[string]string{"AZURE_CLIENT_ID": pipelineApp, "AZURE_TENANT_ID": "northwind.onmicrosoft.com", "AZURE_FEDERATED_TOKEN_FILE": path})
	if err != nil {
		t.Fatal(err)
	}
	if id.ClientID != pipelineApp || id.TenantID != simtest.NorthwindID || id.ObjectID != pipelineObj {
		t.Fatalf("identity %+v", id)
	}
	if p := s.Profile(); p.Federated != auth.SourceTokenFile || !s.FromEnvironment() || s.Persistent() {
		t.Fatalf("profile %+v, from env %v, persistent %v", p, s.FromEnvironment(), s.Persistent())
	}
	if _, err := s.Token(context.Background(), "", []string{armScope}, ""); err != nil {
		t.Fatal(err)
	}
	// The file changes: the next new token (Graph) is asked with its token.
	writeToken(t, path, fedToken(t, w.Sim, sim.FederatedToken{Subject: "repo:fabrikam/pal-delivery:ref:refs/heads/main"}))
	_, err = s.Token(context.Background(), "", []string{graphScope}, "")
	authErr(t, err, auth.ReasonFederation, 70021, "subject repo:fabrikam/pal-delivery:ref:refs/heads/main", "the federated token file "+path)
	writeToken(t, path, fedToken(t, w.Sim, sim.FederatedToken{Subject: ghSubject}))
	if _, err := s.Token(context.Background(), "", []string{graphScope}, ""); err != nil {
		t.Fatalf("after the file was fixed: %v", err)
	}
	// PALWIZ_ names work too, and a missing file is explained.
	_, _, err = openEnv(t, w, map[string]string{"PALWIZ_CLIENT_ID": pipelineApp, "PALWIZ_TENANT": simtest.NorthwindID, "PALWIZ_FEDERATED_TOKEN_FILE": path + ".gone"})
	authErr(t, err, auth.ReasonFederationUnavailable, 0, "Cannot read the federated token file", "PALWIZ_FEDERATED_TOKEN_FILE")
	os.WriteFile(path, []byte("not a token"), 0o600)
	_, _, err = openEnv(t, w, map[string]string{"PALWIZ_CLIENT_ID": pipelineApp, "PALWIZ_TENANT": simtest.NorthwindID, "PALWIZ_FEDERATED_TOKEN_FILE": path})
	authErr(t, err, auth.ReasonFederationUnavailable, 0, "does not hold a JWT")
}

// TestFederatedRefusals: a token Entra does not accept is refused with its
// code, and palwiz names what it presented and what to change.
func TestFederatedRefusals(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	path := filepath.Join(t.TempDir(), "token")
	env := map[string]string{"AZURE_CLIENT_ID": pipelineApp, "AZURE_TENANT_ID": simtest.NorthwindID, "AZURE_FEDERATED_TOKEN_FILE": path}
	for _, c := range []struct {
		name string
		tok  sim.FederatedToken
		code int
		says []string
	}{
		{"wrong subject", sim.FederatedToken{Subject: "repo:fabrikam/other:environment:northwind"}, 70021,
			[]string{"no federated credential on application " + pipelineApp, "subject repo:fabrikam/other:environment:northwind", "case-sensitive"}},
		{"wrong audience", sim.FederatedToken{Subject: ghSubject, Audience: "api://AzureADTokenExchangeUSGov"}, 70021,
			[]string{"audience api://AzureADTokenExchangeUSGov"}},
		{"issuer no credential names", sim.FederatedToken{Issuer: sim.AzureDevOpsIssuer("tailspin"), Subject: "sc://tailspin/PAL/x"}, 700211,
			[]string{"names the issuer", sim.AzureDevOpsIssuer("tailspin")}},
		{"expired", sim.FederatedToken{Subject: ghSubject, Lifetime: -time.Minute}, 700024,
			[]string{"has expired", "Whatever writes the file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			writeToken(t, path, fedToken(t, w.Sim, c.tok))
			_, _, err := openEnv(t, w, env)
			authErr(t, err, auth.ReasonFederation, c.code, c.says...)
		})
	}
}

// TestFederatedGitHubActions: in a GitHub Actions job with id-token: write,
// palwiz asks the job's endpoint for a token with Entra's audience and signs
// in with it; a job whose subject no credential names is refused (AADSTS70021).
func TestFederatedGitHubActions(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	job, err := w.Sim.NewGitHubJob(ghSubject)
	if err != nil {
		t.Fatal(err)
	}
	job["AZURE_CLIENT_ID"], job["AZURE_TENANT_ID"] = pipelineApp, simtest.NorthwindID
	s, id, err := openEnv(t, w, job)
	if err != nil {
		t.Fatal(err)
	}
	if id.ObjectID != pipelineObj || s.Profile().Federated != auth.SourceGitHubActions {
		t.Fatalf("%+v %+v", id, s.Profile())
	}
	if _, err := s.Token(context.Background(), "", []string{graphScope}, ""); err != nil {
		t.Fatalf("a second token through a new OIDC request: %v", err)
	}
	other, _ := w.Sim.NewGitHubJob("repo:fabrikam/pal-delivery:pull_request")
	other["AZURE_CLIENT_ID"], other["AZURE_TENANT_ID"] = pipelineApp, simtest.NorthwindID
	_, _, err = openEnv(t, w, other)
	authErr(t, err, auth.ReasonFederation, 70021, "GitHub Actions' OIDC token", "subject repo:fabrikam/pal-delivery:pull_request")
	// A request token the job endpoint does not accept.
	job["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "stale"
	_, _, err = openEnv(t, w, job)
	authErr(t, err, auth.ReasonFederationUnavailable, 0, "palwiz could not get GitHub Actions' OIDC token", "HTTP 401", "id-token: write")
	// The request token goes only over HTTPS.
	job["ACTIONS_ID_TOKEN_REQUEST_URL"] = "http://pipelines.example/idtoken?api-version=2.0"
	_, _, err = openEnv(t, w, job)
	authErr(t, err, auth.ReasonFederationUnavailable, 0, "not HTTPS")
}

// TestFederatedAzureDevOps: in an Azure DevOps job, palwiz asks the pipeline's
// OIDC endpoint for the service connection's token with System.AccessToken;
// an access token it does not take (its sign-in page, 203) is explained.
func TestFederatedAzureDevOps(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	job, err := w.Sim.NewAzureDevOpsJob("fabrikam", "PAL", "northwind-pal")
	if err != nil {
		t.Fatal(err)
	}
	job["AZURESUBSCRIPTION_CLIENT_ID"], job["AZURESUBSCRIPTION_TENANT_ID"] = pipelineApp, simtest.NorthwindID
	s, id, err := openEnv(t, w, job)
	if err != nil {
		t.Fatal(err)
	}
	if id.ObjectID != pipelineObj || s.Profile().Federated != auth.SourceAzureDevOps {
		t.Fatalf("%+v %+v", id, s.Profile())
	}
	job["SYSTEM_ACCESSTOKEN"] = "expired"
	_, _, err = openEnv(t, w, job)
	authErr(t, err, auth.ReasonFederationUnavailable, 0, "sign-in page", "SYSTEM_ACCESSTOKEN: $(System.AccessToken)")
	// Another project's service connection: Entra finds no credential for its subject.
	other, _ := w.Sim.NewAzureDevOpsJob("fabrikam", "Other", "northwind-pal")
	other["AZURE_CLIENT_ID"], other["AZURE_TENANT_ID"] = pipelineApp, simtest.NorthwindID
	_, _, err = openEnv(t, w, other)
	authErr(t, err, auth.ReasonFederation, 70021, "subject sc://fabrikam/Other/northwind-pal")
}

// TestFederatedSourceChoice: the environment offers a token source only when
// it is complete, in the documented order, and says what is missing.
func TestFederatedSourceChoice(t *testing.T) {
	gh := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://x/idtoken?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
	ado := map[string]string{"SYSTEM_OIDCREQUESTURI": "https://dev.azure.com/o/p/x/oidctoken", "SYSTEM_ACCESSTOKEN": "t", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "c"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{"AZURE_CLIENT_ID": pipelineApp, "AZURE_TENANT_ID": simtest.NorthwindID}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		kind    string
		missing string
	}{
		{"file first", merge(gh, ado, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/f"}), auth.SourceTokenFile, ""},
		{"GitHub before Azure DevOps", merge(gh, ado), auth.SourceGitHubActions, ""},
		{"Azure DevOps", merge(ado), auth.SourceAzureDevOps, ""},
		{"GitHub without id-token permission", merge(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://x"}), "", "id-token: write"},
		{"Azure DevOps without the access token", merge(map[string]string{"SYSTEM_OIDCREQUESTURI": "https://x"}), "", "SYSTEM_ACCESSTOKEN: $(System.AccessToken)"},
		{"Azure DevOps without the connection", merge(map[string]string{"SYSTEM_OIDCREQUESTURI": "https://x", "SYSTEM_ACCESSTOKEN": "t"}), "", "PALWIZ_SERVICE_CONNECTION_ID"},
		{"no client ID", map[string]string{"AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f"}, auth.SourceTokenFile, "AZURE_CLIENT_ID"},
	} {
		e := auth.EnvIdentityFrom(pipelineEnv(c.env))
		kind := ""
		if e.Federated != nil {
			kind = e.Federated.Kind()
		}
		if kind != c.kind || !strings.Contains(e.FederatedMissing(), c.missing) || (c.missing == "") != (e.FederatedMissing() == "") {
			t.Errorf("%s: source %q, missing %q", c.name, kind, e.FederatedMissing())
		}
		if e.Complete() != (c.missing == "") {
			t.Errorf("%s: complete %v", c.name, e.Complete())
		}
		// AZURE_CLIENT_ID names no identity on its own; PALWIZ_CLIENT_ID does.
		if e.Named() {
			t.Errorf("%s: named by AZURE_CLIENT_ID", c.name)
		}
	}
	if !auth.EnvIdentityFrom(pipelineEnv(map[string]string{"PALWIZ_MANAGED_IDENTITY": "system"})).Named() {
		t.Error("PALWIZ_MANAGED_IDENTITY names an identity")
	}
	if e := (auth.EnvIdentity{ClientID: pipelineApp}); !e.Named() || !strings.Contains(e.Describe(), "(PALWIZ_CLIENT_ID)") {
		t.Errorf("an identity built from values names its client ID: %s", e.Describe())
	}
}

// TestManagedIdentity: on a machine with managed identities (the simulated
// IMDS), palwiz signs in as the system-assigned identity or a user-assigned
// one by client ID, gets tokens per resource, and explains an identity the
// machine lacks; the keyring is never touched.
func TestManagedIdentity(t *testing.T) {
	// MSAL Go keeps managed identity tokens in one cache per process: each
	// test uses identities no other test in this process uses.
	deployApp := "5a6b7c8d-9e0f-4a1b-8c2d-c0de00000711"
	w := simtest.Start(t, simtest.Options{Edit: func(sc *sim.Scenario) {
		sc.ServicePrincipals = append(sc.ServicePrincipals, sim.ServicePrincipal{Tenant: simtest.ContosoID, AppID: deployApp,
			ObjectID: "6b7c8d9e-0f1a-4b2c-9d3e-c0de00000712", DisplayName: "contoso-deploy", ManagedIdentity: "userAssigned"})
	}})
	s, id, err := openEnv(t, w, map[string]string{"PALWIZ_MANAGED_IDENTITY": "system"})
	if err != nil {
		t.Fatal(err)
	}
	if id.ClientID != buildAgentApp || id.TenantID != simtest.ContosoID || id.ObjectID != "8f9a0b1c-2d3e-4f40-9b5c-6d7e8f900702" || id.DisplayName != "contoso-build-agent" {
		t.Fatalf("identity %+v", id)
	}
	if p := s.Profile(); p.ManagedIdentity != "system" || p.ClientID != buildAgentApp {
		t.Fatalf("profile %+v", p)
	}
	tok, err := s.Token(context.Background(), "", []string{graphScope}, "")
	if err != nil || auth.TokenObjectID(tok.Token) != id.ObjectID {
		t.Fatalf("Graph token: %v", err)
	}
	if _, err := s.Token(context.Background(), simtest.NorthwindID, []string{armScope}, ""); err == nil {
		t.Fatal("a managed identity got a token for another directory")
	}
	_, id, err = openEnv(t, w, map[string]string{"PALWIZ_MANAGED_IDENTITY": deployApp})
	if err != nil || id.ClientID != deployApp {
		t.Fatalf("user-assigned by client ID: %+v %v", id, err)
	}
	missing := "0b1c2d3e-4f50-4617-8283-c0de00000713"
	_, _, err = openEnv(t, w, map[string]string{"PALWIZ_MANAGED_IDENTITY": missing})
	authErr(t, err, auth.ReasonManagedIdentity, 0, "This machine has no user-assigned managed identity "+missing)
	_, _, err = openEnv(t, w, map[string]string{"PALWIZ_MANAGED_IDENTITY": "my-vm"})
	authErr(t, err, auth.ReasonManagedIdentity, 0, "names no managed identity")
	// Two identities named at once: refused before anything is asked.
	_, _, err = openEnv(t, w, map[string]string{"PALWIZ_MANAGED_IDENTITY": "system", "PALWIZ_CLIENT_ID": pipelineApp,
		"PALWIZ_TENANT": simtest.NorthwindID, "PALWIZ_CLIENT_SECRET": "s"})
	authErr(t, err, auth.ReasonIdentityMismatch, 0, "names two identities")
}

// TestManagedIdentityNoEndpoint: where nothing answers at the IMDS address,
// palwiz says it is not on an Azure VM, and gives up in seconds.
func TestManagedIdentityNoEndpoint(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	addr := strings.TrimPrefix(w.Sim.URL(), "https://")
	_ = w.Sim.Close() // nothing listens there any more
	c, err := cloud.NewSim("https://"+addr, w.Sim.CAPEM(), cloud.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, err := auth.Open(context.Background(), auth.Config{Cloud: c, CloudID: "sim:test"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.LoginManagedIdentity(context.Background(), "1c2d3e4f-5061-4728-9394-c0de00000714")
	authErr(t, err, auth.ReasonManagedIdentity, 0, "No managed identity endpoint answered at 169.254.169.254")
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("gave up after %s", d)
	}
	// Another cloud's metadata service answers in its own terms.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Forbidden", http.StatusForbidden)
	}))
	defer other.Close()
	c, err = cloud.NewSim("https://"+other.Listener.Addr().String(), w.Sim.CAPEM(), cloud.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, _ = auth.Open(context.Background(), auth.Config{Cloud: c, CloudID: "sim:test"})
	// (MSAL Go caches managed identity tokens per process: an identity no
	// other test asks for.)
	_, err = s.LoginManagedIdentity(context.Background(), "2d3e4f50-6172-4839-a4a5-c0de00000715")
	authErr(t, err, auth.ReasonManagedIdentity, 0, "answered HTTP 403 without an Azure managed identity error")
}
