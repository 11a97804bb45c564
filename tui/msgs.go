package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// Every result of outside work arrives as one of these messages. op is the
// number of the operation that asked for it: a screen ignores answers to
// operations it has since abandoned (went back, switched to the browser).

type sessionMsg struct{ profile *steps.Profile }

type deviceCodeMsg struct {
	op  int
	dc  *steps.DeviceCode
	err error
}

type browserURLMsg struct {
	op  int
	url string
}

type signedInMsg struct {
	op  int
	id  *steps.Identity
	err error
}

type whoMsg struct {
	op  int
	who steps.Who
	err error
}

type tenantsMsg struct {
	op      int
	tenants []steps.Tenant
	err     error
}

type probeMsg struct {
	op       int
	tenantID string
	err      error
}

type switchedMsg struct {
	op     int
	tenant steps.Tenant
	err    error
}

type linkReadMsg struct {
	op   int
	link *steps.PartnerLink
	err  error
}

type linkedMsg struct {
	op      int
	outcome steps.Outcome
	err     error
}

type validatedMsg struct {
	op   int
	link *steps.PartnerLink
	err  error
}

type signedOutMsg struct {
	op      int
	removed int
	err     error
}

type savedMsg struct {
	op   int
	path string
	err  error
}

type approvedMsg struct {
	op  int
	err error
}

type scannedMsg struct {
	op  int
	res *attribution.ScanResult
	err error
}

// appliedMsg is what an apply did, change by change.
type appliedMsg struct {
	op      int
	results []attribution.FixResult
	err     error
}

// scanProgressMsg is a progress line of a running scan or apply; next
// waits for the following one.
type scanProgressMsg struct {
	op     int
	status string
	next   tea.Cmd
}

// tickMsg is the once-a-second clock for countdowns.
type tickMsg time.Time
