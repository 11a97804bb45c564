package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTokenRequestsValidated: Entra issues tokens only for APIs it knows, in
// the forms each grant allows, and says why it refuses the rest.
func TestTokenRequestsValidated(t *testing.T) {
	ts := startSim(t, nil)
	sp := func(scope string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "client_secret": {spSecret}}
		if scope != "-" {
			v.Set("scope", scope)
		}
		return v
	}
	spV1 := func(resource string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "client_secret": {spSecret}}
		if resource != "" {
			v.Set("resource", resource)
		}
		return v
	}
	first := ts.rawDeviceSignIn(tContoso, upnService, false)
	refresh := func(scope string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {AzureCLIClientID},
			"client_info": {"1"}, "scope": {scope}}
	}
	v2 := loginBase + tContoso + "/oauth2/v2.0/token"
	v1 := loginBase + tContoso + "/oauth2/token"
	cases := []struct {
		name     string
		url      string
		form     url.Values
		status   int
		oauthErr string
		code     int
		aud      string // the token's audience, when granted
	}{
		{"client credentials for ARM", v2, sp(armScope), 200, "", 0, "https://management.core.windows.net/"},
		{"client credentials for a Dataverse organisation", v2, sp("https://anyorg.crm.dynamics.com/.default"), 200, "", 0, "https://anyorg.crm.dynamics.com"},
		{"client credentials by application ID", v2, sp(graphAppID + "/.default"), 200, "", 0, graphAppID},
		{"unknown resource", v2, sp("https://api.unknown.example.com/.default"), 400, "invalid_resource", 500011, ""},
		{"not a Dataverse organisation URL", v2, sp("https://org.crm.dynamics.com/path/.default"), 400, "invalid_resource", 500011, ""},
		{"no scope at all", v2, sp("-"), 400, "invalid_request", 900144, ""},
		{"client credentials without /.default", v2, sp("https://graph.microsoft.com/User.Read"), 400, "invalid_scope", 1002012, ""},
		{"client credentials with sign-in scopes only", v2, sp("openid profile offline_access"), 400, "invalid_scope", 1002012, ""},
		{"two resources in one request", v2, refresh(armScope + " " + graphScope), 400, "invalid_scope", 28000, ""},
		{"a permission the API does not have", v2, refresh("https://graph.microsoft.com/Bogus.Permission"), 400, "invalid_scope", 70011, ""},
		{"a scope that names no resource", v2, refresh("https://graph.microsoft.com/"), 400, "invalid_scope", 70011, ""},
		{"delegated permission", v2, refresh("https://graph.microsoft.com/User.Read offline_access"), 200, "", 0, "https://graph.microsoft.com"},
		{"unqualified Graph permission", v2, refresh("User.Read openid"), 200, "", 0, "https://graph.microsoft.com"},
		{"v1 resource", v1, spV1("https://management.core.windows.net/"), 200, "", 0, "https://management.core.windows.net/"},
		{"v1 without a resource", v1, spV1(""), 400, "invalid_request", 900144, ""},
		{"v1 unknown resource", v1, spV1("https://vault.azure.net"), 400, "invalid_resource", 500011, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("POST", c.url, "", c.form)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status != 200 {
				if e, code := errorCode(t, a); e != c.oauthErr || code != c.code {
					t.Fatalf("%s %d, want %s %d: %s", e, code, c.oauthErr, c.code, a.body)
				}
				return
			}
			m := a.json(t)
			if at := tokenPayload(t, m["access_token"].(string)); at["aud"] != c.aud {
				t.Errorf("aud %v, want %s", at["aud"], c.aud)
			}
			if c.url == v1 {
				// The v1.0 endpoint's answer: numbers as strings, the resource echoed.
				if _, ok := m["expires_in"].(string); !ok || m["resource"] != c.aud || m["expires_on"] == nil {
					t.Errorf("v1 answer: %s", a.body)
				}
			}
		})
	}
	t.Run("device code for an unknown resource", func(t *testing.T) {
		a := ts.do("POST", loginBase+"organizations/oauth2/v2.0/devicecode", "", url.Values{
			"client_id": {AzureCLIClientID}, "scope": {"https://api.unknown.example.com/.default openid offline_access profile"}})
		if e, code := errorCode(t, a); a.status != 400 || e != "invalid_resource" || code != 500011 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

// jwk is one key of a JWKS.
type jwk struct {
	Kid, Kty, Use, N, E, X5t string
	X5c                      []string
}

// TestTokensVerifyWithJWKS: every token carries an RS256 signature that
// the key published at jwks_uri verifies.
func TestTokensVerifyWithJWKS(t *testing.T) {
	ts := startSim(t, nil)
	for _, v := range []struct{ config, version string }{
		{loginBase + tContoso + "/v2.0/.well-known/openid-configuration", "2.0"},
		{loginBase + tContoso + "/.well-known/openid-configuration", "1.0"},
	} {
		cfg := ts.do("GET", v.config, "", nil).json(t)
		a := ts.do("GET", cfg["jwks_uri"].(string), "", nil)
		if a.status != 200 {
			t.Fatalf("jwks_uri %v: %d %s", cfg["jwks_uri"], a.status, a.body)
		}
		var set struct{ Keys []jwk }
		if err := json.Unmarshal(a.body, &set); err != nil || len(set.Keys) != 1 {
			t.Fatalf("JWKS %s", a.body)
		}
		k := set.Keys[0]
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		der, _ := base64.StdEncoding.DecodeString(k.X5c[0])
		cert, err := x509.ParseCertificate(der)
		if err != nil || !cert.PublicKey.(*rsa.PublicKey).Equal(pub) {
			t.Fatalf("x5c does not hold the key: %v", err)
		}
		if sum := sha1.Sum(der); base64.RawURLEncoding.EncodeToString(sum[:]) != k.Kid || k.Kid != k.X5t || k.Kty != "RSA" || k.Use != "sig" {
			t.Errorf("kid/x5t/kty/use: %+v", k)
		}
		tok := ts.rawDeviceSignIn(tContoso, upnService, false)
		app := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", url.Values{"grant_type": {"client_credentials"},
			"client_id": {spApp}, "client_secret": {spSecret}, "scope": {armScope}}).json(t)["access_token"].(string)
		for name, jwt := range map[string]string{"access token": tok.AccessToken, "id_token": tok.IDToken, "app token": app} {
			p := strings.Split(jwt, ".")
			hb, _ := b64.DecodeString(p[0])
			var hdr struct{ Alg, Kid, Typ string }
			_ = json.Unmarshal(hb, &hdr)
			sig, _ := b64.DecodeString(p[2])
			h := sha256.Sum256([]byte(p[0] + "." + p[1]))
			if hdr.Alg != "RS256" || hdr.Kid != k.Kid || rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) != nil {
				t.Errorf("%s (v%s keys): header %+v does not verify", name, v.version, hdr)
			}
		}
	}
}

