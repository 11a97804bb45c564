package tui

import "context"

// Attributor checks which account each resource that earns credit is
// attributed to, and carries out a fix plan. The Attribution step shows its
// results when one is configured; without one it teaches the rules.
type Attributor interface {
	// Scan reads the production environments of the directory.
	Scan(ctx context.Context, tenantID string) (AttributionReport, error)
	// Apply carries out fixes from the report's plan and reports again.
	Apply(ctx context.Context, tenantID string, fixes []AttributionFix) (AttributionReport, error)
}

// AttributionReport is what a scan found.
type AttributionReport struct {
	Items []AttributionItem
	// Plan is what can be fixed, in order; empty when everything is attributed.
	Plan []AttributionFix
	// Notes are things the scan could not check (no access, unsupported products).
	Notes []string
}

// AttributionItem is one resource and who it is attributed to.
type AttributionItem struct {
	Product     string // "Power Apps (canvas)", "Power Automate", ...
	Name        string
	Environment string
	// AttributedTo is the account the product's rule credits (owner, creator, publisher).
	AttributedTo string
	// Attributed says it is the linked account.
	Attributed bool
}

// AttributionFix is one planned change.
type AttributionFix struct {
	Item AttributionItem
	// Action says what the fix does, e.g. "make pal-service the owner".
	Action string
	// Manual says palwiz cannot do it and Action says how (e.g. re-import the solution).
	Manual bool
}
