package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The contract tests hold the simulator to the public API description in
// testdata/specs: every Management Partner operation of the swagger is called
// with its example's parameters, through the real host names, with a real
// token, and the answer is checked against the example (field names, JSON
// types, status codes, values that do not depend on the caller) and against
// the swagger definitions. Differences the live service is recorded to have
// (the shared reference managementpartner.md, §1.4-1.5) are allowed explicitly.

// palLiveDifferences are where live answers (and so the simulator) differ
// from the specification's examples.
func palLiveDifferences(body map[string]any) map[string]liveDifference {
	return map[string]liveDifference{
		// The examples say "Microsoft.ManagementPartner/partner"; live answers use the plural.
		"$.type": func(_, act any) string {
			if act != "Microsoft.ManagementPartner/partners" {
				return fmt.Sprintf("type %v, want the live Microsoft.ManagementPartner/partners", act)
			}
			return ""
		},
		// Most examples give version as the string "3"; the swagger and live
		// answers use an integer, equal to the etag.
		"$.properties.version": func(_, act any) string {
			n, ok := act.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				return fmt.Sprintf("version %v is not an integer", act)
			}
			if etag := body["etag"]; fmt.Sprint(etag) != n.String() {
				return fmt.Sprintf("version %v differs from etag %v (live: etag == version)", act, etag)
			}
			return ""
		},
	}
}

// palExampleCase says how to bring the simulator into the state an
// operation's example assumes.
type palExampleCase struct {
	// linkFirst is the partner ID to link the caller to before the call ("" = not linked).
	linkFirst string
}

// The example partner (123456, "Test_jefl") is added to the scenario so the
// examples' own parameters work.
const (
	examplePartnerID   = "123456"
	examplePartnerName = "Test_jefl"
)

var palExampleCases = map[string]palExampleCase{
	"Partner_Create": {},
	"Partner_Get":    {linkFirst: examplePartnerID},
	"Partners_Get":   {linkFirst: examplePartnerID},
	"Partner_Update": {linkFirst: "4977985"},
	"Partner_Delete": {linkFirst: examplePartnerID},
	"Operation_List": {},
}

func withExamplePartner(sc *Scenario) {
	sc.Partners = append(sc.Partners, Partner{ID: examplePartnerID, Name: examplePartnerName, Kind: "location"})
}

func TestContractManagementPartnerExamples(t *testing.T) {
	dir := specsDir(t)
	sw := loadSwagger(t, filepath.Join(dir, "managementpartner", "ManagementPartner.json"))
	seen := map[string]bool{}
	for _, op := range sw.operations() {
		examples, _ := op.spec["x-ms-examples"].(map[string]any)
		if len(examples) == 0 {
			t.Errorf("%s has no example to check against", op.id)
		}
		for name, ref := range examples {
			file := filepath.Join(dir, "managementpartner", filepath.FromSlash(fmt.Sprint(ref.(map[string]any)["$ref"])))
			t.Run(op.id+"/"+name, func(t *testing.T) {
				c, ok := palExampleCases[op.id]
				if !ok {
					t.Fatalf("the specification has an operation %s (%s %s) the contract test does not know: add a case", op.id, op.method, op.path)
				}
				seen[op.id] = true
				checkPALExample(t, sw, op, c, file)
			})
		}
	}
	for id := range palExampleCases {
		if !seen[id] {
			t.Errorf("the contract test has a case for %s, which is not in the specification", id)
		}
	}
}

