package sim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The demo scenario's pipeline principal and its federated credentials.
const (
	tPipelineApp   = "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601"
	ghSubject      = "repo:fabrikam/pal-delivery:environment:northwind"
	adoOrg         = "fabrikam"
	adoProject     = "PAL"
	adoConnection  = "northwind-pal"
	tokenExchange  = "api://AzureADTokenExchange"
	northwindToken = loginBase + tNorthwind + "/oauth2/v2.0/token"
)

// oidcToken asks the control API for a token of the test issuer.
func (ts *testSim) oidcToken(q url.Values) string {
	ts.t.Helper()
	a := ts.do("GET", ts.s.URL()+"/_sim/oidc/token?"+q.Encode(), "", nil)
	if a.status != 200 || a.header.Get("Content-Type") != "application/jwt" {
		ts.t.Fatalf("/_sim/oidc/token?%s: %d %s", q.Encode(), a.status, a.body)
	}
	return string(a.body)
}

// exchange sends a federated token as the pipeline principal's client assertion.
func (ts *testSim) exchange(assertion string) answer {
	ts.t.Helper()
	return ts.do("POST", northwindToken, "", url.Values{"grant_type": {"client_credentials"}, "client_id": {tPipelineApp},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion},
		"scope": {armScope}})
}

func jwtPart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := b64.DecodeString(p[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// verifyWithIssuer checks tok against the key set its issuer publishes, found
// through the issuer's OpenID configuration, with crypto/rsa alone.
func (ts *testSim) verifyWithIssuer(tok string) map[string]any {
	t := ts.t
	t.Helper()
	body := jwtPart(t, tok, 1)
	iss := body["iss"].(string)
	cfg := ts.do("GET", iss+"/.well-known/openid-configuration", "", nil).json(t)
	if cfg["issuer"] != iss {
		t.Fatalf("discovery of %s names issuer %v", iss, cfg["issuer"])
	}
	a := ts.do("GET", cfg["jwks_uri"].(string), "", nil)
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(a.body, &set); err != nil || a.status != 200 || len(set.Keys) != 1 {
		t.Fatalf("JWKS of %s: %d %s", iss, a.status, a.body)
	}
	k := set.Keys[0]
	n, _ := base64.RawURLEncoding.DecodeString(k.N)
	e, _ := base64.RawURLEncoding.DecodeString(k.E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	p := strings.Split(tok, ".")
	sig, _ := b64.DecodeString(p[2])
	h := sha256.Sum256([]byte(p[0] + "." + p[1]))
	hdr := jwtPart(t, tok, 0)
	if hdr["alg"] != "RS256" || hdr["kid"] != k.Kid || rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) != nil {
		t.Fatalf("%s's token does not verify with its JWKS (header %v)", iss, hdr)
	}
	return body
}

// TestFederatedIssuers: the test issuer signs tokens that the issuers'
// published keys verify, with the subject, audience and lifetime asked for;
// the GitHub issuer adds the claims GitHub derives from the subject.
func TestFederatedIssuers(t *testing.T) {
	ts := startSim(t, nil)
	now := ts.clock.Now().Unix()
	gh := ts.verifyWithIssuer(ts.oidcToken(url.Values{"subject": {ghSubject}}))
	if gh["iss"] != githubIssuer || gh["sub"] != ghSubject || gh["aud"] != tokenExchange || gh["repository"] != "fabrikam/pal-delivery" ||
		gh["environment"] != "northwind" || int64(gh["exp"].(float64)) != now+600 || gh["jti"] == "" {
		t.Fatalf("GitHub token claims: %v", gh)
	}
	ado := ts.verifyWithIssuer(ts.oidcToken(url.Values{"issuer": {AzureDevOpsIssuer(adoOrg)}, "subject": {"sc://fabrikam/PAL/x"}, "audience": {"api://other"}, "lifetime": {"-1m"}}))
	if ado["iss"] != AzureDevOpsIssuer(adoOrg) || ado["aud"] != "api://other" || int64(ado["exp"].(float64)) != now-60 {
		t.Fatalf("Azure DevOps token claims: %v", ado)
	}
	// Each issuer has its own key: a GitHub key does not verify for Azure DevOps.
	if ts.s.issuers.github.kid == ts.s.issuers.ado.kid {
		t.Fatal("both issuers sign with one key")
	}
	for _, q := range []url.Values{{}, {"subject": {"x"}, "issuer": {"https://example.com"}}, {"subject": {"x"}, "lifetime": {"soon"}}} {
		if a := ts.do("GET", ts.s.URL()+"/_sim/oidc/token?"+q.Encode(), "", nil); a.status != 400 {
			t.Errorf("%v: %d %s", q, a.status, a.body)
		}
	}
}

// TestFederatedTokenExchange: Entra exchanges a federated token for the
// application's token only when a federated credential names its issuer,
// subject (case-sensitively) and audience, its issuer signed it, and it is in
// its time window; otherwise it refuses with Entra's code.
func TestFederatedTokenExchange(t *testing.T) {
	ts := startSim(t, nil)
	tok := func(kv ...string) string {
		q := url.Values{"subject": {ghSubject}}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return ts.oidcToken(q)
	}
	good := tok()
	forged := strings.Split(good, ".")
	cl := jwtPart(t, good, 1)
	cl["exp"] = cl["exp"].(float64) + 3600
	fb, _ := json.Marshal(cl)
	forged[1] = b64.EncodeToString(fb)
	cases := []struct {
		name      string
		assertion string
		status    int
		oauth     string
		code      int
		says      string
	}{
		{"GitHub Actions", good, 200, "", 0, ""},
		{"Azure DevOps", tok("issuer", AzureDevOpsIssuer(adoOrg), "subject", "sc://fabrikam/PAL/northwind-pal"), 200, "", 0, ""},
		{"wrong subject", tok("subject", "repo:fabrikam/pal-delivery:ref:refs/heads/main"), 400, "invalid_request", 70021, "Assertion Subject: 'repo:fabrikam/pal-delivery:ref:refs/heads/main'"},
		{"subject in other case", tok("subject", "repo:Fabrikam/pal-delivery:environment:northwind"), 400, "invalid_request", 70021, "Assertion Issuer: '" + githubIssuer + "'"},
		{"wrong audience", tok("audience", "api://something-else"), 400, "invalid_request", 70021, "Assertion Audience: 'api://something-else'"},
		{"issuer no credential names", tok("issuer", AzureDevOpsIssuer("tailspin"), "subject", "sc://fabrikam/PAL/northwind-pal"), 401, "invalid_client", 700211, "presented assertion issuer '" + AzureDevOpsIssuer("tailspin") + "'"},
		{"expired", tok("lifetime", "-1m"), 401, "invalid_client", 700024, "not within its valid time range"},
		{"forged claims", strings.Join(forged, "."), 401, "invalid_client", 700027, "signature validation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.exchange(c.assertion)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status == 200 {
				at := a.json(t)["access_token"].(string)
				got := jwtPart(t, at, 1)
				if got["appid"] != tPipelineApp || got["appidacr"] != "2" || got["tid"] != tNorthwind || got["idtyp"] != "app" {
					t.Fatalf("app token claims: %v", got)
				}
				// The token works at ARM.
				if r := ts.do("GET", palPath+"/partners"+palVersion, at, nil); r.status != 404 && r.status != 200 {
					t.Fatalf("ARM refused the exchanged token: %d %s", r.status, r.body)
				}
				return
			}
			oauth, code := errorCode(t, a)
			if oauth != c.oauth || code != c.code || !strings.Contains(string(a.body), c.says) {
				t.Fatalf("got %s %d, want %s %d saying %q: %s", oauth, code, c.oauth, c.code, c.says, a.body)
			}
		})
	}
	// Another application's credential does not cover this one.
	a := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {good}, "scope": {armScope}})
	if _, code := errorCode(t, a); code != 700211 {
		t.Fatalf("Contoso's principal has no federated credential: %d %s", a.status, a.body)
	}
}

