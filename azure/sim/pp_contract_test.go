package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// The Power Platform contract tests hold the simulator's answers to the
// example responses in testdata/specs/powerplatform: every field of an
// example must be in the simulator's answer with the same JSON type. The
// CLI for Microsoft 365 examples are the CLI's output, not the raw API: the
// fields the CLI adds (specs/README.md) are taken out of the example first,
// and the CLI unwraps the API's {"value": [...]} into a bare array.

const (
	ppProdEnv     = "8c5e2a14-3f6b-4d8e-9a71-c0de0000e001"
	ppDevEnv      = "ae704c36-5b8d-4fa0-9c93-c0de0000e003"
	ppSalesGroup  = "d1e0c0de-0000-4000-8000-000000000601"
	ppProdOrgAPI  = "https://contosoprod.api.crm.dynamics.com"
	ppPowerApps   = "https://service.powerapps.com//.default"
	ppFlowScope   = "https://service.flow.microsoft.com//.default"
	ppPowerBI     = "https://analysis.windows.net/powerbi/api/.default"
	ppAppSiteSurv = "d1a0c0de-0000-4000-8000-000000000203"
)

// ppDo sends a request with an optional JSON body and headers.
func ppDo(t *testing.T, ts *testSim, method, u, token string, body any, hdr map[string]string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := ts.cloud.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func ppMust(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
}

// withoutKeys copies a decoded example without the named top-level keys of each element.
func withoutKeys(v any, keys ...string) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			out[i] = e
			continue
		}
		c := map[string]any{}
		for k, x := range m {
			c[k] = x
		}
		for _, k := range keys {
			delete(c, k)
		}
		out[i] = c
	}
	return out
}

func valueOf(t *testing.T, a answer) any {
	t.Helper()
	m, ok := decodeJSON(t, "answer", a.body).(map[string]any)
	if !ok {
		t.Fatalf("answer is not an object: %s", a.body)
	}
	v, ok := m["value"]
	if !ok {
		t.Fatalf("answer has no value: %s", a.body)
	}
	return v
}

func TestPPContractExamples(t *testing.T) {
	dir := filepath.Join(specsDir(t), "powerplatform")
	ts := startSim(t, nil)
	papps := ts.spToken(tContoso, spApp, spSecret, ppPowerApps)
	flow := ts.spToken(tContoso, spApp, spSecret, ppFlowScope)
	pbi := ts.spToken(tContoso, spApp, spSecret, ppPowerBI)
	bap := "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
	apps := "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/" + ppProdEnv + "/apps"
	// A linked environment's metadata is null when the environment has no
	// Dataverse (Terraform's Sandbox); where the example has null, the
	// simulator may answer with the metadata of its own Dataverse.
	linked := func(ex, act any) string {
		if act == nil || ex == nil {
			return ""
		}
		if errs := sameShape("linkedEnvironmentMetadata", ex, act, nil); len(errs) > 0 {
			return strings.Join(errs, "; ")
		}
		return ""
	}
	nullableLinked := map[string]liveDifference{"$.value[].properties.linkedEnvironmentMetadata": linked}
	cliLinked := map[string]liveDifference{"$[].properties.linkedEnvironmentMetadata": linked}
	cases := []struct {
		file    string
		url     string
		token   string
		example func(any) any
		actual  func(answer) any
		allow   map[string]liveDifference
	}{
		// Terraform's two environments are a Developer one (Dataverse, a
		// group, a billing policy) and a Sandbox one; each is held to the
		// simulator's environment of the same kind.
		{file: "tf_bap_admin_environments_list.json", token: papps,
			url:     bap + "?$expand=properties/billingPolicy,properties/copilotPolicies&api-version=2023-06-01",
			example: func(v any) any { return v }, actual: func(a answer) any { return bySKU(t, a, "Developer", "Sandbox") }, allow: nullableLinked},
		{file: "cli_pp_environment_list.json", token: papps, url: bap + "?api-version=2020-10-01",
			// The CLI adds a top-level displayName.
			example: func(v any) any { return withoutKeys(v, "displayName") }, actual: func(a answer) any { return valueOf(t, a) }, allow: cliLinked},
		// Terraform's apps are in solutions (they carry logicalName): the
		// simulator's app in a solution answers for them.
		{file: "tf_powerapps_admin_apps_list.json", token: papps, url: apps + "?api-version=2016-11-01",
			example: func(v any) any { return v }, actual: func(a answer) any { return inSolutionApps(t, a) }},
		{file: "cli_pa_app_list.json", token: papps, url: apps + "?api-version=2017-08-01",
			example: func(v any) any { return withoutKeys(v, "displayName") }, actual: func(a answer) any { return valueOf(t, a) }},
		{file: "cli_pa_app_permission_list.json", token: papps, url: apps + "/" + ppAppSiteSurv + "/permissions?api-version=2022-11-01",
			// The CLI adds roleName, principalId and principalType at the top level.
			example: func(v any) any { return withoutKeys(v, "roleName", "principalId", "principalType") }, actual: func(a answer) any { return valueOf(t, a) }},
		{file: "cli_flow_list_asadmin.json", token: flow,
			url:     "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/" + ppProdEnv + "/v2/flows?api-version=2016-11-01",
			example: func(v any) any { return v }, actual: func(a answer) any { return valueOf(t, a) }},
		{file: "powerbi_datasets_in_group_example.json", token: pbi,
			url: "https://api.powerbi.com/v1.0/myorg/groups/" + ppSalesGroup + "/datasets",
			example: func(v any) any {
				return v.(map[string]any)["responses"].(map[string]any)["200"].(map[string]any)["body"]
			}, actual: func(a answer) any { return decodeJSON(t, "answer", a.body) }},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			if c.file == "tf_bap_admin_environments_list.json" {
				// Element by element: the checker merges array elements' keys
				// but takes nested objects from the first example element.
				ex := readJSONFile(t, filepath.Join(dir, c.file)).(map[string]any)["value"].([]any)
				a := ppDo(t, ts, http.MethodGet, c.url, c.token, nil, nil)
				ppMust(t, a, http.StatusOK)
				act := c.actual(a).([]any)
				for i := range ex {
					if errs := sameShape("$", ex[i], act[i], map[string]liveDifference{"$.properties.linkedEnvironmentMetadata": linked}); len(errs) > 0 {
						t.Errorf("%d differences from %s element %d:\n%s", len(errs), c.file, i, strings.Join(errs, "\n"))
					}
				}
				return
			}
			ex := c.example(readJSONFile(t, filepath.Join(dir, c.file)))
			a := ppDo(t, ts, http.MethodGet, c.url, c.token, nil, nil)
			ppMust(t, a, http.StatusOK)
			act := c.actual(a)
			if arr, ok := act.([]any); ok && len(arr) == 0 {
				t.Fatalf("the simulator answered an empty list; the contract needs elements: %s", a.body)
			}
			if errs := sameShape("$", ex, act, c.allow); len(errs) > 0 {
				t.Errorf("%d differences from %s:\n%s", len(errs), c.file, strings.Join(errs, "\n"))
			}
		})
	}
}

