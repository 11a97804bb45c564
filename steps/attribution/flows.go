package attribution

import (
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// Cloud flows (Power Automate): the creator; a solution-aware flow's primary
// owner (its Dataverse workflow's ownerid) is read too.

func (s *scanner) judgeFlows(e *Environment, pages [][]powerplatform.Flow, d *dvData) []Resource {
	var wf map[string]powerplatform.Workflow
	if d != nil && d.err == nil {
		wf = make(map[string]powerplatform.Workflow, len(d.workflows))
		for _, w := range d.workflows {
			wf[strings.ToLower(w.ID)] = w
		}
	}
	names := map[string]Holder{}
	if d != nil {
		for _, h := range d.usersByID {
			if h.ObjectID != "" {
				names[h.ObjectID] = h
			}
		}
	}
	n := 0
	for _, p := range pages {
		n += len(p)
	}
	out := make([]Resource, 0, n+len(wf))
	for f := range flowsOf(pages) {
		creator := Holder{ObjectID: s.intern(strings.ToLower(f.Creator))}
		if h, ok := names[creator.ObjectID]; ok {
			creator = h
		}
		w, inDV := wf[strings.ToLower(f.Name)]
		if inDV {
			delete(wf, strings.ToLower(f.Name))
		}
		r, skip := s.flowResource(e, d, f.Name, f.DisplayName, creator, SameObject(f.Creator, s.linked.ObjectID), w, inDV)
		if !skip {
			out = append(out, r)
		}
	}
	// Flows Dataverse knows that the flow list did not return.
	for _, w := range wf {
		creator := d.user(w.CreatedBy, w.CreatedByName)
		r, skip := s.flowResource(e, d, w.ID, w.Name, creator, d.isLinked(w.CreatedBy), w, true)
		if !skip {
			out = append(out, r)
		}
	}
	return out
}

// flowsOf yields the flows of the pages in order.
func flowsOf(pages [][]powerplatform.Flow) iter.Seq[powerplatform.Flow] {
	return func(yield func(powerplatform.Flow) bool) {
		for _, p := range pages {
			for _, f := range p {
				if !yield(f) {
					return
				}
			}
		}
	}
}

// flowResource judges one flow; skip is true for Microsoft's own.
func (s *scanner) flowResource(e *Environment, d *dvData, id, name string, creator Holder, creatorLinked bool, w powerplatform.Workflow, inDV bool) (Resource, bool) {
	var sol *inSolution
	var owner *Holder
	ownerLinked := false
	if inDV {
		var microsoft bool
		sol, microsoft = d.component(w.SolutionID)
		if microsoft {
			s.skip(CloudFlow, 1)
			return Resource{}, true
		}
		if w.Owner != "" {
			h := d.user(w.Owner, w.OwnerName)
			owner, ownerLinked = &h, d.isLinked(w.Owner)
		}
	}
	o := judgeFlow(creator, creatorLinked, owner, ownerLinked, inDV, sol)
	if d != nil && d.err != nil && !creatorLinked {
		o = ownership{verdict: CannotTell, reason: "Created by " + who(creator) + ". palwiz could not read this environment's Dataverse, so it cannot tell whether the flow is in a managed solution, whose last PAL-linked importer gets the credit."}
	}
	r := Resource{Product: CloudFlow, ID: id, Name: name, Env: e, Role: "creator", Holder: creator, LinkedRole: o.linkedRole, Owned: o.owned()}
	if owner != nil && !sameHolder(*owner, creator) && !SameObject(owner.ObjectID, creator.ObjectID) {
		r.setOwner(owner)
	}
	r.facts.solutionAware = inDV && sol == nil
	inManaged(&r, sol)
	r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
	return r, false
}

// judgeFlow: the creator is attributed; a primary owner that did not create
// the flow is "cannot tell"; co-owners do not count.
func judgeFlow(creator Holder, creatorLinked bool, owner *Holder, ownerLinked, solutionAware bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule(*sol, "flow", creator, creatorLinked)
	}
	switch {
	case creatorLinked:
		o := ownership{verdict: Attributed, reason: "The linked account created the flow."}
		if owner != nil && !ownerLinked {
			o.notes = []string{"Its primary owner is now " + who(*owner) + "; PAL credits the creator."}
		}
		return o
	case ownerLinked:
		return ownership{verdict: CannotTell, linkedRole: "owner, not creator",
			reason: "The linked account is the flow's primary owner, but " + who(creator) + " created it. The PAL guidance's table credits the creator, while its notes say a flow's owner is easy to change: palwiz cannot tell which one counts."}
	case owner != nil && !sameHolder(*owner, creator):
		return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + " and owned by " + who(*owner) + ". PAL credits a flow's creator; co-owners do not count."}
	case solutionAware:
		return ownership{verdict: NotAttributed, reason: "Created and owned by " + who(creator) + ". PAL credits a flow's creator; co-owners do not count."}
	}
	return ownership{verdict: NotAttributed,
		reason: "Created by " + who(creator) + ". PAL credits a flow's creator; co-owners do not count, and a flow outside any solution cannot be given a new owner."}
}