// TestClientAssertionForms: Entra accepts RS256 with an x5t (SHA-1) thumbprint
// (MSAL Python, ADAL) as well as PS256 with x5t#S256 (MSAL Go), and times
// with fractions (RFC 7519 NumericDate).
func TestClientAssertionForms(t *testing.T) {
	cert := newTestCert(t, "pal-spn")
	other := newTestCert(t, "another")
	ts := startSim(t, func(sc *Scenario) { sc.ServicePrincipals[0].Certificates = []string{cert.pem} })
	v2 := loginBase + tContoso + "/oauth2/v2.0/token"
	now := time.Now()
	sign := func(c testCert, alg string, hdr map[string]any, body map[string]any) string {
		hdr["alg"], hdr["typ"] = alg, "JWT"
		hb, _ := json.Marshal(hdr)
		bb, _ := json.Marshal(body)
		unsigned := b64.EncodeToString(hb) + "." + b64.EncodeToString(bb)
		h := sha256.Sum256([]byte(unsigned))
		var sig []byte
		var err error
		if alg == "PS256" {
			sig, err = rsa.SignPSS(rand.Reader, c.key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, c.key, crypto.SHA256, h[:])
		}
		if err != nil {
			t.Fatal(err)
		}
		return unsigned + "." + b64.EncodeToString(sig)
	}
	x5t := func(c testCert) map[string]any {
		s := sha1.Sum(c.cert.Raw)
		return map[string]any{"x5t": base64.URLEncoding.EncodeToString(s[:])}
	}
	x5tS256 := func(c testCert) map[string]any {
		s := sha256.Sum256(c.cert.Raw)
		return map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(s[:])}
	}
	floats := map[string]any{"aud": v2, "iss": spApp, "sub": spApp, "jti": newGUID(),
		"iat": float64(now.UnixNano()) / 1e9, "exp": float64(now.Add(10*time.Minute).UnixNano()) / 1e9}
	cases := []struct {
		name string
		a    string
		code int
	}{
		{"RS256 with x5t (MSAL Python)", sign(cert, "RS256", x5t(cert), floats), 0},
		{"PS256 with x5t#S256 in base64url", sign(cert, "PS256", x5tS256(cert), assertionClaims(spApp, v2, now)), 0},
		{"audience as the v1.0 token endpoint", sign(cert, "RS256", x5t(cert), assertionClaims(spApp, loginBase+tContoso+"/oauth2/token", now)), 0},
		{"audience as an array", sign(cert, "RS256", x5t(cert), map[string]any{"aud": []string{v2}, "iss": spApp, "sub": spApp, "exp": now.Add(time.Minute).Unix()}), 0},
		{"RS256 naming another certificate", sign(cert, "RS256", x5t(other), floats), 700027},
		{"RS256 signed by another key", sign(other, "RS256", x5t(cert), floats), 700027},
		{"PS256 signature under an RS256 header", strings.Join(append(strings.Split(sign(cert, "RS256", x5t(cert), floats), ".")[:2],
			strings.Split(sign(cert, "PS256", x5t(cert), floats), ".")[2]), "."), 700027},
		{"HS256", sign(cert, "HS256", x5t(cert), floats), 700027},
		{"no expiry", sign(cert, "RS256", x5t(cert), map[string]any{"aud": v2, "iss": spApp, "sub": spApp}), 700027},
		{"expired by a fraction", sign(cert, "RS256", x5t(cert), map[string]any{"aud": v2, "iss": spApp, "sub": spApp, "exp": float64(now.Add(-time.Second).UnixNano()) / 1e9}), 700024},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("POST", v2, "", url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "scope": {armScope},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {c.a}})
			if c.code == 0 {
				if a.status != 200 {
					t.Fatalf("%d %s", a.status, a.body)
				}
				if at := tokenPayload(t, a.json(t)["access_token"].(string)); at["appidacr"] != "2" {
					t.Errorf("appidacr %v, want 2 (certificate)", at["appidacr"])
				}
				return
			}
			if e, code := errorCode(t, a); a.status != 401 || e != "invalid_client" || code != c.code {
				t.Fatalf("%d %s, want invalid_client %d", a.status, a.body, c.code)
			}
		})
	}
}