// bySKU picks the simulator's environments of the given SKUs, in order.
func bySKU(t *testing.T, a answer, skus ...string) any {
	t.Helper()
	var out []any
	for _, sku := range skus {
		for _, e := range valueOf(t, a).([]any) {
			if e.(map[string]any)["properties"].(map[string]any)["environmentSku"] == sku {
				out = append(out, e)
				break
			}
		}
	}
	if len(out) != len(skus) {
		t.Fatalf("the simulator has no environment of each of %v: %s", skus, a.body)
	}
	return out
}

// inSolutionApps keeps the apps in a solution, as the Terraform example's are.
func inSolutionApps(t *testing.T, a answer) any {
	t.Helper()
	var out []any
	for _, e := range valueOf(t, a).([]any) {
		if e.(map[string]any)["properties"].(map[string]any)["almMode"] == "Solution" {
			out = append(out, e)
		}
	}
	return map[string]any{"value": out}
}

// The checker must catch a simulator answer that drifts from an example.
func TestPPContractCatchesDrift(t *testing.T) {
	ex := decodeJSON(t, "example", []byte(`{"value":[{"id":"x","properties":{"creator":{"objectId":"a"},"isManaged":false}}]}`))
	for _, bad := range []string{
		`{"value":[{"id":"x","properties":{"creator":{"objectID":"a"},"isManaged":false}}]}`, // renamed
		`{"value":[{"id":"x","properties":{"creator":{"objectId":"a"},"isManaged":"no"}}]}`,  // type
		`{"value":[{"id":"x","properties":{"creator":"a","isManaged":false}}]}`,              // nesting
	} {
		if errs := sameShape("$", ex, decodeJSON(t, "bad", []byte(bad)), nil); len(errs) == 0 {
			t.Errorf("no difference found for %s", bad)
		}
	}
	if errs := sameShape("$", ex, decodeJSON(t, "good", []byte(`{"value":[{"id":"y","extra":1,"properties":{"creator":{"objectId":"b"},"isManaged":true}}]}`)), nil); len(errs) > 0 {
		t.Errorf("a faithful answer was flagged: %v", errs)
	}
}

