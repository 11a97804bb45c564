package conformance

import (
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

// az runs the Azure CLI against the simulator.
func (s *simProc) az(t *testing.T, env []string, args ...string) run {
	t.Helper()
	return runCmd(t, env, azPath(t), args...)
}

// TestAzServicePrincipalSecret: `az login --service-principal` with a client
// secret, a token for ARM, and the whole Partner Admin Link sequence with
// `az rest`, as the managementpartner extension sends it.
func TestAzServicePrincipalSecret(t *testing.T) {
	t.Parallel()
	azPath(t)
	s := startSim(t, "demo")
	env := s.clientEnv(t)
	var accounts []struct {
		TenantID string `json:"tenantId"`
		User     struct{ Name, Type string }
	}
	s.az(t, env, "login", "--service-principal", "-u", contosoSPApp, "-p", contosoSecret, "--tenant", contosoID, "--allow-no-subscriptions", "-o", "json").ok(t, "az login").json(t, &accounts)
	if len(accounts) != 1 || accounts[0].TenantID != contosoID || accounts[0].User.Type != "servicePrincipal" || accounts[0].User.Name != contosoSPApp {
		t.Fatalf("accounts %+v", accounts)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
		Tenant      string `json:"tenant"`
	}
	s.az(t, env, "account", "get-access-token", "--resource", armResource, "-o", "json").ok(t, "get-access-token").json(t, &tok)
	if c := claimsOf(t, tok.AccessToken); c["aud"] != armResource || c["appid"] != contosoSPApp || c["idtyp"] != "app" || c["oid"] != contosoSPObj {
		t.Fatalf("token claims %v", c)
	}
	rest := func(method, url string) run {
		return s.az(t, env, "rest", "--method", method, "--url", url, "-o", "json")
	}
	r := rest("get", palURL+palVersion)
	if r.code == 0 || !strings.Contains(r.stderr, "ManagementPartnerNotFound") {
		t.Fatalf("GET before any link: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := rest("put", palURL+"/4977984"+palVersion); r.code == 0 || !strings.Contains(r.stderr, "PartnerIdInvalid") {
		t.Fatalf("PUT of the global ID: %d %s", r.code, r.stderr)
	}
	var link struct {
		Name       string
		Properties struct{ PartnerID, ObjectID, TenantID, State string }
	}
	rest("put", palURL+"/4977985"+palVersion).ok(t, "PUT").json(t, &link)
	if link.Properties.PartnerID != "4977985" || link.Properties.ObjectID != contosoSPObj || link.Properties.State != "Active" {
		t.Fatalf("PUT answer %+v", link)
	}
	if r := rest("put", palURL+"/4977985"+palVersion); r.code == 0 || !strings.Contains(r.stderr, "Conflict") {
		t.Fatalf("PUT when linked: %d %s", r.code, r.stderr)
	}
	rest("patch", palURL+"/4977986"+palVersion).ok(t, "PATCH").json(t, &link)
	if link.Properties.PartnerID != "4977986" {
		t.Fatalf("PATCH answer %+v", link)
	}
	rest("get", palURL+palVersion).ok(t, "GET").json(t, &link)
	if link.Properties.PartnerID != "4977986" {
		t.Fatalf("GET answer %+v", link)
	}
	rest("delete", palURL+"/4977986"+palVersion).ok(t, "DELETE")
	if r := rest("get", palURL+palVersion); r.code == 0 || !strings.Contains(r.stderr, "ManagementPartnerNotFound") {
		t.Fatalf("GET after DELETE: %d %s", r.code, r.stderr)
	}
	// azure.microsoft.com: az's own version check on a fresh configuration,
	// which the proxy's tunnel to the simulator fails (no such certificate).
	s.onlyHosts(t, "login.microsoftonline.com", "management.azure.com", "azure.microsoft.com")
}

// TestAzServicePrincipalCertificate: `az login --service-principal` with a
// certificate: MSAL Python signs an RS256 assertion named by its x5t
// (SHA-1) thumbprint.
func TestAzServicePrincipalCertificate(t *testing.T) {
	t.Parallel()
	azPath(t)
	cert := newCert(t)
	s := startSim(t, scenarioFile(t, func(sc *sim.Scenario) { sc.ServicePrincipals[0].Certificates = []string{cert.certPEM} }))
	env := s.clientEnv(t)
	s.az(t, env, "login", "--service-principal", "-u", contosoSPApp, "-p", cert.file, "--tenant", contosoID, "--allow-no-subscriptions", "-o", "none").ok(t, "az login with a certificate")
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	s.az(t, env, "account", "get-access-token", "--resource", armResource, "-o", "json").ok(t, "get-access-token").json(t, &tok)
	if c := claimsOf(t, tok.AccessToken); c["appidacr"] != "2" || c["appid"] != contosoSPApp {
		t.Fatalf("token claims %v (appidacr 2 = certificate)", c)
	}
	// Another certificate is refused as Entra refuses it.
	other := newCert(t)
	r := s.az(t, s.clientEnv(t), "login", "--service-principal", "-u", contosoSPApp, "-p", other.file, "--tenant", contosoID, "--allow-no-subscriptions", "-o", "none")
	if r.code == 0 || !strings.Contains(r.stderr, "AADSTS700027") {
		t.Fatalf("a certificate the application does not have: %d %s", r.code, r.stderr)
	}
}

// TestAzDeviceCodeTenantsAndMFA: `az login --use-device-code` as a
// consultant with guest accounts in three customer directories, approved on
// the simulator's sign-in page: az pages through /tenants, reaches the
// directories it may, and names the one that demands MFA; `az login
// --tenant` with MFA done then reaches it too.
func TestAzDeviceCodeTenantsAndMFA(t *testing.T) {
	t.Parallel()
	azPath(t)
	s := startSim(t, "demo")
	env := s.clientEnv(t)
	done := make(chan run, 1)
	go func() { done <- s.az(t, env, "login", "--use-device-code", "--allow-no-subscriptions", "-o", "json") }()
	s.approveNext(t, anaUPN, false)
	r := (<-done).ok(t, "az login --use-device-code")
	var accounts []struct {
		TenantID string `json:"tenantId"`
		User     struct{ Name, Type string }
	}
	r.json(t, &accounts)
	got := map[string]bool{}
	for _, a := range accounts {
		got[a.TenantID] = true
		if a.User.Name != anaUPN || a.User.Type != "user" {
			t.Errorf("account %+v", a)
		}
	}
	// Four directories in two /tenants pages; Woodgrove demands MFA.
	if len(got) != 3 || !got[fabrikamID] || !got[contosoID] || !got[northwindID] {
		t.Fatalf("tenants reached: %v", got)
	}
	if !strings.Contains(r.stderr, woodgroveID) || !strings.Contains(r.stderr, "az login --tenant") {
		t.Fatalf("az does not name the directory that demands MFA:\n%s", r.stderr)
	}
	if r := s.az(t, env, "account", "get-access-token", "--tenant", woodgroveID, "-o", "json"); r.code == 0 || !strings.Contains(r.stderr, "AADSTS50076") {
		t.Fatalf("a Woodgrove token without MFA: %d %s", r.code, r.stderr)
	}
	go func() {
		done <- s.az(t, env, "login", "--use-device-code", "--tenant", woodgroveID, "--allow-no-subscriptions", "-o", "none")
	}()
	s.approveNext(t, anaUPN, true)
	(<-done).ok(t, "az login --tenant (MFA)")
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	s.az(t, env, "account", "get-access-token", "--tenant", woodgroveID, "-o", "json").ok(t, "Woodgrove token after MFA").json(t, &tok)
	if c := claimsOf(t, tok.AccessToken); c["tid"] != woodgroveID || c["acct"] != 1.0 || c["idp"] != "https://sts.windows.net/"+fabrikamID+"/" {
		t.Fatalf("Woodgrove guest token claims %v", c)
	}
}

// TestAzRestPowerPlatform: the Power Platform, Power BI, Dataverse and Graph
// reads with `az rest --resource …`, as scripts do them; a resource Entra
// does not know is refused.
func TestAzRestPowerPlatform(t *testing.T) {
	t.Parallel()
	azPath(t)
	s := startSim(t, "demo")
	env := s.clientEnv(t)
	s.az(t, env, "login", "--service-principal", "-u", contosoSPApp, "-p", contosoSecret, "--tenant", contosoID, "--allow-no-subscriptions", "-o", "none").ok(t, "az login")
	cases := []struct{ name, url, resource, want string }{
		{"environments", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01", "https://service.powerapps.com/", `"environmentSku": "Production"`},
		{"canvas apps", "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/8c5e2a14-3f6b-4d8e-9a71-c0de0000e001/apps?api-version=2016-11-01", "https://service.powerapps.com/", `"displayName": "Field Inspection"`},
		{"flows", "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/8c5e2a14-3f6b-4d8e-9a71-c0de0000e001/v2/flows?api-version=2016-11-01", "https://service.flow.microsoft.com/", `"displayName": "Approve expense claims"`},
		{"Dataverse bots", "https://contosoprod.api.crm.dynamics.com/api/data/v9.2/bots?$select=name,_ownerid_value", "https://contosoprod.crm.dynamics.com", `"name": "Field Assistant"`},
		{"Power BI workspaces", "https://api.powerbi.com/v1.0/myorg/groups", "https://analysis.windows.net/powerbi/api", `"name": "Contoso Sales"`},
		{"Graph", "https://graph.microsoft.com/v1.0/organization?$select=id,displayName", "", `"displayName": "Contoso Ltd"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"rest", "--method", "get", "--url", c.url, "-o", "json"}
			if c.resource != "" {
				args = append(args, "--resource", c.resource)
			}
			r := s.az(t, env, args...).ok(t, "az rest")
			if !strings.Contains(r.stdout, c.want) {
				t.Fatalf("answer lacks %s: %.500s", c.want, r.stdout)
			}
		})
	}
	r := s.az(t, env, "rest", "--method", "get", "--url", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01",
		"--resource", "https://api.unknown.example.com")
	if r.code == 0 || !strings.Contains(r.stderr, "AADSTS500011") {
		t.Fatalf("a resource Entra does not know: %d %s", r.code, r.stderr)
	}
}

// TestAzCloudRegisterOnLoopback: a cloud registered with only the
// simulator's loopback address (`az cloud register
// --endpoint-resource-manager`) reads ARM's metadata there, signs in there
// and lists subscriptions there.
func TestAzCloudRegisterOnLoopback(t *testing.T) {
	t.Parallel()
	azPath(t)
	s := startSim(t, "demo")
	env := s.clientEnv(t)
	s.az(t, env, "cloud", "register", "-n", "PalwizSim", "--endpoint-resource-manager", s.URL+"/").ok(t, "az cloud register")
	var c struct {
		Endpoints struct {
			ActiveDirectory           string `json:"activeDirectory"`
			ActiveDirectoryResourceID string `json:"activeDirectoryResourceId"`
		}
	}
	s.az(t, env, "cloud", "show", "-n", "PalwizSim", "-o", "json").ok(t, "az cloud show").json(t, &c)
	if c.Endpoints.ActiveDirectory != s.URL+"/" || c.Endpoints.ActiveDirectoryResourceID != armResource {
		t.Fatalf("the cloud's endpoints from /metadata/endpoints: %+v", c.Endpoints)
	}
	s.az(t, env, "cloud", "set", "-n", "PalwizSim").ok(t, "az cloud set")
	s.az(t, env, "login", "--service-principal", "-u", contosoSPApp, "-p", contosoSecret, "--tenant", contosoID, "--allow-no-subscriptions", "-o", "none").ok(t, "az login on the loopback cloud")
	var link struct{ Properties struct{ PartnerID string } }
	s.az(t, env, "rest", "--method", "put", "--url", s.URL+"/providers/Microsoft.ManagementPartner/partners/4977985"+palVersion, "-o", "json").ok(t, "PUT on the loopback cloud").json(t, &link)
	if link.Properties.PartnerID != "4977985" {
		t.Fatalf("link %+v", link)
	}
}
