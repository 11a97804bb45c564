package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
)

func TestClassifyEnvironment(t *testing.T) {
	cases := map[string]EnvCount{
		"Production": EnvCounts, "production": EnvCounts,
		"Default": EnvUnclear,
		"Sandbox": EnvDoesNotCount, "Trial": EnvDoesNotCount, "Developer": EnvDoesNotCount, "Teams": EnvDoesNotCount,
		"SubscriptionBasedTrial": EnvDoesNotCount, "Support": EnvDoesNotCount, "Platform": EnvDoesNotCount,
		TypePowerBIWorkspace: EnvNotApplicable, TypeCustomerInsights: EnvNotApplicable,
		"": EnvUnclear, "SomethingNew": EnvUnclear,
	}
	for sku, want := range cases {
		if got := ClassifyEnvironment(sku); got != want {
			t.Errorf("ClassifyEnvironment(%q) = %s, want %s", sku, got, want)
		}
	}
}

var (
	ruleUser = LinkedIdentity{ObjectID: "aaaaaaaa-0000-4000-8000-000000000001", UPN: "pal@contoso.example", Kind: auth.KindUser, SignedIn: true}
	ruleSP   = LinkedIdentity{ObjectID: "bbbbbbbb-0000-4000-8000-000000000002", AppID: "cccccccc-0000-4000-8000-000000000003", Kind: auth.KindServicePrincipal, SignedIn: true}
	ruleGst  = LinkedIdentity{ObjectID: "dddddddd-0000-4000-8000-000000000004", UPN: "ana_fabrikam.example#EXT#@contoso.example", Kind: auth.KindUser, SignedIn: true}
	other    = Holder{ObjectID: "eeeeeeee-0000-4000-8000-000000000005", UPN: "megan@contoso.example", Name: "Megan"}
	mine     = Holder{ObjectID: ruleUser.ObjectID, UPN: ruleUser.UPN, Name: "PAL"}
)

