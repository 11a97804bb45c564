package steps

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
)

func demoScan(t *testing.T, edit func(*sim.Scenario)) (*sim.Server, *Env, *ScanResult) {
	t.Helper()
	s, env := ppSim(t, edit)
	ppSignIn(t, s, env, demoServiceUPN, "")
	res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, env, res
}

func fixesByName(fs []Fix) map[string]Fix {
	out := map[string]Fix{}
	for _, f := range fs {
		out[f.Resource.Name] = f
	}
	return out
}

func TestPlanFixes(t *testing.T) {
	_, _, res := demoScan(t, nil)
	plan := fixesByName(PlanFixes(res, FixOptions{}))
	want := map[string]struct {
		kind       FixKind
		automatic  bool
		attributes bool
	}{
		"Site Survey":                    {FixAddCoOwner, true, true},
		"Visitor Check-in":               {FixAddCoOwner, true, true},
		"Case Desk":                      {FixReimport, false, true},
		"Contoso HR":                     {FixReimport, false, true},
		"Escalate overdue surveys":       {FixAddFlowCoOwner, true, false},
		"Sync inspections to SharePoint": {FixAddFlowCoOwner, true, false},
		"HR Helper":                      {FixAssignBot, true, false},
		"IT Helpdesk":                    {FixReimport, false, true},
		"Regional Targets":               {FixTakeOver, true, true},
		"Inspections":                    {FixTakeOver, true, true},
	}
	for name, w := range want {
		f, ok := plan[name]
		if !ok {
			t.Errorf("no fix for %s", name)
			continue
		}
		if f.Kind != w.kind || f.Automatic != w.automatic || f.Attributes != w.attributes || f.Blocked != "" || f.Summary == "" || f.Explanation == "" {
			t.Errorf("%s: %+v", name, f)
		}
	}
	if len(plan) != len(want) {
		for n := range plan {
			if _, ok := want[n]; !ok {
				t.Errorf("unexpected fix for %s (%s)", n, plan[n].Kind)
			}
		}
	}
	// One import of ContosoHR covers its app and flow.
	hr := plan["Contoso HR"]
	if strings.Join(hr.Covers, ", ") != `model-driven app "HR Onboarding", flow "New hire welcome"` {
		t.Errorf("ContosoHR covers %v", hr.Covers)
	}
	if len(hr.Commands) != 3 || !strings.Contains(hr.Commands[1], "pac auth create --environment https://contosoprod.crm.dynamics.com/") ||
		!strings.Contains(hr.Commands[1], demoServiceUPN) || !strings.HasPrefix(hr.Commands[2], "pac solution import --path ./ContosoHR_managed.zip") {
		t.Errorf("ContosoHR commands %q", hr.Commands)
	}
	if c := plan["Case Desk"].Commands; len(c) != 4 || !strings.Contains(c[0], "--componentType 80") {
		t.Errorf("Case Desk commands %q", c)
	}
	// The flow's fix says the creator cannot change and what to do instead.
	if e := plan["Escalate overdue surveys"].Explanation; !strings.Contains(e, "creator of a flow never changes") || !strings.Contains(e, "import that solution") {
		t.Errorf("flow explanation %q", e)
	}
	// Owner instead of co-owner, keeping the previous owner as viewer.
	owner := fixesByName(PlanFixes(res, FixOptions{CanvasApp: CanvasOwner, PreviousOwnerRole: "CanView"}))
	if f := owner["Site Survey"]; f.Kind != FixMakeOwner || f.role != "CanView" || !strings.Contains(f.Summary, "keeps view access") {
		t.Errorf("make owner: %+v", f)
	}
	// The Default environment only when asked.
	unclear := fixesByName(PlanFixes(res, FixOptions{IncludeUnclear: true}))
	if _, ok := unclear["Team Birthdays"]; !ok {
		t.Error("IncludeUnclear did not plan the Default environment's app")
	}
	if _, ok := unclear["Lunch Menu"]; ok {
		t.Error("an app the linked account already owns was planned")
	}
	// Keys limit the plan.
	var key string
	for _, r := range res.Resources {
		if r.Name == "Site Survey" {
			key = r.Key()
		}
	}
	if only := PlanFixes(res, FixOptions{Keys: []string{key}}); len(only) != 1 || only[0].Resource.Name != "Site Survey" {
		t.Errorf("a plan for one key: %+v", only)
	}
	for _, bad := range []FixOptions{{CanvasApp: "steal"}, {PreviousOwnerRole: "Owner"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

// Take over goes to the signed-in account: checking for another identity
// blocks it, and a service principal's canvas apps move only by solution.
func TestPlanFixesForOtherIdentities(t *testing.T) {
	_, _, res := demoScan(t, nil)
	res.Linked.SignedIn = false
	plan := fixesByName(PlanFixes(res, FixOptions{}))
	if f := plan["Regional Targets"]; f.Blocked == "" || !strings.Contains(f.Blocked, "Sign in as "+demoServiceUPN) || f.Applicable() {
		t.Errorf("take over while not signed in as the linked account: %+v", f)
	}
	res.Linked = LinkedIdentity{ObjectID: "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502", AppID: demoSPApp, Kind: auth.KindServicePrincipal, TenantID: demoContoso, SignedIn: true}
	plan = fixesByName(PlanFixes(res, FixOptions{}))
	if f := plan["Site Survey"]; f.Kind != FixReimport || f.Automatic || !strings.Contains(f.Explanation, "service principal") ||
		!strings.Contains(strings.Join(f.Commands, "\n"), "--applicationId "+demoSPApp) || strings.Contains(strings.Join(f.Commands, "\n"), "--clientSecret") {
		t.Errorf("a service principal's canvas fix: %+v", f)
	}
}

func TestApplyFixes(t *testing.T) {
	s, env, res := demoScan(t, nil)
	ctx := context.Background()
	plan := PlanFixes(res, FixOptions{CanvasApp: CanvasOwner})
	// One change fails; the others still happen.
	if err := s.AddFault(sim.Fault{Host: "api.flow.microsoft.com", Method: "POST", Path: "d1f0c0de-0000-4000-8000-000000000202", Kind: "status", Status: 500}); err != nil {
		t.Fatal(err)
	}
	var last FixProgress
	results, err := ApplyFixes(ctx, env, res, plan, func(p FixProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if last.Total != 7 || last.Done != 7 || last.Failed != 1 {
		t.Errorf("progress %+v, want 7 applied of which 1 failed", last)
	}
	after := map[string]FixResult{}
	for _, r := range results {
		after[r.Fix.Resource.Name] = r
	}
	wantAfter := map[string]Verdict{
		"Site Survey": Attributed, "Visitor Check-in": Attributed, "Regional Targets": Attributed, "Inspections": Attributed,
		"Escalate overdue surveys": NotAttributed, "HR Helper": CannotTell,
	}
	for name, v := range wantAfter {
		r := after[name]
		if !r.Applied || r.After == nil || r.After.Verdict != v {
			t.Errorf("%s after the fix: %+v", name, r)
		}
	}
	if r := after["Escalate overdue surveys"]; r.After == nil || r.After.LinkedRole != "co-owner (CanEdit)" || !strings.Contains(strings.Join(r.After.Notes, " "), "still credits its creator") {
		t.Errorf("the flow after adding a co-owner: %+v", r.After)
	}
	if r := after["Sync inspections to SharePoint"]; r.Applied || r.Error == "" || !strings.Contains(r.Error, "HTTP 500") {
		t.Errorf("the failed change: %+v", r)
	}
	for _, name := range []string{"Case Desk", "Contoso HR", "IT Helpdesk"} {
		if after[name].Applied {
			t.Errorf("the manual fix for %s was applied", name)
		}
	}
	// The previous owner kept co-owner access; a new check agrees with the re-reads.
	again, err := Scan(ctx, env, ScanOptions{CISubscriptionKey: demoCIKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Verdict{}
	for k, v := range demoVerdicts {
		want[k] = v
	}
	for k, v := range map[string]Verdict{
		"Contoso Production/Site Survey": Attributed, "Contoso Production/Visitor Check-in": Attributed,
		"Contoso Sales/Regional Targets": Attributed, "Operations/Inspections": Attributed, "Contoso Production/HR Helper": CannotTell,
	} {
		want[k] = v
	}
	checkVerdicts(t, again, want)
}

// Applying as someone other than the linked account leaves Take over alone.
func TestApplySkipsBlocked(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignInSP(t, env, demoContoso, demoSPApp, demoSPSecret)
	linked := LinkedIdentity{ObjectID: demoServiceOID, UPN: demoServiceUPN, TenantID: demoContoso}
	res, err := Scan(context.Background(), env, ScanOptions{Linked: &linked, Products: []Product{Dataset}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanFixes(res, FixOptions{})
	if len(plan) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	s.ResetStats()
	results, err := ApplyFixes(context.Background(), env, res, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Applied || r.Fix.Blocked == "" {
			t.Errorf("a blocked take over was applied: %+v", r)
		}
	}
	if n := s.Stats()["api.powerbi.com"]; n != 0 {
		t.Errorf("%d Power BI requests for blocked fixes", n)
	}
}
