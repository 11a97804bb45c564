package attribution

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

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

// ChangeState is where one change of an apply stands: the running record
// says done, failed or not started for each change asked for, and "not
// known" only when the service's answer was lost and reading the resource
// again failed too.
type ChangeState string

// Change states.
const (
	// ChangeDone: the change is made (InEffect: it was made already, and
	// nothing changed). Recovered says the service's answer was lost or an
	// error, and reading the resource again showed the change made.
	ChangeDone ChangeState = "done"
	// ChangeFailed: the change is not made: the service refused it, or its
	// answer was lost (or the apply stopped while it was on its way) and
	// reading the resource again right after shows no change. Error says which.
	ChangeFailed ChangeState = "failed"
	// ChangeUnknown: the answer was lost and reading the resource again
	// failed as well: the change may or may not be made.
	ChangeUnknown ChangeState = "unknown"
	// ChangeNotStarted: nothing was sent: the apply stopped first, or the
	// fix is not one palwiz can make (Blocked, or a person's steps).
	ChangeNotStarted ChangeState = "not-started"
)

// FixResult is what applying one fix did.
type FixResult struct {
	Fix Fix `json:"fix"`
	// State is done, failed, unknown or not started.
	State   ChangeState `json:"state"`
	Applied bool        `json:"applied"`
	// InEffect says the change was already in effect: nothing was changed.
	InEffect bool `json:"inEffect,omitempty"`
	// Recovered says the write failed or its answer was lost, and reading
	// the resource again showed the change made after all.
	Recovered bool   `json:"recovered,omitempty"`
	Error     string `json:"error,omitempty"`
	Err       error  `json:"-"`
	// After is the resource read again after the change, with its verdict
	// (nil when it could not be read).
	After *Resource `json:"after,omitempty"`
}

// StopReadBack bounds the read-back of the changes that were on their way
// when an apply is stopped (its context cancelled): one read each, on a
// context of their own, so the record says what is true before palwiz ends.
const StopReadBack = 10 * time.Second

