package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/palwiz/palwiz/steps"
)

// explain splits an error into what failed and what to do next, in the
// user's terms. Next steps that name palwiz commands are left out: the
// wizard offers its own keys for them.
func explain(err error) (what, next string) {
	err = steps.Explain(err)
	var ae *steps.AuthError
	var se *steps.ServiceError
	var pe *steps.PartnerIDError
	switch {
	case errors.As(err, &ae):
		what = ae.Message
		if ae.Code != 0 {
			what += fmt.Sprintf(" (AADSTS%d)", ae.Code)
		}
		next = ae.NextStep
		switch ae.Reason {
		case steps.ReasonBadSecret:
			next = "Check that you entered the secret's value (not its ID) and that it has not expired"
		case steps.ReasonBadCertificate:
			next = "Check that the file holds the certificate registered for the application, with its private key"
		case steps.ReasonSecretNeeded:
			// The command line's next step names PALWIZ_CLIENT_SECRET; in
			// the wizard the way is a new sign-in with the secret.
			next = secretNeededNext
		}
	case errors.As(err, &se):
		what, next = se.Message, se.NextStep
		var svcErr *steps.ServiceCallError
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
	if r, size := utf8.DecodeRuneInString(what); size > 0 && !strings.HasPrefix(what, "palwiz ") {
		what = string(unicode.ToUpper(r)) + what[size:]
	}
	return strings.TrimSuffix(what, "."), strings.TrimSuffix(next, ".")
}

// secretNeededNext is the wizard's way forward when palwiz no longer has a
// service principal's secret.
const secretNeededNext = "Go back to Initiation and sign in as the service principal again, with its secret or certificate"

// signInAgainNext is the Attribution step's way forward when the check
// needs a new sign-in (expired, revoked, removed from the cache): the
// command line's next step names `palwiz login`, which the wizard leaves out.
const signInAgainNext = "Go back to Initiation and sign in again, then check again"

// explainIn is explain with the directories named as the user knows them:
// sign-in messages name a directory by its ID ("directory 4bae…").
func explainIn(err error, tenants []steps.Tenant) (what, next string) {
	what, next = explain(err)
	for _, t := range tenants {
		if t.DisplayName == "" {
			continue
		}
		for _, d := range []string{"directory ", "Directory "} {
			what = strings.ReplaceAll(what, d+t.ID, t.DisplayName)
			next = strings.ReplaceAll(next, d+t.ID, t.DisplayName)
		}
	}
	return what, next
}

// errorView renders an error as a red cross, what failed and what to do.
func errorView(st styles, err error, width int, tenants []steps.Tenant) string {
	what, next := explainIn(err, tenants)
	out := hang(st.bad.Render("✗ "), what+".", width)
	if next != "" {
		out += "\n" + hang("  ", next+".", width)
	}
	return out
}

// errorView is errorView with the directories the wizard has listed.
func (m *Model) errorView(err error, width int) string {
	return errorView(m.st, err, width, m.f.tenants)
}

// needsSignIn says the error is fixed by signing in again (MFA, expiry).
func needsSignIn(err error) (*steps.AuthError, bool) { return steps.NeedsSignIn(err) }

// shortReason is a few words for a directory that cannot be used now.
func shortReason(err error) string {
	if r := steps.SignInReason(err); r != "" {
		return r
	}
	what, _ := explain(err)
	return what
}
