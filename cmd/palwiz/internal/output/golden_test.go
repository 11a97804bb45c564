package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the printers print")

// The output contract, held by golden files: every data command's output in
// every format it offers (docs/output.md). The data is fixed, so the files
// change only when the contract does; JSON output must parse and carry the
// schema version.

var (
	when    = time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	contoso = Directory{TenantID: "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", Name: "Contoso Ltd", Domain: "contoso.onmicrosoft.com", Category: "Home"}
	link    = &arm.Link{PartnerID: "4977985", PartnerName: "Fabrikam Consulting (Seattle)", TenantID: contoso.TenantID,
		ObjectID: "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", State: "Active", Version: 1, CreatedTime: when, UpdatedTime: when}
	other = &arm.Link{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: contoso.TenantID,
		ObjectID: "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", State: "Active", Version: 3, CreatedTime: when, UpdatedTime: when}
	who = steps.Who{Kind: auth.KindUser, DisplayName: "PAL Service Account (Fabrikam)", UPN: "pal-service@contoso.onmicrosoft.com",
		ObjectID: "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", TenantID: contoso.TenantID, TenantName: "Contoso Ltd", TenantDomain: "contoso.onmicrosoft.com",
		UserType: "Member", HomeTenant: contoso.TenantID, TokensInStore: true}
	guest = steps.Who{Kind: auth.KindUser, DisplayName: "Ana Lopez", UPN: "ana.lopez@fabrikam.example", ObjectID: "8f3e9c1a-4d5e-4f60-ab72-8a3c00000202",
		TenantID: contoso.TenantID, TenantName: "Contoso Ltd", UserType: "Guest", HomeTenant: "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001",
		Warnings: []string{"This is a guest account: a link made here counts only in Contoso Ltd."}}
	spn = steps.Who{Kind: auth.KindServicePrincipal, DisplayName: "PAL-4977985-SPN", AppID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501",
		ObjectID: "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502", TenantID: contoso.TenantID, TenantName: "Contoso Ltd", HomeTenant: contoso.TenantID}
	actor = steps.Actor{Kind: auth.KindUser, Name: who.DisplayName, Username: who.UPN, ObjectID: who.ObjectID, TenantID: contoso.TenantID,
		TenantName: "Contoso Ltd", Source: "sign-in"}
	tenants = []arm.Tenant{
		{ID: "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001", DisplayName: "Fabrikam Consulting", DefaultDomain: "fabrikam.example", Category: "Home"},
		{ID: contoso.TenantID, DisplayName: "Contoso Ltd", DefaultDomain: "contoso.onmicrosoft.com", Domains: []string{"contoso.onmicrosoft.com", "contoso.example"}, Category: "ProjectedBy"},
	}
)

