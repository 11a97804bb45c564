package sim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// partnerAnswer is the part of a PartnerResponse the behaviour tests read.
type partnerAnswer struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	ETag       int    `json:"etag"`
	Properties struct {
		PartnerID   string `json:"partnerId"`
		PartnerName string `json:"partnerName"`
		TenantID    string `json:"tenantId"`
		ObjectID    string `json:"objectId"`
		Version     int    `json:"version"`
		CreatedTime string `json:"createdTime"`
		UpdatedTime string `json:"updatedTime"`
		State       string `json:"state"`
	} `json:"properties"`
}

func decodePartner(t *testing.T, a answer) partnerAnswer {
	t.Helper()
	var p partnerAnswer
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("not a PartnerResponse: %v\n%s", err, a.body)
	}
	if p.ETag != p.Properties.Version {
		t.Errorf("etag %d != version %d", p.ETag, p.Properties.Version)
	}
	return p
}

// palErr reads a Management Partner error body and checks that the code and
// message are repeated at the top level, as the live service does.
func palErr(t *testing.T, a answer) string {
	t.Helper()
	var b struct {
		Error         struct{ Code, Message string }
		Code, Message string
	}
	if err := json.Unmarshal(a.body, &b); err != nil {
		t.Fatalf("not an error body: %s", a.body)
	}
	if b.Error.Code == "" || b.Code != b.Error.Code || b.Message != b.Error.Message {
		t.Errorf("error body does not repeat code and message at the top level: %s", a.body)
	}
	return b.Error.Code
}

// armErr reads ARM's error envelope code.
func armErr(t *testing.T, a answer) string {
	t.Helper()
	var b struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(a.body, &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an ARM error body: %s", a.body)
	}
	return b.Error.Code
}

func partnerURL(id string) string {
	if id == "" {
		return palPath + "/partners" + palVersion
	}
	return palPath + "/partners/" + id + palVersion
}

// TestPALLifecycle walks one principal through every write and checks the
// recorded live behaviour: version (== etag) grows on every write, DELETE is
// a soft delete that keeps createdTime, PATCH re-points the link.
func TestPALLifecycle(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	type step struct {
		method, partner string
		status          int
		code            string // error code, for failures
		version         int    // for 200 with a body
		linked          string // partner linked afterwards ("" = none)
	}
	steps := []step{
		{"GET", "", 404, "ManagementPartnerNotFound", 0, ""},
		{"PUT", "4977985", 200, "", 1, "4977985"},
		{"GET", "", 200, "", 1, "4977985"},
		{"GET", "4977985", 200, "", 1, "4977985"},
		{"GET", "4977986", 404, "ManagementPartnerNotFound", 0, "4977985"},
		{"PATCH", "4977986", 200, "", 2, "4977986"},
		{"DELETE", "4977986", 200, "", 0, ""},
		{"GET", "", 404, "ManagementPartnerNotFound", 0, ""},
		{"DELETE", "4977986", 200, "", 0, ""}, // idempotent
		{"PATCH", "4977985", 404, "ManagementPartnerNotFound", 0, ""},
		{"PUT", "4977985", 200, "", 4, "4977985"}, // 1 PUT, 2 PATCH, 3 DELETE, 4 PUT
	}
	var created, updated string
	for i, s := range steps {
		ts.clock.Advance(time.Minute)
		a := ts.do(s.method, partnerURL(s.partner), tok, nil)
		if a.status != s.status {
			t.Fatalf("step %d %s %s: status %d, want %d: %s", i, s.method, s.partner, a.status, s.status, a.body)
		}
		switch {
		case s.code != "":
			if got := palErr(t, a); got != s.code {
				t.Errorf("step %d: code %s, want %s", i, got, s.code)
			}
		case s.method == "DELETE":
			if len(a.body) != 0 {
				t.Errorf("step %d: DELETE answered a body: %s", i, a.body)
			}
		default:
			p := decodePartner(t, a)
			if p.Properties.Version != s.version {
				t.Errorf("step %d %s: version %d, want %d", i, s.method, p.Properties.Version, s.version)
			}
			if p.Properties.State != "Active" || p.Properties.PartnerID != s.linked || p.Name != s.linked {
				t.Errorf("step %d: %+v, want Active %s", i, p.Properties, s.linked)
			}
			if created == "" {
				created = p.Properties.CreatedTime
			}
			if p.Properties.CreatedTime != created {
				t.Errorf("step %d: createdTime %s, want the first link's %s (soft delete keeps it)", i, p.Properties.CreatedTime, created)
			}
			if s.method != "GET" && p.Properties.UpdatedTime == updated {
				t.Errorf("step %d: updatedTime did not move on a write", i)
			}
			updated = p.Properties.UpdatedTime
			if p.Properties.TenantID != tContoso || p.Properties.ObjectID != spObject {
				t.Errorf("step %d: linked %s/%s, want the caller", i, p.Properties.TenantID, p.Properties.ObjectID)
			}
		}
		if got := ts.s.LinkOf(tContoso, spObject); got != s.linked {
			t.Errorf("step %d: simulator holds %q, want %q", i, got, s.linked)
		}
	}
}

