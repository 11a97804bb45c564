package attribution

import (
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// Customer Insights: any active user. palwiz sees whom an instance lets in
// (the instances the signed-in identity can access), not who uses it.

func (s *scanner) scanCI() {
	if s.opts.CISubscriptionKey == "" {
		return
	}
	ci := powerplatform.NewCustomerInsights(s.cred, s.env.Cloud, s.opts.CISubscriptionKey, s.ro)
	ins, err := ci.Instances(s.ctx)
	if err != nil {
		s.fail(CIInstance, "", "Customer Insights", err)
		return
	}
	envs := map[string]*Environment{}
	var out []Resource
	for _, in := range ins {
		if !s.selected(in.ID, in.Name) {
			continue
		}
		typ := strings.ToUpper(in.Type[:min(1, len(in.Type))]) + in.Type[min(1, len(in.Type)):]
		e := envs[typ]
		if e == nil {
			e = &Environment{ID: "customer-insights/" + strings.ToLower(typ), Name: "Customer Insights (" + strings.ToLower(typ) + ")", Type: typ, Counts: ClassifyEnvironment(typ)}
			envs[typ] = e
			s.addEnv(e)
		}
		o := judgeCI(s.linked)
		r := Resource{Product: CIInstance, ID: in.ID, Name: in.Name, Env: e, Role: "user", Owned: o.owned(), LinkedRole: o.linkedRole}
		if s.linked.SignedIn {
			r.Holder = Holder{ObjectID: s.linked.ObjectID, UPN: s.linked.UPN, Name: s.linked.DisplayName}
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	s.add(out)
}

// judgeCI: a role is access, not activity.
func judgeCI(l LinkedIdentity) ownership {
	if !l.SignedIn {
		return ownership{verdict: CannotTell, reason: "palwiz lists the instances of the signed-in identity, which is not the linked one; sign in as the linked account to check its access."}
	}
	return ownership{verdict: CannotTell, linkedRole: "has a role",
		reason: "The linked account has a role in the instance, but PAL credits active users, and palwiz sees access, not activity: cannot tell unless the account uses the instance."}
}

// instance is advice: PAL credits active users, and there is nothing to change.
func (pl planner) instance(r Resource) []Fix {
	if !pl.l.SignedIn {
		return nil
	}
	return []Fix{{Kind: FixUseInstance, Resource: r, After: r.Verdict,
		Summary:     fmt.Sprintf("Use %s as %s", r.label(), pl.l.SignInName()),
		Explanation: "PAL credits an instance's active users. Sign in to Customer Insights - Data as the linked account and work in the instance; there is no owner to change, and palwiz cannot see activity, so it stays 'cannot tell'."}}
}
