package attribution

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

// hostCI makes Contoso Production's Dataverse host a Customer Insights -
// Data instance; absent are object IDs that are not its users.
func hostCI(absent ...string) func(*sim.Scenario) {
	return func(sc *sim.Scenario) {
		dv := sc.PowerPlatform.Tenants[0].Environments[1].Dataverse
		dv.CustomerInsights = true
		dv.AbsentUsers = append(dv.AbsentUsers, absent...)
	}
}

// Customer Insights through Dataverse, without the Customer Insights API
// key: a role is access, not activity ("cannot tell unless used"); an
// account that is not a user of the environment cannot be an active user.
func TestScanCustomerInsightsThroughDataverse(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*sim.Scenario)
		verdict Verdict
		role    string
		advice  string
	}{
		{"a user of the environment", hostCI(), CannotTell, "user of the environment", "Use Customer Insights instance \"Contoso Production\" as pal-service@contoso.onmicrosoft.com"},
		// Checked by the customer's service principal for the dedicated
		// account, which the organisation does not have as a user.
		{"not a user of the environment", hostCI(demoServiceOID), NotAttributed, "", "Make pal-service@contoso.onmicrosoft.com a user of Contoso Production"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, env := ppSim(t, c.edit)
			ppSignInSP(t, env, demoContoso, demoSPApp, demoSPSecret)
			linked := LinkedIdentity{ObjectID: demoServiceOID, UPN: demoServiceUPN, TenantID: demoContoso}
			res, err := Scan(context.Background(), env, ScanOptions{Products: []Product{CIInstance}, Linked: &linked, Retry: fastRetry}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Partial() {
				t.Fatalf("failures %+v", res.Failures)
			}
			if len(res.Resources) != 1 {
				t.Fatalf("resources %+v", res.Resources)
			}
			r := res.Resources[0]
			if r.Product != CIInstance || r.Name != "Contoso Production" || r.Verdict != c.verdict || r.LinkedRole != c.role ||
				!strings.Contains(r.Reason, "Dataverse") {
				t.Errorf("instance %+v", r)
			}
			if c.verdict == Attributed || strings.Contains(r.Reason, "attributed") && !strings.Contains(r.Reason, "cannot") {
				t.Errorf("a role called activity: %q", r.Reason)
			}
			cov := res.Coverage[0]
			if !cov.Checked || cov.Total != 1 || !strings.Contains(cov.Note, "PALWIZ_CI_SUBSCRIPTION_KEY") {
				t.Errorf("coverage %+v", cov)
			}
			plan := PlanFixes(res, FixOptions{})
			if len(plan.Fixes) != 0 || len(plan.Advice) != 1 || plan.Advice[0].Kind != FixUseInstance || !strings.Contains(plan.Advice[0].Summary, c.advice) {
				t.Errorf("plan %+v / advice %+v", plan.Fixes, plan.Advice)
			}
			if ps := SummarizePlan(res, plan); ps.Automatic != 0 {
				t.Errorf("advice counted as a change: %+v", ps)
			}
		})
	}
}

// Where no Dataverse hosts Customer Insights and the key is missing, the
// instances outside Dataverse are not checked: never "nothing found".
func TestScanCustomerInsightsNoneInDataverse(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	res, err := Scan(context.Background(), env, ScanOptions{Products: []Product{CIInstance}, Retry: fastRetry}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cov := res.Coverage[0]
	if cov.Checked || !strings.HasPrefix(cov.Note, "Not checked outside Dataverse: none of the 4 Dataverse organisations hosts") {
		t.Errorf("coverage %+v", cov)
	}
	if line := CoverageByProduct(res, nil)[0].Line(); !strings.HasPrefix(line, "Customer Insights instances: not checked outside Dataverse") {
		t.Errorf("line %q", line)
	}
	if u := Summarize(res).Unchecked; len(u) != 1 || u[0].Product != CIInstance {
		t.Errorf("unchecked %+v", u)
	}
}

// A failed Dataverse read is Customer Insights not checked there, with
// its cause; with the key, an instance both services show is counted once.
func TestScanCustomerInsightsFailuresAndDuplicates(t *testing.T) {
	t.Run("throttled", func(t *testing.T) {
		s, env := ppSim(t, hostCI())
		ppSignIn(t, s, env, demoServiceUPN, "")
		if err := s.AddFault(sim.Fault{Host: "contosoprod.api.crm.dynamics.com", Path: "EntityDefinitions", Kind: "throttle", RetryAfter: 1}); err != nil {
			t.Fatal(err)
		}
		res, err := Scan(context.Background(), env, ScanOptions{Retry: fastRetry}, nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range res.Failures {
			found = found || f.Product == CIInstance && f.Environment == "Contoso Production"
		}
		if !found {
			t.Errorf("failures %+v", res.Failures)
		}
		assertNoAllClear(t, res)
	})
	t.Run("read both ways", func(t *testing.T) {
		s, env := ppSim(t, func(sc *sim.Scenario) {
			hostCI()(sc)
			sc.PowerPlatform.Tenants[0].CIInstances[0].Name = "Contoso Production"
		})
		ppSignIn(t, s, env, demoServiceUPN, "")
		res, err := Scan(context.Background(), env, ScanOptions{Products: []Product{CIInstance}, CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := verdicts(res)
		if len(got) != 2 || got["Contoso Production/Contoso Production"] != CannotTell || got["Customer Insights (trial)/Contoso CI trial"] != DoesNotCount {
			t.Errorf("instances %v", got)
		}
	})
}