func checkPALExample(t *testing.T, sw *swagger, op operation, c palExampleCase, file string) {
	ts := startSim(t, withExamplePartner)
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	if c.linkFirst != "" {
		if a := ts.do("PUT", palPath+"/partners/"+c.linkFirst+palVersion, tok, nil); a.status != 200 {
			t.Fatalf("set-up link: %d %s", a.status, a.body)
		}
	}
	ex := readJSONFile(t, file).(map[string]any)
	params, _ := ex["parameters"].(map[string]any)
	path := op.path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(fmt.Sprint(v)))
	}
	if strings.Contains(path, "{") {
		t.Fatalf("the example does not give every path parameter: %s", path)
	}
	u := "https://management.azure.com" + path + "?api-version=" + url.QueryEscape(fmt.Sprint(params["api-version"]))
	a := ts.do(op.method, u, tok, nil)

	responses, _ := ex["responses"].(map[string]any)
	if len(responses) != 1 {
		t.Fatalf("the example has %d responses; the test expects one", len(responses))
	}
	for status, r := range responses {
		if fmt.Sprint(a.status) != status {
			t.Fatalf("%s %s: status %d, the example answers %s\n%s", op.method, u, a.status, status, a.body)
		}
		exBody := r.(map[string]any)["body"]
		if exBody == nil || exBody == "" {
			// DeletePartnerDetails: 200 with an empty body.
			if len(a.body) != 0 {
				t.Fatalf("the example's answer has no body; the simulator sent %q", a.body)
			}
			if cl := a.header.Get("Content-Length"); cl != "0" {
				t.Errorf("Content-Length %q, want 0 (recorded live)", cl)
			}
			if op.responseSchema(status) != nil {
				t.Errorf("the swagger declares a body for %s %s", op.id, status)
			}
			return
		}
		if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q, want application/json; charset=utf-8 (recorded live)", ct)
		}
		got := decodeJSON(t, "the simulator's answer", a.body)
		schema := op.responseSchema(status)
		if schema == nil {
			t.Fatalf("the swagger has no schema for %s %s", op.id, status)
		}
		for _, e := range sw.validate("$", got, schema, nil) {
			t.Errorf("against the swagger: %s", e)
		}
		gm, _ := got.(map[string]any)
		if op.id == "Operation_List" {
			if !reflect.DeepEqual(got, exBody) {
				t.Errorf("operations differ from the example:\n got %s\nwant %s", mustJSON(got), mustJSON(exBody))
			}
			return
		}
		for _, e := range sameShape("$", exBody, got, palLiveDifferences(gm)) {
			t.Errorf("against the example: %s", e)
		}
		checkPartnerValues(t, exBody.(map[string]any), gm, tok)
	}
}

// checkPartnerValues compares the values that do not depend on who calls or when.
func checkPartnerValues(t *testing.T, ex, got map[string]any, tok string) {
	t.Helper()
	exProps, _ := ex["properties"].(map[string]any)
	props, _ := got["properties"].(map[string]any)
	want := map[string]any{
		"id":   strings.ToLower(fmt.Sprint(ex["id"])), // live ids are lower-case
		"name": ex["name"],
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"partnerId", "partnerName", "state"} {
		if fmt.Sprint(props[k]) != fmt.Sprint(exProps[k]) {
			t.Errorf("properties.%s = %v, want %v", k, props[k], exProps[k])
		}
	}
	cl := tokenPayload(t, tok)
	if props["tenantId"] != cl["tid"] || props["objectId"] != cl["oid"] {
		t.Errorf("tenantId/objectId %v/%v, want the caller's %v/%v", props["tenantId"], props["objectId"], cl["tid"], cl["oid"])
	}
}

func tokenPayload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT")
	}
	b, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestContractManagementPartnerErrors holds the error answers to the bodies