// readCoOwners reads, when asked, the co-owners of the flows that are not
// attributed in environments that count, so the plan knows which already
// have the linked account as co-owner.
func (s *scanner) readCoOwners(e *Environment, rs []Resource) []Resource {
	if !s.opts.FlowCoOwners || e.Counts != EnvCounts {
		return rs
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range rs {
		r := &rs[i]
		if r.Verdict != NotAttributed || r.Solution != "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			perms, err := s.flows.Permissions(s.ctx, e.ID, r.ID)
			if err != nil {
				r.Notes = append(r.Notes, "Reading its co-owners failed: "+failureMessage(err, s.kind))
				return
			}
			r.facts.coOwnersKnown = true
			if role := linkedRoleIn(perms, s.linked.ObjectID); role != "" && r.LinkedRole == "" {
				r.LinkedRole = linkedRoleText(role)
			}
		})
	}
	wg.Wait()
	return rs
}

// flow plans a flow's fix: a solution-aware flow gets the linked account as
// its primary owner ("cannot tell" afterwards); a flow it already owns, or
// one outside any solution, needs a person. A co-owner is advice only.
func (pl planner) flow(r Resource) []Fix {
	l := pl.l
	var out []Fix
	ownedNotCreated := r.Verdict == CannotTell && r.LinkedRole == "owner, not creator"
	switch {
	case r.facts.solutionAware && !ownedNotCreated:
		owner := r.Holder
		if o := r.Owner(); o != nil {
			owner = *o
		}
		f := Fix{Kind: FixFlowOwner, Resource: r, Automatic: true, After: CannotTell, Ownership: true, TakesFrom: who(owner),
			Summary: fmt.Sprintf("Make %s the primary owner of %s (its creator stays %s)", l.Name(), r.label(), who(r.Holder)),
			Explanation: "Power Automate lets an administrator change a solution-aware flow's primary owner (also to a service principal's application user); the PAL tooling table says yes for every tool. " +
				"PAL's table still names the creator, so the flow is 'cannot tell' afterwards, not attributed; to make it certain, rebuild it as the linked account (palwiz lists how once this change is in effect).",
			Loses: who(owner) + " stops being the primary owner and stays a co-owner. The flow then runs under " + l.Name() + "'s licence and request limits: if it uses premium connectors, that account needs a premium licence (Power Automate turns the flow off after 30 days without one)."}
		if r.Env == nil || r.Env.LinkedUserID == "" {
			f.Blocked = "The linked account is not a user of this environment's Dataverse."
		}
		out = append(out, f)
	case ownedNotCreated:
		out = append(out, pl.rebuild(r, "The linked account already owns the flow; only its creator is certain to be credited, and a flow's creator never changes."))
	default:
		out = append(out, pl.rebuild(r, "A flow outside any solution cannot be given a new owner: add it to a solution in Power Automate first, then run palwiz fix again and it can make the linked account the primary owner ('cannot tell' afterwards). To make it certain instead, rebuild it."))
	}
	if r.Verdict == NotAttributed && (!r.facts.coOwnersKnown || r.LinkedRole == "") && !strings.HasPrefix(r.LinkedRole, "co-owner") {
		out = append(out, Fix{Kind: FixAddFlowCoOwner, Resource: r, Automatic: true, After: r.Verdict,
			Summary:     fmt.Sprintf("Add %s as co-owner of %s", l.Name(), r.label()),
			Explanation: "Lets the linked account manage the flow. It does not move the credit: PAL credits the flow's creator, and co-owners do not count."})
	}
	return out
}