// The Dataverse answers follow the Web API: @odata.context, @odata.etag,
// formatted values and lookup annotations, @odata.nextLink with a paging
// cookie, Preference-Applied.
func TestPPDataverseShape(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.spToken(tContoso, spApp, spSecret, "https://contosoprod.crm.dynamics.com/.default")
	hdr := map[string]string{"Prefer": `odata.include-annotations="OData.Community.Display.V1.FormattedValue",odata.maxpagesize=2`}
	a := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/appmodules?$select=appmoduleid,name,_createdby_value", tok, nil, hdr)
	ppMust(t, a, http.StatusOK)
	if got := a.header.Get("Preference-Applied"); !strings.Contains(got, "odata.maxpagesize=2") || !strings.Contains(got, "FormattedValue") {
		t.Errorf("Preference-Applied %q", got)
	}
	if a.header.Get("OData-Version") != "4.0" || a.header.Get("REQ_ID") == "" {
		t.Errorf("headers: %v", a.header)
	}
	var page struct {
		Context string           `json:"@odata.context"`
		Value   []map[string]any `json:"value"`
		Next    string           `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal(a.body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Value) != 2 || page.Next == "" || !strings.HasPrefix(page.Next, ppProdOrgAPI+"/api/data/v9.2/appmodules?") || !strings.Contains(page.Next, "%24skiptoken=") {
		t.Fatalf("first page: %d items, next %q", len(page.Value), page.Next)
	}
	if !strings.HasSuffix(page.Context, "$metadata#appmodules(appmoduleid,name,_createdby_value)") {
		t.Errorf("@odata.context %q", page.Context)
	}
	first := page.Value[0]
	for _, k := range []string{"@odata.etag", "appmoduleid", "name", "_createdby_value", "_createdby_value@OData.Community.Display.V1.FormattedValue",
		"_createdby_value@Microsoft.Dynamics.CRM.lookuplogicalname"} {
		if _, ok := first[k]; !ok {
			t.Errorf("record lacks %s: %v", k, first)
		}
	}
	if _, ok := first["uniquename"]; ok {
		t.Errorf("$select was not applied: %v", first)
	}
	b := ppDo(t, ts, http.MethodGet, page.Next, tok, nil, hdr)
	ppMust(t, b, http.StatusOK)
	var page2 struct {
		Value []map[string]any `json:"value"`
		Next  string           `json:"@odata.nextLink"`
	}
	_ = json.Unmarshal(b.body, &page2)
	if len(page2.Value) != 2 || page2.Next != "" || page2.Value[0]["appmoduleid"] == first["appmoduleid"] {
		t.Fatalf("second page: %s", b.body)
	}
	// Errors use Dataverse's envelope and codes.
	c := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/appmodules?$select=nosuchcolumn", tok, nil, nil)
	ppMust(t, c, http.StatusBadRequest)
	if !strings.Contains(string(c.body), `"code":"0x80060888"`) || !strings.Contains(string(c.body), "nosuchcolumn") {
		t.Errorf("bad $select: %s", c.body)
	}
	d := ppDo(t, ts, http.MethodGet, ppProdOrgAPI+"/api/data/v9.2/bots(00000000-0000-4000-8000-000000000000)", tok, nil, nil)
	ppMust(t, d, http.StatusNotFound)
	if !strings.Contains(string(d.body), "0x80040217") {
		t.Errorf("missing record: %s", d.body)
	}
}

func TestPPCustomerInsightsShape(t *testing.T) {
	ts := startSim(t, nil)
	tok := ts.userSession(upnService)
	ci, err := tok(tContoso, "https://api.ci.ai.dynamics.com/.default")
	if err != nil {
		t.Fatal(err)
	}
	u := "https://api.ci.ai.dynamics.com/v1/instances"
	a := ppDo(t, ts, http.MethodGet, u, ci, nil, nil)
	ppMust(t, a, http.StatusUnauthorized)
	if !strings.Contains(string(a.body), "missing subscription key") {
		t.Errorf("no key: %s", a.body)
	}
	a = ppDo(t, ts, http.MethodGet, u, ci, nil, map[string]string{"Ocp-Apim-Subscription-Key": "wrong"})
	ppMust(t, a, http.StatusUnauthorized)
	if !strings.Contains(string(a.body), "invalid subscription key") {
		t.Errorf("bad key: %s", a.body)
	}
	a = ppDo(t, ts, http.MethodGet, u, ci, nil, map[string]string{"Ocp-Apim-Subscription-Key": "sim-contoso-ci-key-1"})
	ppMust(t, a, http.StatusOK)
	var list []map[string]any
	if err := json.Unmarshal(a.body, &list); err != nil {
		t.Fatalf("instances are not a bare array: %v %s", err, a.body)
	}
	if len(list) != 2 {
		t.Fatalf("instances: %s", a.body)
	}
	for _, k := range []string{"instanceId", "name", "region", "instanceType", "provisioningState", "createdUtc", "updatedUtc"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("instance lacks %s: %v", k, list[0])
		}
	}
	_ = fmt.Sprint()
}
