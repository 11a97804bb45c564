package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palwiz/palwiz/steps"
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
}

// result is what the wizard did, for the caller.
func (f *facts) result() Result {
	return Result{Completed: f.completed, Who: f.who, Tenant: f.tenant, Outcome: f.outcome, Link: f.final,
		Validated: f.validated, SignedOut: f.signedOut, Removed: f.removed, Warnings: slices.Clone(f.warnings)}
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

// --- Welcome: the partner ID ---

// checkPartnerID says what the partner ID as typed is: an error, a
// warning (not 7 digits) or fine. Flags use the same rule (steps.ValidatePartnerID);
// only the wording of an empty answer is the wizard's.
func checkPartnerID(in string) (id string, n note, err error) {
	id, warning, err := steps.ValidatePartnerID(in)
	switch {
	case err != nil && strings.TrimSpace(in) == "":
		return "", note{}, fmt.Errorf("type your Partner Location ID: %w", steps.ErrPartnerIDEmpty)
	case err != nil:
		return "", note{}, err
	case warning != "":
		return id, note{noteWarn, warning}, nil
	}
	return id, note{noteOK, id + " has the shape of a Partner Location ID."}, nil
}

// partnerIDHint is what the wizard says before anything is typed.
const partnerIDHint = "In Partner Center: Account settings > Identifiers, the Associated Partner ID."

// errorText is an error as one sentence starting with a capital.
func errorText(err error) string {
	what, _ := explain(err)
	return what + "."
}

// acceptPartnerID records the partner ID the user chose.
func (f *facts) acceptPartnerID(in string) error {
	id, n, err := checkPartnerID(in)
	if err != nil {
		return err
	}
	if id != f.partnerID {
		f.outcome, f.final, f.validated = nil, nil, false
	}
	f.partnerID = id
	if n.kind == noteWarn {
		f.warn(n.text)
	}
	return nil
}

// --- Initiation: the identity ---

// The identity options beyond steps.IdentityChoices.
const (
	optContinue         = "continue"
	optRequest          = "request"
	optServiceAccount   = "service-account"
	optServicePrincipal = "service-principal"
	optPersonal         = "user"
)

// identityOption is one answer to "which account will you deliver with?".
type identityOption struct {
	key    string
	choice steps.Choice
}

// label is the option as a list shows it.
func (o identityOption) label() string {
	if o.choice.Recommended {
		return o.choice.Title + " (recommended)"
	}
	return o.choice.Title
}

// identityOptions are the ways to sign in: continuing as the identity
// signed in before (when there is one), the three kinds, or asking the
// customer for an account.
func identityOptions(p *steps.Profile) []identityOption {
	var opts []identityOption
	if p != nil {
		opts = append(opts, identityOption{key: optContinue, choice: steps.Choice{
			Title:   "Continue as " + profileName(p),
			Summary: "The identity palwiz signed in with before; its tokens are still valid or can be refreshed."}})
	}
	for _, c := range steps.IdentityChoices {
		opts = append(opts, identityOption{key: c.Key, choice: c})
	}
	return append(opts, identityOption{key: optRequest, choice: steps.Choice{
		Title:   "No account yet: ask the customer for one",
		Summary: "palwiz writes the request for the customer's administrator: which dedicated account to create, the access it needs, and why."}})
}

// signInTitle names who signs in for the chosen option.
func signInTitle(choice string) string {
	switch choice {
	case optServiceAccount:
		return "Sign in as the dedicated service account"
	case optPersonal:
		return "Sign in with your own or guest account"
	}
	return "Sign in to the customer's directory"
}

// setWho records the identity the directory knows and forgets what
// depended on an earlier one; it returns what to tell the user about it.
func (f *facts) setWho(w steps.Who) []note {
	if f.who == nil || f.who.ObjectID != w.ObjectID || f.who.TenantID != w.TenantID {
		f.outcome, f.final, f.validated = nil, nil, false
	}
	f.who = &w
	f.tenant = steps.Tenant{ID: w.TenantID, DisplayName: w.TenantName, DefaultDomain: w.TenantDomain}
	if t, ok := steps.FindTenant(f.tenants, w.TenantID); ok {
		f.tenant = t
	}
	var ns []note
	for _, warn := range w.Warnings {
		ns = append(ns, note{noteWarn, warn})
	}
	if w.Foreign {
		ns = append(ns, note{noteBad, "PAL cannot link this sign-in. Sign in with an account of the customer's directory."})
	}
	if f.choice == optPersonal {
		ns = append(ns, note{noteInfo, "A personal or guest account has to be linked by every consultant, in every customer directory; keep track of who is linked where."})
	}
	return f.record(ns...)
}

// whoKind is the kind of identity in words.
func whoKind(w steps.Who) string {
	switch {
	case w.Kind == steps.KindServicePrincipal:
		return "service principal"
	case strings.EqualFold(w.UserType, "Guest"):
		return "guest user"
	case strings.EqualFold(w.UserType, "Member"):
		return "member user"
	}
	return "user"
}

// whoRows are the identity card's label/value pairs.
func whoRows(w steps.Who) []string {
	dir := join(" · ", w.TenantName, w.TenantDomain)
	if dir == "" {
		dir = w.TenantID
	}
	tokens := "in the OS keyring"
	if !w.TokensInStore {
		tokens = "in memory only, for this run"
	}
	appID := ""
	if w.Kind == steps.KindServicePrincipal {
		appID = w.AppID
	}
	return []string{"Name", w.DisplayName, "Sign-in name", w.UPN, "Application ID", appID, "Kind", whoKind(w),
		"Object ID", w.ObjectID, "Directory", dir, "Tokens", tokens}
}

// whoName is the identity's sign-in name, or its display name.
func whoName(w steps.Who) string {
	switch {
	case w.Kind == steps.KindServicePrincipal && w.DisplayName != "":
		return "service principal " + w.DisplayName
	case w.Kind == steps.KindServicePrincipal:
		return "service principal " + w.AppID
	case strings.Contains(w.UPN, "#EXT#") && w.DisplayName != "":
		// A guest's UPN in another directory is a mangled address: name it instead.
		return w.DisplayName + " (guest)"
	case w.UPN != "":
		return w.UPN
	}
	return w.DisplayName
}

// account is the signed-in identity's name, or "this account".
func (f *facts) account() string {
	if f.who == nil {
		return "this account"
	}
	return whoName(*f.who)
}

// dirName is the directory in use, by name when known.
func (f *facts) dirName() string {
	return cmpOr(f.tenant.DisplayName, f.tenant.ID)
}

func profileName(p *steps.Profile) string {
	if p.Kind == steps.KindServicePrincipal {
		return "service principal " + p.ClientID
	}
	return cmpOr(p.Username, p.DisplayName)
}

// demoAccount is who the demo key signs in: the person signed in already
// (a new sign-in for another directory), or the one the choice implies.
func (f *facts) demoAccount(d *Demo) string {
	switch {
	case f.signedInAs != "":
		return f.signedInAs
	case f.profile != nil && f.profile.Kind == steps.KindUser && f.profile.Username != "":
		return f.profile.Username
	case f.choice == optPersonal && d.PersonalAs != "":
		return d.PersonalAs
	}
	return d.ApproveAs
}

// signInAddress is where a device code is entered: the demo's own page in
// the demo, Entra ID's otherwise.
func signInAddress(dc *steps.DeviceCode, d *Demo) string {
	if d != nil && d.SignInPage != "" {
		return d.SignInPage
	}
	return dc.VerificationURL
}

// --- Directory ---

// tenantStatus is a directory's state in the list, with its mark.
func tenantStatus(t steps.Tenant, current string, probed bool, probeErr error) (string, noteKind) {
	switch {
	case strings.EqualFold(t.ID, current):
		return "current", noteOK
	case !probed:
		return "", noteInfo
	case probeErr == nil:
		return "ready", noteInfo
	}
	if _, ok := steps.NeedsSignIn(probeErr); ok {
		return "sign-in needed: " + shortReason(probeErr), noteWarn
	}
	return "error: " + shortReason(probeErr), noteBad
}

// switched records the directory the identity now works in.
func (f *facts) switched(t steps.Tenant, w steps.Who) []note {
	ns := f.setWho(w)
	f.tenant = t
	msg := fmt.Sprintf("Now working in %s: palwiz got a token for it.", t.DisplayName)
	if strings.EqualFold(w.UserType, "Guest") {
		msg += " You are a guest there."
	}
	return append([]note{{noteOK, msg}}, ns...)
}

// reauthText says why a directory needs a new sign-in and the way through.
func reauthText(t steps.Tenant) string {
	return "palwiz can sign you in again for " + t.DisplayName + ", answering its challenge (MFA where it asks for it). " +
		"A device code works on any device; the browser works where device code sign-in is blocked."
}

// --- Registration ---

// regPlan is what Registration found and will do.
type regPlan struct {
	action   steps.Action
	current  string // the current link, in words
	does     string // what palwiz will do
	warning  string // moving takes the credit from another partner
	question string // the question before linking or moving
}

// planLink decides what to do with the link read from the directory and
// records the warning that goes with it.
func (f *facts) planLink(cur *steps.PartnerLink) regPlan {
	dir := f.dirName()
	p := regPlan{action: steps.Decide(cur, f.partnerID), current: "none: not linked to any partner ID in " + dir}
	if cur != nil && cur.State != "Deleted" {
		p.current = partnerLabel(cur)
	}
	switch p.action {
	case steps.ActionLink:
		p.does = "link it to partner ID " + f.partnerID
		p.question = "Link " + f.account() + " to partner ID " + f.partnerID + " now?"
	case steps.ActionNone:
		p.does = "nothing to do: it is already linked to this partner ID"
	case steps.ActionMove:
		p.does = "move the link from " + partnerLabel(cur) + " to " + f.partnerID
		p.warning = "Moving the link takes the credit for this account's work away from " + partnerLabel(cur) +
			". Move it only if that partner no longer delivers here."
		p.question = "Move the link from " + partnerLabel(cur) + " to " + f.partnerID + "?"
		f.warn(p.warning)
	}
	return p
}

// linked records what linking did.
func (f *facts) linked(o steps.Outcome) {
	f.outcome = &o
	f.final, f.validated = nil, false
}

// keptLink is said when the user declines to move a link.
func keptLink(cur *steps.PartnerLink) string {
	return "The link stays with " + partnerLabel(cur) + ". Change the partner ID, choose another directory, or move it after all."
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

// linkRows are a link's label/value pairs as the Azure portal shows them.
func (f *facts) linkRows(l *steps.PartnerLink) []string {
	since := ""
	if !l.CreatedTime.IsZero() {
		since = l.CreatedTime.UTC().Format("2 January 2006")
	}
	return []string{"Partner name", l.PartnerName, "Partner ID", l.PartnerID, "Account", f.account(),
		"Object ID", l.ObjectID, "Directory", join(" · ", f.tenant.DisplayName, cmpOr(l.TenantID, f.tenant.ID)), "Linked since", since}
}

// recoveredNote is said when a failed write had landed after all.
const recoveredNote = "The write reported an error, but reading the link back showed it had been made."

// --- Validation ---

// validated records the link as read again and returns what to say: the
// verdict and, when the link is another partner's, a warning.
func (f *facts) validate(l *steps.PartnerLink) []note {
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
	switch {
	case r.Validated && r.Link != nil:
		lines = append(lines, fmt.Sprintf("%s is linked to partner %s (%s) in %s.", who, r.Link.PartnerName, r.Link.PartnerID, r.Tenant.DisplayName))
	case r.Validated:
		lines = append(lines, fmt.Sprintf("%s is not linked to a partner ID in %s.", who, r.Tenant.DisplayName))
	case r.Outcome != nil:
		lines = append(lines, r.Outcome.Summary()+".")
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