func scanResult() *attribution.ScanResult {
	prod := &attribution.Environment{ID: "8c5e2a14-3f6b-4d8e-9a71-c0de0000e001", Name: "Contoso Production", Type: "Production", Counts: attribution.EnvCounts,
		InstanceURL: "https://contosoprod.crm.dynamics.com/"}
	uat := &attribution.Environment{ID: "8c5e2a14-3f6b-4d8e-9a71-c0de0000e002", Name: "Contoso UAT", Type: "Sandbox", Counts: attribution.EnvDoesNotCount}
	ws := &attribution.Environment{ID: "ws-1", Name: "Contoso Sales", Type: attribution.TypePowerBIWorkspace, Counts: attribution.EnvNotApplicable}
	linked := attribution.LinkedIdentity{ObjectID: who.ObjectID, UPN: who.UPN, DisplayName: who.DisplayName, Kind: auth.KindUser, TenantID: contoso.TenantID,
		Linked: true, PartnerID: "4977985", PartnerName: "Fabrikam Consulting (Seattle)", SignedIn: true}
	return &attribution.ScanResult{
		TenantID: contoso.TenantID, Linked: linked, Environments: []*attribution.Environment{prod, uat, ws},
		Resources: []*attribution.Resource{
			{Product: attribution.CanvasApp, ID: "d1a0c0de-0000-4000-8000-000000000201", Name: "Field Inspection", Env: prod, Role: "owner",
				Holder: attribution.Holder{ObjectID: who.ObjectID, UPN: who.UPN, Name: who.DisplayName}, Verdict: attribution.Attributed, Reason: "The linked account owns the app.", Owned: true},
			{Product: attribution.CanvasApp, ID: "d1a0c0de-0000-4000-8000-000000000203", Name: "Site Survey | v2", Env: prod, Role: "owner",
				Holder:  attribution.Holder{ObjectID: "2b3c4d5e-6f70-4b81-9ca2-c0de00000312", UPN: "adele.vance@contoso.onmicrosoft.com", Name: "Adele Vance"},
				Verdict: attribution.NotAttributed, Reason: "Owned by Adele Vance <adele.vance@contoso.onmicrosoft.com>; the linked account is neither owner nor co-owner."},
			{Product: attribution.CloudFlow, ID: "d1f0c0de-0000-4000-8000-000000000203", Name: "=HYPERLINK(\"https://evil.example\")", Env: uat, Role: "creator",
				Holder:  attribution.Holder{ObjectID: "3c4d5e6f-7081-4c92-adb3-c0de00000313", UPN: "lee.gu@contoso.onmicrosoft.com", Name: "Lee Gu"},
				Verdict: attribution.DoesNotCount, Reason: "Sandbox environment: only production counts.", Ownership: "created by someone else"},
			{Product: attribution.Dataset, ID: "ds-1", Name: "Regional Targets", Env: ws, Role: "publisher",
				Holder:  attribution.Holder{UPN: "megan.bowen@contoso.onmicrosoft.com"},
				Verdict: attribution.NotAttributed, Reason: "Published by megan.bowen@contoso.onmicrosoft.com."},
		},
		Coverage: []attribution.Coverage{
			{Product: attribution.CanvasApp, Total: 2, ByVerdict: map[attribution.Verdict]int{attribution.Attributed: 1, attribution.NotAttributed: 1}, Checked: true},
			{Product: attribution.CloudFlow, Total: 1, ByVerdict: map[attribution.Verdict]int{attribution.DoesNotCount: 1}, Checked: true},
			{Product: attribution.ModelDrivenApp, ByVerdict: map[attribution.Verdict]int{}, Failed: 1, Checked: true},
			{Product: attribution.Dataset, Total: 1, ByVerdict: map[attribution.Verdict]int{attribution.NotAttributed: 1}, Checked: true},
			{Product: attribution.CIInstance, ByVerdict: map[attribution.Verdict]int{}, Note: "no API key: set PALWIZ_CI_SUBSCRIPTION_KEY"},
		},
		Failures: []attribution.Failure{{Product: attribution.ModelDrivenApp, Environment: "Contoso Production", Service: "Dataverse",
			Message: "Dataverse refused (HTTP 403, 0x80040220): no access [request 0a1b2c3d]", NextStep: "Add the signed-in identity to the environment as a user"}},
		Notes:    []string{"pal-service@contoso.onmicrosoft.com is linked to Fabrikam Consulting (Seattle) (4977985): attributed resources earn credit for that partner."},
		Requests: 12, Started: when, Elapsed: attribution.Duration(1234 * time.Millisecond),
		Options: attribution.ScanOptionsInfo{Environments: []string{"Contoso Production"}},
	}
}

