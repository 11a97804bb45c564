package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every Power Platform host checks its own token audience.
func TestPPAudiences(t *testing.T) {
	ts := startSim(t, nil)
	wrong := ts.spToken(tContoso, spApp, spSecret, graphScope)
	// Each service refuses in its own shape: the resource providers as ARM
	// does, Power BI with its pbi.error body, Dataverse with an empty body
	// and a challenge naming the organisation's directory.
	cases := []struct{ name, url, scope, body, challenge string }{
		{"bap", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01", ppPowerApps, "InvalidAuthenticationTokenAudience", "invalid_token"},
		{"powerapps", "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps?api-version=2016-11-01", ppPowerApps, "InvalidAuthenticationTokenAudience", "invalid_token"},
		{"flow", "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + ppProdEnv + "/v2/flows?api-version=2016-11-01", ppFlowScope, "InvalidAuthenticationTokenAudience", "invalid_token"},
		{"dataverse", ppProdOrgAPI + "/api/data/v9.2/bots", "https://contosoprod.crm.dynamics.com/.default", "", "authorization_uri=https://login.microsoftonline.com/" + tContoso + "/oauth2/authorize, resource_id=https://contosoprod.crm.dynamics.com/"},
		{"dataverse api host", ppProdOrgAPI + "/api/data/v9.2/bots", ppProdOrgAPI + "/.default", "", "resource_id=https://contosoprod.crm.dynamics.com/"},
		{"powerbi", "https://api.powerbi.com/v1.0/myorg/groups", ppPowerBI, `"pbi.error":{"code":"PowerBINotAuthorizedException"`, "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ppDo(t, ts, http.MethodGet, c.url, wrong, nil, nil)
			if a.status != http.StatusUnauthorized || !strings.Contains(string(a.body), c.body) || (c.body == "" && len(a.body) != 0) {
				t.Errorf("a Graph token was not refused: %d %.300s", a.status, a.body)
			}
			if h := a.header.Get("WWW-Authenticate"); !strings.Contains(h, c.challenge) {
				t.Errorf("WWW-Authenticate %q lacks %q", h, c.challenge)
			}
			ok := ppDo(t, ts, http.MethodGet, c.url, ts.spToken(tContoso, spApp, spSecret, c.scope), nil, nil)
			ppMust(t, ok, http.StatusOK)
		})
	}
	// Another organisation's token does not open this one.
	other := ts.spToken(tContoso, spApp, spSecret, "https://contosouat.crm.dynamics.com/.default")
	if a := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/bots", other, nil, nil); a.status != http.StatusUnauthorized {
		t.Errorf("a token for another organisation: %d %s", a.status, a.body)
	}
}

