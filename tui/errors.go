package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// explain splits an error into what failed and what to do next, in the
// user's terms. Next steps that name palwiz commands are left out: the
// wizard offers its own keys for them.
func explain(err error) (what, next string) {
	err = steps.Explain(err)
	var ae *auth.Error
	var se *steps.ServiceError
	var pe *steps.PartnerIDError
	switch {
	case errors.As(err, &ae):
		what = ae.Message
		if ae.Code != 0 {
			what += fmt.Sprintf(" (AADSTS%d)", ae.Code)
		}
		next = ae.NextStep
		if ae.Reason == auth.ReasonBadSecret {
			next = "Check that you entered the secret's value (not its ID) and that it has not expired"
		}
	case errors.As(err, &se):
		what, next = se.Message, se.NextStep
		var svcErr *rest.Error
		if errors.As(se.Err, &svcErr) && svcErr.Detail() != "" {
			what += " [" + svcErr.Detail() + "]"
		}
	case errors.As(err, &pe):
		what = pe.Error()
	case errors.Is(err, context.DeadlineExceeded):
		what = "The service did not answer in time"
		next = "Check your network or proxy and try again"
	default:
		what = err.Error()
	}
	if strings.Contains(next, "`palwiz") || strings.Contains(next, "PALWIZ_") {
		next = ""
	}
	// In the wizard a key retries, not a command line.
	for _, r := range [][2]string{{"Run the command again", "Try again"}, {"run the command again", "try again"}} {
		next = strings.ReplaceAll(next, r[0], r[1])
	}
	if r, size := utf8.DecodeRuneInString(what); size > 0 {
		what = string(unicode.ToUpper(r)) + what[size:]
	}
	return strings.TrimSuffix(what, "."), strings.TrimSuffix(next, ".")
}

// errorView renders an error as a red cross, what failed and what to do.
func errorView(st styles, err error, width int) string {
	return errorViewNamed(st, err, width, nil)
}

// errorView is errorView with directories named as the user knows them.
func (m *Model) errorView(err error, width int) string {
	return errorViewNamed(m.st, err, width, m.directory.tenants)
}

// errorViewNamed renders an error, replacing the tenant IDs in sign-in
// messages ("directory 4bae…") with the directories' names.
func errorViewNamed(st styles, err error, width int, tenants []arm.Tenant) string {
	what, next := explain(err)
	for _, t := range tenants {
		if t.DisplayName == "" {
			continue
		}
		for _, d := range []string{"directory ", "Directory "} {
			what = strings.ReplaceAll(what, d+t.ID, t.DisplayName)
			next = strings.ReplaceAll(next, d+t.ID, t.DisplayName)
		}
	}
	out := hang(st.bad.Render("✗ "), what+".", width)
	if next != "" {
		out += "\n" + hang("  ", next+".", width)
	}
	return out
}

// needsSignIn says the error is fixed by signing in again (MFA, expiry),
// and returns the sign-in error with its claims challenge.
func needsSignIn(err error) (*auth.Error, bool) {
	var ae *auth.Error
	if errors.As(err, &ae) && (ae.NeedsInteraction() || ae.Reason == auth.ReasonBlockedByCA || ae.Reason == auth.ReasonDeviceCodeBlocked) {
		return ae, true
	}
	return nil, false
}

// shortReason is a few words for a directory that needs a new sign-in.
func shortReason(err error) string {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		what, _ := explain(err)
		return what
	}
	switch ae.Reason {
	case auth.ReasonMFARequired:
		return "needs MFA"
	case auth.ReasonBlockedByCA:
		return "blocked by Conditional Access"
	case auth.ReasonDeviceCodeBlocked:
		return "browser sign-in only"
	case auth.ReasonSignInExpired, auth.ReasonCredentialsChange, auth.ReasonTokenRejected:
		return "sign-in expired"
	case auth.ReasonNotSignedIn:
		return "not signed in there"
	case auth.ReasonNotInTenant:
		return "no account there"
	case auth.ReasonDisabled:
		return "account disabled there"
	case auth.ReasonConsentNeeded:
		return "needs admin consent"
	}
	return strings.ToLower(ae.Message)
}
