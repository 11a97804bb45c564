package attribution

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palwiz/palwiz/azure/sim"
)

// Validation and Done show attribution by product: "3 of 5 attributed",
// what is left, and one next step each.
func TestCoverageByProduct(t *testing.T) {
	_, _, res := demoScan(t, nil)
	plan := PlanFixes(res, FixOptions{})
	cov := map[Product]ProductCoverage{}
	for _, c := range CoverageByProduct(res, plan) {
		cov[c.Product] = c
	}
	if len(cov) != len(Products) {
		t.Fatalf("%d products", len(cov))
	}
	canvas := cov[CanvasApp]
	if canvas.Line() != "Canvas apps: 4 of 8 attributed (3 not attributed, 1 cannot tell); 2 do not count" {
		t.Errorf("canvas line %q", canvas.Line())
	}
	if len(canvas.Left) != 4 || canvas.NextStep.Kind != StepApply || !strings.Contains(canvas.NextStep.Text, "co-owner") || !strings.Contains(canvas.NextStep.Text, "and 3 more like it") {
		t.Errorf("canvas left %+v, next %+v", canvas.Left, canvas.NextStep)
	}
	for _, l := range canvas.Left {
		if l.NextStep.Kind != StepApply || l.Name == "" || l.Environment == "" {
			t.Errorf("left %+v", l)
		}
	}
	// Solutions are changes of ownership: they wait for delivered marks.
	if s := cov[Solution]; s.NextStep.Kind != StepMark || s.Count() != "2 of 4 attributed" {
		t.Errorf("solutions %+v", s)
	}
	// A component of a solution is settled by the solution's import.
	for _, l := range cov[ModelDrivenApp].Left {
		if l.Name == "HR Onboarding" && (l.NextStep.Kind != StepMark || !strings.Contains(l.NextStep.Text, "ContosoHR")) {
			t.Errorf("HR Onboarding: %+v", l)
		}
	}
	// Customer Insights: only advice; nothing palwiz or a mark can change.
	if ci := cov[CIInstance]; ci.NextStep.Kind != StepAdvice || ci.Count() != "0 of 1 attributed" {
		t.Errorf("ci %+v", ci)
	}
	if got := (Step{Kind: StepMark, Text: "x"}).String(); !strings.Contains(got, "delivered") {
		t.Errorf("step wording %q", got)
	}
}