func TestPALPutOnExisting(t *testing.T) {
	cases := []struct {
		setting string
		status  int
		code    string
	}{
		{"", 409, "Conflict"},
		{"conflict", 409, "Conflict"},
		{"badrequest", 400, "BadRequest"},
		{"ok", 200, ""},
	}
	for _, c := range cases {
		t.Run("putOnExisting="+c.setting, func(t *testing.T) {
			ts := startSim(t, func(sc *Scenario) { sc.Settings.PutOnExisting = c.setting })
			tok := ts.spToken(tContoso, spApp, spSecret, armScope)
			if a := ts.do("PUT", partnerURL("4977985"), tok, nil); a.status != 200 {
				t.Fatalf("first PUT: %d %s", a.status, a.body)
			}
			a := ts.do("PUT", partnerURL("4977986"), tok, nil)
			if a.status != c.status {
				t.Fatalf("PUT on an existing link: %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.code != "" {
				if got := palErr(t, a); got != c.code {
					t.Errorf("code %s, want %s", got, c.code)
				}
			} else if p := decodePartner(t, a); p.Properties.PartnerID != "4977985" || p.Properties.Version != 1 {
				t.Errorf("\"ok\" should answer the existing link unchanged: %+v", p.Properties)
			}
			if got := ts.s.LinkOf(tContoso, spObject); got != "4977985" {
				t.Errorf("PUT on an existing link changed it to %q", got)
			}
		})
	}
}

func TestPALPartnerIDValidation(t *testing.T) {
	cases := []struct {
		name, method, partner string
		linkedFirst           bool
		status                int
		code                  string
	}{
		{"PUT unknown", "PUT", "9999999", false, 400, "PartnerIdInvalid"},
		{"PUT global ID", "PUT", "4977984", false, 400, "PartnerIdInvalid"},
		{"PUT not digits", "PUT", "abc", false, 400, "PartnerIdInvalid"},
		{"PATCH unknown", "PATCH", "9999999", true, 400, "PartnerIdInvalid"},
		{"PATCH global ID", "PATCH", "4977984", true, 400, "PartnerIdInvalid"},
		{"PATCH without a link", "PATCH", "4977986", false, 404, "ManagementPartnerNotFound"},
		{"PATCH unknown without a link", "PATCH", "9999999", false, 404, "ManagementPartnerNotFound"},
		{"GET another ID", "GET", "4977986", true, 404, "ManagementPartnerNotFound"},
		{"PUT location ID", "PUT", "6200311", false, 200, ""},
		{"GET with trailing slash", "GET", "", true, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, nil)
			tok := ts.spToken(tContoso, spApp, spSecret, armScope)
			if c.linkedFirst {
				if a := ts.do("PUT", partnerURL("4977985"), tok, nil); a.status != 200 {
					t.Fatalf("set-up: %d %s", a.status, a.body)
				}
			}
			u := partnerURL(c.partner)
			if c.name == "GET with trailing slash" {
				u = palPath + "/partners/" + palVersion // what az and Get-AzManagementPartner send
			}
			a := ts.do(c.method, u, tok, nil)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.code != "" {
				if got := palErr(t, a); got != c.code {
					t.Errorf("code %s, want %s", got, c.code)
				}
			}
			if want := map[bool]string{true: "4977985"}[c.linkedFirst]; c.code != "" && ts.s.LinkOf(tContoso, spObject) != want {
				t.Errorf("a refused request changed the link to %q", ts.s.LinkOf(tContoso, spObject))
			}
		})
	}
}

