package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestThrottleShapes: each service throttles in its own words, with
// Retry-After as seconds or, when asked, as an HTTP date.
func TestThrottleShapes(t *testing.T) {
	ts := startSim(t, nil)
	tok := func(scope string) string { return ts.spToken(tContoso, spApp, spSecret, scope) }
	cases := []struct {
		name, host, url, token string
		method                 string
		form                   url.Values
		body                   string // text the body must hold
	}{
		{"ARM", armHost, partnerURL(""), tok(armScope), "GET", nil, `"code":"TooManyRequests"`},
		{"Graph", graphHost, "https://graph.microsoft.com/v1.0/organization", tok(graphScope), "GET", nil, `"innerError"`},
		{"Power BI", powerBIHost, "https://api.powerbi.com/v1.0/myorg/groups", tok(ppPowerBI), "GET", nil, `"pbi.error"`},
		{"Dataverse", "contosoprod.api.crm.dynamics.com", ppProdOrgAPI + "/api/data/v9.2/bots", tok(ppProdOrgAPI + "/.default"), "GET", nil, `"code":"0x80072322"`},
		{"Customer Insights", ciHost, "https://api.ci.ai.dynamics.com/v1/instances", tok("https://api.ci.ai.dynamics.com/.default"), "GET", nil, `"statusCode":429`},
		{"Entra ID", loginHost, loginBase + tContoso + "/oauth2/v2.0/token", "", "POST",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {spApp}, "client_secret": {spSecret}, "scope": {armScope}}, `"error":"temporarily_unavailable"`},
	}
	for _, c := range cases {
		for _, asDate := range []bool{false, true} {
			t.Run(c.name+map[bool]string{false: " seconds", true: " HTTP date"}[asDate], func(t *testing.T) {
				if err := ts.s.AddFault(Fault{Kind: "throttle", Host: c.host, RetryAfter: 7, RetryAfterDate: asDate, Times: 1}); err != nil {
					t.Fatal(err)
				}
				var a answer
				if c.host == ciHost {
					a = doCI(t, ts, c.url, c.token)
				} else {
					a = ts.do(c.method, c.url, c.token, c.form)
				}
				if a.status != http.StatusTooManyRequests || !strings.Contains(string(a.body), c.body) {
					t.Fatalf("%d %s, want 429 with %s", a.status, a.body, c.body)
				}
				ra := a.header.Get("Retry-After")
				if !asDate {
					if ra != "7" {
						t.Fatalf("Retry-After %q, want 7", ra)
					}
					return
				}
				when, err := http.ParseTime(ra)
				if err != nil {
					t.Fatalf("Retry-After %q is not an HTTP date: %v", ra, err)
				}
				if d := when.Sub(ts.clock.Now()); d < 6*time.Second || d > 7*time.Second {
					t.Fatalf("Retry-After %q is %v away, want about 7 s", ra, d)
				}
			})
		}
	}
}

func doCI(t *testing.T, ts *testSim, u, token string) answer {
	t.Helper()
	return ppDo(t, ts, "GET", u, token, nil, map[string]string{"Ocp-Apim-Subscription-Key": "sim-contoso-ci-key-1"})
}

// TestInjectedFailureShapes: an injected failure reads like the service's own.
func TestInjectedFailureShapes(t *testing.T) {
	ts := startSim(t, nil)
	cases := []struct{ name, host, url, scope, body string }{
		{"ARM", armHost, partnerURL(""), armScope, `"error":{"code":"ServiceUnavailable"`},
		{"Graph", graphHost, "https://graph.microsoft.com/v1.0/organization", graphScope, `"innerError"`},
		{"Power BI", powerBIHost, "https://api.powerbi.com/v1.0/myorg/groups", ppPowerBI, `"pbi.error":{"code":"ServiceUnavailable"`},
		{"Dataverse", "contosoprod.api.crm.dynamics.com", ppProdOrgAPI + "/api/data/v9.2/bots", ppProdOrgAPI + "/.default", `"error":{"code":"ServiceUnavailable"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_ = ts.s.AddFault(Fault{Kind: "status", Status: 503, Host: c.host, Times: 1})
			a := ts.do("GET", c.url, ts.spToken(tContoso, spApp, spSecret, c.scope), nil)
			if a.status != 503 || !strings.Contains(string(a.body), c.body) {
				t.Fatalf("%d %s, want 503 with %s", a.status, a.body, c.body)
			}
		})
	}
}

// TestDataverseServiceProtection: past the requests or the combined
// execution time allowed per window, Dataverse answers 429 with its own
// codes and a Retry-After until the window frees; other callers and
// organisations keep their own allowance.
func TestDataverseServiceProtection(t *testing.T) {
	cases := []struct {
		name  string
		set   PPSettings
		ok    int // requests answered before the limit
		code  string
		other bool // another organisation is still served
	}{
		{"requests", PPSettings{DataverseRequestLimit: 3, DataverseWindow: Duration(30 * time.Second)}, 3, dvLimitRequests, true},
		{"execution time", PPSettings{DataverseExecutionLimit: Duration(time.Second), DataverseExecutionTime: Duration(400 * time.Millisecond), DataverseWindow: Duration(30 * time.Second)}, 3, dvLimitTime, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, func(sc *Scenario) { sc.PowerPlatform.Settings = c.set })
			prod := ts.spToken(tContoso, spApp, spSecret, ppProdOrgAPI+"/.default")
			for i := 0; i < c.ok; i++ {
				a := ts.do("GET", ppProdOrgAPI+"/api/data/v9.2/bots", prod, nil)
				ppMust(t, a, http.StatusOK)
				if a.header.Get("x-ms-ratelimit-burst-remaining-xrm-requests") == "" {
					t.Errorf("no x-ms-ratelimit-burst-remaining-xrm-requests header")
				}
			}
			a := ts.do("GET", ppProdOrgAPI+"/api/data/v9.2/bots", prod, nil)
			if a.status != http.StatusTooManyRequests || !strings.Contains(string(a.body), `"code":"`+c.code+`"`) {
				t.Fatalf("over the limit: %d %s, want 429 %s", a.status, a.body, c.code)
			}
			if n, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || n < 1 || n > 30 {
				t.Fatalf("Retry-After %q, want whole seconds until the window frees", a.header.Get("Retry-After"))
			}
			uat := ts.spToken(tContoso, spApp, spSecret, "https://contosouat.api.crm.dynamics.com/.default")
			ppMust(t, ts.do("GET", "https://contosouat.api.crm.dynamics.com/api/data/v9.2/bots", uat, nil), http.StatusOK)
			ts.clock.Advance(31 * time.Second)
			ppMust(t, ts.do("GET", ppProdOrgAPI+"/api/data/v9.2/bots", prod, nil), http.StatusOK)
		})
	}
}
