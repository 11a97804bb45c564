package sim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReplicationLag: with a replication lag set for a service, a read right
// after a write sees the state before it; once the lag has passed, the new
// one. Writes act on the latest state at once.
func TestReplicationLag(t *testing.T) {
	const lag = 3 * time.Second
	ts := startSim(t, func(sc *Scenario) {
		sc.Settings.Replication = map[string]Duration{"arm": Duration(lag), "powerapps": Duration(lag), "flow": Duration(lag),
			"dataverse": Duration(lag), "powerbi": Duration(lag), "entra": Duration(lag)}
	})
	settle := func() { ts.clock.Advance(lag) }
	t.Run("Partner Admin Link", func(t *testing.T) {
		tok := ts.spToken(tContoso, spApp, spSecret, armScope)
		ppMust(t, ts.do("PUT", partnerURL("4977985"), tok, nil), 200)
		ppMust(t, ts.do("GET", partnerURL(""), tok, nil), 404) // the replica has not seen it
		// The write stands: a second PUT is a conflict at once.
		ppMust(t, ts.do("PUT", partnerURL("4977985"), tok, nil), 409)
		settle()
		ppMust(t, ts.do("GET", partnerURL(""), tok, nil), 200)
		ppMust(t, ts.do("PATCH", partnerURL("4977986"), tok, nil), 200)
		if a := ts.do("GET", partnerURL(""), tok, nil); !strings.Contains(string(a.body), `"partnerId":"4977985"`) {
			t.Fatalf("right after PATCH: %s", a.body)
		}
		settle()
		if a := ts.do("GET", partnerURL(""), tok, nil); !strings.Contains(string(a.body), `"partnerId":"4977986"`) {
			t.Fatalf("after the lag: %s", a.body)
		}
	})
	t.Run("canvas app owner", func(t *testing.T) {
		papps := ts.spToken(tContoso, spApp, spSecret, ppPowerApps)
		app := "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps/" + ppAppSiteSurv
		ppMust(t, ppDo(t, ts, "POST", app+"/modifyAppOwner?api-version=2022-11-01", papps, map[string]string{"newAppOwner": oidService}, nil), 200)
		owner := func() bool {
			a := ppDo(t, ts, "GET", app+"?api-version=2022-11-01", papps, nil, nil)
			return strings.Contains(string(a.body), `"owner":{"id":"`+oidService)
		}
		if owner() {
			t.Fatal("the new owner shows before the lag")
		}
		settle()
		if !owner() {
			t.Fatal("the new owner does not show after the lag")
		}
	})
	t.Run("flow co-owner", func(t *testing.T) {
		tok := ts.spToken(tContoso, spApp, spSecret, ppFlowScope)
		flow := "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + ppProdEnv + "/flows/d1f0c0de-0000-4000-8000-000000000203"
		put := map[string]any{"put": []any{map[string]any{"properties": map[string]any{"roleName": "CanEdit", "principal": map[string]string{"id": oidService, "type": "User"}}}}}
		ppMust(t, ppDo(t, ts, "POST", flow+"/modifyPermissions?api-version=2016-11-01", tok, put, nil), 200)
		has := func() bool {
			return strings.Contains(string(ppDo(t, ts, "GET", flow+"/permissions?api-version=2016-11-01", tok, nil, nil).body), oidService)
		}
		if has() {
			t.Fatal("the co-owner shows before the lag")
		}
		settle()
		if !has() {
			t.Fatal("the co-owner does not show after the lag")
		}
	})
	t.Run("Dataverse record owner", func(t *testing.T) {
		dv := ts.spToken(tContoso, spApp, spSecret, ppProdOrgAPI+"/.default")
		users := ppDo(t, ts, "GET", ppProdOrgAPI+"/api/data/v9.2/systemusers?$select=systemuserid&$filter=azureactivedirectoryobjectid%20eq%20"+oidService, dv, nil, nil)
		svc := values(t, users)[0]["systemuserid"].(string)
		bot := ppProdOrgAPI + "/api/data/v9.2/bots(d1b0c0de-0000-4000-8000-000000000402)"
		ppMust(t, ppDo(t, ts, "PATCH", bot, dv, map[string]string{"ownerid@odata.bind": "/systemusers(" + svc + ")"}, nil), 204)
		owned := func() (one, list bool) {
			one = ppDo(t, ts, "GET", bot+"?$select=_ownerid_value", dv, nil, nil).json(t)["_ownerid_value"] == svc
			q := url.Values{"$select": {"botid"}, "$filter": {"_ownerid_value eq " + svc}}
			for _, b := range values(t, ppDo(t, ts, "GET", ppProdOrgAPI+"/api/data/v9.2/bots?"+q.Encode(), dv, nil, nil)) {
				list = list || b["botid"] == "d1b0c0de-0000-4000-8000-000000000402"
			}
			return one, list
		}
		if one, list := owned(); one || list {
			t.Fatalf("the new owner shows before the lag (record %v, list %v)", one, list)
		}
		settle()
		if one, list := owned(); !one || !list {
			t.Fatalf("the new owner does not show after the lag (record %v, list %v)", one, list)
		}
	})
	t.Run("Power BI take-over", func(t *testing.T) {
		pbi, err := ts.userSession(upnService)(tContoso, ppPowerBI)
		if err != nil {
			t.Fatal(err)
		}
		ds := "https://api.powerbi.com/v1.0/myorg/groups/" + ppSalesGroup + "/datasets/d1e5c0de-0000-4000-8000-000000000602"
		ppMust(t, ppDo(t, ts, "POST", ds+"/Default.TakeOver", pbi, nil, nil), 200)
		mine := func() bool { return ppDo(t, ts, "GET", ds, pbi, nil, nil).json(t)["configuredBy"] == upnService }
		if mine() {
			t.Fatal("the take-over shows before the lag")
		}
		settle()
		if !mine() {
			t.Fatal("the take-over does not show after the lag")
		}
	})
	t.Run("a new client secret", func(t *testing.T) {
		// The admin adds a secret to a new application; sign-in with it
		// works only once Entra has replicated the service principal and
		// the secret.
		admin, err := ts.userSession("it-admin@contoso.onmicrosoft.com")(tContoso, graphScope)
		if err != nil {
			t.Fatal(err)
		}
		app := ppDo(t, ts, "POST", "https://graph.microsoft.com/v1.0/applications", admin, map[string]string{"displayName": "lag test"}, nil).json(t)
		ppMust(t, ppDo(t, ts, "POST", "https://graph.microsoft.com/v1.0/servicePrincipals", admin, map[string]string{"appId": app["appId"].(string)}, nil), 201)
		settle()
		pw := ppDo(t, ts, "POST", "https://graph.microsoft.com/v1.0/applications/"+app["id"].(string)+"/addPassword", admin, map[string]any{}, nil).json(t)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app["appId"].(string)}, "client_secret": {pw["secretText"].(string)}, "scope": {armScope}}
		if a := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", form); a.status != http.StatusUnauthorized {
			t.Fatalf("a secret used before it replicated: %d %s", a.status, a.body)
		}
		settle()
		if a := ts.do("POST", loginBase+tContoso+"/oauth2/v2.0/token", "", form); a.status != 200 {
			t.Fatalf("the secret after the lag: %d %s", a.status, a.body)
		}
	})
}

// TestLaggingScenario: the embedded "lagging" scenario is the demo with the
// replication lag on.
func TestLaggingScenario(t *testing.T) {
	sc, err := LoadScenario("lagging", nil)
	if err != nil {
		t.Fatal(err)
	}
	demo, _ := LoadScenario("demo", nil)
	if len(sc.Tenants) != len(demo.Tenants) || sc.Settings.TenantsPageSize != demo.Settings.TenantsPageSize || sc.PowerPlatform == nil {
		t.Fatalf("lagging does not keep the demo's directories and settings: %+v", sc.Settings)
	}
	for _, svc := range replicationServices {
		if sc.Settings.replication(svc) <= 0 {
			t.Errorf("no lag for %s", svc)
		}
		if demo.Settings.replication(svc) != 0 {
			t.Errorf("the demo lags on %s", svc)
		}
	}
	if _, err := ParseScenario([]byte(`{"extends":"nonesuch","name":"x"}`)); err == nil {
		t.Error("extends of an unknown scenario was accepted")
	}
	if _, err := ParseScenario([]byte(`{"extends":"demo","name":"x","settings":{"replication":{"teams":"1s"}}}`)); err == nil {
		t.Error("replication of an unknown service was accepted")
	}
}
