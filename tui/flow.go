package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// This file is the wizard's one flow: what it has learnt, the decisions it
// takes and the words it says. The Bubble Tea screens and the accessible
// runner both call these functions and only render the answers, so the
// two cannot drift apart.

// facts is what the wizard has learnt so far. Each renderer keeps one and
// changes it only through the methods below.
type facts struct {
	partnerID  string
	profile    *steps.Profile
	choice     string // the identity option chosen (optServiceAccount, ...)
	signedInAs string // the person the last sign-in produced (home UPN)
	who        *steps.Who
	tenant     steps.Tenant
	tenants    []steps.Tenant
	outcome    *steps.Outcome
	final      *steps.PartnerLink
	validated  bool
	signedOut  bool
	removed    int
	completed  bool
	warnings   []string
	attr       attrFacts
	// kept is another partner's link the user chose to keep.
	kept *steps.PartnerLink
	// partnerNames are the partner names learnt from links, by ID.
	partnerNames map[string]string
	// backTo is where accepting the partner ID returns to.
	backTo step
	// kindWarnings say the signed-in account is not the kind chosen.
	kindWarnings []note
}

// result is what the wizard did, for the caller.
func (f *facts) result() Result {
	sum, failed := f.attr.outcome()
	return Result{Completed: f.completed, Who: f.who, Tenant: f.tenant, Outcome: f.outcome, Link: f.final,
		Validated: f.validated, SignedOut: f.signedOut, Removed: f.removed, Warnings: slices.Clone(f.warnings), Applied: f.attr.last,
		Attribution: sum, AttributionErr: failed}
}

// warn records a warning the user was shown (once).
func (f *facts) warn(w string) {
	if w != "" && !slices.Contains(f.warnings, w) {
		f.warnings = append(f.warnings, w)
	}
}

// noteKind says how a note is marked: ✓, ·, ! or ✗ on screen, and
// nothing, "Note:", "Warning:" or "Error:" in the accessible flow.
type noteKind int

const (
	noteOK noteKind = iota
	noteInfo
	noteWarn
	noteBad
)

// note is one line of something the wizard tells the user.
type note struct {
	kind noteKind
	text string
}

// record keeps the warnings among notes and returns the notes.
func (f *facts) record(ns ...note) []note {
	for _, n := range ns {
		if n.kind == noteWarn || n.kind == noteBad {
			f.warn(n.text)
		}
	}
	return ns
}

// --- Registration ---

// regPlan is what Registration found and will do.
type regPlan struct {
	action   steps.Action
	current  string // the current link, in words
	does     string // what palwiz will do
	warning  string // moving takes the credit from another partner
	question string // the question before linking or moving
	// guards are the guard rails on the directory (steps.LinkWarnings):
	// with any, palwiz asks before linking, and the answer is no by default.
	guards []note
	// yes and no answer the question; ask says a yes is needed before
	// writing (a move, or a guard rail), safe that yes is the default.
	yes, no   string
	ask, safe bool
}

// planLink decides what to do with the link read from the directory and
// records the warnings that go with it.
func (f *facts) planLink(cur *steps.PartnerLink) regPlan {
	f.learn(cur)
	dir := f.dirName()
	p := regPlan{action: steps.Decide(cur, f.partnerID), current: "none: not linked to any partner ID in " + dir, yes: "Link it", no: "Not now"}
	if cur != nil && cur.State != "Deleted" {
		p.current = partnerLabel(cur)
	}
	switch p.action {
	case steps.ActionLink:
		p.does = "link it to partner ID " + f.partnerID
		p.question, p.safe = "Link "+f.account()+" to partner ID "+f.partnerID+" now?", true
	case steps.ActionNone:
		p.does = "nothing to do: it is already linked to this partner ID"
		return p
	case steps.ActionMove:
		p.does = "move the link from " + partnerLabel(cur) + " to " + f.partnerID
		p.warning = "Moving the link takes the credit for this account's work away from " + partnerLabel(cur) +
			". Move it only if that partner no longer delivers here."
		p.question, p.yes, p.no, p.ask = "Move the link from "+partnerLabel(cur)+" to "+f.partnerID+"?", "Move it", "Keep it", true
		f.warn(p.warning)
	}
	if f.who != nil {
		for _, w := range steps.LinkWarnings(*f.who, f.tenant, f.tenants, f.partnerNames[f.partnerID]) {
			p.guards = append(p.guards, note{noteWarn, w.String()})
		}
	}
	if len(p.guards) > 0 {
		p.ask, p.safe = true, false
		f.record(p.guards...)
		if p.action == steps.ActionLink {
			p.question, p.yes, p.no = "Link "+f.account()+" in "+dir+" anyway?", "Link here anyway", "Not here"
		}
	}
	return p
}

