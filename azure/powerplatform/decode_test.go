package powerplatform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/rest/resttest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

// The canvas-app and flow lists are read by single-pass scanners (scanApp,
// scanFlow, and scanPermission and scanPrincipal inside them), and those are
// the only decoding of App, Flow, Permission and Principal. These tests hold
// the scanners to encoding/json: a reference mapping written here from the
// documented JSON (json tags, as encoding/json reads them) must decode the
// specification's examples and the simulator's answers to the same values,
// and the fuzz targets compare the two on any input encoding/json accepts.

type jsonPrincipal struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	Type              string `json:"type"`
	TenantID          string `json:"tenantId"`
}

func (p jsonPrincipal) principal() Principal { return Principal(p) }

type jsonPermission struct {
	ID         string `json:"id"`
	Properties struct {
		RoleName  string        `json:"roleName"`
		Principal jsonPrincipal `json:"principal"`
	} `json:"properties"`
}

func (p jsonPermission) permission() Permission {
	return Permission{ID: p.ID, RoleName: p.Properties.RoleName, Principal: p.Properties.Principal.principal()}
}

type jsonApp struct {
	Name       string `json:"name"`
	Properties struct {
		DisplayName       string            `json:"displayName"`
		Owner             jsonPrincipal     `json:"owner"`
		AlmMode           string            `json:"almMode"`
		SharedUsersCount  int               `json:"sharedUsersCount"`
		SharedGroupsCount int               `json:"sharedGroupsCount"`
		Permissions       *[]jsonPermission `json:"permissions"`
	} `json:"properties"`
}

func (a jsonApp) app() App {
	p := a.Properties
	out := App{Name: a.Name, DisplayName: p.DisplayName, Owner: p.Owner.principal(), AlmMode: p.AlmMode,
		SharedUsersCount: p.SharedUsersCount, SharedGroupsCount: p.SharedGroupsCount, PermissionsExpanded: p.Permissions != nil}
	if p.Permissions != nil {
		for _, x := range *p.Permissions {
			out.Permissions = append(out.Permissions, x.permission())
		}
	}
	return out
}

type jsonFlow struct {
	Name       string `json:"name"`
	Properties struct {
		DisplayName string `json:"displayName"`
		State       string `json:"state"`
		CreatedTime string `json:"createdTime"`
		IsManaged   bool   `json:"isManaged"`
		Creator     struct {
			ObjectID string `json:"objectId"`
			TenantID string `json:"tenantId"`
		} `json:"creator"`
	} `json:"properties"`
}

func (r jsonFlow) flow() Flow {
	p := r.Properties
	return Flow{Name: r.Name, DisplayName: p.DisplayName, State: p.State, Creator: p.Creator.ObjectID, CreatorTenantID: p.Creator.TenantID,
		IsManaged: p.IsManaged, CreatedTime: parseTime(p.CreatedTime)}
}

// names are every member name the scanners read, for resttest.Comparable.
var names = append([]string{"name", "id", "properties", "displayName", "owner", "almMode", "sharedUsersCount", "sharedGroupsCount", "permissions",
	"roleName", "principal", "email", "userPrincipalName", "type", "tenantId", "state", "createdTime", "isManaged", "creator", "objectId"},
	jsonNames(reflect.TypeFor[SystemUser](), reflect.TypeFor[AppModule](), reflect.TypeFor[Bot](), reflect.TypeFor[Workflow](),
		reflect.TypeFor[Solution](), reflect.TypeFor[ImportJob]())...)

// jsonNames are the json names of the types' fields.
func jsonNames(types ...reflect.Type) []string {
	var out []string
	for _, t := range types {
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

// tagged is a Dataverse row type: read by rest.Tagged in the lists, by
// encoding/json in single reads (GetBot).
func tagged[T any]() kind {
	scan, err := rest.Tagged[T]()
	read := func([]byte) (any, error) { return nil, err }
	if err == nil {
		read = scanned(scan)
	}
	return kind{read, viaJSON[T],
		// The first field is the row's ID.
		func(v any) bool { return reflect.ValueOf(v).Field(0).String() != "" }}
}

// dataverseKinds are the Dataverse row types by entity set.
var dataverseKinds = map[string]kind{
	"systemusers": tagged[SystemUser](), "appmodules": tagged[AppModule](), "bots": tagged[Bot](),
	"workflows": tagged[Workflow](), "solutions": tagged[Solution](), "importjobs": tagged[ImportJob](),
}

// scanned reads one JSON value with a list's scan function, to its end.
func scanned[T any](scan func(*rest.Scanner, *T, map[string]string) error) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		var x T
		s := rest.NewScanner(b)
		err := scan(s, &x, map[string]string{})
		if err == nil {
			err = s.End()
		}
		return x, err
	}
}