func plan(res *attribution.ScanResult) *attribution.Plan {
	return &attribution.Plan{
		Fixes: []attribution.Fix{
			{Kind: attribution.FixAddCoOwner, Resource: *res.Resources[1], Summary: `Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app "Site Survey | v2"`,
				Explanation: "A co-owner of a canvas app is attributed, and nobody loses access.", Automatic: true, Attributes: true},
			{Kind: attribution.FixTakeOver, Resource: *res.Resources[3], Summary: `Take over dataset "Regional Targets"`,
				Explanation: "Power BI gives a dataset to whoever takes it over.", Automatic: true, Blocked: "palwiz is not signed in as the linked account",
				After: attribution.CannotTell, Ownership: true, TakesFrom: "megan.bowen@contoso.onmicrosoft.com", Loses: "The data source credentials must be entered again."},
			{Kind: attribution.FixReimport, Resource: *res.Resources[1], Summary: "Import solution ContosoHR into Contoso Production again",
				Explanation: "The last importer of a managed solution owns what is in it.", After: attribution.Attributed, Confirm: "a new `palwiz check`",
				Commands: []string{"pac auth create --environment https://contosoprod.crm.dynamics.com/", "pac solution import --path ./ContosoHR_managed.zip"},
				Covers:   []string{`model-driven app "HR Onboarding"`}, Ownership: true},
		},
		Advice: []attribution.Fix{{Kind: attribution.FixAddFlowCoOwner, Resource: *res.Resources[2], Summary: `Add pal-service@contoso.onmicrosoft.com as co-owner of flow "x"`,
			Explanation: "PAL credits a flow's creator only: a co-owner does not move the credit."}},
		NotDelivered: 2, Delivered: "publisher=Fabrikam Consulting",
	}
}

type golden struct {
	name    string
	formats []Format
	print   func(w, errW *bytes.Buffer, f Format) error
}

