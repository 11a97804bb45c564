package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// NewAttributor is the Attributor over the attribution package:
// attribution.Scan, PlanFixes and ApplyFixes in the signed-in identity's name.
// ciKey is the Customer Insights API key ("": Customer Insights is
// reported as not checked).
func NewAttributor(env *steps.Env, ciKey string) Attributor {
	return &stepsAttributor{env: env, ciKey: ciKey}
}

type stepsAttributor struct {
	env   *steps.Env
	ciKey string
	mu    sync.Mutex
	res   *attribution.ScanResult
	plan  *attribution.Plan
}

func (a *stepsAttributor) Scan(ctx context.Context, tenantID string, progress func(string)) (AttributionReport, error) {
	res, err := attribution.Scan(ctx, a.env, attribution.ScanOptions{Tenant: tenantID, CISubscriptionKey: a.ciKey, FlowCoOwners: true}, func(p attribution.ScanProgress) {
		if progress != nil {
			progress(scanStatus(p))
		}
	})
	if err != nil {
		return AttributionReport{}, err
	}
	plan := attribution.PlanFixes(res, attribution.FixOptions{})
	a.mu.Lock()
	a.res, a.plan = res, plan
	a.mu.Unlock()
	return report(res, plan, nil), nil
}

func scanStatus(p attribution.ScanProgress) string {
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
	var chosen []attribution.Fix
	for _, f := range plan.Fixes {
		if want[f.ID()] && f.Applicable() {
			chosen = append(chosen, f)
		}
	}
	results, err := attribution.ApplyFixes(ctx, a.env, res, chosen, func(p attribution.FixProgress) {
		if progress != nil {
			progress(fmt.Sprintf("%d of %d changes made", p.Done, p.Total))
		}
	})
	var applied []string
	for _, r := range results {
		switch {
		case r.Applied:
			line := "Done: " + r.Fix.Summary
			if r.After != nil {
				res.Replace(*r.After)
				line += ": now " + r.After.Verdict.Label()
			}
			applied = append(applied, line)
		case r.InEffect:
			applied = append(applied, "Already in effect: "+r.Fix.Summary)
		case r.Error != "":
			applied = append(applied, "Failed: "+r.Fix.Summary+": "+r.Error)
		}
	}
	plan = attribution.PlanFixes(res, attribution.FixOptions{})
	a.mu.Lock()
	a.plan = plan
	a.mu.Unlock()
	return report(res, plan, applied), err
}

// report turns a scan and its plan into what the screen shows: what was
// not checked first, then the summary, the plan's own notes and the advice.
func report(res *attribution.ScanResult, plan *attribution.Plan, applied []string) AttributionReport {
	r := AttributionReport{Linked: res.Linked.Name(), Applied: applied}
	sum := attribution.SummarizePlan(res, plan)
	for _, f := range sum.NotChecked {
		r.Notes = append(r.Notes, attribution.NotCheckedLine(f))
	}
	r.Notes = append(r.Notes, res.Notes...)
	for _, x := range res.Resources {
		r.Items = append(r.Items, item(x))
	}
	for _, f := range plan.Fixes {
		r.Plan = append(r.Plan, AttributionFix{ID: f.ID(), Item: item(f.Resource), Action: f.Summary,
			Manual: !f.Automatic, Commands: f.Commands, Blocked: f.Blocked})
	}
	r.Notes = append(r.Notes, sum.Lines()...)
	for _, f := range plan.Advice {
		r.Notes = append(r.Notes, "Advice (does not move the credit): "+f.Summary)
	}
	for _, c := range res.Coverage {
		if c.Note != "" {
			r.Notes = append(r.Notes, c.Product.Title()+": "+c.Note)
		}
	}
	return r
}

func item(x attribution.Resource) AttributionItem {
	env := ""
	if x.Env != nil {
		env = x.Env.Name
		if x.Env.Type != "" && !strings.Contains(strings.ToLower(x.Env.Name), strings.ToLower(x.Env.Type)) {
			env += " (" + x.Env.Type + ")"
		}
	}
	holder := x.Holder.Label()
	return AttributionItem{Product: x.Product.Title(), Name: x.Name, Environment: env, AttributedTo: holder,
		Verdict: x.Verdict.Label(), Attributed: x.Verdict == attribution.Attributed, Reason: x.Reason}
}
