package report

import (
	"context"
	"errors"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// Options say how each directory is checked.
type Options struct {
	// Scan is the attribution check's options (Tenant and Linked are set per directory).
	Scan attribution.ScanOptions
	// Describe words a directory's failure (code, message, next step); nil
	// uses the error's own text.
	Describe func(tenantID string, err error) Error
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// Collect checks one directory: the identity and its link (read live), then
// the attribution of every resource. A failure is recorded in the result,
// never returned: the report says what failed and why, and a directory
// with a failed read is never reported as complete.
func Collect(ctx context.Context, env *steps.Env, t arm.Tenant, opts Options) Directory {
	d := Directory{TenantID: t.ID, TenantName: t.DisplayName, TenantDomain: t.DefaultDomain, Started: opts.now()}
	start := time.Now()
	defer func() { d.Elapsed = time.Since(start).Round(time.Millisecond).String() }()
	fail := func(err error) Directory {
		d.Status = StatusFailed
		e := describe(opts, t.ID, err)
		d.Error = &e
		d.Headline = "Not checked: " + e.Message
		return d
	}
	linked, err := attribution.ResolveLinked(ctx, env, t.ID)
	if err != nil {
		return fail(err)
	}
	d.Identity = identityOf(linked)
	c, err := env.ARMClient(t.ID)
	if err != nil {
		return fail(err)
	}
	l, err := c.GetLink(ctx)
	if err != nil {
		return fail(steps.Explain(err))
	}
	d.Link = linkOf(l, opts.now())
	so := opts.Scan
	so.Tenant, so.Linked = t.ID, &linked
	res, err := attribution.Scan(ctx, env, so, nil)
	if res != nil {
		d.Requests = res.Requests
	}
	if err != nil {
		return fail(err)
	}
	fillCheck(&d, res)
	return d
}

// Failed is a directory that could not be checked at all (the caller's
// failure before Collect, e.g. a directory the identity cannot reach).
func Failed(t arm.Tenant, err error, opts Options) Directory {
	e := describe(opts, t.ID, err)
	return Directory{TenantID: t.ID, TenantName: t.DisplayName, TenantDomain: t.DefaultDomain, Status: StatusFailed,
		Headline: "Not checked: " + e.Message, Error: &e, Started: opts.now(), Elapsed: "0s"}
}

func describe(opts Options, tenant string, err error) Error {
	var e Error
	if opts.Describe != nil {
		e = opts.Describe(tenant, err)
	} else {
		e = Error{Code: "error", Message: err.Error()}
	}
	var re *rest.Error
	if e.RequestID == "" && errors.As(err, &re) {
		e.RequestID = re.RequestID
	}
	return e
}

func identityOf(l attribution.LinkedIdentity) *Identity {
	id := &Identity{Kind: string(l.Kind), DisplayName: l.DisplayName, UPN: l.UPN, AppID: l.AppID, ObjectID: l.ObjectID, TenantID: l.TenantID}
	switch {
	case l.Kind == auth.KindServicePrincipal:
	case l.IsGuest():
		id.UserType = "Guest"
	default:
		id.UserType = "Member"
	}
	return id
}

func linkOf(l *arm.Link, at time.Time) *Link {
	if !l.Active() {
		return &Link{Linked: false, ReadAt: at}
	}
	return &Link{Linked: true, PartnerID: l.PartnerID, PartnerName: l.PartnerName, State: l.State, ObjectID: l.ObjectID,
		FirstLinked: stamp(l.CreatedTime), LastChanged: stamp(l.UpdatedTime), Version: l.Version, ReadAt: at}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// fillCheck records the attribution check: every resource by product,
// what failed and what was not read.
func fillCheck(d *Directory, res *attribution.ScanResult) {
	sum := attribution.Summarize(res)
	d.Headline = sum.Headline()
	d.Notes = res.Notes
	d.Counts = &Counts{Attributed: sum.Attributed, NotAttributed: sum.NotAttributed, CannotTell: sum.CannotTell,
		DoesNotCount: sum.DoesNotCount, NotChecked: len(sum.NotChecked)}
	byProduct := map[attribution.Product][]Resource{}
	for i := range res.Resources {
		r := res.Resources[i]
		byProduct[r.Product] = append(byProduct[r.Product], resourceOf(r))
	}
	for _, cv := range res.Coverage {
		rs := byProduct[cv.Product]
		if rs == nil {
			rs = []Resource{}
		}
		d.Coverage = append(d.Coverage, Coverage{Product: string(cv.Product), Name: cv.Product.Plural(), Checked: cv.Checked, Note: cv.Note,
			Counts: Counts{Attributed: cv.ByVerdict[attribution.Attributed], NotAttributed: cv.ByVerdict[attribution.NotAttributed],
				CannotTell: cv.ByVerdict[attribution.CannotTell], DoesNotCount: cv.ByVerdict[attribution.DoesNotCount], NotChecked: cv.Failed},
			Resources: rs})
	}
	for _, f := range sum.NotChecked {
		nc := NotChecked{Product: string(f.Product), Environment: f.Environment, Service: f.Service, Cause: string(f.Cause),
			Where: f.Where(), Message: f.Message, NextStep: f.NextStep}
		var re *rest.Error
		if errors.As(f.Err, &re) {
			nc.RequestID = re.RequestID
		}
		d.NotChecked = append(d.NotChecked, nc)
	}
	for _, u := range sum.Unchecked {
		d.Unchecked = append(d.Unchecked, Unchecked{Product: u.Product.Plural(), Reason: u.Reason})
	}
	d.Status = StatusComplete
	if !sum.Complete() {
		d.Status = StatusIncomplete
	}
}

func resourceOf(r *attribution.Resource) Resource {
	out := Resource{ID: r.ID, Name: r.Name, Role: r.Role, Verdict: string(r.Verdict), Reason: r.Reason}
	if r.Env != nil {
		out.EnvironmentName, out.EnvironmentType = r.Env.Name, r.Env.Type
	}
	if h := r.Holder; h.ObjectID != "" || h.UPN != "" || h.Name != "" {
		out.Holder = &Holder{DisplayName: h.Name, UPN: h.UPN, ObjectID: h.ObjectID}
	}
	return out
}
