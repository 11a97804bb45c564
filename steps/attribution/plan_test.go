package attribution

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
)

func demoScan(t *testing.T, edit func(*sim.Scenario)) (*sim.Server, *steps.Env, *ScanResult) {
	t.Helper()
	s, env := ppSim(t, edit)
	ppSignIn(t, s, env, demoServiceUPN, "")
	return s, env, rescan(t, env)
}

// rescan checks Contoso again, as `palwiz fix` does before it plans.
func rescan(t *testing.T, env *steps.Env) *ScanResult {
	t.Helper()
	res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey, Retry: fastRetry, FlowCoOwners: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func fixesByName(fs []Fix) map[string]Fix {
	out := map[string]Fix{}
	for _, f := range fs {
		out[f.Resource.Name] = f
	}
	return out
}

// fabrikamDelivered is what Fabrikam delivered to Contoso: its solutions,
// and what it built outside them.
func fabrikamDelivered(t *testing.T) Delivered {
	t.Helper()
	d, err := ParseDelivered([]string{"publisher=Fabrikam Consulting", "Visit Booking,Case Desk", "name=Route field requests",
		"name=Weekly inspection digest", "Regional Targets", "Service Levels", "Escalate overdue surveys"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type wantFix struct {
	kind      FixKind
	automatic bool
	after     Verdict
}

func checkFixes(t *testing.T, what string, got []Fix, want map[string]wantFix) {
	t.Helper()
	byName := fixesByName(got)
	for name, w := range want {
		f, ok := byName[name]
		if !ok {
			t.Errorf("%s: no fix for %s", what, name)
			continue
		}
		if f.Kind != w.kind || f.Automatic != w.automatic || f.After != w.after || f.Summary == "" || f.Explanation == "" {
			t.Errorf("%s: %s: %s automatic=%v after=%s, want %s automatic=%v after=%s", what, name, f.Kind, f.Automatic, f.After, w.kind, w.automatic, w.after)
		}
		// Only palwiz's own changes, read again, can claim to attribute.
		if f.Attributes && (!f.Automatic || f.After != Attributed) {
			t.Errorf("%s: %s claims to attribute: %+v", what, name, f)
		}
	}
	for name, f := range byName {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected fix for %s (%s)", what, name, f.Kind)
		}
	}
}

// Without delivered marks palwiz plans only what takes nothing from anyone
// (a canvas co-owner); changes of ownership wait; advice is apart.
func TestPlanWithoutDeliveredMarks(t *testing.T) {
	_, _, res := demoScan(t, nil)
	p := PlanFixes(res, FixOptions{})
	checkFixes(t, "fixes", p.Fixes, map[string]wantFix{
		"Team Birthdays":   {FixAddCoOwner, true, Attributed}, // the Default environment counts
		"Visit Booking":    {FixAddCoOwner, true, Attributed},
		"Site Survey":      {FixAddCoOwner, true, Attributed},
		"Visitor Check-in": {FixAddCoOwner, true, Attributed},
	})
	checkFixes(t, "held", p.Held, map[string]wantFix{
		"Notify on new lunch order":      {FixRebuild, false, Attributed},
		"Case Desk":                      {FixRebuild, false, Attributed},
		"Contoso Expenses":               {FixReimport, false, Attributed},
		"Contoso HR":                     {FixReimport, false, Attributed},
		"Escalate overdue surveys":       {FixRebuild, false, Attributed},
		"Sync inspections to SharePoint": {FixRebuild, false, Attributed},
		"Weekly inspection digest":       {FixRebuild, false, Attributed},
		"Route field requests":           {FixFlowOwner, true, CannotTell},
		"HR Helper":                      {FixRebuild, false, Attributed},
		"IT Helpdesk":                    {FixRebuild, false, Attributed},
		"Regional Targets":               {FixTakeOver, true, CannotTell},
		"Service Levels":                 {FixPublish, false, Attributed},
		"Inspections":                    {FixTakeOver, true, CannotTell},
	})
	// Advice: the flows the linked account does not co-own yet (Sync
	// inspections already has it), the bot it does not own yet, the instance.
	checkFixes(t, "advice", p.Advice, map[string]wantFix{
		"Notify on new lunch order": {FixAddFlowCoOwner, true, NotAttributed},
		"Escalate overdue surveys":  {FixAddFlowCoOwner, true, NotAttributed},
		"Route field requests":      {FixAddFlowCoOwner, true, NotAttributed},
		"HR Helper":                 {FixAssignBot, true, NotAttributed},
		"Contoso Customer 360":      {FixUseInstance, false, CannotTell},
	})
	for _, f := range p.Advice {
		if !strings.Contains(f.Explanation, "not move the credit") && !strings.Contains(f.Explanation, "stays 'cannot tell'") {
			t.Errorf("advice %s does not say it earns nothing: %s", f.Summary, f.Explanation)
		}
	}
	// One import of ContosoHR covers its app and flow.
	hr := fixesByName(p.Held)["Contoso HR"]
	if strings.Join(hr.Covers, ", ") != `model-driven app "HR Onboarding", flow "New hire welcome"` || hr.TakesFrom == "" || !strings.Contains(hr.Loses, "Adele Vance") {
		t.Errorf("ContosoHR: %+v", hr)
	}
	if len(hr.Commands) != 3 || !strings.Contains(hr.Commands[1], "pac auth create --environment https://contosoprod.crm.dynamics.com/") ||
		!strings.Contains(hr.Commands[1], demoServiceUPN) || !strings.HasPrefix(hr.Commands[2], "pac solution import --path ./ContosoHR_managed.zip") ||
		strings.Contains(hr.Commands[2], "--activate-plugins") || !strings.Contains(hr.Explanation, "System Administrator") || !strings.Contains(hr.Explanation, "delegated deployment") {
		t.Errorf("ContosoHR commands %q, explanation %q", hr.Commands, hr.Explanation)
	}
	if s := SummarizePlan(res, p); s.Automatic != 4 || s.Held != 13 || s.Advice != 5 || !strings.HasPrefix(s.Headline(), "4 changes palwiz can make") {
		t.Errorf("plan summary %+v: %s", s, s.Headline())
	}
}

// Marked as delivered, the partner's work gets its changes of ownership;
// Contoso's own solution and apps are left alone.
func TestPlanDelivered(t *testing.T) {
	_, _, res := demoScan(t, nil)
	p := PlanFixes(res, FixOptions{Delivered: fabrikamDelivered(t)})
	checkFixes(t, "fixes", p.Fixes, map[string]wantFix{
		"Visit Booking":            {FixAddCoOwner, true, Attributed},
		"Case Desk":                {FixRebuild, false, Attributed},
		"Contoso HR":               {FixReimport, false, Attributed},
		"Escalate overdue surveys": {FixRebuild, false, Attributed},
		"Route field requests":     {FixFlowOwner, true, CannotTell},
		"Weekly inspection digest": {FixRebuild, false, Attributed},
		"Regional Targets":         {FixTakeOver, true, CannotTell},
		"Service Levels":           {FixPublish, false, Attributed},
	})
	if len(p.Held) != 0 {
		t.Errorf("held with marks given: %+v", p.Held)
	}
	// Never a plan to re-import a solution the partner did not deliver.
	for _, f := range append(append([]Fix(nil), p.Fixes...), p.Advice...) {
		if f.Resource.Solution == "ContosoExpenses" || f.Resource.Name == "Site Survey" || f.Resource.Name == "Team Birthdays" {
			t.Errorf("planned for something Fabrikam did not deliver: %s", f.Summary)
		}
	}
	if p.NotDelivered == 0 || p.Delivered == "" {
		t.Errorf("the plan does not say what it left alone: %d, %q", p.NotDelivered, p.Delivered)
	}
	byName := fixesByName(p.Fixes)
	// What the customer loses is said before anything is applied.
	if f := byName["Regional Targets"]; !strings.Contains(f.Loses, "credentials") || !strings.Contains(f.TakesFrom, "megan.bowen") ||
		!strings.Contains(TakeAwayNote(f), "away from megan.bowen@contoso.onmicrosoft.com") || len(f.Commands) != 2 || !strings.HasPrefix(f.Commands[1], "New-PowerBIReport") {
		t.Errorf("take over: %+v", f)
	}
	if f := byName["Route field requests"]; !strings.Contains(f.Loses, "licence") || !strings.Contains(f.Loses, "co-owner") || f.Blocked != "" {
		t.Errorf("flow owner: %+v", f)
	}
	// A rebuild never reuses the production ID.
	for _, name := range []string{"Case Desk", "Weekly inspection digest", "Escalate overdue surveys"} {
		f := byName[name]
		cmds := strings.Join(f.Commands, "\n")
		if strings.Contains(cmds, f.Resource.ID) || strings.Contains(cmds, "add-solution-component") || !strings.Contains(f.Explanation, "cannot be reused") || f.Confirm == "" {
			t.Errorf("%s: %q %q", name, f.Commands, f.Explanation)
		}
	}
	// The owner variant for a canvas app changes ownership: only when delivered.
	owner := PlanFixes(res, FixOptions{CanvasApp: CanvasOwner, PreviousOwnerRole: "CanView", Delivered: fabrikamDelivered(t)})
	if f := fixesByName(owner.Fixes)["Visit Booking"]; f.Kind != FixMakeOwner || f.role != "CanView" || !strings.Contains(f.Summary, "keeps view access") || !strings.Contains(f.Loses, "stops being the app's owner") {
		t.Errorf("make owner: %+v", f)
	}
	if _, ok := fixesByName(PlanFixes(res, FixOptions{CanvasApp: CanvasOwner}).Held)["Site Survey"]; !ok {
		t.Error("an owner change without delivered marks was not held")
	}
	// Keys limit the plan.
	var key string
	for _, r := range res.Resources {
		if r.Name == "Site Survey" {
			key = r.Key()
		}
	}
	if only := PlanFixes(res, FixOptions{Keys: []string{key}}); len(only.Fixes) != 1 || only.Fixes[0].Resource.Name != "Site Survey" {
		t.Errorf("a plan for one key: %+v", only)
	}
	for _, bad := range []FixOptions{{CanvasApp: "steal"}, {PreviousOwnerRole: "Owner"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

func TestParseDelivered(t *testing.T) {
	d, err := ParseDelivered([]string{"publisher=Fabrikam Consulting, env=Contoso UAT", "Field Inspection", "id=D1A0C0DE-0000-4000-8000-000000000203"})
	if err != nil {
		t.Fatal(err)
	}
	env := &Environment{ID: "e1", Name: "Contoso UAT"}
	published := func(name, publisher string) Resource {
		r := Resource{Name: name}
		r.setPublisher(publisher)
		return r
	}
	cases := []struct {
		r    Resource
		want bool
	}{
		{published("HR Onboarding", "fabrikam consulting"), true},
		{published("Expense Review", "Contoso"), false},
		{Resource{Name: "Anything", Env: env}, true},
		{Resource{Name: "field inspection"}, true},
		{Resource{Name: "Field Inspection (test)"}, false}, // whole names only
		{Resource{Name: "Site Survey", ID: "d1a0c0de-0000-4000-8000-000000000203"}, true},
	}
	for _, c := range cases {
		if got := d.Match(c.r); got != c.want {
			t.Errorf("%+v: %v, want %v", c.r, got, c.want)
		}
	}
	for _, bad := range []string{"owner=megan", "publisher="} {
		if _, err := ParseDelivered([]string{bad}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if !(Delivered{}).Empty() || d.Empty() || !strings.Contains(d.String(), "publisher=Fabrikam Consulting") {
		t.Errorf("empty/string: %q", d.String())
	}
	if k := DeliveredKeys("canvas-app/e1/x"); !k.Match(Resource{Product: CanvasApp, ID: "X", Env: &Environment{ID: "E1"}}) {
		t.Error("a key mark did not match its resource")
	}
}

// Take over goes to the signed-in account: checking for another identity
// blocks it; a service principal gets canvas apps only by a solution import;
// a guest signs pac in with its home account.
func TestPlanFixesForOtherIdentities(t *testing.T) {
	_, _, res := demoScan(t, nil)
	all := FixOptions{Delivered: fabrikamDelivered(t)}
	res.Linked.SignedIn = false
	plan := fixesByName(PlanFixes(res, all).Fixes)
	if f := plan["Regional Targets"]; f.Blocked == "" || !strings.Contains(f.Blocked, "Sign in as "+demoServiceUPN) || f.Applicable() {
		t.Errorf("take over while not signed in as the linked account: %+v", f)
	}
	res.Linked = LinkedIdentity{ObjectID: "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502", AppID: demoSPApp, Kind: auth.KindServicePrincipal, TenantID: demoContoso, SignedIn: true}
	plan = fixesByName(PlanFixes(res, all).Fixes)
	if f := plan["Visit Booking"]; f.Kind != FixRebuild || f.Automatic || !strings.Contains(f.Explanation, "service principal") ||
		!strings.Contains(strings.Join(f.Commands, "\n"), "--applicationId "+demoSPApp) || strings.Contains(strings.Join(f.Commands, "\n"), "--clientSecret") {
		t.Errorf("a service principal's canvas fix: %+v", f)
	}
	res.Linked = LinkedIdentity{ObjectID: demoServiceOID, UPN: "ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com", TenantID: demoContoso, SignedIn: true}
	plan = fixesByName(PlanFixes(res, all).Fixes)
	if f := plan["Contoso HR"]; !strings.Contains(f.Commands[1], "sign in as ana.lopez@fabrikam.example") || strings.Contains(f.Commands[1], "#EXT#") {
		t.Errorf("a guest's pac sign-in: %q", f.Commands)
	}
}