// A product that failed says so first, with the failure's next step; one
// that was not read says why.
func TestCoverageFailedAndUnchecked(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	if err := s.AddFault(sim.Fault{Host: "api.flow.microsoft.com", Kind: "status", Status: 403, Code: "Forbidden"}); err != nil {
		t.Fatal(err)
	}
	res, err := Scan(t.Context(), env, ScanOptions{Retry: fastRetry}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range CoverageByProduct(res, PlanFixes(res, FixOptions{})) {
		if strings.Contains(c.Line(), "0 of 0") {
			t.Errorf("a count of nothing: %q", c.Line())
		}
		switch c.Product {
		case CloudFlow:
			if c.Failed == 0 || c.NextStep.Kind != StepRetry || !strings.Contains(c.NextStep.Text, "administrator") || !strings.Contains(c.Line(), "not checked (failed)") {
				t.Errorf("flows %+v %q", c, c.Line())
			}
		case CIInstance:
			if c.Checked || !strings.Contains(c.Line(), "not checked") || !strings.Contains(c.Line(), "PALWIZ_CI_SUBSCRIPTION_KEY") {
				t.Errorf("ci %q", c.Line())
			}
		}
	}
}

// The teaching screen's data: a legend, headers, the role each product
// looks at, the reason on every row, guests by their home address, and
// commands that are single lines.
func TestTeachingRows(t *testing.T) {
	_, _, res := demoScan(t, nil)
	if len(Legend()) != 4 {
		t.Errorf("legend %+v", Legend())
	}
	seen := map[string]bool{}
	for _, e := range Legend() {
		if utf8.RuneCountInString(e.Symbol) != 1 || seen[e.Symbol] || !strings.HasPrefix(e.Meaning, e.Verdict.Label()) {
			t.Errorf("legend entry %+v", e)
		}
		seen[e.Symbol] = true
	}
	if len(Columns) == 0 || Columns[4] != "Role" {
		t.Errorf("columns %q", Columns)
	}
	labels := map[Product]string{CanvasApp: "owner / co-owner", ModelDrivenApp: "creator", CloudFlow: "creator (owner)", CopilotBot: "creator",
		Solution: "importer", Dataset: "publisher", CIInstance: "user"}
	for p, want := range labels {
		if RoleLabel(p) != want {
			t.Errorf("%s role label %q, want %q", p, RoleLabel(p), want)
		}
	}
	rows := Rows(res)
	if len(rows) != len(res.Resources) {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Reason == "" || r.Symbol != Symbol(r.Verdict) || r.RoleLabel == "" || r.Role == "" || r.Environment == "" {
			t.Errorf("row %+v", r)
		}
		if r.Name == "Weekly inspection digest" && (r.LinkedRole != "owner, not creator" || !strings.Contains(r.Owner, "PAL Service Account")) {
			t.Errorf("the flow's owner is not shown: %+v", r)
		}
	}
	// A guest is shown by its home address.
	guest := Resource{Product: Dataset, Name: "Revenue", Holder: Holder{UPN: "ana.lopez_fabrikam.example#EXT#@northwind.onmicrosoft.com"}, Verdict: Attributed, Reason: "x"}
	if r := RowOf(guest); r.Holder != "ana.lopez@fabrikam.example" {
		t.Errorf("guest holder %q", r.Holder)
	}
	l := LinkedIdentity{UPN: "ana.lopez_fabrikam.example#EXT#@northwind.onmicrosoft.com"}
	if a := GuestSignInAdvice(l); !strings.Contains(a, "signs in as ana.lopez@fabrikam.example") || l.SignInName() != "ana.lopez@fabrikam.example" {
		t.Errorf("guest advice %q", a)
	}
	// The notes name a guest by its home address; only the advice gives the #EXT# name.
	l.Linked, l.PartnerID, l.PartnerName, l.SignedIn = true, "4977985", "Fabrikam Consulting (Seattle)", true
	if ns := linkedNotes(l); len(ns) != 2 || !strings.HasPrefix(ns[0], "ana.lopez@fabrikam.example is linked to Fabrikam") || strings.Count(strings.Join(ns, " "), "#EXT#") != 1 {
		t.Errorf("guest notes %q", ns)
	}
	// Every command is one line, whole.
	plan := PlanFixes(res, FixOptions{Delivered: fabrikamDelivered(t)})
	for _, list := range [][]Fix{plan.Fixes, plan.Held, plan.Advice} {
		for _, f := range list {
			for _, c := range f.Commands {
				if strings.ContainsAny(c, "\n\r") || strings.TrimSpace(c) != c {
					t.Errorf("%s: command %q", f.Summary, c)
				}
			}
		}
	}
}

// A product not checked says so once: its note may start with the same words.
func TestCoverageLineNotChecked(t *testing.T) {
	for _, c := range []struct{ note, want string }{
		{"Not checked: the Customer Insights API needs a subscription key.", "Customer Insights instances: not checked: the Customer Insights API needs a subscription key."},
		{"Not asked for.", "Customer Insights instances: not checked. Not asked for."},
	} {
		if got := (ProductCoverage{Product: CIInstance, Note: c.note}).Line(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// A product whose every read failed is "not checked", never a count of
// nothing ("0 of 0 attributed").
func TestCoverageLineAllFailed(t *testing.T) {
	got := (ProductCoverage{Product: Dataset, Checked: true, Failed: 1}).Line()
	if got != "Power BI datasets: not checked (1 part failed)" {
		t.Errorf("got %q", got)
	}
	if got := (ProductCoverage{Product: Dataset, Checked: true, Failed: 1, NotAttributed: 2}).Line(); got != "Power BI datasets: 0 of 2 attributed (2 not attributed); 1 part not checked (failed)" {
		t.Errorf("got %q", got)
	}
}
