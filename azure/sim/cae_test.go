package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cp1 is the claims parameter MSAL sends for a client that declares CAE support.
const cp1 = `{"access_token":{"xms_cc":{"values":["CP1"]}}}`

var claimsRE = regexp.MustCompile(`claims="([^"]+)"`)

// TestCAE: resources that evaluate access continuously answer a revoked
// CAE-capable token with a claims challenge; a refresh that carries the
// challenge's claims gets a token they accept. Tokens of clients that did
// not declare CAE live out their lifetime, as Entra's do.
func TestCAE(t *testing.T) {
	ts := startSim(t, nil)
	first := ts.rawDeviceSignIn(tContoso, upnService, false)
	token := func(scope, claims string) tokenAnswer {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {AzureCLIClientID},
			"client_info": {"1"}, "scope": {scope + " openid offline_access profile"}}
		if claims != "" {
			f.Set("claims", claims)
		}
		a := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", f)
		if a.status != 200 {
			t.Fatalf("refresh: %d %s", a.status, a.body)
		}
		var tok tokenAnswer
		_ = json.Unmarshal(a.body, &tok)
		return tok
	}
	armCAE := token(armScope, cp1).AccessToken
	if xc := tokenPayload(t, armCAE)["xms_cc"]; xc == nil {
		t.Fatalf("a CP1 client's token has no xms_cc claim")
	}
	armPlain := token(armScope, "").AccessToken
	graphCAE := token(graphScope, cp1).AccessToken
	appsCAE := token(ppPowerApps, cp1).AccessToken
	pal := partnerURL("")
	me := "https://graph.microsoft.com/v1.0/me"
	apps := "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps?api-version=2016-11-01"

	ts.s.ChallengeUser(upnService)
	for _, c := range []struct {
		name, url, token string
		challenged       bool
	}{
		{"ARM, CAE-capable token", pal, armCAE, true},
		{"Graph, CAE-capable token", me, graphCAE, true},
		{"ARM, token of a client without CAE", pal, armPlain, false},
		{"Power Apps (does not evaluate continuously)", apps, appsCAE, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("GET", c.url, c.token, nil)
			if !c.challenged {
				if a.status == 401 {
					t.Fatalf("refused: %s %s", a.header.Get("WWW-Authenticate"), a.body)
				}
				return
			}
			h := a.header.Get("WWW-Authenticate")
			m := claimsRE.FindStringSubmatch(h)
			if a.status != 401 || m == nil || !strings.Contains(h, `error="insufficient_claims"`) || !strings.Contains(string(a.body), "TokenIssuedBeforeRevocationTimestamp") {
				t.Fatalf("no claims challenge: %d %s %s", a.status, h, a.body)
			}
			raw, err := base64.StdEncoding.DecodeString(m[1])
			var ch struct {
				AccessToken struct {
					Nbf struct {
						Essential bool
						Value     string
					}
				} `json:"access_token"`
			}
			if err != nil || json.Unmarshal(raw, &ch) != nil || !ch.AccessToken.Nbf.Essential || ch.AccessToken.Nbf.Value == "" {
				t.Fatalf("claims %q: %v", raw, err)
			}
		})
	}
	t.Run("answering the challenge", func(t *testing.T) {
		a := ts.do("GET", pal, armCAE, nil)
		raw, _ := base64.StdEncoding.DecodeString(claimsRE.FindStringSubmatch(a.header.Get("WWW-Authenticate"))[1])
		// MSAL merges the challenge with the client's capabilities.
		merged := strings.Replace(string(raw), `{"access_token":{`, `{"access_token":{"xms_cc":{"values":["CP1"]},`, 1)
		fresh := token(armScope, merged).AccessToken
		if b := ts.do("GET", pal, fresh, nil); b.status == 401 {
			t.Fatalf("the token from the challenge's claims is refused: %s", b.body)
		}
	})
	t.Run("sessions revoked", func(t *testing.T) {
		ts.s.RevokeUser(upnService)
		a := ts.refresh(tContoso, first.RefreshToken, armScope)
		if e, code := errorCode(t, a); a.status != 400 || e != "invalid_grant" || code != 50173 {
			t.Fatalf("refresh after the sessions were revoked: %d %s", a.status, a.body)
		}
		again := ts.rawDeviceSignIn(tContoso, upnService, false)
		if a := ts.refresh(tContoso, again.RefreshToken, armScope); a.status != 200 {
			t.Fatalf("a new sign-in after the revocation: %d %s", a.status, a.body)
		}
	})
}