// learn remembers the partner name of a link read, for the guard rail on
// the partner's own directory.
func (f *facts) learn(l *steps.PartnerLink) {
	if l == nil || l.PartnerName == "" {
		return
	}
	if f.partnerNames == nil {
		f.partnerNames = map[string]string{}
	}
	f.partnerNames[l.PartnerID] = l.PartnerName
}

// linked records what linking did.
func (f *facts) linked(o steps.Outcome) {
	f.learn(o.After)
	f.outcome, f.kept = &o, nil
	f.final, f.validated = nil, false
}

// keptLink is said when the user declines to move a link.
func keptLink(cur *steps.PartnerLink) string {
	return "The link stays with " + partnerLabel(cur) + "."
}

// keepConsequence says, before the user goes on with another partner's
// link, what that means.
func (f *facts) keepConsequence(cur *steps.PartnerLink) string {
	return "If you continue with it, what " + f.account() + " owns in " + f.dirName() + " earns credit for " +
		partnerLabel(cur) + ", not for " + f.partnerID + ". Attribution checks it all the same."
}

// keep records that the user keeps another partner's link and goes on
// (the consequence becomes a warning).
func (f *facts) keep(cur *steps.PartnerLink) {
	f.warn(f.keepConsequence(cur))
	f.kept, f.outcome, f.final, f.validated = cur, nil, nil, false
}

// declinedLink is said when the user does not link in a guarded directory.
const declinedLink = "Not linked here. Choose another directory, or change the partner ID."

// editPartnerID starts changing the partner ID from Registration: once it
// is accepted, the wizard comes back with the same sign-in and directory.
func (f *facts) editPartnerID() { f.backTo = stepRegistration }

// afterPartnerID is the step after the partner ID is accepted.
func (f *facts) afterPartnerID() step {
	back := f.backTo
	f.backTo = stepWelcome
	if back == stepRegistration && f.who != nil {
		return stepRegistration
	}
	return stepInitiation
}

// partnerLabel is a link's partner as the portal names it.
func partnerLabel(l *steps.PartnerLink) string {
	if l == nil {
		return ""
	}
	if l.PartnerName != "" {
		return l.PartnerName + " (" + l.PartnerID + ")"
	}
	return l.PartnerID
}

// linkRows are a link's label/value pairs as the Azure portal shows them;
// a link moved from another partner says since when, and when it was
// first made.
func (f *facts) linkRows(l *steps.PartnerLink) []string {
	day := func(t time.Time) string { return t.UTC().Format("2 January 2006") }
	label, since := "Linked since", ""
	switch {
	case moved(l):
		label, since = "Linked", "to "+cmpOr(l.PartnerName, l.PartnerID)+" since "+day(l.UpdatedTime)+" (first linked "+day(l.CreatedTime)+")"
	case !l.CreatedTime.IsZero():
		since = day(l.CreatedTime)
	}
	return []string{"Partner name", l.PartnerName, "Partner ID", l.PartnerID, "Account", f.account(),
		"Object ID", l.ObjectID, "Directory", join(" · ", f.tenant.DisplayName, cmpOr(l.TenantID, f.tenant.ID)), label, since}
}

// moved reports whether a link was changed after it was made (a move).
func moved(l *steps.PartnerLink) bool {
	return !l.CreatedTime.IsZero() && !l.UpdatedTime.IsZero() && l.UpdatedTime.Sub(l.CreatedTime) > time.Minute
}

// recoveredNote is said when a failed write had landed after all.
const recoveredNote = "The write reported an error, but reading the link back showed it had been made."

// --- Validation ---

