package attribution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// FixProgress counts applied fixes.
type FixProgress struct {
	Total  int `json:"total"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

// FixResult is what applying one fix did.
type FixResult struct {
	Fix     Fix  `json:"fix"`
	Applied bool `json:"applied"`
	// InEffect says the change was already in effect: nothing was changed.
	InEffect bool   `json:"inEffect,omitempty"`
	Error    string `json:"error,omitempty"`
	Err      error  `json:"-"`
	// After is the resource read again after the change, with its verdict
	// (nil when it could not be read).
	After *Resource `json:"after,omitempty"`
}

// ApplyFixes carries out the applicable fixes (Automatic, not Blocked; from
// Plan.Applicable, or advice a person chose), a few at a time, then reads
// each changed resource again and judges it. Other fixes are returned
// unapplied. The error is non-nil only when the caller must act first
// (sign-in needed) or the context ended.
func ApplyFixes(ctx context.Context, env *steps.Env, res *ScanResult, fixes []Fix, progress func(FixProgress)) ([]FixResult, error) {
	if res == nil {
		return nil, errors.New("no check result to fix")
	}
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	a := &applier{ctx: ctx, env: env, res: res, kind: p.Kind}
	a.ro.Limiter = rest.NewLimiter(4, DefaultLimits)
	out := make([]FixResult, len(fixes))
	var prog FixProgress
	for _, f := range fixes {
		if f.Applicable() {
			prog.Total++
		}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range fixes {
		out[i] = FixResult{Fix: f}
		if !f.Applicable() {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := a.applyOne(f)
			mu.Lock()
			out[i] = r
			prog.Done++
			if r.Err != nil && !r.Applied {
				prog.Failed++
			}
			if progress != nil {
				progress(prog)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for _, r := range out {
		var ae *auth.Error
		if errors.As(r.Err, &ae) && ae.NeedsInteraction() && prog.Failed == prog.Total {
			return out, ae
		}
	}
	return out, nil
}

type applier struct {
	ctx  context.Context
	env  *steps.Env
	res  *ScanResult
	kind auth.Kind
	ro   rest.Options
}

// applyOne makes one change (unless it is in effect already) and reads the
// resource again.
func (a *applier) applyOne(f Fix) FixResult {
	r := FixResult{Fix: f}
	inEffect, err := a.inEffect(f)
	if err == nil && !inEffect {
		err = a.apply(f)
	}
	if err != nil {
		r.Err = explainService(err, a.kind)
		r.Error = failureMessage(err, a.kind)
		return r
	}
	r.Applied, r.InEffect = !inEffect, inEffect
	read := a.rereadSettled // a change just made may take the replicas a while to show
	if inEffect {
		read = a.reread
	}
	after, rerr := read(f)
	if rerr != nil {
		r.Error = "Applied, but reading it again failed: " + failureMessage(rerr, a.kind)
		if inEffect {
			r.Error = "Already in effect, but reading it again failed: " + failureMessage(rerr, a.kind)
		}
		return r
	}
	r.After = after
	return r
}

func (a *applier) apps() *powerplatform.PowerApps {
	return powerplatform.NewPowerApps(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

func (a *applier) flows() *powerplatform.Flows {
	return powerplatform.NewFlows(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

func (a *applier) dataverse(e *Environment) (*powerplatform.Dataverse, error) {
	return powerplatform.NewDataverse(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, e.InstanceURL, e.InstanceAPIURL, 0, a.ro)
}

func (a *applier) powerBI() *powerbi.Client {
	return powerbi.New(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

// inEffect reads what the plan could not know: whether a flow already has
// the linked account as co-owner.
func (a *applier) inEffect(f Fix) (bool, error) {
	if f.Kind != FixAddFlowCoOwner || f.Resource.facts.coOwnersKnown {
		return false, nil
	}
	perms, err := a.flows().Permissions(a.ctx, f.Resource.Env.ID, f.Resource.ID)
	if err != nil {
		return false, err
	}
	role := linkedRoleIn(perms, a.res.Linked.ObjectID)
	return strings.EqualFold(role, powerplatform.RoleCanEdit) || strings.EqualFold(role, powerplatform.RoleOwner), nil
}

func (a *applier) apply(f Fix) error {
	r := f.Resource
	l := a.res.Linked
	typ := "User"
	switch f.Kind {
	case FixAddCoOwner:
		return a.apps().Share(a.ctx, r.Env.ID, r.ID, l.ObjectID, typ, powerplatform.RoleCanEdit)
	case FixMakeOwner:
		return a.apps().SetOwner(a.ctx, r.Env.ID, r.ID, l.ObjectID, f.role)
	case FixAddFlowCoOwner:
		return a.flows().AddOwner(a.ctx, r.Env.ID, r.ID, l.ObjectID, typ)
	case FixFlowOwner:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return err
		}
		return dv.AssignWorkflow(a.ctx, r.ID, r.Env.LinkedUserID)
	case FixAssignBot:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return err
		}
		return dv.AssignBot(a.ctx, r.ID, r.Env.LinkedUserID)
	case FixTakeOver:
		return a.powerBI().TakeOver(a.ctx, r.Env.ID, r.ID)
	}
	return fmt.Errorf("palwiz cannot apply a %s fix", f.Kind)
}

// reread reads a changed resource again and judges it.
func (a *applier) reread(f Fix) (*Resource, error) {
	r := f.Resource
	out := r
	out.Notes, out.LinkedRole, out.Ownership = nil, "", ""
	out.setGroups(nil)
	out.setOwner(nil)
	var o ownership
	var err error
	switch r.Product {
	case CanvasApp:
		o, err = a.rereadCanvas(&out)
	case CloudFlow:
		o, err = a.rereadFlow(f, &out)
	case CopilotBot:
		o, err = a.rereadBot(&out)
	case Dataset:
		o, err = a.rereadDataset(&out)
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

func (a *applier) rereadCanvas(out *Resource) (ownership, error) {
	perms, err := a.apps().Permissions(a.ctx, out.Env.ID, out.ID)
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

func (a *applier) rereadFlow(f Fix, out *Resource) (ownership, error) {
	l := a.res.Linked
	creator := out.Holder
	if f.Kind == FixFlowOwner {
		dv, err := a.dataverse(out.Env)
		if err != nil {
			return ownership{}, err
		}
		w, err := dv.GetWorkflow(a.ctx, out.ID)
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
	fl, err := a.flows().Get(a.ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	perms, err := a.flows().Permissions(a.ctx, out.Env.ID, out.ID)
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

func (a *applier) rereadBot(out *Resource) (ownership, error) {
	dv, err := a.dataverse(out.Env)
	if err != nil {
		return ownership{}, err
	}
	b, err := dv.GetBot(a.ctx, out.ID)
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

func (a *applier) rereadDataset(out *Resource) (ownership, error) {
	pbi := a.powerBI()
	d, err := pbi.Dataset(a.ctx, out.Env.ID, out.ID)
	if err != nil {
		return ownership{}, err
	}
	out.Holder = Holder{UPN: d.ConfiguredBy}
	ev := evidenceUnknown
	if ownsDataset(a.res.Linked, d.ConfiguredBy) && a.res.Linked.SignedIn {
		reports, err := pbi.Reports(a.ctx, out.Env.ID)
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