func TestARMAPIVersion(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	cases := []struct {
		name, url string
		status    int
		code      string
	}{
		{"PAL without api-version", palPath + "/partners", 400, "MissingApiVersionParameter"},
		{"PAL with another api-version", palPath + "/partners?api-version=2020-01-01", 400, "NoRegisteredProviderFound"},
		{"tenants without api-version", "https://management.azure.com/tenants", 400, "MissingApiVersionParameter"},
		{"operations without api-version", palPath + "/operations", 400, "MissingApiVersionParameter"},
		{"unknown resource type", palPath + "/widgets" + palVersion, 404, "InvalidResourceType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("GET", c.url, tok, nil)
			if a.status != c.status || armErr(t, a) != c.code {
				t.Fatalf("%d %s, want %d %s", a.status, a.body, c.status, c.code)
			}
			if a.header.Get("x-ms-request-id") == "" {
				t.Errorf("ARM errors carry x-ms-request-id")
			}
		})
	}
}

// TestARMUnauthorized: every way a bearer token can be wrong gets 401 with a
// WWW-Authenticate challenge and ARM's error code.
func TestARMUnauthorized(t *testing.T) {
	ts := startSim(t, nil)
	good := ts.spToken(tContoso, spApp, spSecret, armScope)
	graphTok := ts.spToken(tContoso, spApp, spSecret, graphScope)
	other := startSim(t, nil)
	foreign := other.spToken(tContoso, spApp, spSecret, armScope) // signed with another key
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + b64.EncodeToString([]byte(`{"aud":"https://management.core.windows.net/","tid":"`+tContoso+`","oid":"`+oidService+`","exp":9999999999}`)) + "." + parts[2]

	cases := []struct {
		name, header, code string
		before             func()
	}{
		{"no Authorization header", "", "AuthenticationFailed", nil},
		{"not a bearer token", "Basic dXNlcjpwYXNz", "AuthenticationFailed", nil},
		{"malformed token", "Bearer not-a-jwt", "InvalidAuthenticationToken", nil},
		{"three garbage parts", "Bearer a.b.c", "InvalidAuthenticationToken", nil},
		{"another signer's token", "Bearer " + foreign, "InvalidAuthenticationToken", nil},
		{"tampered claims", "Bearer " + tampered, "InvalidAuthenticationToken", nil},
		{"token for Graph", "Bearer " + graphTok, "InvalidAuthenticationTokenAudience", nil},
		{"expired by the clock", "Bearer " + good, "ExpiredAuthenticationToken", func() { ts.clock.Advance(2 * time.Hour) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.before != nil {
				c.before()
			}
			for _, u := range []string{partnerURL(""), "https://management.azure.com/tenants?api-version=2022-12-01"} {
				req, _ := http.NewRequest("GET", u, nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				resp, err := ts.cloud.HTTP.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					Error struct{ Code, Message string }
				}
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != 401 || body.Error.Code != c.code {
					t.Fatalf("%s: %d %+v, want 401 %s", u, resp.StatusCode, body, c.code)
				}
				ch := resp.Header.Get("WWW-Authenticate")
				if !strings.HasPrefix(ch, `Bearer authorization_uri="https://login.microsoftonline.com/`) || !strings.Contains(ch, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate %q", ch)
				}
			}
		})
	}
}

