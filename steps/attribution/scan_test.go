package attribution

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
)

// demoVerdicts are the verdicts a check of Contoso as its dedicated service
// account must give, by environment and resource name.
var demoVerdicts = map[string]Verdict{
	// The Default environment counts as production.
	"Contoso Ltd (default)/Lunch Menu":                     Attributed,
	"Contoso Ltd (default)/Team Birthdays":                 NotAttributed,
	"Contoso Ltd (default)/Visit Booking":                  NotAttributed,
	"Contoso Ltd (default)/Notify on new lunch order":      NotAttributed,
	"Contoso Production/Field Inspection":                  Attributed,
	"Contoso Production/Technician Schedule":               Attributed,
	"Contoso Production/Expense Claims":                    Attributed,
	"Contoso Production/Site Survey":                       NotAttributed,
	"Contoso Production/Visitor Check-in":                  CannotTell,
	"Contoso Production/Field Service Hub":                 Attributed,
	"Contoso Production/HR Onboarding":                     CannotTell, // the linked account imported ContosoHR before Adele did
	"Contoso Production/Case Desk":                         NotAttributed,
	"Contoso Production/Expense Review":                    NotAttributed, // in Contoso's own solution
	"Contoso Production/Approve expense claims":            Attributed,
	"Contoso Production/Dispatch field technicians":        Attributed,
	"Contoso Production/Escalate overdue surveys":          NotAttributed,
	"Contoso Production/New hire welcome":                  CannotTell,
	"Contoso Production/Sync inspections to SharePoint":    NotAttributed,
	"Contoso Production/Weekly inspection digest":          CannotTell, // owned, not created, by the linked account
	"Contoso Production/Route field requests":              NotAttributed,
	"Contoso Production/Field Assistant":                   Attributed,
	"Contoso Production/HR Helper":                         NotAttributed,
	"Contoso Production/IT Helpdesk":                       NotAttributed, // owned, not created: the creator decides
	"Contoso Production/Field Service (Fabrikam)":          Attributed,
	"Contoso Production/Contoso HR":                        CannotTell,
	"Contoso Production/Contoso Reporting":                 Attributed,
	"Contoso Production/Contoso Expenses":                  NotAttributed,
	"Contoso UAT/Field Inspection (test)":                  DoesNotCount,
	"Contoso UAT/Approve expense claims (test)":            DoesNotCount,
	"Contoso UAT/HR Helper (test)":                         DoesNotCount,
	"Megan Bowen's Environment/Prototype: parts catalogue": DoesNotCount,
	"Contoso Sales/Sales Pipeline":                         Attributed,
	"Contoso Sales/Regional Targets":                       NotAttributed,
	"Contoso Sales/Service Levels":                         CannotTell, // taken over, not published
	"Operations/Inspections":                               NotAttributed,
	"Customer Insights (production)/Contoso Customer 360":  CannotTell, // a role is not activity
	"Customer Insights (trial)/Contoso CI trial":           DoesNotCount,
}

func verdicts(res *ScanResult) map[string]Verdict {
	out := map[string]Verdict{}
	for _, r := range res.Resources {
		out[r.Env.Name+"/"+r.Name] = r.Verdict
	}
	return out
}

func checkVerdicts(t *testing.T, res *ScanResult, want map[string]Verdict) {
	t.Helper()
	got := verdicts(res)
	for k, v := range want {
		if got[k] != v {
			r := res.find(k)
			t.Errorf("%s: %s, want %s (%s)", k, got[k], v, r)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected resource %s (%s)", k, got[k])
		}
	}
}

func (r *ScanResult) find(k string) string {
	for _, x := range r.Resources {
		if x.Env.Name+"/"+x.Name == k {
			return x.Reason + " " + strings.Join(x.Notes, " ")
		}
	}
	return "absent"
}

