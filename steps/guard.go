package steps

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
)

// Guard rails on identity and directory: a link made in the wrong directory,
// or with the wrong account, earns nothing. These are the domain's
// findings; the wizard asks before going on when Confirm is set, and the
// commands need --yes (or a flag) in scripts.

// WarningCode names a guard rail.
type WarningCode string

// Guard rails.
const (
	// WarnGuestHome: linking in the home directory of an account that is a
	// guest in other (customer) directories.
	WarnGuestHome WarningCode = "home-directory"
	// WarnPartnerDirectory: linking in what looks like the partner's own directory.
	WarnPartnerDirectory WarningCode = "partner-directory"
	// WarnKindMismatch: the signed-in account is not the kind of identity chosen.
	WarnKindMismatch WarningCode = "account-kind"
	// WarnLooksPersonal: a dedicated service account was chosen, and the
	// signed-in account looks like a person's.
	WarnLooksPersonal WarningCode = "looks-personal"
)

// Warning is a guard rail's finding.
type Warning struct {
	Code     WarningCode `json:"code"`
	Message  string      `json:"message"`
	NextStep string      `json:"nextStep,omitempty"`
	// Confirm says a person should confirm before palwiz goes on.
	Confirm bool `json:"confirm"`
}

func (w Warning) String() string {
	if w.NextStep == "" {
		return w.Message
	}
	return w.Message + " " + w.NextStep
}

// GuestElsewhere reports whether a user reaches directories other than its
// home one, where it can only be a guest.
func GuestElsewhere(who Who, reachable []arm.Tenant) bool {
	if who.Kind == auth.KindServicePrincipal || who.HomeTenant == "" {
		return false
	}
	for _, t := range reachable {
		if !strings.EqualFold(t.ID, who.HomeTenant) {
			return true
		}
	}
	return false
}

// LinkWarnings are the guard rails before linking who in target:
// its own home directory when it is a guest in customers' directories, or
// the partner's own directory (partnerName: the partner ID's name, when
// known). reachable are the directories who reaches.
func LinkWarnings(who Who, target arm.Tenant, reachable []arm.Tenant, partnerName string) []Warning {
	var out []Warning
	name := first(target.DisplayName, target.DefaultDomain, target.ID)
	if strings.EqualFold(target.ID, who.HomeTenant) && GuestElsewhere(who, reachable) {
		var others []string
		for _, t := range reachable {
			if !strings.EqualFold(t.ID, who.HomeTenant) {
				others = append(others, first(t.DisplayName, t.DefaultDomain, t.ID))
			}
		}
		out = append(out, Warning{Code: WarnGuestHome, Confirm: true,
			Message: fmt.Sprintf("%s is the home directory of %s, which is a guest in %s. PAL credit comes from the customer's directory, where the guest account has an object ID of its own: a link here earns nothing for that work.",
				name, first(who.UPN, who.DisplayName), strings.Join(others, ", ")),
			NextStep: "Switch to the customer's directory and link there."})
	}
	if partnerName != "" && samePartner(target.DisplayName, partnerName) {
		out = append(out, Warning{Code: WarnPartnerDirectory, Confirm: true,
			Message:  fmt.Sprintf("%s looks like your own organisation's directory (partner %s). PAL earns credit only for work in customers' directories.", name, partnerName),
			NextStep: "Link in the customer's directory instead."})
	}
	return out
}

// samePartner compares a directory's name with a partner's, ignoring case
// and a location in brackets ("Fabrikam Consulting (Seattle)").
func samePartner(tenantName, partnerName string) bool {
	norm := func(s string) string {
		if i := strings.Index(s, "("); i > 0 {
			s = s[:i]
		}
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	a, b := norm(tenantName), norm(partnerName)
	return a != "" && b != "" && (a == b || strings.HasPrefix(a, b+" ") || strings.HasPrefix(b, a+" "))
}

// KindWarnings compare the signed-in account with the identity chosen
// (an IdentityChoices key: "service-account", "service-principal", "user").
func KindWarnings(chosen string, who Who) []Warning {
	id := first(who.UPN, who.DisplayName, who.AppID)
	switch {
	case chosen == "service-principal" && who.Kind != auth.KindServicePrincipal:
		return []Warning{{Code: WarnKindMismatch, Confirm: true,
			Message:  fmt.Sprintf("You chose a service principal, but %s is a user account.", id),
			NextStep: "Sign in as the service principal (`palwiz login --service-principal`), or choose the kind of account you signed in with."}}
	case chosen != "service-principal" && chosen != "" && who.Kind == auth.KindServicePrincipal:
		return []Warning{{Code: WarnKindMismatch, Confirm: true,
			Message:  fmt.Sprintf("You chose a user account, but %s is a service principal.", id),
			NextStep: "Choose the service principal, or sign in with the user account."}}
	case chosen == "service-account" && (strings.EqualFold(who.UserType, "Guest") || who.HomeTenant != "" && !strings.EqualFold(who.HomeTenant, who.TenantID)):
		return []Warning{{Code: WarnKindMismatch, Confirm: true,
			Message:  fmt.Sprintf("You chose a dedicated service account, but %s is a guest here: a dedicated account is a member account the customer creates in its own directory.", id),
			NextStep: "Sign in with the account the customer created for your delivery, or choose a personal or guest account."}}
	case chosen == "service-account" && LooksPersonal(who):
		return []Warning{{Code: WarnLooksPersonal, Confirm: true,
			Message:  fmt.Sprintf("You chose a dedicated service account, but %s (%s) looks like a person's account.", id, who.DisplayName),
			NextStep: "If it is a maker's own account, sign in with the dedicated account instead: the credit follows the account that owns the work."}}
	}
	return nil
}

var personRE = regexp.MustCompile(`^([a-z]+)[._-]([a-z]+)$`)

// serviceWords mark an account as a service account by its name.
var serviceWords = []string{"svc", "service", "pal", "admin", "app", "automation", "integration", "delivery", "partner", "bot", "system", "sync"}

// LooksPersonal reports a user whose UPN is first.last and whose display
// name is the same two words: a heuristic, only ever a question to the user.
func LooksPersonal(who Who) bool {
	local, _, ok := strings.Cut(strings.ToLower(who.UPN), "@")
	if !ok || who.Kind == auth.KindServicePrincipal {
		return false
	}
	for _, w := range serviceWords {
		if strings.Contains(local, w) {
			return false
		}
	}
	m := personRE.FindStringSubmatch(local)
	if m == nil {
		return false
	}
	words := strings.Fields(strings.ToLower(who.DisplayName))
	return len(words) >= 2 && words[0] == m[1] && words[len(words)-1] == m[2]
}

// PreselectTenant is the directory a list should start on: the current one,
// except that the home directory of an account that is a guest elsewhere
// is never preselected (the first other directory is); "" when there is
// no directory to pick.
func PreselectTenant(who Who, reachable []arm.Tenant, current string) string {
	guest := GuestElsewhere(who, reachable)
	home := func(id string) bool { return guest && strings.EqualFold(id, who.HomeTenant) }
	for _, t := range reachable {
		if strings.EqualFold(t.ID, current) && !home(t.ID) {
			return t.ID
		}
	}
	for _, t := range reachable {
		if !home(t.ID) {
			return t.ID
		}
	}
	return ""
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