// The admin APIs show environments to Power Platform admins (all) and
// environment admins (theirs); anyone else gets 403. Dataverse needs a user.
func TestPPAdminScope(t *testing.T) {
	ts := startSim(t, nil)
	bap := "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01"
	names := func(a answer) []string {
		var out []string
		for _, e := range valueOf(t, a).([]any) {
			out = append(out, e.(map[string]any)["properties"].(map[string]any)["displayName"].(string))
		}
		return out
	}
	admin := ts.spToken(tContoso, spApp, spSecret, ppPowerApps)
	a := ppDo(t, ts, http.MethodGet, bap, admin, nil, nil)
	ppMust(t, a, http.StatusOK)
	if got := names(a); len(got) != 4 || got[0] != "Contoso Ltd (default)" {
		t.Errorf("an admin sees %v, want the default environment first and all four", got)
	}
	ana := ts.userSession(upnAna)
	tok, err := ana(tNorthwind, ppPowerApps)
	if err != nil {
		t.Fatal(err)
	}
	a = ppDo(t, ts, http.MethodGet, bap, tok, nil, nil)
	ppMust(t, a, http.StatusOK)
	if got := names(a); len(got) != 2 {
		t.Errorf("an environment admin sees %v, want her two Northwind environments", got)
	}
	tok, err = ana(tContoso, ppPowerApps)
	if err != nil {
		t.Fatal(err)
	}
	a = ppDo(t, ts, http.MethodGet, bap, tok, nil, nil)
	if a.status != http.StatusForbidden || !strings.Contains(string(a.body), "not a Power Platform administrator") {
		t.Errorf("a guest with no admin role: %d %s", a.status, a.body)
	}
	a = ppDo(t, ts, http.MethodGet, "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/"+ppProdEnv+"/apps?api-version=2016-11-01", tok, nil, nil)
	ppMust(t, a, http.StatusForbidden)
	a = ppDo(t, ts, http.MethodGet, "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/00000000-0000-4000-8000-000000000000/apps?api-version=2016-11-01", admin, nil, nil)
	ppMust(t, a, http.StatusNotFound)
	a = ppDo(t, ts, http.MethodGet, "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/"+ppProdEnv+"/apps", admin, nil, nil)
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "MissingApiVersionParameter") {
		t.Errorf("no api-version: %d %s", a.status, a.body)
	}
	// Ana is no user of Contoso's production Dataverse.
	sc := func(s *Scenario) {
		s.PowerPlatform.Tenants[0].Environments[1].Dataverse.AbsentUsers = []string{oidAnaGuestC}
	}
	ts2 := startSim(t, sc)
	tok2, err := ts2.userSession(upnAna)(tContoso, "https://contosoprod.crm.dynamics.com/.default")
	if err != nil {
		t.Fatal(err)
	}
	a = ppDo(t, ts2, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/WhoAmI", tok2, nil, nil)
	if a.status != http.StatusForbidden || !strings.Contains(string(a.body), "0x80072560") {
		t.Errorf("a non-member of the organisation: %d %s", a.status, a.body)
	}
}

// Lists page as each service does, and the pages cover every item once.
func TestPPPaging(t *testing.T) {
	sc := LargeScenario(2, 600)
	sc.PowerPlatform.Settings = PPSettings{AppsPageSize: 50, FlowsPageSize: 20, EnvironmentsPageSize: 1, DataverseMaxPageSize: 40}
	ts := startSim(t, func(s *Scenario) { *s = *sc })
	papps := ts.spToken(LargeTenantID, LargeSPAppID, LargeSPSecret, ppPowerApps)
	env := sc.PowerPlatform.Tenants[0].Environments[1]
	follow := func(first, tok string, hdr map[string]string, next func(map[string]any) string) (n, pages int) {
		u := first
		seen := map[string]bool{}
		for u != "" {
			a := ppDo(t, ts, http.MethodGet, u, tok, nil, hdr)
			ppMust(t, a, http.StatusOK)
			m := decodeJSON(t, "page", a.body).(map[string]any)
			for _, v := range m["value"].([]any) {
				id := fmt.Sprint(v.(map[string]any)["name"], v.(map[string]any)["botid"])
				if seen[id] {
					t.Fatalf("%s appears on two pages", id)
				}
				seen[id] = true
				n++
			}
			pages++
			u = next(m)
		}
		return n, pages
	}
	rp := func(m map[string]any) string { s, _ := m["nextLink"].(string); return s }
	n, pages := follow("https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/"+env.ID+"/apps?api-version=2016-11-01&$top=250", papps, nil, rp)
	if n != len(env.CanvasApps) || pages != (n+49)/50 {
		t.Errorf("apps: %d items in %d pages, want %d in %d", n, pages, len(env.CanvasApps), (len(env.CanvasApps)+49)/50)
	}
	n, pages = follow("https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/"+env.ID+"/apps?api-version=2016-11-01&$top=7", papps, nil, rp)
	if n != len(env.CanvasApps) || pages != (n+6)/7 {
		t.Errorf("apps with $top=7: %d items in %d pages", n, pages)
	}
	flow := ts.spToken(LargeTenantID, LargeSPAppID, LargeSPSecret, ppFlowScope)
	n, pages = follow("https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/"+env.ID+"/v2/flows?api-version=2016-11-01", flow, nil, rp)
	if n != len(env.Flows) || pages != (n+19)/20 {
		t.Errorf("flows: %d items in %d pages", n, pages)
	}
	n, pages = follow("https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01", papps, nil, rp)
	if n != 2 || pages != 2 {
		t.Errorf("environments: %d in %d pages", n, pages)
	}
	dv := ts.spToken(LargeTenantID, LargeSPAppID, LargeSPSecret, "https://"+env.Dataverse.Org+".crm.dynamics.com/.default")
	odata := func(m map[string]any) string { s, _ := m["@odata.nextLink"].(string); return s }
	u := "https://" + env.Dataverse.Org + ".api.crm.dynamics.com/api/data/v9.2/bots?$select=botid,name"
	n, pages = follow(u, dv, map[string]string{"Prefer": "odata.maxpagesize=10"}, odata)
	if n != len(env.Dataverse.Bots) || pages != (n+9)/10 {
		t.Errorf("bots at 10 a page: %d in %d pages", n, pages)
	}
	// The service caps the page size.
	n, pages = follow(u, dv, map[string]string{"Prefer": "odata.maxpagesize=5000"}, odata)
	if n != len(env.Dataverse.Bots) || pages != (n+39)/40 {
		t.Errorf("bots capped at 40: %d in %d pages", n, pages)
	}
	bad := ppDo(t, ts, http.MethodGet, "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/"+env.ID+"/v2/flows?api-version=2016-11-01&$skiptoken=garbage", flow, nil, nil)
	ppMust(t, bad, http.StatusBadRequest)
}