// validated records the link as read again and returns what to say: the
// verdict and, when the link is another partner's, a warning.
func (f *facts) validate(l *steps.PartnerLink) []note {
	f.learn(l)
	f.validated = true
	f.final = l
	if l == nil || l.State == "Deleted" {
		f.final = nil
		return []note{{noteBad, "Not linked: this account earns no partner credit in " + f.dirName() + ". Go back to Registration to link it."}}
	}
	ns := []note{{noteOK, "Linked to " + partnerLabel(l) + "."}}
	if f.partnerID != "" && l.PartnerID != f.partnerID {
		ns = append(ns, f.record(note{noteWarn, "This is not the partner ID you chose (" + f.partnerID + "). Go back to Registration to move the link."})...)
	}
	return ns
}

// portalNote says where else the link can be checked.
const portalNote = "The Azure portal shows the same under \"Link to a partner ID\"; so does Get-AzManagementPartner."

// --- Done ---

// doneNotes sum up what the wizard did.
func (f *facts) doneNotes() []note {
	var ns []note
	if f.who != nil {
		ns = append(ns, note{noteOK, "Signed in as " + whoName(*f.who) + " in " + f.dirName()})
	}
	if o := f.outcome; o != nil {
		k := noteOK
		if o.Action == steps.ActionNone {
			k = noteInfo
		}
		ns = append(ns, note{k, o.Summary()})
	}
	if f.kept != nil {
		ns = append(ns, note{noteWarn, "Kept the link to " + partnerLabel(f.kept) + " (not " + f.partnerID + ")"})
	}
	switch {
	case f.validated && f.final != nil:
		ns = append(ns, note{noteOK, "Validated: linked to " + partnerLabel(f.final)})
	case f.validated:
		ns = append(ns, note{noteBad, "Validated: not linked"})
	}
	return ns
}

// nextSteps are what to do after the wizard, one paragraph each.
func nextSteps() []string { return reflow(helpText("nextsteps")) }

// signOutLabel is the sign-out choice on Done.
const signOutLabel = "Sign out and wipe palwiz's tokens from this computer"

// signedOut records the sign-out at the end.
func (f *facts) signedOutOK(removed int) {
	f.signedOut, f.removed = true, removed
}

// --- Quitting ---

// quitReason says what quitting at step s would lose ("" = nothing).
func (f *facts) quitReason(s step, busy bool) string {
	switch {
	case s == stepWelcome || s == stepDone:
		return ""
	case busy:
		return "palwiz is still working on this step; quitting stops it."
	case f.outcome == nil && f.who != nil:
		return "You are signed in, but the partner link is not made yet."
	case f.outcome != nil && !f.validated:
		return "The link is made, but Validation has not read it back yet."
	case f.who == nil:
		return "You have not signed in yet; the partner link is not made."
	}
	return "You have not finished the wizard."
}

// quitEphemeral is added to the quit question when tokens live in memory.
const quitEphemeral = "Your sign-in is kept only in memory and ends with palwiz."

// Summary says in a line or two what the wizard did, for after it ends;
// both renderers end with it. persistent says tokens were kept in the
// keyring (a sign-out then removed items).
func Summary(r Result, persistent bool) string {
	who := "the account"
	if r.Who != nil {
		who = cmpOr(r.Who.UPN, r.Who.DisplayName)
	}
	var lines []string
	// A check that failed says so first, with what was not checked and why.
	switch {
	case r.AttributionErr != "":
		lines = append(lines, "Attribution not checked: "+strings.TrimRight(r.AttributionErr, ". ")+".")
	case r.Attribution != nil:
		for _, f := range r.Attribution.NotChecked {
			lines = append(lines, attribution.NotCheckedLine(f))
		}
	}
	switch {
	case r.Validated && r.Link != nil:
		lines = append(lines, fmt.Sprintf("%s is linked to partner %s (%s) in %s.", who, r.Link.PartnerName, r.Link.PartnerID, r.Tenant.DisplayName))
	case r.Validated:
		lines = append(lines, fmt.Sprintf("%s is not linked to a partner ID in %s.", who, r.Tenant.DisplayName))
	case r.Outcome != nil:
		lines = append(lines, r.Outcome.Summary()+".")
	}
	if r.Attribution != nil {
		lines = append(lines, "Attribution: "+r.Attribution.Headline())
	}
	switch {
	case r.SignedOut && persistent:
		lines = append(lines, fmt.Sprintf("Signed out; removed %d keyring item%s.", r.Removed, plural(r.Removed)))
	case r.SignedOut:
		lines = append(lines, "Signed out; the tokens were only in memory and are gone.")
	}
	return strings.Join(lines, "\n")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cmpOr is the first non-empty string.
func cmpOr(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
