package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkServe measures the simulator's own CPU per request: each case is
// one request through Server.ServeHTTP (routing, token check, the service's
// work and the JSON answer), without TLS or sockets, on the generated large
// scenario. The attribution scan benchmark sends these requests by the
// thousand; the simulator must not get slower per request.
func BenchmarkServe(b *testing.B) {
	sc := LargeScenario(2, 2000)
	// Thousands of requests by one caller: past Dataverse's service
	// protection, which is not what this measures.
	sc.PowerPlatform.Settings.DataverseRequestLimit = 1 << 30
	s, err := Start(context.Background(), Options{Scenario: sc, PagesAddr: "off"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	s.Warm()
	serve := func(method, host, path string, form url.Values, token string, header http.Header) *httptest.ResponseRecorder {
		var req *http.Request
		if form != nil {
			req = httptest.NewRequest(method, "https://"+host+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, "https://"+host+path, nil)
		}
		req.Host = host
		for k, v := range header {
			req.Header[k] = v
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	token := func(scope string) string {
		w := serve("POST", loginHost, "/"+LargeTenantID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {LargeSPAppID}, "client_secret": {LargeSPSecret},
			"scope": {scope + " openid offline_access profile"}}, "", nil)
		var t struct {
			AccessToken string `json:"access_token"`
		}
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &t) != nil {
			b.Fatalf("token: %d %s", w.Code, w.Body)
		}
		return t.AccessToken
	}
	arm := token("https://management.core.windows.net//.default")
	pa := token("https://service.powerapps.com//.default")
	flow := token("https://service.flow.microsoft.com//.default")
	dv := token("https://tailspin01.api.crm.dynamics.com/.default")
	env := largeID(1, 1, 0)
	cases := []struct {
		name, method, host, path, token string
		want                            int
		form                            url.Values
		header                          http.Header
	}{
		{name: "token", method: "POST", host: loginHost, path: "/" + LargeTenantID + "/oauth2/v2.0/token", form: url.Values{
			"grant_type": {"client_credentials"}, "client_id": {LargeSPAppID}, "client_secret": {LargeSPSecret},
			"scope": {"https://management.core.windows.net//.default openid offline_access profile"}}},
		{name: "pal-get", method: "GET", host: armHost, path: "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", token: arm, want: 404},
		{name: "tenants", method: "GET", host: armHost, path: "/tenants?api-version=2022-12-01", token: arm},
		{name: "apps-page-250", method: "GET", host: powerAppsHost, path: "/providers/Microsoft.PowerApps/scopes/admin/environments/" + env + "/apps?api-version=2016-11-01", token: pa},
		{name: "flows-page-50", method: "GET", host: flowHost, path: "/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + env + "/v2/flows?api-version=2016-11-01", token: flow},
		{name: "dataverse-bots", method: "GET", host: "tailspin01.api.crm.dynamics.com", path: "/api/data/v9.2/bots?$select=botid,name,_createdby_value,_ownerid_value", token: dv,
			header: http.Header{"Prefer": {`odata.include-annotations="OData.Community.Display.V1.FormattedValue"`}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := serve(c.method, c.host, c.path, c.form, c.token, c.header)
			if want := max(c.want, 200); w.Code != want {
				b.Fatalf("%s: %d %s", c.name, w.Code, w.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				serve(c.method, c.host, c.path, c.form, c.token, c.header)
			}
		})
	}
}