// The mutations do what the live services are recorded to do.
func TestPPMutations(t *testing.T) {
	ts := startSim(t, nil)
	papps := ts.spToken(tContoso, spApp, spSecret, ppPowerApps)
	app := "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps/" + ppAppSiteSurv
	perms := func() map[string]string {
		a := ppDo(t, ts, http.MethodGet, app+"/permissions?api-version=2022-11-01", papps, nil, nil)
		ppMust(t, a, http.StatusOK)
		out := map[string]string{}
		for _, p := range valueOf(t, a).([]any) {
			pr := p.(map[string]any)["properties"].(map[string]any)
			out[pr["principal"].(map[string]any)["id"].(string)] = pr["roleName"].(string)
		}
		return out
	}
	const adele, lee = "2b3c4d5e-6f70-4b81-9ca2-c0de00000312", "3c4d5e6f-7081-4c92-adb3-c0de00000313"
	if got := perms(); got[adele] != "Owner" || got[lee] != "CanView" || len(got) != 2 {
		t.Fatalf("before: %v", got)
	}
	a := ppDo(t, ts, http.MethodPost, app+"/modifyAppOwner?api-version=2022-11-01", papps, map[string]string{"newAppOwner": oidService, "roleForOldAppOwner": "CanEdit"}, nil)
	ppMust(t, a, http.StatusOK)
	if got := perms(); got[oidService] != "Owner" || got[adele] != "CanEdit" || got[lee] != "CanView" {
		t.Errorf("after modifyAppOwner: %v", got)
	}
	a = ppDo(t, ts, http.MethodPost, app+"/modifyAppOwner?api-version=2022-11-01", papps, map[string]string{"newAppOwner": adele}, nil)
	ppMust(t, a, http.StatusOK)
	if got := perms(); got[adele] != "Owner" || got[oidService] != "" {
		t.Errorf("without roleForOldAppOwner the old owner loses access: %v", got)
	}
	a = ppDo(t, ts, http.MethodPost, app+"/modifyAppOwner?api-version=2022-11-01", papps, map[string]string{"newAppOwner": oidService, "roleForOldAppOwner": "Owner"}, nil)
	ppMust(t, a, http.StatusBadRequest)
	put := map[string]any{"put": []any{map[string]any{"properties": map[string]any{"roleName": "CanEdit", "principal": map[string]string{"id": oidService, "type": "User"}}}}}
	a = ppDo(t, ts, http.MethodPost, app+"/modifyPermissions?api-version=2022-11-01", papps, put, nil)
	ppMust(t, a, http.StatusOK)
	if got := perms(); got[oidService] != "CanEdit" || got[adele] != "Owner" {
		t.Errorf("after modifyPermissions: %v", got)
	}

	// A flow's modifyPermissions adds a co-owner; the creator never changes.
	flowTok := ts.spToken(tContoso, spApp, spSecret, ppFlowScope)
	flow := "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + ppProdEnv + "/flows/d1f0c0de-0000-4000-8000-000000000203"
	a = ppDo(t, ts, http.MethodPost, flow+"/modifyPermissions?api-version=2016-11-01", flowTok, put, nil)
	ppMust(t, a, http.StatusOK)
	a = ppDo(t, ts, http.MethodGet, flow+"?api-version=2016-11-01", flowTok, nil, nil)
	ppMust(t, a, http.StatusOK)
	if !strings.Contains(string(a.body), `"objectId":"`+adele+`"`) {
		t.Errorf("the creator changed: %s", a.body)
	}
	a = ppDo(t, ts, http.MethodGet, flow+"/permissions?api-version=2016-11-01", flowTok, nil, nil)
	if !strings.Contains(string(a.body), `"roleName":"CanEdit"`) || !strings.Contains(string(a.body), oidService) || !strings.Contains(string(a.body), `"roleName":"Owner"`) {
		t.Errorf("flow owners: %s", a.body)
	}
	del := map[string]any{"delete": []any{map[string]string{"id": adele}}}
	a = ppDo(t, ts, http.MethodPost, flow+"/modifyPermissions?api-version=2016-11-01", flowTok, del, nil)
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "CannotRemoveFlowCreator") {
		t.Errorf("removing the creator: %d %s", a.status, a.body)
	}

	// Dataverse: PATCH ownerid answers 204; the creator stays.
	dv := ts.spToken(tContoso, spApp, spSecret, "https://contosoprod.crm.dynamics.com/.default")
	users := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/systemusers?$select=systemuserid&$filter=azureactivedirectoryobjectid%20eq%20"+oidService, dv, nil, nil)
	ppMust(t, users, http.StatusOK)
	svc := valueOf(t, users).([]any)[0].(map[string]any)["systemuserid"].(string)
	bot := ppProdOrgAPI + "/api/data/v9.2/bots(d1b0c0de-0000-4000-8000-000000000402)"
	before := ppDo(t, ts, http.MethodGet, bot+"?$select=_createdby_value,_ownerid_value", dv, nil, nil)
	a = ppDo(t, ts, http.MethodPatch, bot, dv, map[string]string{"ownerid@odata.bind": "/systemusers(" + svc + ")"}, map[string]string{"If-Match": "*"})
	ppMust(t, a, http.StatusNoContent)
	after := ppDo(t, ts, http.MethodGet, bot+"?$select=_createdby_value,_ownerid_value", dv, nil, nil)
	var b1, b2 map[string]any
	_ = json.Unmarshal(before.body, &b1)
	_ = json.Unmarshal(after.body, &b2)
	if b2["_ownerid_value"] != svc || b2["_createdby_value"] != b1["_createdby_value"] || b1["@odata.etag"] == b2["@odata.etag"] {
		t.Errorf("bot before %v, after %v", b1, b2)
	}
	a = ppDo(t, ts, http.MethodPatch, bot, dv, map[string]string{"ownerid@odata.bind": "/systemusers(" + svc + ")"}, map[string]string{"If-Match": `W/"1"`})
	ppMust(t, a, http.StatusPreconditionFailed)

	// Power BI: TakeOver gives the dataset to the caller (configuredBy = its UPN).
	svcSession := ts.userSession(upnService)
	pbi, err := svcSession(tContoso, ppPowerBI)
	if err != nil {
		t.Fatal(err)
	}
	ds := "https://api.powerbi.com/v1.0/myorg/groups/" + ppSalesGroup + "/datasets/d1e5c0de-0000-4000-8000-000000000602"
	a = ppDo(t, ts, http.MethodGet, ds, pbi, nil, nil)
	if !strings.Contains(string(a.body), `"configuredBy":"megan.bowen@contoso.onmicrosoft.com"`) {
		t.Fatalf("before: %s", a.body)
	}
	a = ppDo(t, ts, http.MethodPost, ds+"/Default.TakeOver", pbi, nil, nil)
	ppMust(t, a, http.StatusOK)
	a = ppDo(t, ts, http.MethodGet, ds, pbi, nil, nil)
	if !strings.Contains(string(a.body), `"configuredBy":"`+upnService+`"`) {
		t.Errorf("after TakeOver: %s", a.body)
	}
	// A non-member gets Power BI's 401.
	adminTok, err := ts.userSession("it-admin@contoso.onmicrosoft.com")(tContoso, ppPowerBI)
	if err != nil {
		t.Fatal(err)
	}
	a = ppDo(t, ts, http.MethodGet, "https://api.powerbi.com/v1.0/myorg/groups/d1e0c0de-0000-4000-8000-000000000602/datasets", adminTok, nil, nil)
	if a.status != http.StatusUnauthorized || !strings.Contains(string(a.body), "PowerBINotAuthorizedException") {
		t.Errorf("a non-member: %d %s", a.status, a.body)
	}
}