// TestPipelineTokenEndpoints: a GitHub Actions job and an Azure DevOps job
// ask their endpoints for a token as the runners' clients do; the endpoints
// check the job's request token, Azure DevOps answers a bad one with its
// sign-in page (203), and the tokens carry each platform's subject.
func TestPipelineTokenEndpoints(t *testing.T) {
	ts := startSim(t, nil)
	ctl := func(path, body string) map[string]any {
		a := doJSON(t, ts, ts.s.URL()+path, body)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
		return a.json(t)
	}
	gh := ctl("/_sim/pipeline/github", `{"subject":"`+ghSubject+`"}`)
	reqURL, reqTok := gh["ACTIONS_ID_TOKEN_REQUEST_URL"].(string), gh["ACTIONS_ID_TOKEN_REQUEST_TOKEN"].(string)
	if !strings.HasPrefix(reqURL, "https://pipelines.actions.githubusercontent.com/") || !strings.Contains(reqURL, "?api-version=2.0") {
		t.Fatalf("request URL %s", reqURL)
	}
	a := ts.do("GET", reqURL+"&audience="+url.QueryEscape(tokenExchange), reqTok, nil)
	if a.status != 200 {
		t.Fatalf("GitHub token request: %d %s", a.status, a.body)
	}
	c := ts.verifyWithIssuer(a.json(t)["value"].(string))
	if c["sub"] != ghSubject || c["aud"] != tokenExchange {
		t.Fatalf("GitHub token: %v", c)
	}
	if ts.exchange(a.json(t)["value"].(string)).status != 200 {
		t.Fatal("Entra refused the GitHub job's token")
	}
	if d := ts.do("GET", reqURL, reqTok, nil); jwtPart(t, d.json(t)["value"].(string), 1)["aud"] != "https://github.com/fabrikam" {
		t.Fatalf("GitHub's default audience: %s", d.body)
	}
	if d := ts.do("GET", reqURL, "not-the-request-token", nil); d.status != 401 {
		t.Fatalf("a wrong request token: %d %s", d.status, d.body)
	}

	ado := ctl("/_sim/pipeline/azuredevops", `{"organization":"fabrikam","project":"PAL","serviceConnection":"northwind-pal"}`)
	oidcURI, sat, conn := ado["SYSTEM_OIDCREQUESTURI"].(string), ado["SYSTEM_ACCESSTOKEN"].(string), ado["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"].(string)
	if !strings.HasPrefix(oidcURI, "https://dev.azure.com/fabrikam/") || !strings.HasSuffix(oidcURI, "/oidctoken") {
		t.Fatalf("OIDC request URI %s", oidcURI)
	}
	a = ts.do("POST", oidcURI+"?api-version=7.1&serviceConnectionId="+conn, sat, nil)
	if a.status != 200 {
		t.Fatalf("Azure DevOps token request: %d %s", a.status, a.body)
	}
	c = ts.verifyWithIssuer(a.json(t)["oidcToken"].(string))
	if c["sub"] != "sc://fabrikam/PAL/northwind-pal" || c["iss"] != AzureDevOpsIssuer(adoOrg) || c["aud"] != tokenExchange {
		t.Fatalf("Azure DevOps token: %v", c)
	}
	if ts.exchange(a.json(t)["oidcToken"].(string)).status != 200 {
		t.Fatal("Entra refused the Azure DevOps job's token")
	}
	for name, r := range map[string]answer{
		"bad access token": ts.do("POST", oidcURI+"?api-version=7.1&serviceConnectionId="+conn, "nope", nil),
		"other connection": ts.do("POST", oidcURI+"?api-version=7.1&serviceConnectionId="+newGUID(), sat, nil),
		"no api-version":   ts.do("POST", oidcURI+"?serviceConnectionId="+conn, sat, nil),
		"GET":              ts.do("GET", oidcURI+"?api-version=7.1&serviceConnectionId="+conn, sat, nil),
	} {
		want := map[string]int{"bad access token": 203, "other connection": 400, "no api-version": 400, "GET": 405}[name]
		if r.status != want {
			t.Errorf("%s: %d, want %d: %s", name, r.status, want, r.body)
		}
	}
	for _, bad := range []string{`{"subject":"no-repo"}`, `{"subject":1}`, `{"other":"x"}`} {
		if a := doJSON(t, ts, ts.s.URL()+"/_sim/pipeline/github", bad); a.status != 400 {
			t.Errorf("%s: %d", bad, a.status)
		}
	}
	if a := doJSON(t, ts, ts.s.URL()+"/_sim/pipeline/azuredevops", `{"organization":"a/b","project":"p","serviceConnection":"c"}`); a.status != 400 {
		t.Errorf("a bad organization: %d", a.status)
	}
}

