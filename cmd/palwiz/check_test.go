package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

const ciKey = "sim-contoso-ci-key-1"

type checkJSON struct {
	Linked struct {
		ObjectID string `json:"objectId"`
		Linked   bool   `json:"linked"`
	} `json:"linked"`
	Resources []struct {
		Product         string `json:"product"`
		Name            string `json:"name"`
		EnvironmentName string `json:"environmentName"`
		Verdict         string `json:"verdict"`
		Reason          string `json:"reason"`
	} `json:"resources"`
	Coverage []struct {
		Product string `json:"product"`
		Total   int    `json:"total"`
		Checked bool   `json:"checked"`
	} `json:"coverage"`
	Failures []struct {
		Product string `json:"product"`
		Message string `json:"message"`
	} `json:"failures"`
}

func parseCheck(t *testing.T, r result) checkJSON {
	t.Helper()
	var c checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("check -o json: %v\n%s", err, r.stdout)
	}
	return c
}

func (c checkJSON) verdict(env, name string) string {
	for _, r := range c.Resources {
		if r.EnvironmentName == env && r.Name == name {
			return r.Verdict
		}
	}
	return "absent"
}

// signedInService is a harness with the demo's dedicated account signed in
// and the Customer Insights key in the environment.
func signedInService(t *testing.T, edit func(*sim.Scenario)) *harness {
	t.Helper()
	h := newHarness(t, edit)
	h.env["PALWIZ_CI_SUBSCRIPTION_KEY"] = ciKey
	mustCode(t, h.signInAs(serviceUPN), 0)
	return h
}

func TestCheckDemo(t *testing.T) {
	h := signedInService(t, nil)
	r := h.run("check", "-o", "json")
	mustCode(t, r, 0)
	c := parseCheck(t, r)
	if c.Linked.ObjectID != "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101" || c.Linked.Linked {
		t.Errorf("linked %+v", c.Linked)
	}
	for _, w := range []struct{ env, name, verdict string }{
		{"Contoso Production", "Field Inspection", "attributed"},
		{"Contoso Production", "Site Survey", "not-attributed"},
		{"Contoso Production", "Visitor Check-in", "cannot-tell"},
		{"Contoso Production", "Contoso HR", "cannot-tell"},
		{"Contoso Ltd (default)", "Lunch Menu", "attributed"},
		{"Contoso UAT", "Field Inspection (test)", "does-not-count"},
		{"Contoso Sales", "Regional Targets", "not-attributed"},
		{"Contoso Sales", "Service Levels", "cannot-tell"},
		{"Customer Insights (production)", "Contoso Customer 360", "cannot-tell"},
	} {
		if got := c.verdict(w.env, w.name); got != w.verdict {
			t.Errorf("%s/%s: %s, want %s", w.env, w.name, got, w.verdict)
		}
	}
	if len(c.Resources) != 37 || len(c.Coverage) != 7 {
		t.Errorf("%d resources and %d coverage rows", len(c.Resources), len(c.Coverage))
	}
	if strings.Contains(r.stdout+r.stderr, ciKey) {
		t.Error("the Customer Insights key is in the output")
	}

	r = h.run("check")
	mustCode(t, r, 0)
	for _, s := range []string{"Attribution for pal-service@contoso.onmicrosoft.com", "ENVIRONMENT", "Site Survey", "not attributed",
		"owner: Adele Vance", "PRODUCT", "ATTRIBUTED", "Canvas app", "resources checked in", "HELD BY", "resources that count are attributed"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("the table lacks %q:\n%s", s, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "no Partner Admin Link") {
		t.Errorf("stderr should say the account is not linked yet: %s", r.stderr)
	}

	r = h.run("check", "-o", "csv", "--product", "apps", "--environment", "Contoso Production")
	mustCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.HasPrefix(lines[0], "environmentId,environmentName,environmentType,product,id,name,role") || len(lines) != 6 {
		t.Errorf("csv:\n%s", r.stdout)
	}
	r = h.run("check", "-o", "md", "-p", "datasets")
	mustCode(t, r, 0)
	for _, s := range []string{"# Attribution check", "| Product | Resources |", "| Contoso Sales | Power BI workspace | Power BI dataset | Regional Targets |"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("markdown lacks %q:\n%s", s, r.stdout)
		}
	}
}

func TestCheckUsageAndSignIn(t *testing.T) {
	h := newHarness(t, nil)
	r := h.run("check")
	mustCode(t, r, exitAuth)
	mustCode(t, h.signInAs(serviceUPN), 0)
	for _, args := range [][]string{
		{"check", "--product", "sharepoint"},
		{"check", "-o", "yaml"},
		{"check", "--linked-upn", "someone@contoso.onmicrosoft.com"},
		{"check", "--linked-object-id", "not-a-guid"},
		{"fix", "--canvas", "steal"},
		{"fix", "--previous-owner", "Owner", "--canvas", "owner"},
		{"fix", "-o", "csv"},
		{"check", "extra"},
	} {
		r := h.run(args...)
		mustCode(t, r, exitUsage)
		if strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 {
			t.Errorf("%v: the usage error is not short: %s", args, r.stderr)
		}
	}
	r = h.run("check", "--environment", "Contoso Prod")
	mustCode(t, r, exitError)
	if !strings.Contains(r.stderr, `No environment, workspace or instance named "Contoso Prod"`) || !strings.Contains(r.stderr, "Contoso Production") {
		t.Errorf("an unknown environment: %s", r.stderr)
	}
	r = h.run("check", "--help")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "palwiz check --environment") || !strings.Contains(r.stdout, "PALWIZ_CI_SUBSCRIPTION_KEY") {
		t.Errorf("help:\n%s", r.stdout)
	}
}

