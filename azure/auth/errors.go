package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// Reason is why a sign-in or token request failed, in terms a user can act on.
type Reason string

// Reasons.
const (
	ReasonNotSignedIn       Reason = "not-signed-in"
	ReasonMFARequired       Reason = "mfa-required"
	ReasonBlockedByCA       Reason = "blocked-by-conditional-access"
	ReasonSignInExpired     Reason = "sign-in-expired"
	ReasonCredentialsChange Reason = "credentials-changed"
	ReasonTokenProtection   Reason = "token-protection"
	ReasonDeviceCodeBlocked Reason = "device-code-not-allowed"
	ReasonConsentNeeded     Reason = "consent-needed"
	ReasonDeclined          Reason = "declined"
	ReasonCodeExpired       Reason = "device-code-expired"
	ReasonNotInTenant       Reason = "not-in-directory"
	ReasonDisabled          Reason = "account-disabled"
	ReasonUnknownTenant     Reason = "unknown-directory"
	ReasonUnknownClient     Reason = "unknown-application"
	ReasonBadSecret         Reason = "secret-refused"
	ReasonBadCertificate    Reason = "certificate-refused"
	ReasonAppDisabled       Reason = "application-disabled"
	ReasonSecretNeeded      Reason = "secret-needed"
	ReasonTokenRejected     Reason = "token-rejected"
	ReasonIdentityMismatch  Reason = "identity-mismatch"
	ReasonOther             Reason = "sign-in-failed"
)

