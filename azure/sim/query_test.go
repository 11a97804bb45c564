package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	upnMegan = "megan.bowen@contoso.onmicrosoft.com"
	meganOID = "1a2b3c4d-5e6f-4a70-8b91-c0de00000311"
)

// demoTenant is the demo scenario's Power Platform data for a tenant.
func demoTenant(t *testing.T, tenant string) PPTenant {
	t.Helper()
	sc, err := LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range sc.PowerPlatform.Tenants {
		if pt.Tenant == tenant {
			return pt
		}
	}
	t.Fatalf("no Power Platform data for %s", tenant)
	return PPTenant{}
}

// demoEnv is one environment of the demo scenario.
func demoEnv(t *testing.T, id string) PPEnvironment {
	t.Helper()
	for _, e := range demoTenant(t, tContoso).Environments {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no environment %s", id)
	return PPEnvironment{}
}

// values decodes an OData list answer.
func values(t *testing.T, a answer) []map[string]any {
	t.Helper()
	var b struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(a.body, &b); err != nil {
		t.Fatalf("not a list: %s", a.body)
	}
	return b.Value
}

// TestDataverseQueryOptions: the Web API applies the OData options clients
// send, or refuses them with its own error; it never ignores one.
func TestDataverseQueryOptions(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.spToken(tContoso, spApp, spSecret, ppProdOrgAPI+"/.default")
	get := func(set string, q url.Values) answer {
		return ppDo(t, ts, "GET", ppProdOrgAPI+"/api/data/v9.2/"+set+"?"+q.Encode(), tok, nil, nil)
	}
	dvCode := func(a answer) string {
		var b struct{ Error struct{ Code string } }
		_ = json.Unmarshal(a.body, &b)
		return b.Error.Code
	}
	t.Run("$expand a lookup with $select", func(t *testing.T) {
		a := get("bots", url.Values{"$select": {"name,_createdby_value"}, "$expand": {"createdby($select=fullname,azureactivedirectoryobjectid)"}})
		ppMust(t, a, 200)
		for _, b := range values(t, a) {
			cb, ok := b["createdby"].(map[string]any)
			if !ok || cb["fullname"] == nil || cb["azureactivedirectoryobjectid"] == nil || cb["systemuserid"] != b["_createdby_value"] || cb["domainname"] != nil {
				t.Fatalf("createdby not expanded as asked: %v", b)
			}
		}
		if !strings.Contains(string(a.body), `bots(botid,name,_createdby_value,createdby(systemuserid,fullname,azureactivedirectoryobjectid))`) {
			t.Errorf("@odata.context does not describe the expansion: %.200s", a.body)
		}
	})
	t.Run("$select with $expand=publisherid", func(t *testing.T) {
		a := get("solutions", url.Values{"$select": {"uniquename,_publisherid_value"}, "$expand": {"publisherid($select=friendlyname)"},
			"$filter": {"uniquename eq 'FabrikamFieldService'"}})
		ppMust(t, a, 200)
		v := values(t, a)
		if len(v) != 1 || v[0]["publisherid"].(map[string]any)["friendlyname"] != "Fabrikam Consulting" {
			t.Fatalf("publisher not expanded: %s", a.body)
		}
	})
	t.Run("$count", func(t *testing.T) {
		a := get("bots", url.Values{"$count": {"true"}, "$top": {"1"}})
		ppMust(t, a, 200)
		if c := a.json(t)["@odata.count"]; c != 3.0 || len(values(t, a)) != 1 {
			t.Fatalf("@odata.count %v (want 3, the matches before $top): %s", c, a.body)
		}
	})
	t.Run("$orderby on two fields", func(t *testing.T) {
		a := get("importjobs", url.Values{"$select": {"solutionname,completedon"}, "$orderby": {"solutionname asc,completedon desc"}})
		ppMust(t, a, 200)
		v := values(t, a)
		for i := 1; i < len(v); i++ {
			a, b := v[i-1], v[i]
			if a["solutionname"].(string) > b["solutionname"].(string) ||
				a["solutionname"] == b["solutionname"] && a["completedon"] != nil && b["completedon"] != nil && a["completedon"].(string) < b["completedon"].(string) {
				t.Fatalf("rows %d and %d out of order: %v %v", i-1, i, a, b)
			}
		}
	})
	for _, c := range []struct {
		name string
		q    url.Values
	}{
		{"an unknown option", url.Values{"$bogus": {"1"}}},
		{"$apply", url.Values{"$apply": {"groupby((name))"}}},
		{"expanding a column", url.Values{"$expand": {"name"}}},
		{"expanding an unknown navigation", url.Values{"$expand": {"bogus_nav"}}},
		{"$filter inside $expand", url.Values{"$expand": {"createdby($filter=fullname eq 'x')"}}},
		{"a function in $filter", url.Values{"$filter": {"contains(name,'Helper')"}}},
		{"$count not a boolean", url.Values{"$count": {"yes"}}},
	} {
		t.Run("refuses "+c.name, func(t *testing.T) {
			if a := get("bots", c.q); a.status != 400 || dvCode(a) != "0x80060888" {
				t.Fatalf("%d %s, want 400 0x80060888", a.status, a.body)
			}
		})
	}
	t.Run("a record takes only $select and $expand", func(t *testing.T) {
		u := ppProdOrgAPI + "/api/data/v9.2/bots(d1b0c0de-0000-4000-8000-000000000401)?"
		a := ppDo(t, ts, "GET", u+"$select=name&$expand=ownerid($select=fullname)", tok, nil, nil)
		ppMust(t, a, 200)
		if a.json(t)["ownerid"].(map[string]any)["fullname"] != "PAL Service Account (Fabrikam)" {
			t.Fatalf("owner not expanded: %s", a.body)
		}
		if a := ppDo(t, ts, "GET", u+"$top=1", tok, nil, nil); a.status != 400 {
			t.Fatalf("$top on a record: %d %s", a.status, a.body)
		}
	})
}

// TestFetchXML: the FetchXML queries clients send for bots and solutions are
// applied: attributes, filters, link-entities and paging; anything else is
// refused.
func TestFetchXML(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.spToken(tContoso, spApp, spSecret, ppProdOrgAPI+"/.default")
	fetch := func(set, doc string) answer {
		return ppDo(t, ts, "GET", ppProdOrgAPI+"/api/data/v9.2/"+set+"?fetchXml="+url.QueryEscape(doc), tok, nil,
			map[string]string{"Prefer": `odata.include-annotations="*"`})
	}
	t.Run("bots with their owners (CLI for Microsoft 365)", func(t *testing.T) {
		a := fetch("bots", `<fetch mapping='logical' version='1.0'><entity name='bot'><attribute name='name'/><attribute name='botid'/><attribute name='ownerid'/>
			<link-entity name='systemuser' from='systemuserid' to='ownerid' alias='owner'><attribute name='fullname'/></link-entity>
			<link-entity name='systemuser' from='systemuserid' to='modifiedby' alias='modifiedby'><attribute name='fullname'/></link-entity>
			<order attribute='name'/></entity></fetch>`)
		ppMust(t, a, 200)
		v := values(t, a)
		if len(v) != 3 || v[0]["name"] != "Field Assistant" || v[2]["name"] != "IT Helpdesk" {
			t.Fatalf("bots: %s", a.body)
		}
		if v[2]["owner.fullname"] != "PAL Service Account (Fabrikam)" || v[2]["_ownerid_value"] == nil || v[2]["modifiedby.fullname"] == nil {
			t.Fatalf("linked attributes: %v", v[2])
		}
	})
	t.Run("visible solutions with their publishers", func(t *testing.T) {
		a := fetch("solutions", `<fetch><entity name="solution"><attribute name="uniquename"/><attribute name="ismanaged"/><attribute name="publisherid"/>
			<filter type="and"><condition attribute="isvisible" operator="eq" value="1"/><condition attribute="ismanaged" operator="eq" value="true"/></filter>
			<link-entity name="publisher" alias="publisher" from="publisherid" to="publisherid"><attribute name="friendlyname"/></link-entity></entity></fetch>`)
		ppMust(t, a, 200)
		v := values(t, a)
		want := 0
		for _, sol := range demoEnv(t, ppProdEnv).Dataverse.Solutions {
			if sol.Managed {
				want++
			}
		}
		if len(v) != want || want == 0 {
			t.Fatalf("managed visible solutions: %d, want %d: %s", len(v), want, a.body)
		}
		for _, s := range v {
			if s["ismanaged"] != true || s["publisher.friendlyname"] == nil {
				t.Fatalf("solution %v", s)
			}
		}
	})
	t.Run("or, in and null", func(t *testing.T) {
		a := fetch("bots", `<fetch><entity name="bot"><attribute name="name"/><filter type="or">
			<condition attribute="name" operator="in"><value>HR Helper</value><value>IT Helpdesk</value></condition>
			<condition attribute="publishedon" operator="null"/></filter></entity></fetch>`)
		ppMust(t, a, 200)
		if n := len(values(t, a)); n != 2 {
			t.Fatalf("%d bots, want 2: %s", n, a.body)
		}
	})
	t.Run("paging", func(t *testing.T) {
		doc := `<fetch count="2" page="%d"><entity name="bot"><attribute name="name"/><order attribute="name"/></entity></fetch>`
		first := fetch("bots", strings.Replace(doc, "%d", "1", 1))
		ppMust(t, first, 200)
		m := first.json(t)
		if len(values(t, first)) != 2 || m["@Microsoft.Dynamics.CRM.morerecords"] != true || m["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] == nil {
			t.Fatalf("first page: %s", first.body)
		}
		second := fetch("bots", strings.Replace(doc, "%d", "2", 1))
		if v := values(t, second); len(v) != 1 || v[0]["name"] != "IT Helpdesk" || second.json(t)["@Microsoft.Dynamics.CRM.morerecords"] != nil {
			t.Fatalf("second page: %s", second.body)
		}
	})
	for _, c := range []struct{ name, set, doc, code string }{
		{"an attribute the entity lacks", "bots", `<fetch><entity name="bot"><attribute name="colour"/></entity></fetch>`, "0x80041103"},
		{"an unsupported operator", "bots", `<fetch><entity name="bot"><filter><condition attribute="name" operator="like" value="%Help%"/></filter></entity></fetch>`, "0x80060888"},
		{"aggregation", "bots", `<fetch aggregate="true"><entity name="bot"><attribute name="botid" aggregate="count" alias="n"/></entity></fetch>`, "0x80060888"},
		{"another entity than the set", "bots", `<fetch><entity name="solution"/></fetch>`, "0x80060888"},
		{"an unknown element", "bots", `<fetch><entity name="bot"><attribute name="name"/><union/></entity></fetch>`, "0x80060888"},
		{"not XML", "bots", `<fetch><entity name="bot">`, "0x80060888"},
	} {
		t.Run("refuses "+c.name, func(t *testing.T) {
			a := fetch(c.set, c.doc)
			if a.status != 400 || !strings.Contains(string(a.body), `"code":"`+c.code+`"`) {
				t.Fatalf("%d %s, want 400 %s", a.status, a.body, c.code)
			}
		})
	}
}

// TestMakerRoutesAndFilters: the non-admin environment and app lists, the
// Power Apps environment filter, and refusals of what the services do not take.
func TestMakerRoutesAndFilters(t *testing.T) {
	ts := startSim(t, nil)
	megan := ts.userSession(upnMegan)
	tok := func(scope string) string {
		s, err := megan(tContoso, scope)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	papps := tok(ppPowerApps)
	t.Run("environments a maker has a role in", func(t *testing.T) {
		a := ppDo(t, ts, "GET", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/environments?api-version=2020-10-01", papps, nil, nil)
		ppMust(t, a, 200)
		var names []string
		for _, e := range values(t, a) {
			names = append(names, e["name"].(string))
			if !strings.HasPrefix(e["id"].(string), "/providers/Microsoft.BusinessAppPlatform/environments/") {
				t.Errorf("id %v is not the non-admin form", e["id"])
			}
		}
		// The default one (every member makes there), and those where she
		// owns an app (production, the UAT sandbox) or that she created.
		want := "Default-" + tContoso + "," + ppProdEnv + ",9d6f3b25-4a7c-4e9f-8b82-c0de0000e002," + ppDevEnv
		if strings.Join(names, ",") != want {
			t.Fatalf("environments %v, want %s", names, want)
		}
		// The admin route refuses her.
		if a := ppDo(t, ts, "GET", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01", papps, nil, nil); a.status != 403 {
			t.Fatalf("admin route for a maker: %d", a.status)
		}
	})
	t.Run("apps shared with a maker, in one environment", func(t *testing.T) {
		q := url.Values{"api-version": {"2016-11-01"}, "$filter": {"environment eq '" + ppProdEnv + "'"}}
		a := ppDo(t, ts, "GET", "https://api.powerapps.com/providers/Microsoft.PowerApps/apps?"+q.Encode(), papps, nil, nil)
		ppMust(t, a, 200)
		v := values(t, a)
		if len(v) != 1 || v[0]["name"] != "d1a0c0de-0000-4000-8000-000000000202" || v[0]["type"] != "Microsoft.PowerApps/apps" {
			t.Fatalf("apps: %s", a.body)
		}
		q.Del("$filter")
		want := 0
		for _, e := range demoTenant(t, tContoso).Environments {
			for _, app := range e.CanvasApps {
				shared := app.Owner == meganOID
				for _, g := range app.Permissions {
					shared = shared || g.Principal == meganOID
				}
				if shared {
					want++
				}
			}
		}
		if n := len(values(t, ppDo(t, ts, "GET", "https://api.powerapps.com/providers/Microsoft.PowerApps/apps?"+q.Encode(), papps, nil, nil))); n != want {
			t.Fatalf("apps in every environment: %d, want %d", n, want)
		}
	})
	admin := ts.spToken(tContoso, spApp, spSecret, ppPowerApps)
	base := "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps?api-version=2016-11-01"
	for _, c := range []struct {
		name, url string
		status    int
	}{
		{"admin apps in the same environment", base + "&$filter=" + url.QueryEscape("environment eq '"+ppProdEnv+"'"), 200},
		{"admin apps filtered to another environment", base + "&$filter=" + url.QueryEscape("environment eq '"+ppDevEnv+"'"), 400},
		{"admin apps with another filter", base + "&$filter=" + url.QueryEscape("properties/displayName eq 'x'"), 400},
		{"admin apps with an unknown option", base + "&$orderby=name", 400},
		{"environments with capacity", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01&$expand=properties.capacity", 200},
		{"environments with an unknown expansion", "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01&$expand=properties.bogus", 400},
		{"flows with a filter", "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + ppProdEnv + "/v2/flows?api-version=2016-11-01&$filter=x", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			token := admin
			if strings.Contains(c.url, "api.flow.") {
				token = ts.spToken(tContoso, spApp, spSecret, ppFlowScope)
			}
			a := ppDo(t, ts, "GET", c.url, token, nil, nil)
			ppMust(t, a, c.status)
			if strings.Contains(c.url, "properties.capacity") && !strings.Contains(string(a.body), `"capacityType":"Database"`) {
				t.Fatalf("no capacity: %.300s", a.body)
			}
		})
	}
	pbi := ts.spToken(tContoso, spApp, spSecret, ppPowerBI)
	t.Run("Power BI groups by name", func(t *testing.T) {
		a := ppDo(t, ts, "GET", "https://api.powerbi.com/v1.0/myorg/groups?$filter="+url.QueryEscape("name eq 'Operations'"), pbi, nil, nil)
		ppMust(t, a, 200)
		if v := values(t, a); len(v) != 1 || v[0]["name"] != "Operations" {
			t.Fatalf("%s", a.body)
		}
		if a := ppDo(t, ts, "GET", "https://api.powerbi.com/v1.0/myorg/groups?$orderby=name", pbi, nil, nil); a.status != 400 || !strings.Contains(string(a.body), `"target":"$orderby"`) {
			t.Fatalf("$orderby: %d %s", a.status, a.body)
		}
	})
}

// TestGraphUsers: the lookup of a user by UPN, Graph's default properties
// and $select, and who may read the directory.
func TestGraphUsers(t *testing.T) {
	ts := startSim(t, func(sc *Scenario) {
		sc.ServicePrincipals[0].Roles = map[string][]string{graphAppID: {"User.Read.All"}}
	})
	member, err := ts.userSession(upnService)(tContoso, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	guest, err := ts.userSession(upnAna)(tContoso, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	app := ts.spToken(tContoso, spApp, spSecret, graphScope)
	noRole := ts.spToken(tNorthwind, "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601", "sim-northwind-pipeline-secret-1", graphScope)
	byUPN := func(upn string) string {
		return "https://graph.microsoft.com/v1.0/users?$filter=" + url.QueryEscape("userPrincipalName eq '"+upn+"'")
	}
	guestUPN := "ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com"
	for _, c := range []struct {
		name, url, token string
		status, n        int
	}{
		{"member finds a user by UPN", byUPN(upnMegan), member, 200, 1},
		{"a guest by the UPN it has in this directory", byUPN(guestUPN), member, 200, 1},
		{"no such user", byUPN("nobody@contoso.onmicrosoft.com"), member, 200, 0},
		{"an application with User.Read.All", byUPN(upnMegan), app, 200, 1},
		{"an application without it", "https://graph.microsoft.com/v1.0/users", noRole, 403, 0},
		{"a guest may not list users", byUPN(upnMegan), guest, 403, 0},
		{"another filter", "https://graph.microsoft.com/v1.0/users?$filter=" + url.QueryEscape("startswith(displayName,'M')"), member, 400, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := ts.do("GET", c.url, c.token, nil)
			if a.status != c.status {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if c.status == 200 && len(values(t, a)) != c.n {
				t.Fatalf("%d users, want %d: %s", len(values(t, a)), c.n, a.body)
			}
		})
	}
	t.Run("by UPN in the path, default properties", func(t *testing.T) {
		a := ts.do("GET", "https://graph.microsoft.com/v1.0/users/"+upnMegan, member, nil)
		u := a.json(t)
		if a.status != 200 || u["id"] != "1a2b3c4d-5e6f-4a70-8b91-c0de00000311" || u["displayName"] != "Megan Bowen" {
			t.Fatalf("%d %s", a.status, a.body)
		}
		if _, ok := u["userType"]; ok {
			t.Errorf("userType is not a default property: %s", a.body)
		}
	})
	t.Run("$select", func(t *testing.T) {
		a := ts.do("GET", "https://graph.microsoft.com/v1.0/me?$select=id,userType", guest, nil)
		if u := a.json(t); u["userType"] != "Guest" || u["displayName"] != nil {
			t.Fatalf("%s", a.body)
		}
		if a := ts.do("GET", "https://graph.microsoft.com/v1.0/me?$select=shoeSize", member, nil); a.status != 400 {
			t.Fatalf("unknown property: %d", a.status)
		}
		if a := ts.do("GET", "https://graph.microsoft.com/v1.0/me?$expand=manager", member, nil); a.status != 400 {
			t.Fatalf("$expand: %d", a.status)
		}
	})
}

// TestARMOnLoopback: the routes a client that knows only the loopback
// origin needs: the cloud metadata (naming the loopback origin) and the
// subscription list (empty).
func TestARMOnLoopback(t *testing.T) {
	ts := startSim(t, nil)
	a := ts.do("GET", ts.s.URL()+"/metadata/endpoints?api-version=2015-01-01", "", nil)
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	var md struct {
		Authentication struct {
			LoginEndpoint string
			Audiences     []string
		}
	}
	_ = json.Unmarshal(a.body, &md)
	if md.Authentication.LoginEndpoint != ts.s.URL()+"/" || len(md.Authentication.Audiences) == 0 {
		t.Fatalf("metadata %s", a.body)
	}
	a = ts.do("GET", ts.s.URL()+"/metadata/endpoints?api-version=2019-05-01", "", nil)
	var clouds []struct{ Name, ResourceManager string }
	if err := json.Unmarshal(a.body, &clouds); err != nil || len(clouds) != 1 || clouds[0].ResourceManager != ts.s.URL()+"/" {
		t.Fatalf("2019-05-01 metadata %s", a.body)
	}
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	a = ts.do("GET", ts.s.URL()+"/subscriptions?api-version=2022-12-01", tok, nil)
	if a.status != http.StatusOK || len(values(t, a)) != 0 {
		t.Fatalf("subscriptions: %d %s", a.status, a.body)
	}
}