// ApplyFixes carries out the applicable fixes (Automatic, not Blocked; from
// Plan.Applicable, or advice a person chose), a few at a time, then reads
// each changed resource again and judges it. It returns one FixResult per
// fix, in order, with its State, also when ctx ends midway: the changes
// not begun are not started, and those on their way are read again (within
// StopReadBack) to say whether they were made. A write that fails or loses
// its answer is read again too. Other fixes are returned not started. The
// error is non-nil only when the caller must act first (sign-in needed) or
// the context ended; the results are complete either way (NewApplyRecord).
func ApplyFixes(ctx context.Context, env *steps.Env, res *ScanResult, fixes []Fix, progress func(FixProgress)) ([]FixResult, error) {
	if res == nil {
		return nil, errors.New("no check result to fix")
	}
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	a := &applier{env: env, res: res, kind: p.Kind}
	a.ro.Limiter = rest.NewLimiter(4, DefaultLimits)
	out := make([]FixResult, len(fixes))
	var prog FixProgress
	for i, f := range fixes {
		out[i] = FixResult{Fix: f, State: ChangeNotStarted}
		if f.Applicable() {
			prog.Total++
		} else {
			out[i].Error = notApplicable(f)
		}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range fixes {
		if !f.Applicable() {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break // the rest are not started
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r := a.applyOne(ctx, f)
			mu.Lock()
			out[i] = r
			prog.Done++
			if r.State != ChangeDone {
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

// notApplicable says why ApplyFixes leaves a fix alone.
func notApplicable(f Fix) string {
	if f.Blocked != "" {
		return "palwiz cannot make this change now: " + f.Blocked
	}
	return "palwiz cannot make this change: it is for a person to do."
}

type applier struct {
	env  *steps.Env
	res  *ScanResult
	kind auth.Kind
	ro   rest.Options
}

// applyOne makes one change (unless it is in effect already) and reads the
// resource again.
func (a *applier) applyOne(ctx context.Context, f Fix) FixResult {
	r := FixResult{Fix: f, State: ChangeNotStarted}
	inEffect, err := a.inEffect(ctx, f)
	switch {
	case err != nil && ctx.Err() != nil:
		return r // stopped before anything was written
	case err != nil:
		r.State, r.Err, r.Error = ChangeFailed, explainService(err, a.kind), failureMessage(err, a.kind)
		return r
	case inEffect:
		r.State, r.InEffect = ChangeDone, true
		after, rerr := a.reread(ctx, f)
		r.After = after
		if rerr != nil {
			r.After = a.readAfterStop(ctx, f, &rerr)
		}
		if r.After == nil {
			r.Error = "Already in effect, but reading it again failed: " + failureMessage(rerr, a.kind)
		}
		return r
	}
	if err := a.apply(ctx, f); err != nil {
		return a.writeFailed(ctx, f, err)
	}
	r.State, r.Applied = ChangeDone, true
	// A change just made may take the replicas a while to show.
	after, rerr := a.rereadSettled(ctx, f)
	r.After = after
	if rerr != nil {
		r.After = a.readAfterStop(ctx, f, &rerr)
	}
	if r.After == nil {
		r.Error = "Applied, but reading it again failed: " + failureMessage(rerr, a.kind)
	}
	return r
}

// writeFailed reads the resource again after a write that failed, lost its
// answer, or was on its way when the apply stopped: the service may have
// made the change anyway, so the result says what the read shows.
func (a *applier) writeFailed(ctx context.Context, f Fix, err error) FixResult {
	r := FixResult{Fix: f, State: ChangeFailed, Err: explainService(err, a.kind), Error: failureMessage(err, a.kind)}
	stopped := ctx.Err() != nil
	if stopped {
		r.Err, r.Error = ctx.Err(), "Stopped before the service answered"
	}
	after, rerr := a.readOnce(ctx, f)
	switch {
	case rerr != nil && (stopped || uncertain(err)):
		r.State = ChangeUnknown
		r.Error += "; reading it again failed as well (" + failureMessage(rerr, a.kind) + "), so palwiz cannot tell whether the change was made: run the check again to see"
	case rerr != nil:
		r.Error += "; reading it again failed as well: " + failureMessage(rerr, a.kind)
	case landed(f, after, a.res.Linked):
		r.State, r.Applied, r.Recovered, r.After, r.Err = ChangeDone, true, true, after, nil
		r.Error = r.Error + "; reading it again shows the change made"
	default:
		r.After = after
		r.Error += "; reading it again right after shows no change"
	}
	return r
}

// readOnce reads the resource once, on a context of its own (bounded by
// StopReadBack) when ctx has ended.
func (a *applier) readOnce(ctx context.Context, f Fix) (*Resource, error) {
	if ctx.Err() != nil {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), StopReadBack)
		defer cancel()
		ctx = c
	}
	return a.reread(ctx, f)
}

// readAfterStop reads a changed resource once more when its read-back was
// cut short by the apply stopping; otherwise it leaves *err as it is.
func (a *applier) readAfterStop(ctx context.Context, f Fix, err *error) *Resource {
	if ctx.Err() == nil {
		return nil
	}
	after, rerr := a.readOnce(ctx, f)
	*err = rerr
	return after
}

// uncertain reports whether a failed write may have been made all the
// same: its answer was lost (no answer, a time-out, a server error),
// rather than refused (a 4xx answer).
func uncertain(err error) bool {
	var re *rest.Error
	if errors.As(err, &re) {
		return re.Status >= 500 || re.Status == http.StatusRequestTimeout || re.Status == 0
	}
	return true
}

// landed reports whether a read-back shows the change f asked for.
func landed(f Fix, after *Resource, l LinkedIdentity) bool {
	if after == nil {
		return false
	}
	switch f.Kind {
	case FixAddCoOwner, FixAddFlowCoOwner:
		return after.Owned || strings.HasPrefix(after.LinkedRole, "co-owner") || strings.EqualFold(after.LinkedRole, "owner")
	case FixMakeOwner:
		return SameObject(after.Holder.ObjectID, l.ObjectID)
	case FixFlowOwner, FixAssignBot:
		return after.Owned || after.LinkedRole == "owner, not creator"
	case FixTakeOver:
		return ownsDataset(l, after.Holder.UPN)
	}
	return shows(f.Resource, after)
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
func (a *applier) inEffect(ctx context.Context, f Fix) (bool, error) {
	if f.Kind != FixAddFlowCoOwner || f.Resource.facts.coOwnersKnown {
		return false, nil
	}
	perms, err := a.flows().Permissions(ctx, f.Resource.Env.ID, f.Resource.ID)
	if err != nil {
		return false, err
	}
	role := linkedRoleIn(perms, a.res.Linked.ObjectID)
	return strings.EqualFold(role, powerplatform.RoleCanEdit) || strings.EqualFold(role, powerplatform.RoleOwner), nil
}

func (a *applier) apply(ctx context.Context, f Fix) error {
	r := f.Resource
	l := a.res.Linked
	typ := "User"
	switch f.Kind {
	case FixAddCoOwner:
		return a.apps().Share(ctx, r.Env.ID, r.ID, l.ObjectID, typ, powerplatform.RoleCanEdit)
	case FixMakeOwner:
		return a.apps().SetOwner(ctx, r.Env.ID, r.ID, l.ObjectID, f.role)
	case FixAddFlowCoOwner:
		return a.flows().AddOwner(ctx, r.Env.ID, r.ID, l.ObjectID, typ)
	case FixFlowOwner:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return err
		}
		return dv.AssignWorkflow(ctx, r.ID, r.Env.LinkedUserID)
	case FixAssignBot:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return err
		}
		return dv.AssignBot(ctx, r.ID, r.Env.LinkedUserID)
	case FixTakeOver:
		return a.powerBI().TakeOver(ctx, r.Env.ID, r.ID)
	}
	return fmt.Errorf("palwiz cannot apply a %s fix", f.Kind)
}