// TestExpireAccessTokens: tokens issued before the call are refused as
// expired, tokens issued after it are accepted, even within the same second.
func TestExpireAccessTokens(t *testing.T) {
	ts := startSim(t, nil)
	old := ts.spToken(tContoso, spApp, spSecret, armScope)
	if a := ts.do("GET", partnerURL(""), old, nil); a.status != 404 {
		t.Fatalf("before: %d %s", a.status, a.body)
	}
	ts.s.ExpireAccessTokens()
	a := ts.do("GET", partnerURL(""), old, nil)
	if a.status != 401 || armErr(t, a) != "ExpiredAuthenticationToken" {
		t.Fatalf("old token after ExpireAccessTokens: %d %s", a.status, a.body)
	}
	// A fresh token, issued at the same simulated instant.
	fresh := ts.rawClientCredentials(tContoso, spApp, spSecret, armScope)
	if a := ts.do("GET", partnerURL(""), fresh, nil); a.status != 404 {
		t.Fatalf("a token issued after ExpireAccessTokens is refused: %d %s", a.status, a.body)
	}
}

func (ts *testSim) rawClientCredentials(tenant, appID, secret, scope string) string {
	ts.t.Helper()
	a := ts.do("POST", loginBase+tenant+"/oauth2/v2.0/token", "", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {scope}})
	if a.status != 200 {
		ts.t.Fatalf("client credentials: %d %s", a.status, a.body)
	}
	var tok tokenAnswer
	_ = json.Unmarshal(a.body, &tok)
	return tok.AccessToken
}

// tenantsPages follows nextLink from first with client c and returns the
// tenant IDs of every page.
func tenantsPages(t *testing.T, c *http.Client, first, tok string) [][]string {
	t.Helper()
	var pages [][]string
	for next := first; next != ""; {
		if len(pages) > 20 {
			t.Fatal("nextLink does not end")
		}
		a := doWith(t, c, "GET", next, tok, nil)
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", next, a.status, a.body)
		}
		var page struct {
			Value    []struct{ TenantID string }
			NextLink string
		}
		if err := json.Unmarshal(a.body, &page); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range page.Value {
			ids = append(ids, v.TenantID)
		}
		pages = append(pages, ids)
		next = page.NextLink
	}
	return pages
}