// TestTokenLifetimes: the scenario sets the lifetime, the CAE lifetime and
// refresh_in; Entra asks for a refresh halfway through long-lived tokens.
func TestTokenLifetimes(t *testing.T) {
	cases := []struct {
		name          string
		set           Settings
		claims        string
		life, refresh int
	}{
		{"default", Settings{}, "", 3600, 0},
		{"long-lived CAE tokens", Settings{CAETokenLifetime: Duration(24 * time.Hour)}, cp1, 86400, 43200},
		{"CAE lifetime for CAE clients only", Settings{CAETokenLifetime: Duration(24 * time.Hour)}, "", 3600, 0},
		{"explicit refresh_in", Settings{TokenLifetime: Duration(time.Hour), RefreshIn: Duration(10 * time.Minute)}, "", 3600, 600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, func(sc *Scenario) { sc.Settings = c.set })
			for _, grant := range []string{"user", "app"} {
				var a answer
				if grant == "user" {
					first := ts.rawDeviceSignIn(tContoso, upnService, false)
					f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {AzureCLIClientID}, "scope": {armScope}}
					if c.claims != "" {
						f.Set("claims", c.claims)
					}
					a = ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", f)
				} else {
					f := url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "client_secret": {spSecret}, "scope": {armScope}}
					if c.claims != "" {
						f.Set("claims", c.claims)
					}
					a = ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", f)
				}
				var b struct {
					ExpiresIn int `json:"expires_in"`
					RefreshIn int `json:"refresh_in"`
				}
				if a.status != http.StatusOK || json.Unmarshal(a.body, &b) != nil {
					t.Fatalf("%s: %d %s", grant, a.status, a.body)
				}
				if b.ExpiresIn != c.life || b.RefreshIn != c.refresh {
					t.Errorf("%s: expires_in %d refresh_in %d, want %d and %d", grant, b.ExpiresIn, b.RefreshIn, c.life, c.refresh)
				}
			}
		})
	}
}

// TestExpiredTokenShapes: a token the services consider expired (here
// through ExpireAccessTokens) is refused in each service's words; Power BI
// answers 403 TokenExpired rather than 401.
func TestExpiredTokenShapes(t *testing.T) {
	ts := startSim(t, nil)
	tok := func(scope string) string { return ts.spToken(tContoso, spApp, spSecret, scope) }
	cases := []struct {
		name, url, token string
		status           int
		body, challenge  string
	}{
		{"ARM", partnerURL(""), tok(armScope), 401, "ExpiredAuthenticationToken", "invalid_token"},
		{"Graph", "https://graph.microsoft.com/v1.0/organization", tok(graphScope), 401, "Lifetime validation failed", "client_id=\"" + graphAppID + "\""},
		{"Power BI", "https://api.powerbi.com/v1.0/myorg/groups", tok(ppPowerBI), 403, `"code":"TokenExpired"`, ""},
		{"Dataverse", ppProdOrgAPI + "/api/data/v9.2/bots", tok(ppProdOrgAPI + "/.default"), 401, "", "resource_id=https://contosoprod.crm.dynamics.com/"},
	}
	ts.s.ExpireAccessTokens()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("GET", c.url, c.token, nil)
			if a.status != c.status || !strings.Contains(string(a.body), c.body) || !strings.Contains(a.header.Get("WWW-Authenticate"), c.challenge) {
				t.Fatalf("%d %s %s", a.status, a.header.Get("WWW-Authenticate"), a.body)
			}
		})
	}
}

// TestProactiveRefresh: with refresh_in in the token answer, MSAL Go
// renews a token it still holds once the refresh time has passed.
func TestProactiveRefresh(t *testing.T) {
	ts := startSim(t, func(sc *Scenario) { sc.Settings.RefreshIn = Duration(time.Second) })
	get := ts.userSession(upnService)
	first, err := get(tContoso, armScope)
	if err != nil {
		t.Fatal(err)
	}
	again, err := get(tContoso, armScope)
	if err != nil || again != first {
		t.Fatalf("before refresh_in the cached token is used: %v", err)
	}
	time.Sleep(1500 * time.Millisecond)
	logins := ts.s.Stats()[loginHost]
	later, err := get(tContoso, armScope)
	if err != nil {
		t.Fatal(err)
	}
	if later == first || ts.s.Stats()[loginHost] == logins {
		t.Fatal("MSAL did not renew the token after refresh_in")
	}
}
