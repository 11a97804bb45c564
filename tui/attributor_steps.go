package tui

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// NewAttributor is the Attributor over the attribution package:
// attribution.Scan and ApplyFixes in the signed-in identity's name.
// ciKey is the Customer Insights API key ("": Customer Insights is
// reported as not checked).
func NewAttributor(env *steps.Env, ciKey string) Attributor {
	return &stepsAttributor{env: env, ciKey: ciKey}
}

type stepsAttributor struct {
	env   *steps.Env
	ciKey string
}

func (a *stepsAttributor) Scan(ctx context.Context, tenantID string, progress func(string)) (*attribution.ScanResult, error) {
	return attribution.Scan(ctx, a.env, attribution.ScanOptions{Tenant: tenantID, CISubscriptionKey: a.ciKey, FlowCoOwners: true}, func(p attribution.ScanProgress) {
		if progress != nil {
			progress(scanStatus(p))
		}
	})
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

func (a *stepsAttributor) Apply(ctx context.Context, res *attribution.ScanResult, fixes []attribution.Fix, progress func(string)) ([]attribution.FixResult, error) {
	return attribution.ApplyFixes(ctx, a.env, res, fixes, func(p attribution.FixProgress) {
		if progress != nil {
			progress(applyStatus(p))
		}
	})
}

func applyStatus(p attribution.FixProgress) string {
	s := fmt.Sprintf("%d of %d changes made", p.Done-p.Failed, p.Total)
	if p.Failed > 0 {
		s += fmt.Sprintf(" · %d failed", p.Failed)
	}
	return s
}