// Every product's rule, in every kind of environment: the ownership verdict
// first, then how the environment weighs it.
func TestAttributionRules(t *testing.T) {
	sol := func(linked, known bool) *inSolution {
		return &inSolution{name: "FieldService", importer: other, known: known, linked: linked}
	}
	type rule struct {
		name    string
		product Product
		judge   func() ownership
		want    Verdict
		reason  string // a phrase the reason must hold
	}
	rules := []rule{
		{"canvas owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, mine, "", true, nil) }, Attributed, "owns the app"},
		{"canvas owner, ids differ in case", CanvasApp, func() ownership {
			return judgeCanvas(ruleUser, Holder{ObjectID: strings.ToUpper(mine.ObjectID)}, "", true, nil)
		}, Attributed, "owns the app"},
		{"canvas co-owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "CanEdit", true, nil) }, Attributed, "co-owner (CanEdit)"},
		{"canvas viewer", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "CanView", true, nil) }, NotAttributed, "can only use"},
		{"canvas stranger", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", true, nil) }, NotAttributed, "neither owner nor co-owner"},
		{"canvas group co-owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", true, []string{"Delivery"}) }, CannotTell, "group Delivery"},
		{"canvas co-owners unknown", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", false, nil) }, CannotTell, "did not read"},
		{"flow creator", CloudFlow, func() ownership { return judgeFlow(ruleUser, mine, true, nil) }, Attributed, "created the flow"},
		{"flow other creator", CloudFlow, func() ownership { return judgeFlow(ruleUser, other, false, nil) }, NotAttributed, "co-owners do not count"},
		{"flow in solution imported by linked", CloudFlow, func() ownership { return judgeFlow(ruleUser, other, false, sol(true, true)) }, Attributed, "imported last"},
		{"flow in solution imported by other", CloudFlow, func() ownership { return judgeFlow(ruleUser, mine, true, sol(false, true)) }, NotAttributed, "Megan"},
		{"flow in solution, no import found", CloudFlow, func() ownership { return judgeFlow(ruleUser, mine, true, sol(false, false)) }, CannotTell, "no completed import"},
		{"model-driven creator", ModelDrivenApp, func() ownership { return judgeModelDriven(ruleUser, mine, true, true, nil) }, Attributed, "created the app"},
		{"model-driven other", ModelDrivenApp, func() ownership { return judgeModelDriven(ruleUser, other, false, true, nil) }, NotAttributed, "cannot change"},
		{"model-driven, linked not a user", ModelDrivenApp, func() ownership { return judgeModelDriven(ruleUser, other, false, false, nil) }, NotAttributed, "not even a user"},
		{"model-driven in solution", ModelDrivenApp, func() ownership { return judgeModelDriven(ruleUser, other, false, true, sol(true, true)) }, Attributed, "last importer"},
		{"bot creator", CopilotBot, func() ownership { return judgeBot(ruleUser, mine, other, true, false, true, nil) }, Attributed, "created the bot"},
		{"bot owned, not created", CopilotBot, func() ownership { return judgeBot(ruleUser, other, mine, false, true, true, nil) }, CannotTell, "no Copilot Studio rule"},
		{"bot other", CopilotBot, func() ownership { return judgeBot(ruleUser, other, other, false, false, true, nil) }, NotAttributed, "Created and owned"},
		{"bot in solution", CopilotBot, func() ownership { return judgeBot(ruleUser, mine, mine, true, true, true, sol(false, true)) }, NotAttributed, "imported last"},
		{"solution linked importer", Solution, func() ownership { return judgeSolution(mine, time.Date(2025, 5, 12, 0, 0, 0, 0, time.UTC), true, true) }, Attributed, "2025-05-12"},
		{"solution other importer", Solution, func() ownership {
			return judgeSolution(other, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), true, false)
		}, NotAttributed, "Megan"},
		{"solution no import", Solution, func() ownership { return judgeSolution(Holder{}, time.Time{}, false, false) }, CannotTell, "No completed import"},
		{"dataset publisher", Dataset, func() ownership { return judgeDataset(ruleUser, "PAL@Contoso.example") }, Attributed, "published"},
		{"dataset other", Dataset, func() ownership { return judgeDataset(ruleUser, "megan@contoso.example") }, NotAttributed, "megan@contoso.example"},
		{"dataset no owner", Dataset, func() ownership { return judgeDataset(ruleUser, "") }, CannotTell, "configuredBy is empty"},
		{"dataset guest by UPN", Dataset, func() ownership { return judgeDataset(ruleGst, "ana_fabrikam.example#EXT#@contoso.example") }, Attributed, "published"},
		{"dataset guest by home address", Dataset, func() ownership { return judgeDataset(ruleGst, "ana@fabrikam.example") }, Attributed, "published"},
		{"dataset service principal by app ID", Dataset, func() ownership { return judgeDataset(ruleSP, ruleSP.AppID) }, Attributed, "service principal"},
		{"dataset service principal, unknown name", Dataset, func() ownership { return judgeDataset(ruleSP, "Some App") }, CannotTell, "not a user"},
		{"dataset service principal, a user owns it", Dataset, func() ownership { return judgeDataset(ruleSP, "megan@contoso.example") }, NotAttributed, "not by the linked service principal"},
		{"ci signed in as linked", CIInstance, func() ownership { return judgeCI(ruleUser) }, Attributed, "has a role"},
		{"ci signed in as someone else", CIInstance, func() ownership {
			l := ruleUser
			l.SignedIn = false
			return judgeCI(l)
		}, CannotTell, "not the linked one"},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			o := r.judge()
			if o.verdict != r.want || !strings.Contains(o.reason, r.reason) {
				t.Fatalf("%s: %s %q, want %s mentioning %q", r.product, o.verdict, o.reason, r.want, r.reason)
			}
			if o.owned() != (r.want == Attributed) {
				t.Errorf("owned() = %v for %s", o.owned(), o.verdict)
			}
		})
	}

	// Every product in every kind of environment.
	envs := []struct {
		typ  string
		want func(Verdict) Verdict
		says string
	}{
		{"Production", func(v Verdict) Verdict { return v }, ""},
		{"Default", func(Verdict) Verdict { return CannotTell }, "does not say whether it counts"},
		{"Sandbox", func(Verdict) Verdict { return DoesNotCount }, "production environments only"},
		{"Developer", func(Verdict) Verdict { return DoesNotCount }, "production environments only"},
		{"Trial", func(Verdict) Verdict { return DoesNotCount }, "production environments only"},
		{"Teams", func(Verdict) Verdict { return DoesNotCount }, "production environments only"},
		{"Mystery", func(Verdict) Verdict { return CannotTell }, `"Mystery"`},
		{TypePowerBIWorkspace, func(v Verdict) Verdict { return v }, ""},
	}
	for _, e := range envs {
		env := &Environment{Type: e.typ, Counts: ClassifyEnvironment(e.typ)}
		for _, r := range rules {
			o := r.judge()
			v, reason, own, _ := weigh(env, o)
			if want := e.want(r.want); v != want {
				t.Errorf("%s in a %s environment: %s, want %s", r.name, e.typ, v, want)
			}
			if e.says != "" {
				if !strings.Contains(reason, e.says) {
					t.Errorf("%s in a %s environment: reason %q does not say %q", r.name, e.typ, reason, e.says)
				}
				// The ownership is still told, so the user knows where it stands.
				if own != o.reason {
					t.Errorf("%s in a %s environment: ownership %q, want %q", r.name, e.typ, own, o.reason)
				}
			} else if reason != o.reason || own != "" {
				t.Errorf("%s in a %s environment: reason %q, want the rule's %q", r.name, e.typ, reason, o.reason)
			}
		}
	}
}

func TestUPNForms(t *testing.T) {
	cases := map[string][]string{
		"pal@contoso.example": {"pal@contoso.example"},
		"ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com": {"ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com", "ana.lopez@fabrikam.example"},
		"": nil,
	}
	for in, want := range cases {
		got := upnForms(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("upnForms(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRulesAsData(t *testing.T) {
	rs := Rules()
	if len(rs) != len(Products) {
		t.Fatalf("%d rules for %d products", len(rs), len(Products))
	}
	for i, r := range rs {
		if r.Product != Products[i] || r.Rule == "" || r.Holder == "" || r.Fix == "" || len(r.Limitations) == 0 {
			t.Errorf("rule %d is incomplete: %+v", i, r)
		}
	}
	for _, p := range []Product{CanvasApp, CloudFlow, CopilotBot, Dataset, CIInstance} {
		if len(RuleFor(p).Unclear) == 0 {
			t.Errorf("%s: the ambiguity of its guidance is not stated", p)
		}
	}
	for _, in := range []string{"apps", "Flows", "powerbi", "copilot", "solution", "mda", "ci"} {
		if _, err := ParseProduct(in); err != nil {
			t.Errorf("ParseProduct(%q): %v", in, err)
		}
	}
	if _, err := ParseProduct("sharepoint"); err == nil || !strings.Contains(err.Error(), "canvas-app") {
		t.Errorf("an unknown product: %v", err)
	}
}
