package sim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
)

const (
	agentApp = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f0701"
	agentObj = "8f9a0b1c-2d3e-4f40-9b5c-6d7e8f900702"
	imdsURL  = "http://169.254.169.254/metadata/identity/oauth2/token"
)

func (ts *testSim) imds(q url.Values, metadata bool) answer {
	ts.t.Helper()
	req, err := http.NewRequest("GET", imdsURL+"?"+q.Encode(), nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	if metadata {
		req.Header.Set("Metadata", "true")
	}
	return doReq(ts.t, ts.cloud.HTTP, req)
}

func doReq(t *testing.T, c *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// TestIMDS: the machine's managed identities get tokens from the simulated
// IMDS, over plain HTTP to 169.254.169.254 as a VM serves it (the simulator
// transport dials the simulator's one port, which answers plain HTTP for the
// IMDS address); IMDS's refusals are its own.
func TestIMDS(t *testing.T) {
	userMI := func(name, app, obj string) ServicePrincipal {
		return ServicePrincipal{Tenant: tContoso, AppID: app, ObjectID: obj, DisplayName: name, ManagedIdentity: "userAssigned",
			ResourceID: "/subscriptions/1b2c3d4e-5f60-4718-9a2b-c0de00000003/resourceGroups/build/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name}
	}
	ts := startSim(t, nil)
	arm := url.Values{"api-version": {"2018-02-01"}, "resource": {"https://management.azure.com/"}}
	a := ts.imds(arm, true)
	if a.status != 200 {
		t.Fatalf("IMDS: %d %s", a.status, a.body)
	}
	m := a.json(t)
	for _, k := range []string{"expires_in", "expires_on", "ext_expires_in", "not_before"} {
		if _, ok := m[k].(string); !ok {
			t.Errorf("%s is not a string as IMDS sends it: %v", k, m[k])
		}
	}
	if m["client_id"] != agentApp || m["resource"] != "https://management.azure.com/" || m["token_type"] != "Bearer" || m["expires_in"] != "86400" {
		t.Fatalf("answer: %v", m)
	}
	c := jwtPart(t, m["access_token"].(string), 1)
	if c["appid"] != agentApp || c["oid"] != agentObj || c["tid"] != tContoso || c["aud"] != "https://management.azure.com/" ||
		!strings.HasSuffix(c["xms_mirid"].(string), "/virtualMachines/contoso-build-agent") {
		t.Fatalf("claims: %v", c)
	}
	if r := ts.do("GET", palPath+"/partners"+palVersion, m["access_token"].(string), nil); r.status != 404 {
		t.Fatalf("ARM with the managed identity's token: %d %s", r.status, r.body)
	}
	refusals := []struct {
		name     string
		q        url.Values
		metadata bool
		want     string
	}{
		{"no Metadata header", arm, false, "Required metadata header not specified"},
		{"no api-version", url.Values{"resource": arm["resource"]}, true, "api-version"},
		{"no resource", url.Values{"api-version": arm["api-version"]}, true, "Required audience parameter not specified"},
		{"unknown resource", url.Values{"api-version": arm["api-version"], "resource": {"https://vault.example/"}}, true, "AADSTS500011"},
		{"unknown client ID", url.Values{"api-version": arm["api-version"], "resource": arm["resource"], "client_id": {newGUID()}}, true, "Identity not found"},
	}
	for _, r := range refusals {
		if a := ts.imds(r.q, r.metadata); a.status != 400 || !strings.Contains(string(a.body), r.want) {
			t.Errorf("%s: %d %s", r.name, a.status, a.body)
		}
	}
	// The same path on the loopback origin and on the sign-in pages' origin
	// (for curl and other clients on this machine).
	withPages, err := Start(context.Background(), Options{Scenario: ts.s.sc})
	if err != nil {
		t.Fatal(err)
	}
	defer withPages.Close()
	for _, origin := range []string{ts.s.URL(), withPages.PagesURL()} {
		req, _ := http.NewRequest("GET", origin+"/metadata/identity/oauth2/token?"+arm.Encode(), nil)
		req.Header.Set("Metadata", "true")
		client := ts.cloud.HTTP
		if strings.HasPrefix(origin, "http:") {
			client = http.DefaultClient
		}
		if a := doReq(t, client, req); a.status != 200 || a.json(t)["client_id"] != agentApp {
			t.Errorf("IMDS on %s: %d %s", origin, a.status, a.body)
		}
	}
	// Plain HTTP for any other host is refused.
	if a := ts.do("GET", "http://management.azure.com/tenants?api-version=2020-01-01", "", nil); a.status != 400 {
		t.Errorf("plain HTTP to ARM: %d %s", a.status, a.body)
	}

	// Two user-assigned identities and no system-assigned one: name one.
	ts = startSim(t, func(sc *Scenario) {
		sc.ServicePrincipals = append(sc.ServicePrincipals[:2], userMI("deploy", newGUID(), newGUID()), userMI("report", "0a1b2c3d-4e5f-4061-8273-c0de00000704", "1b2c3d4e-5f60-4172-8384-c0de00000705"))
	})
	if a := ts.imds(arm, true); a.status != 400 || !strings.Contains(string(a.body), "Multiple user assigned identities exist") {
		t.Fatalf("two user-assigned, none named: %d %s", a.status, a.body)
	}
	for name, sel := range map[string]url.Values{
		"client_id":  {"client_id": {"0a1b2c3d-4e5f-4061-8273-c0de00000704"}},
		"object_id":  {"object_id": {"1b2c3d4e-5f60-4172-8384-c0de00000705"}},
		"msi_res_id": {"msi_res_id": {"/subscriptions/1b2c3d4e-5f60-4718-9a2b-c0de00000003/resourceGroups/build/providers/Microsoft.ManagedIdentity/userAssignedIdentities/report"}},
	} {
		q := url.Values{"api-version": arm["api-version"], "resource": arm["resource"]}
		for k, v := range sel {
			q[k] = v
		}
		a := ts.imds(q, true)
		if a.status != 200 || a.json(t)["client_id"] != "0a1b2c3d-4e5f-4061-8273-c0de00000704" {
			t.Errorf("by %s: %d %s", name, a.status, a.body)
		}
	}
}

// TestIMDSWithMSAL: MSAL Go's managed identity client, as palwiz uses it,
// gets a token from the simulated IMDS through the simulator transport.
func TestIMDSWithMSAL(t *testing.T) {
	ts := startSim(t, nil)
	c, err := managedidentity.New(managedidentity.SystemAssigned(), managedidentity.WithHTTPClient(ts.cloud.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.AcquireToken(context.Background(), "https://management.core.windows.net//.default")
	if err != nil {
		t.Fatal(err)
	}
	if got := jwtPart(t, res.AccessToken, 1); got["aud"] != "https://management.core.windows.net/" || got["appid"] != agentApp {
		t.Fatalf("token: %v", got)
	}
	if r := ts.do("GET", palPath+"/partners"+palVersion, res.AccessToken, nil); r.status != 404 {
		t.Fatalf("ARM: %d %s", r.status, r.body)
	}
}
