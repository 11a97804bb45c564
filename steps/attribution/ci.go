package attribution

import (
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// Customer Insights: any active user. palwiz sees whom an instance lets in,
// not who uses it. It reads the instances through Dataverse where they live
// there (Microsoft's recommendation: an organisation with the
// msdynci_customerprofile table hosts an instance, and its users are the
// organisation's), and through the Customer Insights API (which needs a
// subscription key) for the rest.

// judgeCIDataverse is the instance an organisation hosts, judged by whether
// the linked identity is one of the organisation's users.
func (s *scanner) judgeCIDataverse(e *Environment, d *dvData) []Resource {
	s.mu.Lock()
	s.ciOrgs++
	if d.customerInsights {
		s.ciFound++
	}
	s.mu.Unlock()
	if !d.customerInsights {
		return nil
	}
	o := judgeCIUser(d.linkedUser != "")
	r := Resource{Product: CIInstance, ID: ciDataverseID(e), Name: e.Name, Env: e, Role: "user", Owned: o.owned(), LinkedRole: o.linkedRole}
	if d.linkedUser != "" {
		r.Holder = d.user(d.linkedUser, s.linked.SignInName())
	}
	r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
	return []Resource{r}
}

// ciDataverseID names an instance found in an environment's Dataverse.
func ciDataverseID(e *Environment) string { return "dataverse:" + e.ID }

// judgeCIUser: a user of the organisation may use the instance (cannot tell
// whether it does); anyone else cannot.
func judgeCIUser(isUser bool) ownership {
	if !isUser {
		return ownership{verdict: NotAttributed,
			reason: "Customer Insights - Data lives in this environment's Dataverse, and the linked account is not one of its users, so it cannot be an active user of the instance."}
	}
	return ownership{verdict: CannotTell, linkedRole: "user of the environment",
		reason: "Customer Insights - Data lives in this environment's Dataverse and the linked account is one of its users, but PAL credits active users, and palwiz sees access, not activity: cannot tell unless the account uses the instance."}
}

// dropDuplicateInstances leaves out an instance the Customer Insights API
// listed when Dataverse already showed one of the same name: an instance
// read both ways is counted once, as Dataverse showed it.
func dropDuplicateInstances(rs []Resource) []Resource {
	inDV := map[string]bool{}
	for i := range rs {
		if rs[i].Product == CIInstance && strings.HasPrefix(rs[i].ID, "dataverse:") {
			inDV[strings.ToLower(rs[i].Name)] = true
		}
	}
	if len(inDV) == 0 {
		return rs
	}
	out := rs[:0]
	for _, r := range rs {
		if r.Product == CIInstance && !strings.HasPrefix(r.ID, "dataverse:") && inDV[strings.ToLower(r.Name)] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ciCoverageNote says what of Customer Insights was read, and what not,
// when the Customer Insights API key is missing; checked is false when no
// instance was found (the instances outside Dataverse were not read).
func ciCoverageNote(orgs, found int) (note string, checked bool) {
	const key = "for instances outside Dataverse, set PALWIZ_CI_SUBSCRIPTION_KEY (Customer Insights > Settings > Permissions > APIs)."
	switch {
	case orgs == 0:
		return "Not checked: no environment's Dataverse could be read, and the Customer Insights API needs a subscription key: " + key, false
	case found == 0:
		return fmt.Sprintf("Not checked outside Dataverse: none of the %d Dataverse organisations hosts Customer Insights - Data; %s", orgs, key), false
	}
	return "Read through Dataverse; " + key, true
}

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
	fromDV := strings.HasPrefix(r.ID, "dataverse:")
	if !pl.l.SignedIn && !fromDV {
		return nil
	}
	f := Fix{Kind: FixUseInstance, Resource: r, After: r.Verdict,
		Summary:     fmt.Sprintf("Use %s as %s", r.label(), pl.l.SignInName()),
		Explanation: "PAL credits an instance's active users. Sign in to Customer Insights - Data as the linked account and work in the instance; there is no owner to change, and palwiz cannot see activity, so it stays 'cannot tell'."}
	if fromDV && r.Verdict == NotAttributed {
		f.Summary = fmt.Sprintf("Make %s a user of %s, then use its Customer Insights - Data instance", pl.l.SignInName(), envName(r))
		f.Explanation = "PAL credits an instance's active users, and the linked account is not a user of the environment the instance lives in. An administrator adds it (Power Platform admin center > Environments > " + envName(r) + " > Settings > Users + permissions) and gives it a Customer Insights - Data role; then it signs in and works in the instance. palwiz cannot see activity, so it then says 'cannot tell'."
	}
	return []Fix{f}
}
