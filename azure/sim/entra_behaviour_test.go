package sim

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

func TestOpenIDConfiguration(t *testing.T) {
	ts := startSim(t, nil)
	cases := []struct {
		seg        string
		status     int
		issuerTID  string // tenant in the issuer; "" for an error
		errCode    int
		oauthError string
	}{
		{"organizations", 200, "{tenantid}", 0, ""},
		{"common", 200, "{tenantid}", 0, ""},
		{tContoso, 200, tContoso, 0, ""},
		{"contoso.onmicrosoft.com", 200, tContoso, 0, ""},
		{"contoso.example", 200, tContoso, 0, ""}, // a second verified domain
		{"CONTOSO.EXAMPLE", 200, tContoso, 0, ""},
		{"nowhere.example", 400, "", 90002, "invalid_tenant"},
		{"00000000-0000-0000-0000-000000000000", 400, "", 90002, "invalid_tenant"},
	}
	for _, c := range cases {
		t.Run(c.seg, func(t *testing.T) {
			a := ts.do("GET", loginBase+c.seg+"/v2.0/.well-known/openid-configuration", "", nil)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status != 200 {
				if e, code := errorCode(t, a); e != c.oauthError || code != c.errCode {
					t.Fatalf("%s %d, want %s %d", e, code, c.oauthError, c.errCode)
				}
				return
			}
			var cfg map[string]any
			_ = json.Unmarshal(a.body, &cfg)
			// MSAL Go requires these three (TenantDiscoveryResponse.Validate).
			for _, k := range []string{"authorization_endpoint", "token_endpoint", "issuer", "device_authorization_endpoint"} {
				if s, _ := cfg[k].(string); s == "" {
					t.Errorf("%s is empty", k)
				}
			}
			if want := loginBase + c.issuerTID + "/v2.0"; cfg["issuer"] != want {
				t.Errorf("issuer %v, want %s", cfg["issuer"], want)
			}
			if want := loginBase + c.seg + "/oauth2/v2.0/token"; cfg["token_endpoint"] != want {
				t.Errorf("token_endpoint %v, want %s", cfg["token_endpoint"], want)
			}
		})
	}
}

