package steps

import (
	"context"
	"sync"

	"github.com/palwiz/palwiz/azure/arm"
)

// TenantResult is one directory's row in a fleet operation.
type TenantResult struct {
	Tenant  arm.Tenant `json:"tenant"`
	Link    *arm.Link  `json:"link,omitempty"`
	Outcome *Outcome   `json:"outcome,omitempty"`
	Err     error      `json:"-"`
}

// ForTenants runs fn for every tenant with bounded concurrency, keeping the
// input order; progress (if set) is called after each one finishes.
func ForTenants(ctx context.Context, ts []arm.Tenant, concurrency int, fn func(context.Context, arm.Tenant) TenantResult, progress func(done, total int)) []TenantResult {
	out := make([]TenantResult, len(ts))
	if concurrency <= 0 {
		concurrency = 16
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = TenantResult{Tenant: t, Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			r := fn(ctx, t)
			r.Tenant = t
			out[i] = r
			if progress != nil {
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				progress(d, len(ts))
			}
		}()
	}
	wg.Wait()
	return out
}

// FleetStatus reads the link in every directory.
func FleetStatus(ctx context.Context, env *Env, ts []arm.Tenant, progress func(done, total int)) []TenantResult {
	return ForTenants(ctx, ts, env.concurrency(), func(ctx context.Context, t arm.Tenant) TenantResult {
		c, err := env.ARMClient(t.ID)
		if err != nil {
			return TenantResult{Err: err}
		}
		l, err := Status(ctx, c)
		return TenantResult{Link: l, Err: err}
	}, progress)
}

// FleetLink links partnerID in every directory.
func FleetLink(ctx context.Context, env *Env, ts []arm.Tenant, partnerID string, force bool, progress func(done, total int)) []TenantResult {
	return ForTenants(ctx, ts, env.concurrency(), func(ctx context.Context, t arm.Tenant) TenantResult {
		c, err := env.ARMClient(t.ID)
		if err != nil {
			return TenantResult{Err: err}
		}
		o, err := Link(ctx, c, partnerID, force)
		return TenantResult{Link: o.After, Outcome: &o, Err: err}
	}, progress)
}