// recorded from the live service (reference §1.5) and to the swagger's Error
// definition: the code and message are repeated at the top level.
func TestContractManagementPartnerErrors(t *testing.T) {
	dir := specsDir(t)
	sw := loadSwagger(t, filepath.Join(dir, "managementpartner", "ManagementPartner.json"))
	ops := map[string]operation{}
	for _, op := range sw.operations() {
		ops[op.id] = op
	}
	const (
		invalid  = `{"error":{"code":"PartnerIdInvalid","message":"The Partner ID is not valid"},"code":"PartnerIdInvalid","message":"The Partner ID is not valid"}`
		notFound = `{"error":{"code":"ManagementPartnerNotFound","message":"This user or service principal is not linked with a Partner ID"},"code":"ManagementPartnerNotFound","message":"This user or service principal is not linked with a Partner ID"}`
	)
	cases := []struct {
		name, op, method, partner string
		status                    int
		body                      string
	}{
		{"PUT unknown partner", "Partner_Create", "PUT", "123457", 400, invalid},
		{"GET not linked", "Partner_Get", "GET", "123456", 404, notFound},
		{"GET without ID, not linked", "Partners_Get", "GET", "", 404, notFound},
		{"PATCH not linked", "Partner_Update", "PATCH", "123457", 404, notFound},
		{"DELETE not linked", "Partner_Delete", "DELETE", "123456", 200, ""},
	}
	ts := startSim(t, withExamplePartner)
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := palPath + "/partners"
			if c.partner != "" {
				u += "/" + c.partner
			}
			a := ts.do(c.method, u+palVersion, tok, nil)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.body == "" {
				if len(a.body) != 0 {
					t.Fatalf("want an empty body, got %q", a.body)
				}
				return
			}
			got := decodeJSON(t, "error body", a.body)
			if want := decodeJSON(t, "recorded body", []byte(c.body)); !reflect.DeepEqual(got, want) {
				t.Errorf("error body differs from the recorded one:\n got %s\nwant %s", a.body, c.body)
			}
			schema := ops[c.op].responseSchema("default")
			if schema == nil {
				t.Fatalf("the swagger has no default (Error) response for %s", c.op)
			}
			for _, e := range sw.validate("$", got, schema, nil) {
				t.Errorf("against the swagger's Error: %s", e)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestContractTenants holds GET /tenants to GetTenants.json and the
// TenantListResult definition, page by page through nextLink. The swagger
// marks nextLink required; the last page has none (the pager stops on an
// empty nextLink), which is the one allowed difference.
func TestContractTenants(t *testing.T) {
	dir := specsDir(t)
	sw := loadSwagger(t, filepath.Join(dir, "tenants", "subscriptions.json"))
	ex := readJSONFile(t, filepath.Join(dir, "tenants", "GetTenants.json")).(map[string]any)
	var op operation
	for _, o := range sw.operations() {
		if o.id == "Tenants_List" {
			op = o
		}
	}
	if op.id == "" {
		t.Fatal("subscriptions.json has no Tenants_List operation")
	}
	if op.path != "/tenants" || op.method != "GET" {
		t.Fatalf("Tenants_List is %s %s, want GET /tenants", op.method, op.path)
	}
	params := ex["parameters"].(map[string]any)
	exBody := ex["responses"].(map[string]any)["200"].(map[string]any)["body"]
	schema := op.responseSchema("200")

	ts := startSim(t, nil) // demo: tenantsPageSize 2; Ana reaches four directories
	token := ts.userSession(upnAna)
	tok, err := token(tFabrikam, armScope)
	if err != nil {
		t.Fatal(err)
	}
	next := "https://management.azure.com/tenants?api-version=" + fmt.Sprint(params["api-version"])
	var ids []string
	for page := 1; next != ""; page++ {
		if page > 10 {
			t.Fatal("nextLink does not end")
		}
		a := ts.do("GET", next, tok, nil)
		if a.status != 200 {
			t.Fatalf("page %d: status %d: %s", page, a.status, a.body)
		}
		got := decodeJSON(t, "tenants page", a.body).(map[string]any)
		nl, _ := got["nextLink"].(string)
		allow := map[string]string{}
		if nl == "" {
			allow["$.nextLink"] = "the last page has no nextLink"
		}
		for _, e := range sw.validate("$", got, schema, allow) {
			t.Errorf("page %d against TenantListResult: %s", page, e)
		}
		exPage := exBody
		if nl == "" {
			// Compare the last page without the example's nextLink.
			m := map[string]any{}
			for k, v := range exBody.(map[string]any) {
				if k != "nextLink" {
					m[k] = v
				}
			}
			exPage = m
		}
		for _, e := range sameShape("$", exPage, got, nil) {
			t.Errorf("page %d against GetTenants.json: %s", page, e)
		}
		for _, v := range got["value"].([]any) {
			m := v.(map[string]any)
			id := fmt.Sprint(m["tenantId"])
			ids = append(ids, id)
			if m["id"] != "/tenants/"+id {
				t.Errorf("id %v, want /tenants/%s (as in the example)", m["id"], id)
			}
			found := false
			for _, d := range m["domains"].([]any) {
				found = found || d == m["defaultDomain"]
			}
			if !found {
				t.Errorf("defaultDomain %v is not among domains %v", m["defaultDomain"], m["domains"])
			}
		}
		if nl != "" && !strings.HasPrefix(nl, "https://management.azure.com/tenants?") {
			t.Errorf("nextLink %q is not on the real host", nl)
		}
		next = nl
	}
	want := []string{tFabrikam, tContoso, tNorthwind, tWoodgrove}
	sort.Strings(ids)
	sort.Strings(want)
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("tenants %v, want %v", ids, want)
	}
}

// TestContractCheckersCatchDifferences makes sure the checkers above can
// fail: the examples' own quirks, an undeclared field, a missing field and a
// wrong type are each reported.
func TestContractCheckersCatchDifferences(t *testing.T) {
	dir := specsDir(t)
	sw := loadSwagger(t, filepath.Join(dir, "managementpartner", "ManagementPartner.json"))
	ex := readJSONFile(t, filepath.Join(dir, "managementpartner", "examples", "GetPartnerDetails.json")).(map[string]any)
	exBody := ex["responses"].(map[string]any)["200"].(map[string]any)["body"].(map[string]any)
	live := func(edit func(m, props map[string]any)) map[string]any {
		b, _ := json.Marshal(exBody)
		m := decodeJSON(t, "copy", b).(map[string]any)
		m["type"] = "Microsoft.ManagementPartner/partners"
		props := m["properties"].(map[string]any)
		props["version"] = json.Number("3")
		if edit != nil {
			edit(m, props)
		}
		return m
	}
	schema := map[string]any{"$ref": "#/definitions/PartnerResponse"}
	cases := []struct {
		name    string
		body    map[string]any
		wantErr string // "" = no difference expected
	}{
		{"live shape", live(nil), ""},
		{"example's singular type", live(func(m, _ map[string]any) { m["type"] = "Microsoft.ManagementPartner/partner" }), "$.type"},
		{"string version", live(func(_, p map[string]any) { p["version"] = "3" }), "$.properties.version"},
		{"version differs from etag", live(func(_, p map[string]any) { p["version"] = json.Number("4") }), "$.properties.version"},
		{"missing partnerId", live(func(_, p map[string]any) { delete(p, "partnerId") }), "$.properties.partnerId"},
		{"undeclared field", live(func(m, _ map[string]any) { m["location"] = "global" }), "location"},
		{"state outside the enum", live(func(_, p map[string]any) { p["state"] = "Linked" }), "$.properties.state"},
		{"bad date-time", live(func(_, p map[string]any) { p["createdTime"] = "yesterday" }), "$.properties.createdTime"},
		{"etag as a string", live(func(m, _ map[string]any) { m["etag"] = "3" }), "$.etag"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := append(sw.validate("$", c.body, schema, nil), sameShape("$", exBody, c.body, palLiveDifferences(c.body))...)
			if c.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected differences: %v", errs)
				}
				return
			}
			if !strings.Contains(strings.Join(errs, "\n"), c.wantErr) {
				t.Fatalf("no difference reported at %s; got %v", c.wantErr, errs)
			}
		})
	}
}
