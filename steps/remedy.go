package steps

import (
	"errors"

	"github.com/palwiz/palwiz/azure/auth"
)

// RemedyKind is what must happen before an operation can succeed, as a
// value: the commands and the wizard each put it in their own words, and
// neither tells a service principal to start a person's sign-in.
type RemedyKind string

// Remedies.
const (
	// RemedyNone: nothing palwiz can name; the error says what it knows.
	RemedyNone RemedyKind = ""
	// RemedySignIn: a person signs in (again) to Tenant, passing Claims on;
	// MFA says the directory demands multi-factor authentication.
	RemedySignIn RemedyKind = "sign-in"
	// RemedySignInBrowser: a person signs in with the browser, because the
	// directory blocks device code sign-in (Conditional Access).
	RemedySignInBrowser RemedyKind = "sign-in-browser"
	// RemedyServicePrincipal: the service principal signs in again with its
	// secret or certificate (a new one, if the old one was refused).
	RemedyServicePrincipal RemedyKind = "service-principal-sign-in"
	// RemedyFirstSignIn: nobody is signed in yet.
	RemedyFirstSignIn RemedyKind = "first-sign-in"
)

// Remedy is the way forward from an error.
type Remedy struct {
	Kind RemedyKind
	// Tenant is the directory to sign in to ("" = the account's home).
	Tenant string
	// Claims is the claims challenge to send with the sign-in.
	Claims string
	// ClientID is the service principal's application ID.
	ClientID string
	// MFA says the directory demands multi-factor authentication.
	MFA bool
}

// RemedyFor names the way forward from err for the signed-in profile p (nil
// when nobody is signed in). Errors a new sign-in cannot fix have RemedyNone.
func RemedyFor(err error, p *auth.Profile) Remedy {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return Remedy{}
	}
	sp := p != nil && p.Kind == auth.KindServicePrincipal
	switch {
	case ae.Reason == auth.ReasonNotSignedIn && p == nil:
		return Remedy{Kind: RemedyFirstSignIn, Tenant: ae.Tenant}
	case ae.NeedsInteraction() || ae.Reason == auth.ReasonSecretNeeded:
		if sp {
			return Remedy{Kind: RemedyServicePrincipal, Tenant: tenantOr(ae.Tenant, p.Tenant), ClientID: p.ClientID}
		}
		return Remedy{Kind: RemedySignIn, Tenant: ae.Tenant, Claims: ae.Claims, MFA: ae.Reason == auth.ReasonMFARequired}
	case (ae.Reason == auth.ReasonBlockedByCA || ae.Reason == auth.ReasonDeviceCodeBlocked) && !sp:
		return Remedy{Kind: RemedySignInBrowser, Tenant: ae.Tenant, Claims: ae.Claims}
	}
	return Remedy{}
}

func tenantOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
