package attribution

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

// Plans converge: apply what palwiz can, check again, plan again; the
// second apply changes nothing and what only a person can do is listed once.
func TestApplyConverges(t *testing.T) {
	s, env, res := demoScan(t, nil)
	ctx := context.Background()
	opts := FixOptions{Delivered: fabrikamDelivered(t)}
	plan := PlanFixes(res, opts)
	first := plan.Applicable()
	if len(first) != 3 { // Visit Booking co-owner, Route field requests owner, Regional Targets take over
		t.Fatalf("first plan: %d applicable: %+v", len(first), first)
	}
	var last FixProgress
	results, err := ApplyFixes(ctx, env, res, first, func(p FixProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if last.Total != 3 || last.Done != 3 || last.Failed != 0 {
		t.Errorf("progress %+v", last)
	}
	after := map[string]FixResult{}
	for _, r := range results {
		after[r.Fix.Resource.Name] = r
		if !r.Applied || r.After == nil || r.Error != "" {
			t.Errorf("%s: %+v", r.Fix.Summary, r)
			continue
		}
		if !res.Replace(*r.After) {
			t.Errorf("%s: no row to replace", r.Fix.Summary)
		}
	}
	for name, v := range map[string]Verdict{"Visit Booking": Attributed, "Route field requests": CannotTell, "Regional Targets": CannotTell} {
		if r := after[name]; r.After == nil || r.After.Verdict != v {
			t.Errorf("%s after the fix: %+v", name, r.After)
		}
	}
	// A take-over is not "now attributed": it says so, and what to do about the credentials.
	if r := after["Regional Targets"].After; r == nil || !strings.Contains(r.Reason, "not documented to count") || !strings.Contains(strings.Join(r.Notes, " "), "credentials") {
		t.Errorf("Regional Targets after the take over: %+v", r)
	}
	// The re-read rows agree with a new check.
	again := rescan(t, env)
	for _, name := range []string{"Visit Booking", "Route field requests", "Regional Targets"} {
		for _, r := range again.Resources {
			if r.Name == name && r.Verdict != after[name].After.Verdict {
				t.Errorf("%s: re-read %s, new check %s", name, after[name].After.Verdict, r.Verdict)
			}
		}
	}
	// The second plan has nothing palwiz can change; the person's steps are
	// listed once (one per resource), with their commands.
	second := PlanFixes(again, opts)
	if n := len(second.Applicable()); n != 0 {
		t.Fatalf("the second plan still has %d changes: %+v", n, second.Applicable())
	}
	manual := fixesByName(second.Manual())
	for _, name := range []string{"Route field requests", "Regional Targets", "Case Desk", "Contoso HR"} {
		if f, ok := manual[name]; !ok || len(f.Commands) == 0 {
			t.Errorf("the second plan lacks the person's step for %s: %+v", name, f)
		}
	}
	seen := map[string]bool{}
	for _, f := range second.Manual() {
		if seen[f.Resource.Key()] {
			t.Errorf("%s is listed twice", f.Resource.Name)
		}
		seen[f.Resource.Key()] = true
	}
	if h := SummarizePlan(again, second).Headline(); !strings.HasPrefix(h, "Nothing palwiz can change") {
		t.Errorf("second plan headline: %q", h)
	}
	s.ResetStats()
	results, err = ApplyFixes(ctx, env, again, second.Applicable(), nil)
	if err != nil || len(results) != 0 {
		t.Errorf("the second apply: %v %+v", err, results)
	}
	for host, n := range s.Stats() {
		if n > 0 && (host == "api.powerapps.com" || host == "api.powerbi.com" || strings.HasSuffix(host, "crm.dynamics.com")) {
			t.Errorf("%d requests to %s by the second apply", n, host)
		}
	}
}

// One change fails; the others still happen and each says what it did.
func TestApplyFixesOneFails(t *testing.T) {
	s, env, res := demoScan(t, nil)
	plan := PlanFixes(res, FixOptions{})
	if err := s.AddFault(sim.Fault{Host: "api.powerapps.com", Method: "POST", Path: "d1a0c0de-0000-4000-8000-000000000203", Kind: "status", Status: 500}); err != nil {
		t.Fatal(err)
	}
	results, err := ApplyFixes(context.Background(), env, res, plan.Applicable(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch r.Fix.Resource.Name {
		case "Site Survey":
			if r.Applied || !strings.Contains(r.Error, "HTTP 500") || r.Err == nil {
				t.Errorf("the failed change: %+v", r)
			}
		default:
			if !r.Applied || r.After == nil || r.After.Verdict != Attributed {
				t.Errorf("%s: %+v", r.Fix.Summary, r)
			}
		}
	}
}

// Advice a person chooses is applied, unless it is in effect already.
func TestApplyAdvice(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	res, err := Scan(context.Background(), env, ScanOptions{Products: []Product{CloudFlow}}, nil) // co-owners not read
	if err != nil {
		t.Fatal(err)
	}
	advice := fixesByName(PlanFixes(res, FixOptions{}).Advice)
	sync, esc := advice["Sync inspections to SharePoint"], advice["Escalate overdue surveys"]
	if sync.Kind != FixAddFlowCoOwner || esc.Kind != FixAddFlowCoOwner {
		t.Fatalf("advice %+v", advice)
	}
	s.ResetStats()
	results, err := ApplyFixes(context.Background(), env, res, []Fix{sync, esc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch r.Fix.Resource.Name {
		case "Sync inspections to SharePoint": // the linked account co-owns it already
			if r.Applied || !r.InEffect || r.After == nil || r.After.Verdict != NotAttributed {
				t.Errorf("in effect: %+v", r)
			}
		default:
			if !r.Applied || r.After == nil || r.After.Verdict != NotAttributed || r.After.LinkedRole != "co-owner (CanEdit)" ||
				!strings.Contains(strings.Join(r.After.Notes, " "), "still credits its creator") {
				t.Errorf("co-owner added: %+v %+v", r, r.After)
			}
		}
	}
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
	plan := PlanFixes(res, FixOptions{Delivered: DeliveredKeys(keysOf(res)...)})
	if len(plan.Fixes) != 2 || len(plan.Applicable()) != 0 {
		t.Fatalf("plan %+v", plan.Fixes)
	}
	s.ResetStats()
	results, err := ApplyFixes(context.Background(), env, res, plan.Fixes, nil)
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

func keysOf(res *ScanResult) []string {
	out := make([]string, len(res.Resources))
	for i, r := range res.Resources {
		out[i] = r.Key()
	}
	return out
}