// TestTokenClaims: app tokens name the application and its roles; a
// guest's token names the home directory it signed in at.
func TestTokenClaims(t *testing.T) {
	ts := startSim(t, func(sc *Scenario) {
		sc.ServicePrincipals[0].Roles = map[string][]string{"https://graph.microsoft.com": {"Application.ReadWrite.All"}}
	})
	app := func(scope string) map[string]any {
		a := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", url.Values{"grant_type": {"client_credentials"},
			"client_id": {spApp}, "client_secret": {spSecret}, "scope": {scope}})
		return tokenPayload(t, a.json(t)["access_token"].(string))
	}
	g := app(graphScope)
	if g["app_displayname"] != "PAL-4977985-SPN" || g["appid"] != spApp || g["idtyp"] != "app" || g["appidacr"] != "1" || g["oid"] != spObject {
		t.Errorf("app token claims %v", g)
	}
	if r, _ := g["roles"].([]any); len(r) != 1 || r[0] != "Application.ReadWrite.All" {
		t.Errorf("roles %v, want the scenario's Graph role", g["roles"])
	}
	if arm := app(armScope); arm["roles"] != nil {
		t.Errorf("an ARM token carries Graph roles: %v", arm["roles"])
	}

	member := ts.rawDeviceSignIn(tContoso, upnService, false)
	at := tokenPayload(t, member.AccessToken)
	if at["acct"] != 0.0 || at["upn"] != upnService || at["idp"] != nil || at["idtyp"] != "user" || at["scp"] != "user_impersonation" {
		t.Errorf("member token %v", at)
	}
	guest := ts.rawDeviceSignIn(tContoso, upnAna, false)
	at = tokenPayload(t, guest.AccessToken)
	id := tokenPayload(t, guest.IDToken)
	home := "https://sts.windows.net/" + tFabrikam + "/"
	if at["acct"] != 1.0 || at["idp"] != home || at["upn"] != nil || at["unique_name"] != upnAna || at["oid"] != oidAnaGuestC || at["tid"] != tContoso {
		t.Errorf("guest access token %v", at)
	}
	if id["acct"] != 1.0 || id["idp"] != home || id["tid"] != tContoso {
		t.Errorf("guest id_token %v", id)
	}
}

// TestInstanceDiscoveryRefusesUnknownHosts: Entra's instance discovery knows
// its own hosts (and the simulator's loopback origin) and refuses any other
// authority.
func TestInstanceDiscoveryRefusesUnknownHosts(t *testing.T) {
	ts := startSim(t, nil)
	own := strings.TrimPrefix(ts.s.URL(), "https://")
	cases := []struct {
		name, authority string
		status          int
		discovery       string
	}{
		{"public cloud", "https://login.microsoftonline.com/organizations", 200, "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"},
		{"an alias", "https://login.windows.net/" + tContoso, 200, "https://login.microsoftonline.com/" + tContoso + "/v2.0/.well-known/openid-configuration"},
		{"the simulator's loopback origin", "https://" + own + "/organizations", 200, "https://" + own + "/organizations/v2.0/.well-known/openid-configuration"},
		{"the loopback host without its port (MSAL Python)", "https://127.0.0.1/organizations", 200, "https://" + own + "/organizations/v2.0/.well-known/openid-configuration"},
		{"an unknown host", "https://login.evil.example.com/organizations", 400, ""},
		{"another loopback port", "https://127.0.0.1:1/organizations", 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {c.authority + "/oauth2/v2.0/authorize"}}
			a := ts.do("GET", loginBase+"common/discovery/instance?"+q.Encode(), "", nil)
			if a.status != c.status {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if c.status != 200 {
				if e, code := errorCode(t, a); e != "invalid_instance" || code != 50049 {
					t.Fatalf("%s %d: %s", e, code, a.body)
				}
				return
			}
			if got := a.json(t)["tenant_discovery_endpoint"]; got != c.discovery {
				t.Errorf("tenant_discovery_endpoint %v, want %s", got, c.discovery)
			}
		})
	}
}