func TestScanDemo(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	var mu sync.Mutex
	var progress []ScanProgress
	res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey}, func(p ScanProgress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, res, demoVerdicts)
	if res.Partial() || len(res.Failures) != 0 {
		t.Errorf("failures: %+v", res.Failures)
	}
	if !SameObject(res.Linked.ObjectID, demoServiceOID) || res.Linked.Linked || !res.Linked.SignedIn {
		t.Errorf("linked identity %+v", res.Linked)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "no Partner Admin Link") {
		t.Errorf("notes %v should say the account is not linked yet", res.Notes)
	}
	// Reasons say why, holders say who.
	byName := map[string]*Resource{}
	for _, r := range res.Resources {
		byName[r.Name] = r
	}
	if r := byName["Expense Claims"]; r.LinkedRole != "co-owner (CanEdit)" || !strings.Contains(r.Holder.Label(), "Megan Bowen") {
		t.Errorf("Expense Claims: %+v", r)
	}
	if r := byName["HR Onboarding"]; r.Solution != "ContosoHR" || r.Role != "importer" || !strings.Contains(r.Holder.Label(), "Adele Vance") ||
		r.Publisher() != "Fabrikam Consulting" || !strings.Contains(r.Reason, "2025-01-20") || !strings.Contains(r.Reason, "has no link of its own") {
		t.Errorf("HR Onboarding: %+v", r)
	}
	if r := byName["Contoso Reporting"]; !strings.Contains(r.Reason, "2025-03-01") {
		t.Errorf("Contoso Reporting: the failed later import must not count: %s", r.Reason)
	}
	if r := byName["Lunch Menu"]; !r.Owned || !strings.Contains(strings.Join(r.Notes, " "), "special type of production environment") {
		t.Errorf("Lunch Menu: %+v", r)
	}
	if r := byName["Weekly inspection digest"]; r.LinkedRole != "owner, not creator" || !strings.Contains(r.Holder.Label(), "Megan Bowen") || r.Owner() == nil {
		t.Errorf("Weekly inspection digest: %+v", r)
	}
	if r := byName["IT Helpdesk"]; r.LinkedRole != "owner, not creator" || !strings.Contains(r.Reason, "credits the creator") {
		t.Errorf("IT Helpdesk: %+v", r)
	}
	if r := byName["Service Levels"]; r.LinkedRole != "owner (took it over)" || !strings.Contains(r.Reason, "take-over is not documented to count") {
		t.Errorf("Service Levels: %+v", r)
	}
	if r := byName["Sales Pipeline"]; !strings.Contains(r.Reason, "it published the dataset") {
		t.Errorf("Sales Pipeline: the report published with it says it published it: %+v", r)
	}
	if r := byName["Contoso Customer 360"]; r.LinkedRole != "has a role" || !strings.Contains(r.Reason, "activity") {
		t.Errorf("Contoso Customer 360: %+v", r)
	}
	if r := byName["Escalate overdue surveys"]; !strings.Contains(r.Reason, "co-owners do not count") {
		t.Errorf("a flow's reason must say co-owners do not count: %s", r.Reason)
	}
	// Coverage per product.
	cov := map[Product]Coverage{}
	for _, c := range res.Coverage {
		cov[c.Product] = c
	}
	if c := cov[CanvasApp]; c.Total != 10 || c.ByVerdict[Attributed] != 4 || c.ByVerdict[NotAttributed] != 3 || c.ByVerdict[CannotTell] != 1 || c.ByVerdict[DoesNotCount] != 2 {
		t.Errorf("canvas coverage %+v", c)
	}
	if c := cov[Solution]; c.Skipped != 1 || !strings.Contains(c.Note, "Microsoft") {
		t.Errorf("solution coverage %+v: Microsoft's solution must be left out and counted", c)
	}
	if c := cov[CIInstance]; !c.Checked || c.Total != 2 {
		t.Errorf("CI coverage %+v", c)
	}
	// Progress: counts only, monotonic, ending with the totals.
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
	last := progress[len(progress)-1]
	if !last.Done || last.Resources != len(res.Resources) || last.Environments != 4 || last.EnvironmentsDone != 4 || last.Workspaces != 2 || last.Requests == 0 {
		t.Errorf("last progress %+v", last)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Resources < progress[i-1].Resources || progress[i].EnvironmentsDone < progress[i-1].EnvironmentsDone {
			t.Fatalf("progress went backwards: %+v then %+v", progress[i-1], progress[i])
		}
	}
	// The resource list is stable: environments in the service's order, products in palwiz's.
	if res.Resources[0].Env.Name != "Contoso Ltd (default)" || res.Resources[len(res.Resources)-1].Product != CIInstance {
		t.Errorf("order: first %s/%s, last %s", res.Resources[0].Env.Name, res.Resources[0].Name, res.Resources[len(res.Resources)-1].Product)
	}
}