func goldens() []golden {
	res := scanResult()
	p := plan(res)
	after := *res.Resources[1]
	after.Verdict, after.Reason = attribution.Attributed, "A co-owner of the app: the linked account."
	results := []attribution.FixResult{{Fix: p.Fixes[0], State: attribution.ChangeDone, Applied: true, After: &after},
		{Fix: p.Fixes[0], State: attribution.ChangeDone, InEffect: true}, {Fix: p.Fixes[1], State: attribution.ChangeFailed, Error: "Power BI refused the take-over"}}
	stopped := []attribution.FixResult{{Fix: p.Fixes[0], State: attribution.ChangeDone, Applied: true, After: &after},
		{Fix: p.Fixes[1], State: attribution.ChangeUnknown, Error: "Stopped before the service answered; reading it again failed as well (time-out), so palwiz cannot tell whether the change was made: run the check again to see"},
		{Fix: p.Fixes[0], State: attribution.ChangeNotStarted}}
	mfa := &auth.Error{Reason: auth.ReasonMFARequired, Code: 50076, Tenant: "4bae7f3c-9f5d-4e80-8c1b-00000000a004",
		Message: "directory 4bae7f3c-9f5d-4e80-8c1b-00000000a004 requires multi-factor authentication for this account"}
	names := func(id string) string {
		if id == "4bae7f3c-9f5d-4e80-8c1b-00000000a004" {
			return "Woodgrove Bank"
		}
		return ""
	}
	fleet := []FleetResult{
		{Dir: DirectoryOf(tenants[0]), Link: link},
		{Dir: DirectoryOf(tenants[1])},
		{Dir: Directory{TenantID: "4bae7f3c-9f5d-4e80-8c1b-00000000a004", Name: "Woodgrove Bank", Domain: "woodgrove.onmicrosoft.com"}, Err: mfa,
			ErrJSON: Describe(mfa, steps.Remedy{Kind: steps.RemedySignIn, Tenant: "4bae7f3c-9f5d-4e80-8c1b-00000000a004", MFA: true}, false, names)},
	}
	move := steps.Outcome{Action: steps.ActionMove, Before: other, After: link}
	ids := sim.Identities{Scenario: "demo",
		Users:             []sim.IdentityUser{{UPN: "pal-service@contoso.onmicrosoft.com", DisplayName: "PAL Service Account (Fabrikam)", Note: "dedicated account"}},
		ServicePrincipals: []sim.IdentitySP{{DisplayName: "PAL-4977985-SPN", Tenant: contoso.TenantID, ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", Secret: "sim-contoso-spn-secret-1"}},
		Partners:          []sim.Partner{{ID: "4977984", Name: "Fabrikam", Kind: "global"}, {ID: "4977985", Name: "Fabrikam Consulting (Seattle)", Kind: "location"}},
		Tenants:           []sim.IdentityTen{{ID: contoso.TenantID, DisplayName: "Contoso Ltd", Domain: "contoso.onmicrosoft.com"}, {ID: "4bae7f3c-9f5d-4e80-8c1b-00000000a004", DisplayName: "Woodgrove Bank", Domain: "woodgrove.onmicrosoft.com", RequireMFA: true}}}
	return []golden{
		{"whoami", Data, func(w, _ *bytes.Buffer, f Format) error { return WhoAmI(w, f, who) }},
		{"whoami-guest", Data, func(w, _ *bytes.Buffer, f Format) error { return WhoAmI(w, f, guest) }},
		{"login-service-principal", Data, func(w, _ *bytes.Buffer, f Format) error { return Login(w, f, spn) }},
		{"logout", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Logout(w, f, LogoutResult{Who: &who, Removed: 4, Verified: true})
		}},
		{"logout-left", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Logout(w, f, LogoutResult{Removed: 0, All: true, Left: []string{"msal.user (a locked keyring)"}})
		}},
		{"logout-nobody", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Logout(w, f, LogoutResult{All: true, Verified: true, Searched: true})
		}},
		{"tenants", Data, func(w, _ *bytes.Buffer, f Format) error { return Tenants(w, f, tenants, contoso.TenantID) }},
		{"status-linked", Data, func(w, _ *bytes.Buffer, f Format) error { return Status(w, f, contoso, link) }},
		{"status-not-linked", Data, func(w, _ *bytes.Buffer, f Format) error { return Status(w, f, contoso, nil) }},
		{"status-all-tenants", Data, func(w, _ *bytes.Buffer, f Format) error { _, err := Fleet(w, f, fleet, nil); return err }},
		{"link-all-tenants", Data, func(w, _ *bytes.Buffer, f Format) error {
			_, err := Fleet(w, f, []FleetResult{{Dir: contoso, Outcome: &move}, fleet[2]}, &actor)
			return err
		}},
		{"link-move", Data, func(w, _ *bytes.Buffer, f Format) error { return Outcome(w, f, contoso, move, &actor) }},
		{"link-already", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Outcome(w, f, contoso, steps.Outcome{Action: steps.ActionNone, Before: link, After: link}, &actor)
		}},
		{"unlink", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Outcome(w, f, contoso, steps.Outcome{Action: steps.ActionUnlink, Before: link}, &actor)
		}},
		{"check", Report, func(w, errW *bytes.Buffer, f Format) error {
			return CheckResult(w, errW, f, contoso, res, attribution.CoverageByProduct(res, p))
		}},
		{"fix-plan", Report, func(w, _ *bytes.Buffer, f Format) error { return Plan(w, f, contoso, res, p) }},
		{"fix-apply", Report, func(w, _ *bytes.Buffer, f Format) error {
			return Results(w, f, Applied{Dir: contoso, Res: res, Plan: p, Record: attribution.NewApplyRecord(results, nil), As: &actor})
		}},
		{"fix-apply-stopped", Report, func(w, _ *bytes.Buffer, f Format) error {
			return Results(w, f, Applied{Dir: contoso, Res: res, Plan: p, Record: attribution.NewApplyRecord(stopped, context.Canceled)})
		}},
		{"login-create-service-principal", Data, func(w, _ *bytes.Buffer, f Format) error {
			return CreatedSP(w, f, &steps.CreatedSP{DisplayName: "PAL-4977985-SPN", TenantID: contoso.TenantID, AppID: "3ee91fed-aa6a-4284-96bf-1873ca931e9e",
				AppObjectID: "a1b2", ObjectID: "9555f526-9079-4330-8f06-4f43c63ec793", Secret: "s3cr3t~value", Expires: when.AddDate(1, 0, 0)})
		}},
		{"sim", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			return Sim(w, f, SimInfo{URL: "https://127.0.0.1:8443", PagesURL: "http://127.0.0.1:8080", DeviceLoginURL: "http://127.0.0.1:8080/devicelogin",
				CAFile: "/tmp/palwiz-ca.pem", Env: map[string]string{"PALWIZ_CLOUD": "sim", "PALWIZ_SIM_URL": "https://127.0.0.1:8443", "PALWIZ_SIM_CA": "/tmp/palwiz-ca.pem"}, Identities: ids})
		}},
		{"version", Data, func(w, _ *bytes.Buffer, f Format) error {
			return Version(w, f, VersionDoc{Version: "v1.0.0", Commit: "0123456789abcdef", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64"},
				"palwiz v1.0.0 (commit 0123456789ab, built 2026-11-30T10:00:00Z, go1.26.8, linux/amd64)")
		}},
		{"error-mfa", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			PrintError(w, f, Describe(mfa, steps.RemedyFor(mfa, &auth.Profile{Kind: auth.KindUser}), false, names), false, "", nil)
			return nil
		}},
		{"error-service-principal", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			e := &auth.Error{Reason: auth.ReasonSignInExpired, Message: "Your sign-in has expired", NextStep: "Sign in again: `palwiz login`"}
			p := &auth.Profile{Kind: auth.KindServicePrincipal, ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", Tenant: contoso.TenantID}
			PrintError(w, f, Describe(e, steps.RemedyFor(e, p), false, nil), false, "", nil)
			return nil
		}},
		{"error-refused-write", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			e := Describe(&steps.NeedsForceError{Current: other, Want: "4977985"}, steps.Remedy{}, false, nil)
			PrintError(w, f, e, false, "", &actor)
			return nil
		}},
		{"error-usage", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			e := Describe(errors.New("unknown flag: --partner"), steps.Remedy{}, false, nil)
			e.Code = "usage"
			PrintError(w, f, e, false, "palwiz link", nil)
			return nil
		}},
		{"error-cancelled", []Format{Table, JSON}, func(w, _ *bytes.Buffer, f Format) error {
			PrintError(w, f, ErrorJSON{Code: "cancelled", Message: "Cancelled"}, false, "", nil)
			return nil
		}},
	}
}

