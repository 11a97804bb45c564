package tui

import "context"

// Attributor checks which account each resource that earns credit is
// attributed to, and carries out a fix plan. The Attribution step shows its
// results when one is configured; without one it teaches the rules.
// NewAttributor is the one over the steps package.
type Attributor interface {
	// Scan reads the directory's environments, workspaces and instances.
	// progress (optional) gets a short line of counts as it goes.
	Scan(ctx context.Context, tenantID string, progress func(status string)) (AttributionReport, error)
	// Apply carries out fixes from the last scan's plan and reports again.
	Apply(ctx context.Context, tenantID string, fixes []AttributionFix, progress func(status string)) (AttributionReport, error)
}

// AttributionReport is what a scan found.
type AttributionReport struct {
	// Linked names the identity resources must be attributed to.
	Linked string
	Items  []AttributionItem
	// Plan is what can be fixed, in order; empty when nothing needs fixing.
	Plan []AttributionFix
	// Notes are what the scan could not read or check.
	Notes []string
	// Applied says, one line each, what the last Apply did.
	Applied []string
}

// Verdicts of an AttributionItem.
const (
	VerdictAttributed    = "attributed"
	VerdictNotAttributed = "not attributed"
	VerdictDoesNotCount  = "does not count"
	VerdictCannotTell    = "cannot tell"
)

// AttributionItem is one resource and who it is attributed to.
type AttributionItem struct {
	Product     string // "Canvas app", "Cloud flow", ...
	Name        string
	Environment string
	// AttributedTo is who the product's rule credits (owner, creator, publisher, importer).
	AttributedTo string
	// Verdict is one of the Verdict constants; Attributed is Verdict == VerdictAttributed.
	Verdict    string
	Attributed bool
	// Reason says why, in words.
	Reason string
}

// AttributionFix is one planned change.
type AttributionFix struct {
	// ID identifies the fix to Apply.
	ID   string
	Item AttributionItem
	// Action says what the fix does.
	Action string
	// Manual says palwiz cannot do it; Commands say how a person can.
	Manual   bool
	Commands []string
	// Blocked says why palwiz cannot apply it now.
	Blocked string
}

// Applicable reports whether Apply will carry the fix out.
func (f AttributionFix) Applicable() bool { return !f.Manual && f.Blocked == "" }