// Without a subscription key Customer Insights is "cannot tell", with the reason.
func TestScanWithoutCIKey(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	res, err := Scan(context.Background(), env, ScanOptions{Products: []Product{CIInstance, Dataset}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Coverage {
		if c.Product == CIInstance && (c.Checked || !strings.Contains(c.Note, "Not checked") || !strings.Contains(c.Note, "PALWIZ_CI_SUBSCRIPTION_KEY")) {
			t.Errorf("CI coverage %+v", c)
		}
		if c.Product == CanvasApp {
			t.Errorf("canvas apps were not asked for: %+v", c)
		}
	}
	if res.Partial() {
		t.Errorf("a missing key is not a failure: %+v", res.Failures)
	}
	if n := len(res.Resources); n != 4 {
		t.Errorf("%d resources, want the four datasets", n)
	}
}

// A failing service or environment is reported; everything else still is.
func TestScanPartialFailure(t *testing.T) {
	cases := []struct {
		name    string
		fault   sim.Fault
		product Product
		where   string
		lost    []string // resources that cannot be reported
		changed map[string]Verdict
	}{
		{"flow service down", sim.Fault{Host: "api.flow.microsoft.com", Kind: "status", Status: 503, Code: "ServiceUnavailable"}, CloudFlow, "",
			[]string{"Contoso Ltd (default)/Notify on new lunch order", "Contoso Production/Approve expense claims", "Contoso Production/Escalate overdue surveys",
				"Contoso Production/Sync inspections to SharePoint", "Contoso UAT/Approve expense claims (test)"}, nil},
		{"one Dataverse organisation forbidden", sim.Fault{Host: "contosoprod.api.crm.dynamics.com", Kind: "status", Status: 403, Code: "0x80040220"}, ModelDrivenApp, "Contoso Production",
			[]string{"Contoso Production/Field Service Hub", "Contoso Production/HR Onboarding", "Contoso Production/Case Desk", "Contoso Production/Field Assistant",
				"Contoso Production/HR Helper", "Contoso Production/IT Helpdesk", "Contoso Production/Field Service (Fabrikam)", "Contoso Production/Contoso HR",
				"Contoso Production/Contoso Reporting", "Contoso Production/Expense Review", "Contoso Production/Contoso Expenses"},
			// Without Dataverse palwiz cannot see whether a flow is in a managed solution.
			map[string]Verdict{"Contoso Production/Escalate overdue surveys": CannotTell, "Contoso Production/Sync inspections to SharePoint": CannotTell,
				"Contoso Production/Route field requests": CannotTell}},
		{"Power BI throttling without end", sim.Fault{Host: "api.powerbi.com", Kind: "throttle", RetryAfter: 1}, Dataset, "",
			[]string{"Contoso Sales/Sales Pipeline", "Contoso Sales/Regional Targets", "Contoso Sales/Service Levels", "Operations/Inspections"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, env := ppSim(t, nil)
			ppSignIn(t, s, env, demoServiceUPN, "")
			if err := s.AddFault(c.fault); err != nil {
				t.Fatal(err)
			}
			res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Partial() {
				t.Fatal("no failure reported")
			}
			found := false
			for _, f := range res.Failures {
				if f.Product == c.product && (c.where == "" || f.Environment == c.where) && f.Message != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("failures %+v lack %s in %q", res.Failures, c.product, c.where)
			}
			want := map[string]Verdict{}
			for k, v := range demoVerdicts {
				want[k] = v
			}
			for _, k := range c.lost {
				delete(want, k)
			}
			for k, v := range c.changed {
				want[k] = v
			}
			// Flows in solutions are still found in Dataverse when the flow service fails.
			checkVerdicts(t, res, want)
			for _, cv := range res.Coverage {
				if cv.Product == c.product && cv.Failed == 0 {
					t.Errorf("coverage of %s does not count the failure: %+v", c.product, cv)
				}
			}
		})
	}
}

func TestScanFilters(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	ctx := context.Background()
	res, err := Scan(ctx, env, ScanOptions{Environments: []string{"contoso production"}, Products: []Product{CanvasApp}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Resources) != 5 {
		t.Errorf("%d resources, want Contoso Production's five canvas apps", len(res.Resources))
	}
	for _, r := range res.Resources {
		if r.Product != CanvasApp || r.Env.Name != "Contoso Production" {
			t.Errorf("unexpected %s %s in %s", r.Product, r.Name, r.Env.Name)
		}
	}
	_, err = Scan(ctx, env, ScanOptions{Environments: []string{"Contoso Prod"}}, nil)
	var se *steps.ServiceError
	if !errors.As(err, &se) || !strings.Contains(se.Error(), `"Contoso Prod"`) || !strings.Contains(se.Error(), "Contoso Production") {
		t.Errorf("an unknown environment: %v", err)
	}
	res, err = Scan(ctx, env, ScanOptions{SkipNonProduction: true, Products: []Product{CanvasApp, CloudFlow}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Resources {
		if r.Verdict == DoesNotCount {
			t.Errorf("%s was scanned in a non-production environment", r.Name)
		}
	}
}

// The permissions expansion is not verified against the live service: when
// the service ignores it, palwiz reads the permissions it needs and gives
// the same verdicts.
func TestScanWithoutPermissionsExpansion(t *testing.T) {
	s, env := ppSim(t, func(sc *sim.Scenario) { sc.PowerPlatform.Settings.IgnorePermissionsExpand = true })
	ppSignIn(t, s, env, demoServiceUPN, "")
	res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Verdict{}
	for k, v := range demoVerdicts {
		want[k] = v
	}
	checkVerdicts(t, res, want)
}

// A guest account (Ana in Northwind) is compared by its guest object ID and
// its #EXT# UPN, and its link to another partner is said.
func TestScanGuest(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoAnaUPN, demoNorthwind)
	res, err := Scan(context.Background(), env, ScanOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, res, map[string]Verdict{
		"Northwind Traders (default)/Holiday Planner": NotAttributed,
		"Northwind Production/Order Desk":             Attributed,
		"Northwind Production/Stock Levels":           NotAttributed,
		"Northwind Production/Order confirmation":     Attributed,
		"Northwind Production/Northwind Orders":       Attributed,
		"Northwind Production/Order Bot":              NotAttributed,
		"Northwind Finance/Revenue":                   Attributed,
	})
	if !res.Linked.Linked || res.Linked.PartnerID != "5127255" || !strings.Contains(strings.Join(res.Notes, " "), "Tailspin Partners (Dublin)") {
		t.Errorf("the link to another partner is not said: %+v %v", res.Linked, res.Notes)
	}
}

// An administrator can check for the dedicated account: the linked identity
// is given, not the signed-in one.
func TestScanForAnotherIdentity(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignInSP(t, env, demoContoso, demoSPApp, demoSPSecret)
	linked := LinkedIdentity{ObjectID: demoServiceOID, UPN: demoServiceUPN, TenantID: demoContoso}
	res, err := Scan(context.Background(), env, ScanOptions{Linked: &linked, CISubscriptionKey: demoCIKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Verdict{}
	for k, v := range demoVerdicts {
		if !strings.HasPrefix(k, "Customer Insights") {
			want[k] = v
		}
	}
	// Not signed in as the linked account, palwiz cannot see whose report
	// came with the dataset: it says the owner is the publisher unless it
	// took the dataset over, and that it could not confirm which.
	want["Contoso Sales/Service Levels"] = Attributed
	checkVerdicts(t, res, want)
	for _, r := range res.Resources {
		if r.Name == "Service Levels" && (!strings.Contains(r.Reason, "unless it took the dataset over") || !strings.Contains(strings.Join(r.Notes, " "), "could not confirm")) {
			t.Errorf("Service Levels: %+v", r)
		}
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "not signed in as") {
		t.Errorf("notes %v should say palwiz is not signed in as the linked account", res.Notes)
	}
	_ = s
}

// Without an admin role the environments cannot be listed: that is one
// failure, explained, and the rest of the scan still runs.
func TestScanNotAdmin(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoAnaUPN, demoContoso)
	res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 || res.Failures[0].Service != "Power Platform admin (BAP)" ||
		!strings.Contains(res.Failures[0].Message, "Power Platform administrator") || !strings.Contains(res.Failures[0].Message, "HTTP 403") {
		t.Fatalf("failures %+v", res.Failures)
	}
	for _, c := range res.Coverage {
		switch c.Product {
		case CanvasApp, CloudFlow, ModelDrivenApp, CopilotBot, Solution:
			if c.Failed != 1 || !strings.Contains(c.Note, "could not be listed") {
				t.Errorf("%s coverage %+v", c.Product, c)
			}
		case Dataset:
			if c.Failed != 0 || c.Total != 0 {
				t.Errorf("datasets %+v: Ana is in no Contoso workspace", c)
			}
		}
	}
}
