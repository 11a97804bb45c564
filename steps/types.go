package steps

import (
	"errors"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
)

// The types and facts of the azure packages that the wizard (tui) needs,
// re-exported so that tui depends on steps alone (cmd → tui → steps → azure).

// Tenant is a directory the identity can reach.
type Tenant = arm.Tenant

// PartnerLink is a Partner Admin Link as Azure Resource Manager returns it.
type PartnerLink = arm.Link

// ServiceCallError is a failed call to a Microsoft service (Azure Resource
// Manager, Graph, Power Platform) with its code, status and request ID.
type ServiceCallError = rest.Error

// CodePartnerInvalid is ARM's code for a partner ID it does not recognise.
const CodePartnerInvalid = arm.CodePartnerInvalid

// Profile is the identity palwiz signed in with earlier.
type Profile = auth.Profile

// Identity is the identity a sign-in produced.
type Identity = auth.Identity

// DeviceCode is a pending device-code sign-in.
type DeviceCode = auth.DeviceCode

// SPCredential is a service principal's secret or certificate.
type SPCredential = auth.SPCredential

// IdentityKind says whether an identity is a user or a service principal.
type IdentityKind = auth.Kind

// The kinds of identity.
const (
	KindUser             = auth.KindUser
	KindServicePrincipal = auth.KindServicePrincipal
)

// AuthError is a sign-in failure explained: the reason, Entra's AADSTS
// code, the claims challenge, the message and the next step.
type AuthError = auth.Error

// AuthReason classifies an AuthError.
type AuthReason = auth.Reason

// The sign-in failures the wizard treats on their own.
const (
	ReasonBadSecret      = auth.ReasonBadSecret
	ReasonBadCertificate = auth.ReasonBadCertificate
	ReasonDeclined       = auth.ReasonDeclined
	ReasonMFARequired    = auth.ReasonMFARequired
	ReasonSecretNeeded   = auth.ReasonSecretNeeded
)

// NeedsSignIn reports whether err is fixed by signing in again (MFA, an
// expired session, Conditional Access, a directory that only allows browser
// sign-in), and returns the sign-in error with its claims challenge.
func NeedsSignIn(err error) (*AuthError, bool) {
	var ae *auth.Error
	if errors.As(err, &ae) && (ae.NeedsInteraction() || ae.Reason == auth.ReasonBlockedByCA || ae.Reason == auth.ReasonDeviceCodeBlocked) {
		return ae, true
	}
	return nil, false
}

// SignInReason is a few words on why a directory refused the identity's
// token ("needs MFA", "browser sign-in only"), or "" when err is no sign-in error.
func SignInReason(err error) string {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return ""
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