// kind is one of the scanned types: how the scanner and the reference
// mapping read one JSON value of it.
type kind struct {
	scan       func([]byte) (any, error)
	reference  func([]byte) (any, error)
	nonTrivial func(any) bool
}

func reference[J any, T any](conv func(J) T) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		var j J
		err := json.Unmarshal(b, &j)
		return conv(j), err
	}
}

// viaJSON is the production decoding of a type with UnmarshalJSON: through
// encoding/json, which hands the value to the scanner.
func viaJSON[T any](b []byte) (any, error) {
	var x T
	err := json.Unmarshal(b, &x)
	return x, err
}

var kinds = map[string]kind{
	"app":            {scanned(scanApp), reference(jsonApp.app), func(v any) bool { return v.(App).Name != "" && v.(App).Owner.ID != "" }},
	"flow":           {viaJSON[Flow], reference(jsonFlow.flow), func(v any) bool { return v.(Flow).Name != "" && v.(Flow).Creator != "" }},
	"flow in a list": {scanned(scanFlow), reference(jsonFlow.flow), func(v any) bool { return v.(Flow).Name != "" }},
	"permission": {viaJSON[Permission], reference(jsonPermission.permission),
		func(v any) bool { return v.(Permission).RoleName != "" && v.(Permission).Principal.ID != "" }},
	"principal": {viaJSON[Principal], reference(jsonPrincipal.principal), func(v any) bool { return v.(Principal).ID != "" }},
}

// same decodes b both ways and reports a difference ("" when they agree).
func (k kind) same(b []byte) string {
	want, werr := k.reference(b)
	got, gerr := k.scan(b)
	if werr != nil || gerr != nil {
		return fmt.Sprintf("encoding/json: %v; scanner: %v", werr, gerr)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("scanner %+v\nencoding/json %+v", got, want)
	}
	return ""
}

// items are the elements of a list answer: {"value":[…]} or a bare array
// (the CLI documentation's unwrapped form).
func items(t testing.TB, body []byte) [][]byte {
	t.Helper()
	var page rest.Page[json.RawMessage]
	var err error
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		err = json.Unmarshal(body, &page.Value)
	} else {
		err = json.Unmarshal(body, &page)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(page.Value))
	for i, v := range page.Value {
		out[i] = v
	}
	return out
}