// A failing service is reported (exit 4) and the rest of the check is printed.
func TestCheckPartialFailure(t *testing.T) {
	h := signedInService(t, nil)
	if err := h.sim.AddFault(sim.Fault{Host: "contosoprod.api.crm.dynamics.com", Kind: "status", Status: 403, Code: "0x80040220"}); err != nil {
		t.Fatal(err)
	}
	r := h.run("check", "-o", "json")
	mustCode(t, r, exitPartial)
	c := parseCheck(t, r)
	if c.verdict("Contoso Production", "Site Survey") != "not-attributed" || c.verdict("Contoso Production", "Case Desk") != "absent" {
		t.Errorf("the rest of the check is missing or the failed part is not: %d resources", len(c.Resources))
	}
	if len(c.Failures) == 0 || !strings.Contains(r.stderr, "Not checked: ") || !strings.Contains(r.stderr, "Dataverse") || !strings.Contains(r.stderr, "request ") ||
		!strings.Contains(r.stderr, "Next: ") {
		t.Errorf("failures %+v, stderr %s", c.Failures, r.stderr)
	}
}

func TestFixPlanApplyAndCheckAgain(t *testing.T) {
	h := signedInService(t, nil)
	r := h.run("fix")
	mustCode(t, r, 0)
	for _, s := range []string{
		`Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app "Site Survey"`,
		"[palwiz can do this]", "[held: not marked as delivered]", "[advice]",
		"pac solution import --path ./ContosoHR_managed.zip",
		`Also settles: model-driven app "HR Onboarding", flow "New hire welcome"`,
		"palwiz can make (`palwiz fix --apply`)",
		"wait for you to mark what your organisation delivered",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("the plan lacks %q:\n%s", s, r.stdout)
		}
	}
	// No terminal to ask on: --apply needs --yes, and nothing changes.
	r = h.run("fix", "--apply")
	mustCode(t, r, exitUsage)
	if !strings.Contains(r.stderr, "--yes") {
		t.Errorf("fix --apply without --yes: %s", r.stderr)
	}
	c := parseCheck(t, h.run("check", "-o", "json"))
	if c.verdict("Contoso Production", "Site Survey") != "not-attributed" {
		t.Fatal("a refused --apply changed something")
	}

	delivered := []string{"--delivered", "publisher=Fabrikam Consulting,Site Survey,Visitor Check-in,Route field requests,Regional Targets"}
	r = h.run(append([]string{"fix", "--apply", "--yes", "--canvas", "owner", "--previous-owner", "CanView"}, delivered...)...)
	mustCode(t, r, 0)
	for _, s := range []string{"Done: Make pal-service@contoso.onmicrosoft.com the owner of canvas app \"Site Survey\"", "now attributed",
		"Done: Take over dataset \"Regional Targets\"", "now cannot tell", "credentials", "Still to do by hand:", "pac auth create"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("the results lack %q:\n%s", s, r.stdout)
		}
	}
	c = parseCheck(t, h.run("check", "-o", "json"))
	for _, w := range []struct{ env, name, verdict string }{
		{"Contoso Production", "Site Survey", "attributed"},
		{"Contoso Production", "Visitor Check-in", "attributed"},
		{"Contoso Production", "Route field requests", "cannot-tell"},
		{"Contoso Sales", "Regional Targets", "cannot-tell"}, // taken over, not published
		{"Operations", "Inspections", "not-attributed"},      // not marked as delivered
		{"Contoso Production", "Escalate overdue surveys", "not-attributed"},
		{"Contoso Production", "Contoso HR", "cannot-tell"},
	} {
		if got := c.verdict(w.env, w.name); got != w.verdict {
			t.Errorf("after fix --apply, %s/%s: %s, want %s", w.env, w.name, got, w.verdict)
		}
	}
	// The plan converges: the second run applies nothing and lists the
	// person's steps once.
	r = h.run(append([]string{"fix", "--apply", "--yes"}, delivered...)...)
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Nothing palwiz can change") || strings.Contains(r.stdout, "Done: ") || strings.Count(r.stdout, "Still to do by hand:") != 1 {
		t.Errorf("the second run:\n%s", r.stdout)
	}
	r = h.run(append([]string{"fix", "-o", "json"}, delivered...)...)
	mustCode(t, r, 0)
	var plan struct {
		Plan struct {
			Fixes []struct {
				Kind      string `json:"kind"`
				Automatic bool   `json:"automatic"`
				Blocked   string `json:"blocked"`
				Resource  struct {
					Name string `json:"name"`
				} `json:"resource"`
			} `json:"fixes"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	for _, f := range plan.Plan.Fixes {
		if f.Automatic && f.Blocked == "" {
			t.Errorf("still planned after applying: %+v", f)
		}
	}
}
