package attribution

import (
	"context"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/steps"
)

// notShownYet is the note on a resource whose change the service does not
// show yet when palwiz reads it back.
const notShownYet = "The service does not show this change yet (its replicas can trail a write by a minute): check it again later."

// rereadSettled reads a resource palwiz has just changed until the read
// shows the change, since the services' replicas trail their writes
// (steps.ReadUntil), or steps.ReplicationWait has passed; then it says the
// change is not shown yet.
func (a *applier) rereadSettled(ctx context.Context, f Fix) (*Resource, error) {
	after, err := steps.ReadUntil(ctx, steps.ReplicationWait, func(context.Context) (*Resource, error) { return a.reread(ctx, f) },
		func(r *Resource) bool { return shows(f.Resource, r) })
	if err == nil && after != nil && !shows(f.Resource, after) {
		after.Notes = append(after.Notes, notShownYet)
	}
	return after, err
}

// shows reports whether a read-back differs from the resource before the
// fix in what a fix changes: who holds or owns it, the linked identity's
// role, the verdict.
func shows(before Resource, after *Resource) bool {
	if after == nil {
		return false
	}
	return after.Owned != before.Owned || after.LinkedRole != before.LinkedRole || after.Verdict != before.Verdict ||
		!samePerson(&before.Holder, &after.Holder) || !samePerson(before.Owner(), after.Owner())
}

// samePerson compares every identifier two holders carry.
func samePerson(a, b *Holder) bool {
	if a == nil || b == nil {
		return a == b
	}
	return strings.EqualFold(a.ObjectID, b.ObjectID) && strings.EqualFold(a.UPN, b.UPN) && strings.EqualFold(a.SystemUserID, b.SystemUserID)
}

// reread reads a changed resource again and judges it.
func (a *applier) reread(ctx context.Context, f Fix) (*Resource, error) {
	r := f.Resource
	out := r
	out.Notes, out.LinkedRole, out.Ownership = nil, "", ""
	out.setGroups(nil)
	out.setOwner(nil)
	var o ownership
	var err error
	switch r.Product {
	case CanvasApp:
		o, err = a.rereadCanvas(ctx, &out)
	case CloudFlow:
		o, err = a.rereadFlow(ctx, f, &out)
	case CopilotBot:
		o, err = a.rereadBot(ctx, &out)
	case Dataset:
		o, err = a.rereadDataset(ctx, &out)
	default:
		return nil, fmt.Errorf("palwiz does not read %s again", r.Product)
	}
	if err != nil {
		return nil, err
	}
	out.LinkedRole, out.Owned = o.linkedRole, o.owned()
	out.Verdict, out.Reason, out.Ownership, out.Notes = weigh(r.Env, o)
	return &out, nil
}

func (a *applier) rereadCanvas(ctx context.Context, out *Resource) (ownership, error) {
	perms, err := a.apps().Permissions(ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	var owner Holder
	for _, p := range perms {
		if strings.EqualFold(p.RoleName, powerplatform.RoleOwner) {
			owner = Holder{ObjectID: strings.ToLower(p.Principal.ID), UPN: first(p.Principal.UserPrincipalName, p.Principal.Email), Name: p.Principal.DisplayName}
		}
	}
	groups := groupCoOwners(perms)
	out.Holder = owner
	out.setGroups(groups)
	return judgeCanvas(a.res.Linked, owner, linkedRoleIn(perms, a.res.Linked.ObjectID), true, groups), nil
}

func (a *applier) rereadFlow(ctx context.Context, f Fix, out *Resource) (ownership, error) {
	l := a.res.Linked
	creator := out.Holder
	if f.Kind == FixFlowOwner {
		dv, err := a.dataverse(out.Env)
		if err != nil {
			return ownership{}, err
		}
		w, err := dv.GetWorkflow(ctx, out.ID)
		if err != nil {
			return ownership{}, err
		}
		linked := func(id string) bool { return SameObject(id, out.Env.LinkedUserID) }
		owner := Holder{SystemUserID: strings.ToLower(w.Owner), Name: w.OwnerName}
		if linked(w.Owner) {
			owner = Holder{SystemUserID: strings.ToLower(w.Owner), ObjectID: l.ObjectID, UPN: l.UPN, Name: first(w.OwnerName, l.DisplayName)}
		}
		if !sameHolder(owner, creator) {
			out.setOwner(&owner)
		}
		out.facts.solutionAware = true
		return judgeFlow(creator, linked(w.CreatedBy) || SameObject(creator.ObjectID, l.ObjectID), &owner, linked(w.Owner), true, nil), nil
	}
	fl, err := a.flows().Get(ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	perms, err := a.flows().Permissions(ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	if !SameObject(creator.ObjectID, fl.Creator) {
		creator = Holder{ObjectID: strings.ToLower(fl.Creator)}
		out.Holder = creator
	}
	o := judgeFlow(creator, SameObject(fl.Creator, l.ObjectID), f.Resource.Owner(), false, f.Resource.facts.solutionAware, nil)
	if role := linkedRoleIn(perms, l.ObjectID); role != "" && !o.owned() && o.linkedRole == "" {
		o.linkedRole = linkedRoleText(role)
		o.notes = append(o.notes, "The linked account is a co-owner of the flow; PAL still credits its creator.")
	}
	out.facts.coOwnersKnown = true
	return o, nil
}

func (a *applier) rereadBot(ctx context.Context, out *Resource) (ownership, error) {
	dv, err := a.dataverse(out.Env)
	if err != nil {
		return ownership{}, err
	}
	b, err := dv.GetBot(ctx, out.ID)
	if err != nil {
		return ownership{}, err
	}
	linked := func(id string) bool { return SameObject(id, out.Env.LinkedUserID) }
	creator := Holder{SystemUserID: strings.ToLower(b.CreatedBy), Name: b.CreatedByName}
	if sameHolder(creator, out.Holder) {
		creator = out.Holder
	}
	owner := Holder{SystemUserID: strings.ToLower(b.Owner), Name: b.OwnerName}
	if !sameHolder(owner, creator) {
		out.setOwner(&owner)
	}
	out.Holder = creator
	return judgeBot(creator, owner, linked(b.CreatedBy), linked(b.Owner), out.Env.LinkedUserID != "", nil), nil
}

func (a *applier) rereadDataset(ctx context.Context, out *Resource) (ownership, error) {
	pbi := a.powerBI()
	d, err := pbi.Dataset(ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	out.Holder = Holder{UPN: d.ConfiguredBy}
	ev := evidenceUnknown
	if ownsDataset(a.res.Linked, d.ConfiguredBy) && a.res.Linked.SignedIn {
		reports, err := pbi.Reports(ctx, out.Env.ID)
		if err != nil {
			return ownership{}, err
		}
		for _, rp := range reports {
			if rp.IsFromPbix && strings.EqualFold(rp.DatasetID, out.ID) {
				if rp.IsOwnedByMe {
					ev = evidencePublished
				} else if ev == evidenceUnknown {
					ev = evidenceTakenOver
				}
			}
		}
	}
	o := judgeDataset(a.res.Linked, d.ConfiguredBy, ev)
	out.facts.takenOver = ev == evidenceTakenOver && o.verdict == CannotTell
	if out.facts.takenOver {
		o.notes = append(o.notes, "Enter the dataset's data source credentials again now (dataset settings > Data source credentials): refreshes use the new owner's.")
	}
	return o, nil
}
