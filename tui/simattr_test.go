package tui

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// simAttributor is the real Attributor (NewAttributor) over the simulated
// cloud's demo scenario, signed in as the dedicated account and linked to
// Fabrikam's partner ID. Whatever directory the wizard is in (the fake
// backend's), it checks Contoso; it records the fixes it was asked to apply.
type simAttributor struct {
	inner Attributor
	sim   *sim.Server
	env   *steps.Env
	// hold, when set, keeps Apply from starting until it is closed.
	hold chan struct{}

	mu      sync.Mutex
	applied []attribution.Fix
	scans   int
	done    int
}

func newSimAttributor(t testing.TB, edit func(*sim.Scenario)) *simAttributor {
	t.Helper()
	return newSimAttributorAs(t, serviceUPN, edit)
}

// newSimAttributorAs is newSimAttributor signed in as upn, in Contoso.
func newSimAttributorAs(t testing.TB, upn string, edit func(*sim.Scenario)) *simAttributor {
	t.Helper()
	w := simtest.Start(t, simtest.Options{Edit: edit})
	w.SignIn(t, upn, simtest.ContosoID)
	env := &steps.Env{Cloud: w.Cloud, Session: w.Session, ARM: rest.Options{MaxRetries: 1, RetryDelay: 5 * time.Millisecond}}
	c, err := env.ARMClient(simtest.ContosoID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := steps.LinkFrom(context.Background(), c, nil, "4977985", false); err != nil {
		t.Fatal(err)
	}
	return &simAttributor{inner: NewAttributor(env, ""), sim: w.Sim, env: env}
}

// simAttr is newSimAttributor as a screen case's attributor.
func simAttr(edit func(*sim.Scenario)) func(t testing.TB) Attributor {
	return func(t testing.TB) Attributor { return newSimAttributor(t, edit) }
}

func (a *simAttributor) Scan(ctx context.Context, _ string, progress func(string)) (*attribution.ScanResult, error) {
	a.mu.Lock()
	a.scans++
	a.mu.Unlock()
	res, err := a.inner.Scan(ctx, simtest.ContosoID, progress)
	a.mu.Lock()
	a.done++
	a.mu.Unlock()
	return res, err
}

// scansDone counts the checks that ended.
func (a *simAttributor) scansDone() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

func (a *simAttributor) Apply(ctx context.Context, res *attribution.ScanResult, fixes []attribution.Fix, progress func(string)) ([]attribution.FixResult, error) {
	a.mu.Lock()
	a.applied = append(a.applied, fixes...)
	hold := a.hold
	a.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	return a.inner.Apply(ctx, res, fixes, progress)
}

// Applied are the fixes asked for so far, by summary.
func (a *simAttributor) Applied() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, f := range a.applied {
		out = append(out, f.Summary)
	}
	return out
}

// failingAttributor cannot check anything.
type failingAttributor struct{ err error }

func (a failingAttributor) Scan(context.Context, string, func(string)) (*attribution.ScanResult, error) {
	return nil, a.err
}

func (a failingAttributor) Apply(context.Context, *attribution.ScanResult, []attribution.Fix, func(string)) ([]attribution.FixResult, error) {
	return nil, errors.New("nothing to apply")
}

// everyPowerPlatformHost fails every Power Platform read with 403, as for
// an account that is no Power Platform administrator.
func everyPowerPlatformHost(s *sim.Server) {
	for _, h := range []string{"api.bap.microsoft.com", "api.powerapps.com", "api.flow.microsoft.com"} {
		_ = s.AddFault(sim.Fault{Host: h, Kind: "status", Status: 403, Code: "Forbidden"})
	}
}

// stableRequestIDs gives the simulator's injected failures one request ID,
// so a screen with them has a golden.
type stableRequestIDs struct{ Attributor }

var requestIDRE = regexp.MustCompile(`request [0-9a-f-]{36}`)

func (a stableRequestIDs) Scan(ctx context.Context, tenantID string, progress func(string)) (*attribution.ScanResult, error) {
	res, err := a.Attributor.Scan(ctx, tenantID, progress)
	if res != nil {
		for i := range res.Failures {
			res.Failures[i].Message = requestIDRE.ReplaceAllString(res.Failures[i].Message, "request 00000000-0000-0000-0000-000000000000")
		}
	}
	return res, err
}