func ext(f Format) string {
	if f == Table {
		return "txt"
	}
	return string(f)
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, g := range goldens() {
		for _, f := range g.formats {
			t.Run(g.name+"."+ext(f), func(t *testing.T) {
				t.Parallel()
				var out, errOut bytes.Buffer
				if err := g.print(&out, &errOut, f); err != nil {
					t.Fatal(err)
				}
				got := out.String()
				if errOut.Len() > 0 {
					got += "--- stderr ---\n" + errOut.String()
				}
				if f == JSON {
					var doc map[string]any
					if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
						t.Fatalf("not one JSON object: %v\n%s", err, out.String())
					}
					if doc["schemaVersion"] != float64(SchemaVersion) {
						t.Fatalf("schemaVersion %v", doc["schemaVersion"])
					}
				}
				for i, l := range strings.Split(out.String(), "\n") {
					if strings.HasSuffix(l, " ") && f != Markdown {
						t.Errorf("line %d ends in a space: %q", i+1, l)
					}
				}
				path := filepath.Join("testdata", "golden", g.name+"."+ext(f))
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/palwiz/internal/output -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
				}
			})
		}
	}
}

// TestFieldNames: the same thing has the same field names in every
// document: a directory, a link, an identity, an error.
func TestFieldNames(t *testing.T) {
	t.Parallel()
	docs := map[string]string{}
	for _, g := range goldens() {
		for _, f := range g.formats {
			if f != JSON {
				continue
			}
			var out bytes.Buffer
			if err := g.print(&out, &bytes.Buffer{}, f); err != nil {
				t.Fatal(err)
			}
			docs[g.name] = out.String()
		}
	}
	for name, doc := range docs {
		for _, banned := range []string{`"displayname"`, `"domain"`, `"defaultDomain"`, `"homeTenant"`, `"username"`, `"reason"` + ":", `"name": "Contoso`} {
			if strings.Contains(doc, banned) && !(banned == `"reason"`+":" && (name == "check" || strings.HasPrefix(name, "fix-"))) {
				t.Errorf("%s uses %s", name, banned)
			}
		}
	}
	for _, name := range []string{"whoami", "status-linked", "link-move", "check", "fix-plan"} {
		if !strings.Contains(docs[name], `"tenantId": "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"`) || !strings.Contains(docs[name], `"tenantName": "Contoso Ltd"`) {
			t.Errorf("%s does not name the directory as tenantId and tenantName", name)
		}
	}
}
