package tui

import (
	"context"

	"github.com/palwiz/palwiz/steps/attribution"
)

// Attributor checks which account each resource that earns credit is
// attributed to, and carries out fixes. The Attribution step shows its
// results when one is configured; without one it teaches the rules.
// NewAttributor is the one over the attribution package; the wizard plans
// (attribution.PlanFixes) and words everything itself (flow_attribution.go).
type Attributor interface {
	// Scan reads the directory's environments, workspaces and instances.
	// progress (optional) gets a short line of counts as it goes.
	Scan(ctx context.Context, tenantID string, progress func(status string)) (*attribution.ScanResult, error)
	// Apply carries out fixes of a plan made from res. It returns one
	// result per fix, in order, each done, failed, not known or not started
	// (attribution.ApplyFixes), also when ctx ends midway.
	Apply(ctx context.Context, res *attribution.ScanResult, fixes []attribution.Fix, progress func(status string)) ([]attribution.FixResult, error)
}