func TestInstanceDiscovery(t *testing.T) {
	ts := startSim(t, nil)
	q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {loginBase + "contoso.example/oauth2/v2.0/authorize"}}
	a := ts.do("GET", loginBase+"common/discovery/instance?"+q.Encode(), "", nil)
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	var d struct {
		TenantDiscoveryEndpoint string `json:"tenant_discovery_endpoint"`
		Metadata                []struct {
			PreferredNetwork string   `json:"preferred_network"`
			PreferredCache   string   `json:"preferred_cache"`
			Aliases          []string `json:"aliases"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(a.body, &d); err != nil {
		t.Fatal(err)
	}
	if d.TenantDiscoveryEndpoint != loginBase+"contoso.example/v2.0/.well-known/openid-configuration" {
		t.Errorf("tenant_discovery_endpoint %s", d.TenantDiscoveryEndpoint)
	}
	if len(d.Metadata) != 1 || d.Metadata[0].PreferredNetwork != "login.microsoftonline.com" || d.Metadata[0].PreferredCache != "login.windows.net" ||
		!slices.Contains(d.Metadata[0].Aliases, "login.microsoftonline.com") || !slices.Contains(d.Metadata[0].Aliases, "login.windows.net") {
		t.Errorf("metadata %+v", d.Metadata)
	}
}

// TestDeviceCodeStates drives the device-code grant on the wire through each
// state MSAL Go distinguishes.
func TestDeviceCodeStates(t *testing.T) {
	type flow struct{ userCode, deviceCode string }
	start := func(ts *testSim, seg string) flow {
		a := ts.do("POST", loginBase+seg+"/oauth2/v2.0/devicecode", "", url.Values{
			"client_id": {AzureCLIClientID}, "scope": {armScope + " openid offline_access profile"}})
		if a.status != 200 {
			t.Fatalf("devicecode: %d %s", a.status, a.body)
		}
		var dc struct {
			UserCode        string `json:"user_code"`
			DeviceCode      string `json:"device_code"`
			VerificationURI string `json:"verification_uri"`
			ExpiresIn       int    `json:"expires_in"`
			Interval        int    `json:"interval"`
			Message         string `json:"message"`
		}
		if err := json.Unmarshal(a.body, &dc); err != nil {
			t.Fatal(err)
		}
		if dc.UserCode == "" || dc.DeviceCode == "" || dc.VerificationURI != ts.s.DeviceLoginURL() || dc.ExpiresIn != 900 || dc.Interval <= 0 ||
			!strings.Contains(dc.Message, dc.UserCode) || !strings.Contains(dc.Message, dc.VerificationURI) {
			t.Fatalf("device code answer: %s", a.body)
		}
		return flow{dc.UserCode, dc.DeviceCode}
	}
	cases := []struct {
		name       string
		seg        string
		act        func(ts *testSim, f flow) error
		wantErr    string // the poll's OAuth error; "" = tokens
		wantCode   int
		approveErr bool // the person is refused on the page
	}{
		{"pending", "organizations", func(*testSim, flow) error { return nil }, "authorization_pending", 70016, false},
		{"approved", "organizations", func(ts *testSim, f flow) error { return ts.s.ApproveDeviceCode(f.userCode, upnService, false) }, "", 0, false},
		{"declined", "organizations", func(ts *testSim, f flow) error { return ts.s.DeclineDeviceCode(f.userCode) }, "authorization_declined", 0, false},
		{"expired", "organizations", func(ts *testSim, f flow) error {
			ts.clock.Advance(16 * time.Minute)
			return ts.s.ApproveDeviceCode(f.userCode, upnService, false)
		}, "expired_token", 70019, true},
		{"user not in the tenant", tNorthwind, func(ts *testSim, f flow) error { return ts.s.ApproveDeviceCode(f.userCode, upnService, false) }, "invalid_grant", 50020, true},
		{"disabled account", "organizations", func(ts *testSim, f flow) error { return ts.s.ApproveDeviceCode(f.userCode, upnDisabled, false) }, "invalid_grant", 50057, true},
		{"MFA tenant without MFA stays pending", tWoodgrove, func(ts *testSim, f flow) error { return ts.s.ApproveDeviceCode(f.userCode, upnAna, false) }, "authorization_pending", 70016, true},
		{"MFA tenant with MFA", tWoodgrove, func(ts *testSim, f flow) error { return ts.s.ApproveDeviceCode(f.userCode, upnAna, true) }, "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, nil)
			f := start(ts, c.seg)
			if err := c.act(ts, f); (err != nil) != c.approveErr {
				t.Fatalf("sign-in page: %v (want an error: %v)", err, c.approveErr)
			}
			a := ts.pollDevice(c.seg, f.deviceCode)
			if c.wantErr != "" {
				if a.status != 400 {
					t.Fatalf("poll: %d %s, want 400 (MSAL keeps polling only on 400 authorization_pending)", a.status, a.body)
				}
				if e, code := errorCode(t, a); e != c.wantErr || code != c.wantCode {
					t.Fatalf("poll: %s %d, want %s %d", e, code, c.wantErr, c.wantCode)
				}
				return
			}
			if a.status != 200 {
				t.Fatalf("poll: %d %s", a.status, a.body)
			}
			checkUserTokens(t, a, c.seg)
			// A device code is redeemed once.
			again := ts.pollDevice(c.seg, f.deviceCode)
			if e, code := errorCode(t, again); again.status != 400 || e != "invalid_grant" || code != 70000 {
				t.Fatalf("second redemption: %d %s", again.status, again.body)
			}
		})
	}
	t.Run("unknown device code", func(t *testing.T) {
		ts := startSim(t, nil)
		a := ts.pollDevice("organizations", "not-a-code")
		if e, _ := errorCode(t, a); a.status != 400 || e != "bad_verification_code" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("another client redeems the code", func(t *testing.T) {
		ts := startSim(t, nil)
		f := start(ts, "organizations")
		_ = ts.s.ApproveDeviceCode(f.userCode, upnService, false)
		a := ts.do("POST", loginBase+"organizations/oauth2/v2.0/token", "", url.Values{
			"grant_type": {"device_code"}, "device_code": {f.deviceCode}, "client_id": {AzurePowerShellClientID}})
		if e, _ := errorCode(t, a); a.status != 400 || e != "bad_verification_code" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("unknown public client", func(t *testing.T) {
		ts := startSim(t, nil)
		a := ts.do("POST", loginBase+"organizations/oauth2/v2.0/devicecode", "", url.Values{
			"client_id": {"11111111-2222-3333-4444-555555555555"}, "scope": {armScope}})
		if e, code := errorCode(t, a); a.status != 400 || e != "unauthorized_client" || code != 700016 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

// checkUserTokens checks a user token answer has what MSAL Go needs.
func checkUserTokens(t *testing.T, a answer, seg string) {
	t.Helper()
	var tok tokenAnswer
	if err := json.Unmarshal(a.body, &tok); err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" || tok.ClientInfo == "" || tok.ExpiresIn <= 300 {
		t.Fatalf("token answer lacks what MSAL needs: %s", a.body)
	}
	// Entra answers with what was asked (without openid, profile and
	// offline_access) and the permissions /.default stands for.
	if want := armScope + " https://management.core.windows.net//user_impersonation"; tok.Scope != want {
		t.Errorf("scope %q, want %q", tok.Scope, want)
	}
	ci, err := b64.DecodeString(tok.ClientInfo) // unpadded base64url
	if err != nil {
		t.Fatalf("client_info is not unpadded base64url: %v", err)
	}
	var info struct{ UID, UTID string }
	if err := json.Unmarshal(ci, &info); err != nil || info.UID == "" || info.UTID == "" {
		t.Errorf("client_info %s", ci)
	}
	id := tokenPayload(t, tok.IDToken)
	for _, k := range []string{"aud", "iss", "oid", "sub", "tid", "preferred_username", "name"} {
		if s, _ := id[k].(string); s == "" {
			t.Errorf("id_token has no %s: %v", k, id)
		}
	}
	at := tokenPayload(t, tok.AccessToken)
	if at["aud"] != "https://management.core.windows.net/" || at["oid"] != id["oid"] || at["tid"] != id["tid"] {
		t.Errorf("access token %v does not match id_token %v", at, id)
	}
	if IsGUID(seg) && at["tid"] != seg {
		t.Errorf("token for tenant %v, asked for %s", at["tid"], seg)
	}
}

func TestRefreshTokenGrant(t *testing.T) {
	cases := []struct {
		name, upn, tenant string
		before            func(ts *testSim)
		status            int
		oauthErr          string
		code              int
		wantOID           string
	}{
		{"own tenant", upnService, tContoso, nil, 200, "", 0, oidService},
		{"guest tenant", upnAna, tContoso, nil, 200, "", 0, oidAnaGuestC},
		{"tenant the user is not in", upnService, tNorthwind, nil, 400, "invalid_grant", 50020, ""},
		{"MFA tenant", upnAna, tWoodgrove, nil, 400, "invalid_grant", 50076, ""},
		{"revoked sessions", upnAna, tContoso, func(ts *testSim) { ts.s.RevokeUser(upnAna) }, 400, "invalid_grant", 50173, ""},
		{"refresh token expired", upnAna, tContoso, func(ts *testSim) { ts.clock.Advance(91 * 24 * time.Hour) }, 400, "invalid_grant", 700082, ""},
		{"unknown tenant", upnAna, "nowhere.example", nil, 400, "invalid_tenant", 90002, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, nil)
			first := ts.rawDeviceSignIn("organizations", c.upn, false)
			if c.before != nil {
				c.before(ts)
			}
			a := ts.refresh(c.tenant, first.RefreshToken, armScope)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status == 200 {
				var tok tokenAnswer
				_ = json.Unmarshal(a.body, &tok)
				at := tokenPayload(t, tok.AccessToken)
				if at["tid"] != c.tenant || at["oid"] != c.wantOID {
					t.Fatalf("token for %v/%v, want %s/%s", at["tid"], at["oid"], c.tenant, c.wantOID)
				}
				return
			}
			if e, code := errorCode(t, a); e != c.oauthErr || code != c.code {
				t.Fatalf("%s %d, want %s %d: %s", e, code, c.oauthErr, c.code, a.body)
			}
			if c.code == 50076 {
				var b struct{ Claims, Suberror string }
				_ = json.Unmarshal(a.body, &b)
				var claims map[string]any
				if err := json.Unmarshal([]byte(b.Claims), &claims); err != nil || claims["access_token"] == nil {
					t.Errorf("MFA answer needs a JSON claims challenge, got %q", b.Claims)
				}
				if b.Suberror != "basic_action" {
					t.Errorf("suberror %q", b.Suberror)
				}
			}
		})
	}
	t.Run("unknown refresh token", func(t *testing.T) {
		ts := startSim(t, nil)
		a := ts.refresh(tContoso, "not-a-refresh-token", armScope)
		if e, _ := errorCode(t, a); a.status != 400 || e != "invalid_grant" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("MFA done on sign-in in that tenant", func(t *testing.T) {
		ts := startSim(t, nil)
		first := ts.rawDeviceSignIn(tWoodgrove, upnAna, true)
		if a := ts.refresh(tWoodgrove, first.RefreshToken, armScope); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

func TestClientCredentials(t *testing.T) {
	cert := newTestCert(t, "pal-spn")
	other := newTestCert(t, "someone-else")
	withCert := func(sc *Scenario) {
		sc.ServicePrincipals[0].Certificates = []string{cert.pem}
		sc.ServicePrincipals[1].Disabled = true
	}
	tokenURL := loginBase + tContoso + "/oauth2/v2.0/token"
	secretForm := func(tenant, app, secret string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {app}, "client_secret": {secret}, "scope": {armScope + " openid offline_access profile"}}
	}
	assertionForm := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "client_info": {"1"}, "scope": {armScope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
	}
	now := time.Now()
	claims := func(edit func(m map[string]any)) map[string]any {
		m := assertionClaims(spApp, tokenURL, now)
		if edit != nil {
			edit(m)
		}
		return m
	}
	good := cert.assertion(t, claims(nil))
	gp := strings.Split(good, ".")
	cases := []struct {
		name     string
		seg      string
		form     url.Values
		status   int
		oauthErr string
		code     int
	}{
		{"secret", tContoso, secretForm(tContoso, spApp, spSecret), 200, "", 0},
		{"secret by domain", "contoso.onmicrosoft.com", secretForm(tContoso, spApp, spSecret), 200, "", 0},
		{"wrong secret", tContoso, secretForm(tContoso, spApp, "not-the-secret"), 401, "invalid_client", 7000215},
		{"no secret", tContoso, secretForm(tContoso, spApp, ""), 401, "invalid_client", 7000215},
		{"unknown client", tContoso, secretForm(tContoso, "11111111-2222-3333-4444-555555555555", spSecret), 400, "unauthorized_client", 700016},
		{"application of another tenant", tNorthwind, secretForm(tNorthwind, spApp, spSecret), 400, "unauthorized_client", 700016},
		{"disabled application", tNorthwind, secretForm(tNorthwind, "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601", "sim-northwind-pipeline-secret-1"), 400, "unauthorized_client", 7000112},
		{"generic authority", "organizations", secretForm(tContoso, spApp, spSecret), 400, "invalid_request", 50059},
		{"certificate assertion", tContoso, assertionForm(good), 200, "", 0},
		{"assertion by another certificate", tContoso, assertionForm(other.assertion(t, claims(nil))), 401, "invalid_client", 700027},
		{"expired assertion", tContoso, assertionForm(cert.assertion(t, claims(func(m map[string]any) {
			m["nbf"], m["exp"] = now.Add(-time.Hour).Unix(), now.Add(-50*time.Minute).Unix()
		}))), 401, "invalid_client", 700024},
		{"assertion not valid yet", tContoso, assertionForm(cert.assertion(t, claims(func(m map[string]any) {
			m["nbf"], m["exp"] = now.Add(time.Hour).Unix(), now.Add(70*time.Minute).Unix()
		}))), 401, "invalid_client", 700024},
		{"assertion for another audience", tContoso, assertionForm(cert.assertion(t, claims(func(m map[string]any) {
			m["aud"] = loginBase + tNorthwind + "/oauth2/v2.0/token"
		}))), 401, "invalid_client", 700027},
		{"assertion for another application", tContoso, assertionForm(cert.assertion(t, claims(func(m map[string]any) {
			m["iss"], m["sub"] = "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601", "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601"
		}))), 401, "invalid_client", 700027},
		{"tampered assertion", tContoso, assertionForm(gp[0] + "." + b64.EncodeToString([]byte(`{"aud":"`+tokenURL+`","iss":"`+spApp+`","sub":"`+spApp+`","exp":9999999999}`)) + "." + gp[2]), 401, "invalid_client", 700027},
		{"RS256 assertion", tContoso, assertionForm(b64.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + gp[1] + "." + gp[2]), 401, "invalid_client", 700027},
		{"not a JWT", tContoso, assertionForm("a.b"), 401, "invalid_client", 700027},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, withCert)
			a := ts.do("POST", loginBase+c.seg+"/oauth2/v2.0/token", "", c.form)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status == 200 {
				var tok tokenAnswer
				_ = json.Unmarshal(a.body, &tok)
				if tok.AccessToken == "" || tok.RefreshToken != "" || tok.IDToken != "" || tok.TokenType != "Bearer" {
					t.Fatalf("client credentials answer: %s", a.body)
				}
				if at := tokenPayload(t, tok.AccessToken); at["oid"] != spObject || at["tid"] != tContoso || at["idtyp"] != "app" {
					t.Errorf("token claims %v", at)
				}
				return
			}
			if e, code := errorCode(t, a); e != c.oauthErr || code != c.code {
				t.Fatalf("%s %d, want %s %d: %s", e, code, c.oauthErr, c.code, a.body)
			}
		})
	}
	// MSAL Go's own assertion (PS256, x5t#S256, aud = token endpoint) is accepted;
	// one signed with a certificate the application does not have is refused.
	msal := []struct {
		name string
		c    testCert
		ok   bool
	}{{"MSAL with the registered certificate", cert, true}, {"MSAL with another certificate", other, false}}
	for _, m := range msal {
		t.Run(m.name, func(t *testing.T) {
			ts := startSim(t, withCert)
			cred, err := confidential.NewCredFromCert([]*x509.Certificate{m.c.cert}, m.c.key)
			if err != nil {
				t.Fatal(err)
			}
			cc, err := confidential.New(loginBase+tContoso, spApp, cred, confidential.WithHTTPClient(ts.cloud.HTTP))
			if err != nil {
				t.Fatal(err)
			}
			res, err := cc.AcquireTokenByCredential(context.Background(), []string{armScope})
			if m.ok != (err == nil) {
				t.Fatalf("MSAL: %v", err)
			}
			if m.ok {
				if a := ts.do("GET", partnerURL(""), res.AccessToken, nil); a.status != 404 {
					t.Fatalf("token from a certificate sign-in: %d %s", a.status, a.body)
				}
			} else if !strings.Contains(err.Error(), "700027") {
				t.Fatalf("refusal does not name AADSTS700027: %v", err)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	ts := startSim(t, nil)
	graphToken := func(upn, tenant string) string {
		first := ts.rawDeviceSignIn("organizations", upn, false)
		a := ts.refresh(tenant, first.RefreshToken, graphScope)
		if a.status != 200 {
			t.Fatalf("graph token: %d %s", a.status, a.body)
		}
		var tok tokenAnswer
		_ = json.Unmarshal(a.body, &tok)
		return tok.AccessToken
	}
	member := graphToken(upnService, tContoso)
	guest := graphToken(upnAna, tContoso)
	app := ts.spToken(tContoso, spApp, spSecret, graphScope)
	arm := ts.spToken(tContoso, spApp, spSecret, armScope)

	cases := []struct {
		name, token string
		status      int
		userType    string
		upn, id     string
		errCode     string
	}{
		{"member", member, 200, "Member", upnService, oidService, ""},
		{"guest", guest, 200, "Guest", "ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com", oidAnaGuestC, ""},
		{"service principal", app, 400, "", "", "", "BadRequest"},
		{"ARM token", arm, 401, "", "", "", "InvalidAuthenticationToken"},
	}
	for _, c := range cases {
		t.Run("/me "+c.name, func(t *testing.T) {
			a := ts.do("GET", "https://graph.microsoft.com/v1.0/me?$select=id,userPrincipalName,userType", c.token, nil)
			if a.status != c.status {
				t.Fatalf("%d %s", a.status, a.body)
			}
			var me struct {
				ID, UserPrincipalName, UserType string
				Error                           struct{ Code string }
			}
			_ = json.Unmarshal(a.body, &me)
			if c.status != 200 {
				if me.Error.Code != c.errCode {
					t.Fatalf("code %s, want %s", me.Error.Code, c.errCode)
				}
				return
			}
			if me.UserType != c.userType || me.UserPrincipalName != c.upn || me.ID != c.id {
				t.Fatalf("/me %+v", me)
			}
		})
	}
	t.Run("/organization", func(t *testing.T) {
		a := ts.do("GET", "https://graph.microsoft.com/v1.0/organization", guest, nil)
		var org struct {
			Value []struct {
				ID, DisplayName string
				VerifiedDomains []struct {
					Name      string
					IsDefault bool
				}
			}
		}
		if err := json.Unmarshal(a.body, &org); err != nil || a.status != 200 || len(org.Value) != 1 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		o := org.Value[0]
		if o.ID != tContoso || o.DisplayName != "Contoso Ltd" {
			t.Errorf("organization %+v", o)
		}
		defaults := 0
		var names []string
		for _, d := range o.VerifiedDomains {
			names = append(names, d.Name)
			if d.IsDefault {
				defaults++
				if d.Name != "contoso.onmicrosoft.com" {
					t.Errorf("default domain %s", d.Name)
				}
			}
		}
		if defaults != 1 || !slices.Contains(names, "contoso.example") || len(names) != 2 {
			t.Errorf("verified domains %v", o.VerifiedDomains)
		}
	})
}

// TestLoopbackOriginSignIn: a client that knows only https://127.0.0.1:PORT
// (no transport that dials the simulator for real host names) signs in with
// MSAL Go on that origin, as reference §2.2 describes for a loopback
// authority, and stays on it: the OpenID configuration's endpoints name the
// origin the request came to.
func TestLoopbackOriginSignIn(t *testing.T) {
	ts := startSim(t, nil)
	lc := loopbackClient(t, ts.s)
	origin := ts.s.URL()
	ctx := context.Background()

	a := doWith(t, lc, "GET", origin+"/"+tContoso+"/v2.0/.well-known/openid-configuration", "", nil)
	var cfg map[string]string
	_ = json.Unmarshal(a.body, &cfg)
	for _, k := range []string{"token_endpoint", "device_authorization_endpoint", "issuer"} {
		if !strings.HasPrefix(cfg[k], origin+"/") {
			t.Errorf("%s %q is not on %s", k, cfg[k], origin)
		}
	}

	pc, err := public.New(AzureCLIClientID, public.WithAuthority(origin+"/organizations"), public.WithHTTPClient(lc), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{armScope})
	if err != nil {
		t.Fatalf("device code on the loopback origin: %v", err)
	}
	if err := ts.s.ApproveDeviceCode(dc.Result.UserCode, upnAna, false); err != nil {
		t.Fatal(err)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatalf("sign-in on the loopback origin: %v", err)
	}
	guest, err := pc.AcquireTokenSilent(ctx, []string{armScope}, public.WithSilentAccount(res.Account), public.WithTenantID(tContoso))
	if err != nil {
		t.Fatalf("token for another tenant on the loopback origin: %v", err)
	}
	if p := tokenPayload(t, guest.AccessToken); p["oid"] != oidAnaGuestC {
		t.Fatalf("token for %v", p["oid"])
	}
	if a := doWith(t, lc, "GET", origin+"/providers/Microsoft.ManagementPartner/partners"+palVersion, guest.AccessToken, nil); a.status != 404 {
		t.Fatalf("ARM on the loopback origin: %d %s", a.status, a.body)
	}
}
