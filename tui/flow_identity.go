package tui

import (
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/steps"
)

// The one flow's decisions and words for Welcome, Initiation and
// Directory (flow.go has the rest).

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
// customer for an account. When environment variables named the identity
// (env describes it), continuing as it is the only way: palwiz acts as the
// identity named and never silently as another.
func identityOptions(p *steps.Profile, env string) []identityOption {
	if env != "" && p != nil {
		return []identityOption{{key: optContinue, choice: steps.Choice{
			Title: "Continue as " + profileName(p),
			Summary: "Named by the environment: " + env + ". palwiz acts as it for this run only, stores nothing, and uses no earlier sign-in. " +
				"To deliver with another account, end palwiz and unset PALWIZ_CLIENT_ID."}}}
	}
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
	f.kindWarnings = nil
	for _, kw := range steps.KindWarnings(chosenKind(f.choice), w) {
		f.kindWarnings = append(f.kindWarnings, note{noteWarn, kw.String()})
	}
	return f.record(append(ns, f.kindWarnings...)...)
}

// chosenKind is the identity choice as steps.KindWarnings takes it ("":
// nothing chosen to compare with, as for "continue as").
func chosenKind(choice string) string {
	switch choice {
	case optServiceAccount, optServicePrincipal, optPersonal:
		return choice
	}
	return ""
}

// kindQuestion asks before going on with an account that is not the kind
// chosen ("": nothing to ask).
func (f *facts) kindQuestion() string {
	if len(f.kindWarnings) == 0 {
		return ""
	}
	return "Continue as " + f.account() + " anyway?"
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

// preselect is the directory the list starts on: the current one, never
// the home directory of an account that is a guest elsewhere.
func (f *facts) preselect() string {
	if f.who == nil {
		return f.tenant.ID
	}
	return cmpOr(steps.PreselectTenant(*f.who, f.tenants, f.tenant.ID), f.tenant.ID)
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
