package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
)

func TestClassifyEnvironment(t *testing.T) {
	cases := map[string]EnvCount{
		"Production": EnvCounts, "production": EnvCounts,
		// "Default: These are a special type of production environment." (environments overview)
		"Default": EnvCounts, "default": EnvCounts,
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

type ruleCase struct {
	name    string
	product Product
	judge   func() ownership
	want    Verdict
	reason  string // a phrase the reason must hold
}

// ruleCases are every product's rule, one decision each.
func ruleCases() []ruleCase {
	day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	sol := func(linked, known bool, linkedBefore time.Time) *inSolution {
		return &inSolution{name: "FieldService", importer: other, when: day(6, 2), known: known, linked: linked, linkedWhen: linkedBefore}
	}
	none := time.Time{}
	owner := &Holder{ObjectID: other.ObjectID, Name: "Megan", SystemUserID: "11111111-0000-4000-8000-000000000001"}
	myOwner := &Holder{ObjectID: mine.ObjectID, SystemUserID: "22222222-0000-4000-8000-000000000002"}
	return []ruleCase{
		{"canvas owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, mine, "", true, nil) }, Attributed, "owns the app"},
		{"canvas owner, ids differ in case", CanvasApp, func() ownership {
			return judgeCanvas(ruleUser, Holder{ObjectID: strings.ToUpper(mine.ObjectID)}, "", true, nil)
		}, Attributed, "owns the app"},
		{"canvas co-owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "CanEdit", true, nil) }, Attributed, "co-owner (CanEdit)"},
		{"canvas viewer", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "CanView", true, nil) }, NotAttributed, "can only use"},
		{"canvas stranger", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", true, nil) }, NotAttributed, "neither owner nor co-owner"},
		{"canvas group co-owner", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", true, []string{"Delivery"}) }, CannotTell, "group Delivery"},
		{"canvas co-owners unknown", CanvasApp, func() ownership { return judgeCanvas(ruleUser, other, "", false, nil) }, CannotTell, "did not read"},
		{"flow creator", CloudFlow, func() ownership { return judgeFlow(mine, true, nil, false, false, nil) }, Attributed, "created the flow"},
		{"flow creator, owner moved on", CloudFlow, func() ownership { return judgeFlow(mine, true, owner, false, true, nil) }, Attributed, "created the flow"},
		{"flow owner, not creator", CloudFlow, func() ownership { return judgeFlow(other, false, myOwner, true, true, nil) }, CannotTell, "primary owner"},
		{"flow other creator", CloudFlow, func() ownership { return judgeFlow(other, false, nil, false, false, nil) }, NotAttributed, "co-owners do not count"},
		{"solution-aware flow, other owner", CloudFlow, func() ownership { return judgeFlow(other, false, owner, false, true, nil) }, NotAttributed, "co-owners do not count"},
		{"flow in solution imported by linked", CloudFlow, func() ownership { return judgeFlow(other, false, nil, false, true, sol(true, true, none)) }, Attributed, "imported last"},
		{"flow in solution imported by other", CloudFlow, func() ownership { return judgeFlow(mine, true, nil, false, true, sol(false, true, none)) }, NotAttributed, "Megan"},
		{"flow in solution imported by linked, then by other", CloudFlow, func() ownership {
			return judgeFlow(mine, true, nil, false, true, sol(false, true, day(1, 20)))
		}, CannotTell, "has no link of its own"},
		{"flow in solution, no import found", CloudFlow, func() ownership { return judgeFlow(mine, true, nil, false, true, sol(false, false, none)) }, CannotTell, "no completed import"},
		{"model-driven creator", ModelDrivenApp, func() ownership { return judgeModelDriven(mine, true, true, nil) }, Attributed, "created the app"},
		{"model-driven other", ModelDrivenApp, func() ownership { return judgeModelDriven(other, false, true, nil) }, NotAttributed, "no co-owners"},
		{"model-driven, linked not a user", ModelDrivenApp, func() ownership { return judgeModelDriven(other, false, false, nil) }, NotAttributed, "not even a user"},
		{"model-driven in solution", ModelDrivenApp, func() ownership { return judgeModelDriven(other, false, true, sol(true, true, none)) }, Attributed, "last account with a PAL link"},
		{"bot creator", CopilotBot, func() ownership { return judgeBot(mine, other, true, false, true, nil) }, Attributed, "created the bot"},
		{"bot owned, not created", CopilotBot, func() ownership { return judgeBot(other, mine, false, true, true, nil) }, NotAttributed, "credits the creator"},
		{"bot other", CopilotBot, func() ownership { return judgeBot(other, other, false, false, true, nil) }, NotAttributed, "Created and owned"},
		{"bot in solution", CopilotBot, func() ownership { return judgeBot(mine, mine, true, true, true, sol(false, true, none)) }, NotAttributed, "imported last"},
		{"solution linked importer", Solution, func() ownership {
			return solutionRule(inSolution{name: "S", importer: mine, when: day(5, 12), known: true, linked: true, linkedWhen: day(5, 12)}, "", Holder{}, false)
		}, Attributed, "2025-05-12"},
		{"solution other importer", Solution, func() ownership { return solutionRule(*sol(false, true, none), "", Holder{}, false) }, NotAttributed, "never did"},
		{"solution linked, then other importer", Solution, func() ownership { return solutionRule(*sol(false, true, day(1, 20)), "", Holder{}, false) }, CannotTell, "2025-01-20"},
		{"solution no import", Solution, func() ownership { return solutionRule(inSolution{name: "S"}, "", Holder{}, false) }, CannotTell, "no completed import"},
		{"dataset publisher", Dataset, func() ownership { return judgeDataset(ruleUser, "PAL@Contoso.example", evidencePublished) }, Attributed, "published the dataset"},
		{"dataset owner, publisher unknown", Dataset, func() ownership { return judgeDataset(ruleUser, "PAL@Contoso.example", evidenceUnknown) }, Attributed, "unless it took the dataset over"},
		{"dataset taken over", Dataset, func() ownership { return judgeDataset(ruleUser, "pal@contoso.example", evidenceTakenOver) }, CannotTell, "take-over is not documented to count"},
		{"dataset other", Dataset, func() ownership { return judgeDataset(ruleUser, "megan@contoso.example", evidenceUnknown) }, NotAttributed, "megan@contoso.example"},
		{"dataset no owner", Dataset, func() ownership { return judgeDataset(ruleUser, "", evidenceUnknown) }, CannotTell, "configuredBy is empty"},
		{"dataset guest by UPN", Dataset, func() ownership {
			return judgeDataset(ruleGst, "ana_fabrikam.example#EXT#@contoso.example", evidencePublished)
		}, Attributed, "published"},
		{"dataset guest by home address", Dataset, func() ownership { return judgeDataset(ruleGst, "ana@fabrikam.example", evidencePublished) }, Attributed, "published"},
		{"dataset service principal by app ID", Dataset, func() ownership { return judgeDataset(ruleSP, ruleSP.AppID, evidencePublished) }, Attributed, "published"},
		{"dataset service principal, unknown name", Dataset, func() ownership { return judgeDataset(ruleSP, "Some App", evidenceUnknown) }, CannotTell, "not a user"},
		{"dataset service principal, a user owns it", Dataset, func() ownership { return judgeDataset(ruleSP, "megan@contoso.example", evidenceUnknown) }, NotAttributed, "not by the linked account"},
		// A role is access, not activity.
		{"ci role", CIInstance, func() ownership { return judgeCI(ruleUser) }, CannotTell, "cannot tell unless the account uses the instance"},
		{"ci signed in as someone else", CIInstance, func() ownership {
			l := ruleUser
			l.SignedIn = false
			return judgeCI(l)
		}, CannotTell, "not the linked one"},
	}
}

// Every product's rule, in every kind of environment: the ownership verdict
// first, then how the environment weighs it.
func TestAttributionRules(t *testing.T) {
	rules := ruleCases()
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
		says string // the reason the environment gives instead of the rule's
		note string // a note the environment adds
	}{
		{"Production", func(v Verdict) Verdict { return v }, "", ""},
		{"Default", func(v Verdict) Verdict { return v }, "", "special type of production environment"},
		{"Sandbox", func(Verdict) Verdict { return DoesNotCount }, "not production", ""},
		{"Developer", func(Verdict) Verdict { return DoesNotCount }, "not production", ""},
		{"Trial", func(Verdict) Verdict { return DoesNotCount }, "not production", ""},
		{"Teams", func(Verdict) Verdict { return DoesNotCount }, "not production", ""},
		{"Mystery", func(Verdict) Verdict { return CannotTell }, `"Mystery"`, ""},
		{TypePowerBIWorkspace, func(v Verdict) Verdict { return v }, "", ""},
	}
	for _, e := range envs {
		env := &Environment{Type: e.typ, Counts: ClassifyEnvironment(e.typ)}
		for _, r := range rules {
			o := r.judge()
			v, reason, own, notes := weigh(env, o)
			if want := e.want(r.want); v != want {
				t.Errorf("%s in a %s environment: %s, want %s", r.name, e.typ, v, want)
			}
			switch {
			case e.says != "":
				if !strings.Contains(reason, e.says) {
					t.Errorf("%s in a %s environment: reason %q does not say %q", r.name, e.typ, reason, e.says)
				}
				// The ownership is still told, so the user knows where it stands.
				if own != o.reason {
					t.Errorf("%s in a %s environment: ownership %q, want %q", r.name, e.typ, own, o.reason)
				}
			case reason != o.reason || own != "":
				t.Errorf("%s in a %s environment: reason %q, want the rule's %q", r.name, e.typ, reason, o.reason)
			}
			if e.note != "" && !strings.Contains(strings.Join(notes, " "), e.note) {
				t.Errorf("%s in a %s environment: notes %q lack %q", r.name, e.typ, notes, e.note)
			}
			if strings.Contains(reason, "credits resources in production environments only") {
				t.Errorf("%s: a program requirement stated as a PAL rule: %q", r.name, reason)
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
		if r.Product != Products[i] || r.Rule == "" || r.Holder == "" || r.RoleLabel == "" || r.Fix == "" || len(r.Limitations) == 0 || r.Seed == "" {
			t.Errorf("rule %d is incomplete: %+v", i, r)
		}
		for _, l := range r.Learn {
			if !strings.HasPrefix(l.URL, "https://learn.microsoft.com/") || l.Title == "" {
				t.Errorf("%s: reference %+v is not a Microsoft Learn page", r.Product, l)
			}
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