func TestTenantsPaging(t *testing.T) {
	cases := []struct {
		pageSize  int
		wantPages int
	}{
		{1, 4}, {2, 2}, {3, 2}, {4, 1}, {10, 1}, {0, 1}, // 0 = the default (50)
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("pageSize=%d", c.pageSize), func(t *testing.T) {
			ts := startSim(t, func(sc *Scenario) { sc.Settings.TenantsPageSize = c.pageSize })
			token := ts.userSession(upnAna)
			tok, err := token(tFabrikam, armScope)
			if err != nil {
				t.Fatal(err)
			}
			pages := tenantsPages(t, ts.cloud.HTTP, "https://management.azure.com/tenants?api-version=2022-12-01", tok)
			if len(pages) != c.wantPages {
				t.Fatalf("%d pages, want %d: %v", len(pages), c.wantPages, pages)
			}
			seen := map[string]bool{}
			for _, p := range pages {
				if c.pageSize > 0 && len(p) > c.pageSize {
					t.Errorf("page of %d tenants, page size %d", len(p), c.pageSize)
				}
				for _, id := range p {
					if seen[id] {
						t.Errorf("tenant %s on two pages", id)
					}
					seen[id] = true
				}
			}
			for _, id := range []string{tFabrikam, tContoso, tNorthwind, tWoodgrove} {
				if !seen[id] {
					t.Errorf("tenant %s missing", id)
				}
			}
			if pages[0][0] != tFabrikam {
				t.Errorf("the home tenant comes first, got %s", pages[0][0])
			}
		})
	}
	t.Run("service principal sees its own tenant", func(t *testing.T) {
		ts := startSim(t, nil)
		tok := ts.spToken(tContoso, spApp, spSecret, armScope)
		pages := tenantsPages(t, ts.cloud.HTTP, "https://management.azure.com/tenants?api-version=2022-12-01", tok)
		if len(pages) != 1 || len(pages[0]) != 1 || pages[0][0] != tContoso {
			t.Fatalf("pages %v, want [[%s]]", pages, tContoso)
		}
	})
	t.Run("bad skiptoken", func(t *testing.T) {
		ts := startSim(t, nil)
		tok := ts.spToken(tContoso, spApp, spSecret, armScope)
		a := ts.do("GET", "https://management.azure.com/tenants?api-version=2022-12-01&$skiptoken=x", tok, nil)
		if a.status != 400 || armErr(t, a) != "InvalidSkipToken" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

// loopbackClient is a plain client for the simulator's https://127.0.0.1:PORT
// origin: it trusts the simulator's CA and dials what the URL says.
func loopbackClient(t *testing.T, s *Server) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM()) {
		t.Fatal("no CA")
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestLoopbackOriginRouting: on https://127.0.0.1:PORT the simulator routes by
// path (and by /_host/HOST/...), and its links stay on that origin.
func TestLoopbackOriginRouting(t *testing.T) {
	ts := startSim(t, nil)
	lc := loopbackClient(t, ts.s)
	origin := ts.s.URL()
	token := ts.userSession(upnAna)
	tok, err := token(tFabrikam, armScope)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct{ name, first string }{
		{"by path", origin + "/tenants?api-version=2022-12-01"},
		{"by /_host/", origin + "/_host/management.azure.com/tenants?api-version=2022-12-01"},
	}
	for _, c := range cases {
		t.Run("tenants "+c.name, func(t *testing.T) {
			a := doWith(t, lc, "GET", c.first, tok, nil)
			var page struct{ NextLink string }
			_ = json.Unmarshal(a.body, &page)
			if !strings.HasPrefix(page.NextLink, origin+"/_host/management.azure.com/tenants?") {
				t.Fatalf("nextLink %q does not stay on %s", page.NextLink, origin)
			}
			ts.s.ResetStats()
			pages := tenantsPages(t, lc, c.first, tok)
			if len(pages) != 2 || len(pages[0])+len(pages[1]) != 4 {
				t.Fatalf("pages %v", pages)
			}
			if n := ts.s.Stats()["management.azure.com"]; n != 2 {
				t.Errorf("Stats counts %d requests for management.azure.com, want 2", n)
			}
		})
	}
	t.Run("partner link by path and by /_host/", func(t *testing.T) {
		sp := ts.spToken(tContoso, spApp, spSecret, armScope)
		a := doWith(t, lc, "PUT", origin+"/providers/Microsoft.ManagementPartner/partners/4977985"+palVersion, sp, nil)
		if a.status != 200 {
			t.Fatalf("PUT by path: %d %s", a.status, a.body)
		}
		a = doWith(t, lc, "GET", origin+"/_host/management.azure.com/providers/Microsoft.ManagementPartner/partners"+palVersion, sp, nil)
		if a.status != 200 || decodePartner(t, a).Properties.PartnerID != "4977985" {
			t.Fatalf("GET by /_host/: %d %s", a.status, a.body)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		a := doWith(t, lc, "GET", origin+"/nothing/here", "", nil)
		if a.status != 404 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

// TestPALIgnoresRequestBodies: clients in the wild send no body, {}, a
// partnerId or properties object (reference §1.5); the service links the ID
// in the path whatever the body says.
func TestPALIgnoresRequestBodies(t *testing.T) {
	bodies := []string{"", "{}", `{"partnerId":"5127255"}`, `{"properties":{"partnerId":"5127255"}}`, "not json"}
	for _, body := range bodies {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			ts := startSim(t, nil)
			tok := ts.spToken(tContoso, spApp, spSecret, armScope)
			for _, m := range []string{"PUT", "PATCH"} {
				id := map[string]string{"PUT": "4977985", "PATCH": "4977986"}[m]
				req, _ := http.NewRequest(m, partnerURL(id), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
				resp, err := ts.cloud.HTTP.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 || ts.s.LinkOf(tContoso, spObject) != id {
					t.Fatalf("%s with body %q: %d, linked %q", m, body, resp.StatusCode, ts.s.LinkOf(tContoso, spObject))
				}
			}
		})
	}
}