// specExamples are the specification examples (testdata/specs at the
// repository root; its README names each file's source) by kind.
func specExamples(t testing.TB) map[string][][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "specs", "powerplatform")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v: the examples come from testdata/specs at the repository root", err)
		}
		return b
	}
	out := map[string][][]byte{}
	add := func(k string, body []byte) { out[k] = append(out[k], items(t, body)...) }
	add("app", read("tf_powerapps_admin_apps_list.json"))
	add("app", read("cli_pa_app_list.json"))
	add("flow", read("cli_flow_list_asadmin.json"))
	add("permission", read("cli_pa_app_permission_list.json"))
	for _, f := range []string{"tf_bap_admin_environments_list.json", "cli_pp_environment_list.json"} {
		for _, env := range items(t, read(f)) {
			var e struct {
				Properties struct {
					CreatedBy json.RawMessage `json:"createdBy"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(env, &e); err != nil {
				t.Fatal(err)
			}
			if len(e.Properties.CreatedBy) > 0 {
				out["principal"] = append(out["principal"], e.Properties.CreatedBy)
			}
		}
	}
	for _, a := range out["app"] {
		var app jsonApp
		_ = json.Unmarshal(a, &app)
		out["principal"] = append(out["principal"], mustJSON(t, app.Properties.Owner))
	}
	out["flow in a list"] = out["flow"]
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScannersMatchEncodingJSONOnSpecExamples(t *testing.T) {
	ex := specExamples(t)
	for name, k := range kinds {
		t.Logf("%d specification examples of a %s", len(ex[name]), name)
		if len(ex[name]) == 0 {
			t.Errorf("no specification example of a %s", name)
		}
		for i, b := range ex[name] {
			if d := k.same(b); d != "" {
				t.Errorf("%s example %d: %s", name, i, d)
			}
			if v, _ := k.scan(b); !k.nonTrivial(v) {
				t.Errorf("%s example %d decodes to almost nothing: %+v", name, i, v)
			}
		}
	}
}

// simulatorAnswers fetches the simulator's answers for every scanned type:
// the demo scenario's canvas apps (with and without the expanded
// permissions), flows, a flow, permissions, and a page of the generated
// large scenario's ~3 KB apps.
func simulatorAnswers(t *testing.T) map[string][][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][][]byte{}
	fetch := func(c *rest.Client, u string) []byte {
		var buf bytes.Buffer
		if err := c.Fetch(ctx, rest.Request{Op: "fetch", URL: u}, &buf); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		return buf.Bytes()
	}
	w := simtest.Start(t, simtest.Options{})
	w.SignInSP(t, simtest.ContosoID, simtest.ContosoSPApp, simtest.ContosoSecret)
	cred := w.Session.Credential(simtest.ContosoID)
	apps := rest.New(ServicePowerApps, cloud.PowerAppsScope, cred, w.Cloud, rest.Options{})
	flows := rest.New(ServiceFlow, cloud.FlowScope, cred, w.Cloud, rest.Options{})
	const env = "8c5e2a14-3f6b-4d8e-9a71-c0de0000e001"
	appsURL := "https://" + cloud.PowerAppsHost + envPath("Microsoft.PowerApps", env) + "/apps?api-version=" + AppsAPIVersion
	for _, u := range []string{appsURL, appsURL + "&" + url.Values{"$expand": {"permissions($filter=maxAssignedTo('" + simtest.ServiceObj + "'))"}}.Encode()} {
		for _, it := range items(t, fetch(apps, u)) {
			out["app"] = append(out["app"], it)
			var a jsonApp
			_ = json.Unmarshal(it, &a)
			out["principal"] = append(out["principal"], mustJSON(t, a.Properties.Owner))
			if a.Properties.Permissions != nil {
				for _, p := range *a.Properties.Permissions {
					out["permission"] = append(out["permission"], mustJSON(t, p))
				}
			}
		}
	}
	var first jsonApp
	_ = json.Unmarshal(out["app"][0], &first)
	pu := "https://" + cloud.PowerAppsHost + envPath("Microsoft.PowerApps", env) + "/apps/" + first.Name + "/permissions?api-version=" + AppPermissionsVersion
	out["permission"] = append(out["permission"], items(t, fetch(apps, pu))...)
	fbase := "https://" + cloud.FlowHost + envPath("Microsoft.ProcessSimple", env)
	for _, it := range items(t, fetch(flows, fbase+"/v2/flows?api-version="+FlowAPIVersion)) {
		out["flow in a list"] = append(out["flow in a list"], it)
		var f jsonFlow
		_ = json.Unmarshal(it, &f)
		out["flow"] = append(out["flow"], fetch(flows, fbase+"/flows/"+f.Name+"?api-version="+FlowAPIVersion))
		out["permission"] = append(out["permission"], items(t, fetch(flows, fbase+"/flows/"+f.Name+"/permissions?api-version="+FlowAPIVersion))...)
	}

	dv := rest.New(ServiceDataverse, cloud.DataverseScope("https://contosoprod.crm.dynamics.com/"), cred, w.Cloud, rest.Options{})
	for set := range dataverseKinds {
		u := "https://contosoprod.api.crm.dynamics.com" + DataverseAPIPath + set
		var buf bytes.Buffer
		h := http.Header{"Prefer": {preferFormattedAndPage + "5000"}}
		if err := dv.Fetch(ctx, rest.Request{Op: "fetch", URL: u, Header: h}, &buf); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		out[set] = items(t, buf.Bytes())
	}

	large := simtest.Start(t, simtest.Options{Scenario: sim.LargeScenario(1, 60)})
	large.SignInSP(t, sim.LargeTenantID, sim.LargeSPAppID, sim.LargeSPSecret)
	lcred := large.Session.Credential(sim.LargeTenantID)
	lapps := rest.New(ServicePowerApps, cloud.PowerAppsScope, lcred, large.Cloud, rest.Options{})
	envs := rest.New(ServiceBAP, cloud.PowerAppsScope, lcred, large.Cloud, rest.Options{})
	var list rest.Page[struct {
		Name string `json:"name"`
	}]
	if err := json.Unmarshal(fetch(envs, "https://"+cloud.BAPHost+"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version="+BAPAPIVersion), &list); err != nil || len(list.Value) == 0 {
		t.Fatalf("the large scenario's environments: %v", err)
	}
	for _, e := range list.Value {
		u := "https://" + cloud.PowerAppsHost + envPath("Microsoft.PowerApps", e.Name) + "/apps?api-version=" + AppsAPIVersion
		out["app"] = append(out["app"], items(t, fetch(lapps, u))...)
	}
	return out
}

func TestScannersMatchEncodingJSONOnSimulatorAnswers(t *testing.T) {
	answers := simulatorAnswers(t)
	for name, k := range all() {
		t.Logf("%d simulator answers for a %s", len(answers[name]), name)
		if len(answers[name]) < 2 {
			t.Errorf("%d simulator answers for a %s", len(answers[name]), name)
		}
		for i, b := range answers[name] {
			if d := k.same(b); d != "" {
				t.Errorf("%s answer %d: %s", name, i, d)
			}
			if v, _ := k.scan(b); !k.nonTrivial(v) {
				t.Errorf("%s answer %d decodes to almost nothing: %+v", name, i, v)
			}
		}
	}
}

// all are the scanned kinds and the Dataverse row types, by name.
func all() map[string]kind {
	out := maps.Clone(kinds)
	maps.Copy(out, dataverseKinds)
	return out
}

// fuzzSame is the property of the fuzz targets below: on any input that
// encoding/json reads and on which the two readers must agree
// (resttest.Comparable), the scanner reads it too, to the same value.
func fuzzSame(t *testing.T, k kind, b []byte) {
	got, gerr := k.scan(b)
	var se *json.SyntaxError
	if gerr != nil && !errors.Is(gerr, rest.ErrSyntax) && !errors.As(gerr, &se) {
		t.Fatalf("an error that is not about the input's syntax: %v", gerr)
	}
	want, werr := k.reference(b)
	if werr != nil || !resttest.Comparable(b, names...) {
		return
	}
	if gerr != nil {
		t.Fatalf("encoding/json reads %q; the scanner fails: %v", b, gerr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nscanner       %+v\nencoding/json %+v", b, got, want)
	}
}

// fuzzSeeds adds the specification's examples of a kind; the other seeds
// are the inputs kept in testdata/fuzz/<target>.
func fuzzSeeds(f *testing.F, kind string) {
	for _, b := range specExamples(f)[kind] {
		f.Add(b)
	}
}

func FuzzAppDecoding(f *testing.F) {
	fuzzSeeds(f, "app")
	f.Fuzz(func(t *testing.T, b []byte) { fuzzSame(t, kinds["app"], b) })
}

func FuzzFlowDecoding(f *testing.F) {
	fuzzSeeds(f, "flow")
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSame(t, kinds["flow"], b)
		fuzzSame(t, kinds["flow in a list"], b)
	})
}

func FuzzPermissionDecoding(f *testing.F) {
	fuzzSeeds(f, "permission")
	for _, b := range specExamples(f)["principal"] {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzSame(t, kinds["permission"], b)
		fuzzSame(t, kinds["principal"], b)
	})
}

// FuzzDataverseDecoding: every Dataverse row type reads any row alike
// through rest.Tagged (the lists) and encoding/json.
func FuzzDataverseDecoding(f *testing.F) {
	f.Add([]byte(`{"@odata.etag":"W/\"1\"","botid":"b","_ownerid_value":"u","_ownerid_value@OData.Community.Display.V1.FormattedValue":"Ana","ismanaged":true,"statecode":0,"progress":100}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, k := range dataverseKinds {
			fuzzSame(t, k, b)
		}
	})
}

// FuzzParseTime (seeds in testdata/fuzz/FuzzParseTime): any timestamp reads as the zero time or as an instant that
// survives a round trip through RFC 3339.
func FuzzParseTime(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := parseTime(s)
		if got.IsZero() {
			return
		}
		again, err := time.Parse(time.RFC3339Nano, got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q read as %v, which does not survive RFC 3339 (%v)", s, got, err)
		}
		if want, err := time.Parse(time.RFC3339Nano, s); err == nil && !want.Equal(got) {
			t.Fatalf("%q read as %v, RFC 3339 says %v", s, got, want)
		}
		if !strings.HasPrefix(s, got.UTC().Format("2006")) && !strings.HasPrefix(s, got.Format("2006")) {
			t.Fatalf("%q read as %v: another year", s, got)
		}
	})
}