// MaxConcurrent answers 429 with Retry-After past the limit.
func TestPPConcurrencyLimit(t *testing.T) {
	ts := startSim(t, func(s *Scenario) {
		s.PowerPlatform.Settings.MaxConcurrent = map[string]int{"dataverse": 2}
		s.PowerPlatform.Settings.ServiceTime = Duration(200 * time.Millisecond)
	})
	dv := ts.spToken(tContoso, spApp, spSecret, "https://contosoprod.crm.dynamics.com/.default")
	var mu sync.Mutex
	codes := map[int]int{}
	retryAfter := ""
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			a := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/bots", dv, nil, nil)
			mu.Lock()
			codes[a.status]++
			if a.status == http.StatusTooManyRequests {
				retryAfter = a.header.Get("Retry-After")
				if !strings.Contains(string(a.body), "0x80072326") {
					t.Errorf("429 body: %s", a.body)
				}
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != 2 || codes[http.StatusTooManyRequests] != 3 || retryAfter == "" {
		t.Errorf("answers %v (Retry-After %q), want 2 OK and 3 throttled", codes, retryAfter)
	}
}

func TestPPValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*PowerPlatform)
		want string
	}{
		{"unknown owner", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].CanvasApps[0].Owner = "00000000-0000-4000-8000-00000000dead"
		},
			"is not a user, guest or service principal of tenant"},
		{"owner from another tenant", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Flows[0].Creator = "9a4f0d2b-5e6f-4071-bc83-9b4d00000203"
		}, "flows[0] (Approve expense claims).creator"},
		{"bad sku", func(p *PowerPlatform) { p.Tenants[0].Environments[1].SKU = "Prod" }, `sku "Prod" is not Production`},
		{"default id", func(p *PowerPlatform) { p.Tenants[0].Environments[0].ID = "0b0e0000-0000-4000-8000-000000000000" }, "default environment's id must be Default-"},
		{"unknown solution", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Dataverse.ModelDrivenApps[0].Solution = "Nope"
		}, `solution "Nope" is not a solution`},
		{"duplicate id", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Flows[1].ID = p.Tenants[0].Environments[1].Flows[0].ID
		}, "already used by"},
		{"tenant", func(p *PowerPlatform) { p.Tenants[0].Tenant = "11111111-1111-4111-8111-111111111111" }, "is not a tenant of the scenario"},
		{"role", func(p *PowerPlatform) { p.Tenants[0].Environments[1].CanvasApps[2].Permissions[0].Role = "Owner" }, `role "Owner" is not CanEdit or CanView`},
		{"import time", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Dataverse.Solutions[0].Imports[0].CompletedOn = "yesterday"
		}, "is not RFC 3339"},
		{"limit name", func(p *PowerPlatform) { p.Settings.MaxConcurrent = map[string]int{"sharepoint": 3} }, `"sharepoint" is not bap`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := LoadScenario("demo", nil)
			if err != nil {
				t.Fatal(err)
			}
			c.edit(sc.PowerPlatform)
			err = sc.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

func TestPPLargeScenario(t *testing.T) {
	sc := LargeScenario(20, 5000)
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := LargeResourceCount(sc); n < 95000 || n > 105000 {
		t.Errorf("%d resources, want about 100,000", n)
	}
	again := LargeScenario(20, 5000)
	a, _ := json.Marshal(sc)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Error("LargeScenario is not deterministic")
	}
}
