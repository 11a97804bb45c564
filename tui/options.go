package tui

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// Options configure a wizard run.
type Options struct {
	// Backend does the work (required): NewBackend over a steps.Env.
	Backend Backend
	// Attributor, when set, gives the Attribution step ownership results.
	Attributor Attributor
	// Demo is set by `palwiz demo`: the simulated cloud's sign-in page and
	// the demo-only approve key.
	Demo *Demo
	// Ephemeral says tokens live only in memory: signing out at the end is
	// then the default.
	Ephemeral bool
	// EnvIdentity, when set, describes the identity environment variables
	// named (PALWIZ_CLIENT_ID, PALWIZ_TENANT and a secret or certificate):
	// the Backend is signed in as it for this run only, and the wizard acts
	// as it and nobody else (no other sign-in is offered).
	EnvIdentity string
	// PartnerID pre-fills the partner ID.
	PartnerID string
	// NoColor removes colour (NO_COLOR set to anything).
	NoColor bool
	// In and Out are the terminal (default: standard input and output).
	In  io.Reader
	Out io.Writer
	// OpenURL opens the browser for browser sign-in (nil: only show the address).
	OpenURL func(url string) error
	// WorkDir is where a request for the customer's administrator is saved (default ".").
	WorkDir string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Width and Height fix the size (tests); 0 uses the terminal's.
	Width, Height int
}

// Demo wires `palwiz demo`: the simulated cloud's sign-in page and a key
// that approves the pending device code as a scenario account.
type Demo struct {
	// SignInPage is the simulator's device-code page (a loopback address).
	SignInPage string
	// ApproveAs is the account the demo key signs in (e.g. the dedicated
	// service account); when someone is already signed in, that account.
	ApproveAs string
	// PersonalAs is who the demo key signs in after the "Personal or guest
	// account" choice (a consultant with guest accounts).
	PersonalAs string
	// Approve approves the pending device code userCode as upn, with MFA.
	Approve func(ctx context.Context, userCode, upn string) error
	// ApproveBrowser signs upn in (with MFA) on the simulated sign-in page
	// at authorizeURL, the address a browser sign-in opens.
	ApproveBrowser func(ctx context.Context, authorizeURL, upn string) error
	// PartnerID is suggested on the Welcome screen.
	PartnerID string
	// ServicePrincipal pre-fills the service-principal form.
	ServicePrincipal *DemoSP
}

// DemoSP is the scenario's service principal for the demo form.
type DemoSP struct{ Tenant, ClientID, Secret string }

// Result is what the wizard did, for the summary printed after it ends.
type Result struct {
	// Completed says the user finished on the Done screen.
	Completed bool
	Who       *steps.Who
	Tenant    steps.Tenant
	Outcome   *steps.Outcome
	// Link is the link as Validation read it (nil: not linked or not read).
	Link      *steps.PartnerLink
	Validated bool
	// SignedOut says the tokens were wiped at the end; Removed counts keyring items.
	SignedOut bool
	Removed   int
	// Warnings are the warnings the wizard showed (a guest account, a link
	// moved from another partner, a link to another partner ID), once each.
	Warnings []string
	// Applied is the record of the last apply of attribution fixes (nil:
	// none): each change done, failed, not known or not started; Stopped
	// when the user stopped it (Run prints it after the screen is gone).
	Applied *attribution.ApplyRecord
	// Attribution is the summary of the last attribution check (nil: none
	// read anything); AttributionErr is why the last check read nothing.
	Attribution    *attribution.Summary
	AttributionErr string
}

// Partial reports whether the run's attribution check failed in part or
// in full: the wizard then exits 4, as the commands do.
func (r Result) Partial() bool {
	return r.AttributionErr != "" || r.Attribution != nil && !r.Attribution.Complete()
}

// ErrCancelled is returned when the user quits before the end (Ctrl-C, or q and yes).
var ErrCancelled = errors.New("wizard cancelled")