// doJSON POSTs a JSON body.
func doJSON(t *testing.T, ts *testSim, u, body string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.cloud.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// TestWorkloadScenarioValidation: federated credentials and managed
// identities are checked when the scenario loads.
func TestWorkloadScenarioValidation(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(sc *Scenario)
		says string
	}{
		"unknown issuer": {func(sc *Scenario) {
			sc.ServicePrincipals[0].FederatedCredentials = []FederatedCredential{{Name: "a", Issuer: "https://example.com", Subject: "s", Audiences: []string{tokenExchange}}}
		}, "not one the simulator plays"},
		"two audiences": {func(sc *Scenario) {
			sc.ServicePrincipals[0].FederatedCredentials = []FederatedCredential{{Name: "a", Issuer: githubIssuer, Subject: "s", Audiences: []string{"a", "b"}}}
		}, "exactly one audience"},
		"duplicate name": {func(sc *Scenario) {
			f := FederatedCredential{Name: "a", Issuer: githubIssuer, Subject: "s", Audiences: []string{tokenExchange}}
			sc.ServicePrincipals[0].FederatedCredentials = []FederatedCredential{f, f}
		}, "unique within the application"},
		"no subject": {func(sc *Scenario) {
			sc.ServicePrincipals[0].FederatedCredentials = []FederatedCredential{{Name: "a", Issuer: githubIssuer, Audiences: []string{tokenExchange}}}
		}, "subject is required"},
		"managed identity with a secret": {func(sc *Scenario) { sc.ServicePrincipals[0].ManagedIdentity = "userAssigned" }, "no secrets or certificates"},
		"two system-assigned": {func(sc *Scenario) {
			sp := sc.ServicePrincipals[2]
			sp.AppID, sp.ObjectID = newGUID(), newGUID()
			sc.ServicePrincipals = append(sc.ServicePrincipals, sp)
		}, "at most one"},
		"odd kind":           {func(sc *Scenario) { sc.ServicePrincipals[2].ManagedIdentity = "both" }, "not systemAssigned or userAssigned"},
		"resource ID":        {func(sc *Scenario) { sc.ServicePrincipals[2].ResourceID = "vm1" }, "not an Azure resource ID"},
		"resource ID for SP": {func(sc *Scenario) { sc.ServicePrincipals[0].ResourceID = "/subscriptions/x" }, "for managed identities"},
	} {
		sc, err := LoadScenario("demo", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.edit(sc)
		if err := sc.Validate(); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestIdentitiesListWorkloadCredentials: `palwiz sim -o json` lists the
// federated credentials beside their principal, and the managed identity.
func TestIdentitiesListWorkloadCredentials(t *testing.T) {
	sc, err := LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := ScenarioIdentities(sc)
	var pipeline, agent *IdentitySP
	for i, sp := range ids.ServicePrincipals {
		switch sp.ClientID {
		case tPipelineApp:
			pipeline = &ids.ServicePrincipals[i]
		case "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f0701":
			agent = &ids.ServicePrincipals[i]
		}
	}
	if pipeline == nil || len(pipeline.FederatedCredentials) != 2 || pipeline.FederatedCredentials[0].Subject != ghSubject ||
		pipeline.FederatedCredentials[1].Issuer != AzureDevOpsIssuer(adoOrg) {
		t.Fatalf("pipeline principal: %+v", pipeline)
	}
	if agent == nil || agent.ManagedIdentity != "systemAssigned" || agent.Secret != "" {
		t.Fatalf("build agent: %+v", agent)
	}
	b, _ := json.Marshal(ids)
	if !strings.Contains(string(b), `"federatedCredentials":[{"name":"github-pal-delivery-northwind","issuer":"https://token.actions.githubusercontent.com"`) {
		t.Fatalf("JSON: %s", b)
	}
}