// Error is a sign-in failure explained: what happened, and what to do next.
type Error struct {
	Reason Reason
	// Code is Entra's AADSTS number, when it gave one.
	Code int
	// Tenant is the directory the request was for, when known.
	Tenant string
	// Claims is the claims challenge to send with the next sign-in.
	Claims string
	// Detail is Entra's own description, shortened.
	Detail string
	// Message is the plain-words explanation; NextStep says what to do.
	Message, NextStep string
	Err               error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Code != 0 {
		msg += fmt.Sprintf(" (AADSTS%d)", e.Code)
	}
	if e.NextStep != "" {
		msg += ". " + e.NextStep
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// NeedsInteraction reports whether a new interactive sign-in can fix it.
func (e *Error) NeedsInteraction() bool {
	switch e.Reason {
	case ReasonNotSignedIn, ReasonMFARequired, ReasonSignInExpired, ReasonCredentialsChange, ReasonTokenRejected:
		return true
	}
	return false
}

// entraBody is Entra's JSON error.
type entraBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
	Claims      string `json:"claims"`
	Suberror    string `json:"suberror"`
}

// parseEntra pulls Entra's JSON error out of an MSAL error. For device-code
// polls MSAL has already read the body, so it is parsed from the message.
func parseEntra(err error) (entraBody, bool) {
	var b entraBody
	var ce msalerrors.CallErr
	if errors.As(err, &ce) && ce.Resp != nil && ce.Resp.Body != nil {
		if data, rerr := io.ReadAll(io.LimitReader(ce.Resp.Body, 1<<20)); rerr == nil && len(data) > 0 {
			if json.Unmarshal(data, &b) == nil && b.Error != "" {
				return b, true
			}
		}
	}
	msg := err.Error()
	if i := strings.Index(msg, "{"); i >= 0 {
		if json.Unmarshal([]byte(msg[i:]), &b) == nil && b.Error != "" {
			return b, true
		}
		dec := json.NewDecoder(strings.NewReader(msg[i:]))
		if dec.Decode(&b) == nil && b.Error != "" {
			return b, true
		}
	}
	// The browser flow's redirect carries only the description: "AADSTS65004: ...".
	if i := strings.Index(msg, "AADSTS"); i >= 0 {
		b = entraBody{Error: "interaction_required", Description: msg[i:]}
		if firstCode(b) != 0 {
			return b, true
		}
	}
	// "authorization_declined: description" (a 200 carrying an error)
	for _, e := range []string{"authorization_declined", "expired_token", "bad_verification_code", "authorization_pending", "access_denied"} {
		if strings.Contains(msg, e) {
			return entraBody{Error: e}, true
		}
	}
	return b, false
}

func firstCode(b entraBody) int {
	if len(b.Codes) > 0 {
		return b.Codes[0]
	}
	d := b.Description
	if strings.HasPrefix(d, "AADSTS") {
		end := len("AADSTS")
		for end < len(d) && d[end] >= '0' && d[end] <= '9' {
			end++
		}
		n, _ := strconv.Atoi(d[len("AADSTS"):end])
		return n
	}
	return 0
}

// shortDetail trims Entra's trace and correlation IDs from a description.
func shortDetail(d string) string {
	if i := strings.Index(d, " Trace ID:"); i > 0 {
		d = d[:i]
	}
	if i := strings.Index(d, "\r\n"); i > 0 {
		d = d[:i]
	}
	// The code is shown on its own; drop the "AADSTS700027: " prefix.
	if strings.HasPrefix(d, "AADSTS") {
		if i := strings.Index(d, ": "); i > 0 && i < 16 {
			d = d[i+2:]
		}
	}
	return strings.TrimSpace(d)
}

// explain turns an MSAL or transport error into an *Error. tenant names the
// directory for messages (a name or ID); flow is "device-code", "browser",
// "service-principal" or "silent".
func explain(err error, tenant, flow string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if se, ok := asServiceError(err); ok {
		return se
	}
	var se *ServiceError
	if errors.As(err, &se) {
		return err
	}
	where := "this directory"
	if tenant != "" && tenant != "organizations" {
		where = "directory " + tenant
	}
	if errors.Is(err, context.DeadlineExceeded) && flow == "device-code" {
		return &Error{Reason: ReasonCodeExpired, Tenant: tenant, Err: err,
			Message:  "The device code expired before the sign-in was completed",
			NextStep: "Run `palwiz login` again and enter the code on the sign-in page before it expires"}
	}
	b, ok := parseEntra(err)
	if !ok {
		return err
	}
	code := firstCode(b)
	e := &Error{Code: code, Tenant: tenant, Claims: b.Claims, Detail: shortDetail(b.Description), Err: err}
	describe(e, b, code, tenant, where, flow)
	return e
}

// describe sets the reason, message and next step of an Entra refusal.
func describe(e *Error, b entraBody, code int, tenant, where, flow string) {
	login := "`palwiz login`"
	if tenant != "" && tenant != "organizations" {
		login = "`palwiz login --tenant " + tenant + "`"
	}
	switch {
	case b.Error == "authorization_declined" || b.Error == "access_denied" || code == 65004:
		e.Reason, e.Message, e.NextStep = ReasonDeclined, "The sign-in was declined on the sign-in page", "Run `palwiz login` again and choose Continue to approve it"
	case b.Error == "expired_token":
		e.Reason, e.Message, e.NextStep = ReasonCodeExpired, "The device code expired before the sign-in was completed", "Run `palwiz login` again and enter the code on the sign-in page before it expires"
	case b.Error == "bad_verification_code":
		e.Reason, e.Message, e.NextStep = ReasonOther, "Entra ID did not recognise the device code", "Run `palwiz login` again"
	case code == 50076 || code == 50079:
		e.Reason, e.Message = ReasonMFARequired, where+" requires multi-factor authentication for this account"
		e.NextStep = "Sign in to it with MFA: " + login + " (or add --browser)"
	case code == 53003 && flow == "device-code":
		e.Reason, e.Message = ReasonDeviceCodeBlocked, "Conditional Access in "+where+" does not allow device code sign-in"
		e.NextStep = "Sign in with the browser instead: `palwiz login --browser`"
	case code == 53003:
		e.Reason, e.Message = ReasonBlockedByCA, "Conditional Access in "+where+" blocked this sign-in"
		e.NextStep = "Sign in from a device and network the customer's policies allow (try `palwiz login --browser`), or ask their administrator which policy applies"
	case code == 50005:
		e.Reason, e.Message = ReasonDeviceCodeBlocked, "The policies of "+where+" do not allow sign-in from this kind of device flow"
		e.NextStep = "Sign in with the browser instead: `palwiz login --browser`"
	case code == 700082 || code == 70043:
		e.Reason, e.Message, e.NextStep = ReasonSignInExpired, "Your sign-in has expired", "Sign in again: "+login
	case code == 50173:
		e.Reason, e.Message, e.NextStep = ReasonCredentialsChange, "Your password changed or your sessions were revoked since you signed in", "Sign in again: "+login
	case code == 530084:
		e.Reason, e.Message = ReasonTokenProtection, "A token-protection policy in "+where+" blocks this sign-in; signing in again from this device will not help"
		e.NextStep = "Use a device registered with the customer's directory, or ask their administrator to exempt this sign-in"
	case code == 65001:
		e.Reason, e.Message = ReasonConsentNeeded, "The application has not been granted consent in "+where
		e.NextStep = "Ask an administrator of that directory to grant consent to the app (or use --client-id with an app they approved)"
	case code == 50020:
		e.Reason, e.Message = ReasonNotInTenant, "This account has no user object in "+where
		e.NextStep = "Ask the customer's administrator to invite it, or sign in with the account they created for you"
	case code == 50057:
		e.Reason, e.Message, e.NextStep = ReasonDisabled, "This account is disabled", "Ask the directory's administrator to enable it, or sign in with another account"
	case code == 90002:
		e.Reason, e.Message, e.NextStep = ReasonUnknownTenant, "Entra ID has no directory "+tenant, "Check the tenant ID or domain; `palwiz tenants` lists the directories you can reach"
	case code == 700016:
		e.Reason, e.Message = ReasonUnknownClient, "The application is not registered in "+where
		e.NextStep = "Check --client-id and --tenant; a new service principal can take a minute to replicate"
	case code == 7000215:
		e.Reason, e.Message = ReasonBadSecret, "Entra ID refused the client secret"
		e.NextStep = "Pass the secret's value (not its ID) in PALWIZ_CLIENT_SECRET or on standard input; it may have expired"
	case code == 700027 || code == 700024:
		e.Reason, e.Message = ReasonBadCertificate, "Entra ID refused the certificate assertion: "+e.Detail
		e.NextStep = "Upload this certificate to the app registration, and check this computer's clock"
	case code == 7000112:
		e.Reason, e.Message, e.NextStep = ReasonAppDisabled, "The application is disabled in "+where, "Ask the directory's administrator to enable it"
	default:
		e.Reason, e.Message, e.NextStep = ReasonOther, "Sign-in failed: "+errOr(e.Detail, b.Error), "Try "+login+" again"
	}
}

func errOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ErrNotSignedIn is returned when no identity is signed in.
var ErrNotSignedIn = &Error{Reason: ReasonNotSignedIn, Message: "Not signed in",
	NextStep: "Run `palwiz login` first (a pipeline can set PALWIZ_CLIENT_ID, PALWIZ_TENANT and PALWIZ_CLIENT_SECRET or PALWIZ_CERTIFICATE instead)"}
