package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/steps"
)

// NewAttributor is the Attributor over the steps package: steps.Scan,
// steps.PlanFixes and steps.ApplyFixes in the signed-in identity's name.
// ciKey is the Customer Insights API key ("": Customer Insights is
// reported as not checked).
func NewAttributor(env *steps.Env, ciKey string) Attributor {
	return &stepsAttributor{env: env, ciKey: ciKey}
}

type stepsAttributor struct {
	env   *steps.Env
	ciKey string
	mu    sync.Mutex
	res   *steps.ScanResult
	plan  []steps.Fix
}

func (a *stepsAttributor) Scan(ctx context.Context, tenantID string, progress func(string)) (AttributionReport, error) {
	res, err := steps.Scan(ctx, a.env, steps.ScanOptions{Tenant: tenantID, CISubscriptionKey: a.ciKey}, func(p steps.ScanProgress) {
		if progress != nil {
			progress(scanStatus(p))
		}
	})
	if err != nil {
		return AttributionReport{}, err
	}
	plan := steps.PlanFixes(res, steps.FixOptions{})
	a.mu.Lock()
	a.res, a.plan = res, plan
	a.mu.Unlock()
	return report(res, plan, nil), nil
}

func scanStatus(p steps.ScanProgress) string {
	s := fmt.Sprintf("%d of %d environments", p.EnvironmentsDone, p.Environments)
	if p.Workspaces > 0 {
		s += fmt.Sprintf(" · %d of %d workspaces", p.WorkspacesDone, p.Workspaces)
	}
	s += fmt.Sprintf(" · %d resources", p.Resources)
	if p.Failures > 0 {
		s += fmt.Sprintf(" · %d failed", p.Failures)
	}
	return s
}

func (a *stepsAttributor) Apply(ctx context.Context, tenantID string, fixes []AttributionFix, progress func(string)) (AttributionReport, error) {
	a.mu.Lock()
	res, plan := a.res, a.plan
	a.mu.Unlock()
	if res == nil {
		return AttributionReport{}, errors.New("scan the directory before fixing it")
	}
	want := map[string]bool{}
	for _, f := range fixes {
		want[f.ID] = true
	}
	var chosen []steps.Fix
	for _, f := range plan {
		if want[fixID(f)] && f.Applicable() {
			chosen = append(chosen, f)
		}
	}
	results, err := steps.ApplyFixes(ctx, a.env, res, chosen, func(p steps.FixProgress) {
		if progress != nil {
			progress(fmt.Sprintf("%d of %d changes made", p.Done, p.Total))
		}
	})
	var applied []string
	for _, r := range results {
		switch {
		case r.Applied:
			line := "Done: " + r.Fix.Summary
			if r.After != nil && r.After.Product != "" {
				if cur := res.Find(r.After.Key()); cur != nil {
					*cur = *r.After
				}
				line += " (now " + r.After.Verdict.Label() + ")"
			}
			applied = append(applied, line)
		case r.Error != "":
			applied = append(applied, "Failed: "+r.Fix.Summary+": "+r.Error)
		}
	}
	plan = steps.PlanFixes(res, steps.FixOptions{})
	a.mu.Lock()
	a.plan = plan
	a.mu.Unlock()
	return report(res, plan, applied), err
}

func fixID(f steps.Fix) string { return string(f.Kind) + "|" + f.Resource.Key() }

// report turns a scan and its plan into what the screen shows.
func report(res *steps.ScanResult, plan []steps.Fix, applied []string) AttributionReport {
	r := AttributionReport{Linked: res.Linked.Name(), Notes: append([]string(nil), res.Notes...), Applied: applied}
	for _, x := range res.Resources {
		r.Items = append(r.Items, item(x))
	}
	for _, f := range plan {
		r.Plan = append(r.Plan, AttributionFix{ID: fixID(f), Item: item(f.Resource), Action: f.Summary,
			Manual: !f.Automatic, Commands: f.Commands, Blocked: f.Blocked})
	}
	for _, c := range res.Coverage {
		if c.Note != "" {
			r.Notes = append(r.Notes, c.Product.Title()+": "+c.Note)
		}
	}
	for _, f := range res.Failures {
		where := f.Service
		if f.Environment != "" {
			where += " in " + f.Environment
		}
		r.Notes = append(r.Notes, "Could not read "+where+": "+f.Message)
	}
	return r
}

func item(x steps.Resource) AttributionItem {
	env := ""
	if x.Env != nil {
		env = x.Env.Name
		if x.Env.Type != "" && !strings.Contains(strings.ToLower(x.Env.Name), strings.ToLower(x.Env.Type)) {
			env += " (" + x.Env.Type + ")"
		}
	}
	holder := x.Holder.UPN
	if holder == "" {
		holder = x.Holder.Label()
	}
	return AttributionItem{Product: x.Product.Title(), Name: x.Name, Environment: env, AttributedTo: holder,
		Verdict: x.Verdict.Label(), Attributed: x.Verdict == steps.Attributed, Reason: x.Reason}
}
