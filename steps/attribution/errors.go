package attribution

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// Cause is why a part of the check failed, as a value: the wizard and the
// commands each word it, and a missing secret is never called an expired
// token.
type Cause string

// Causes.
const (
	// CauseMissingSecret: signed in as a service principal whose secret
	// palwiz does not have (it keeps secrets for one run, never on disk).
	CauseMissingSecret Cause = "missing-secret"
	// CauseCredentialRefused: Entra ID refused the service principal's secret or certificate.
	CauseCredentialRefused Cause = "credential-refused"
	// CauseSignInExpired: the sign-in has run out; a new sign-in fixes it.
	CauseSignInExpired Cause = "sign-in-expired"
	// CauseSignInNeeded: MFA, Conditional Access or consent asks for a new sign-in.
	CauseSignInNeeded Cause = "sign-in-needed"
	// CauseTokenRejected: a service refused a token palwiz had (HTTP 401).
	CauseTokenRejected Cause = "token-rejected"
	// CauseNoAdminRole: the identity is not a Power Platform administrator (HTTP 403).
	CauseNoAdminRole Cause = "no-admin-role"
	// CauseNotEnvironmentUser: the identity is not a user of the environment's Dataverse (HTTP 403).
	CauseNotEnvironmentUser Cause = "not-environment-user"
	// CauseNoWorkspaceAccess: the identity is not a member of the Power BI workspace.
	CauseNoWorkspaceAccess Cause = "no-workspace-access"
	// CauseKeyRefused: the Customer Insights API refused the subscription key.
	CauseKeyRefused Cause = "key-refused"
	// CauseThrottled: the service kept answering 429 until the retries ran out.
	CauseThrottled Cause = "throttled"
	// CauseServerError: the service failed (HTTP 5xx).
	CauseServerError Cause = "server-error"
	// CauseNetwork: no answer (network, proxy, DNS, time-out).
	CauseNetwork Cause = "network"
	// CauseOther: anything else, with the service's own words.
	CauseOther Cause = "other"
)

// explained is a failure in the user's words.
type explained struct {
	cause             Cause
	message, nextStep string
	err               error // what the caller returns: *auth.Error for sign-in, else *steps.ServiceError
}

// explainFailure says why err happened and what to do, for an identity of
// kind (a service principal is never told to start a person's sign-in).
func explainFailure(err error, kind auth.Kind) explained {
	sp := kind == auth.KindServicePrincipal
	var ae *auth.Error
	if errors.As(err, &ae) {
		return explainSignIn(ae, sp)
	}
	var re *rest.Error
	if !errors.As(err, &re) {
		e := steps.Explain(err)
		var se *steps.ServiceError
		if errors.As(e, &se) {
			return explained{cause: CauseNetwork, message: se.Message, nextStep: se.NextStep, err: e}
		}
		return explained{cause: CauseOther, message: e.Error(), err: e}
	}
	x := explainStatus(re, sp)
	x.err = &steps.ServiceError{Message: x.message, NextStep: x.nextStep, Err: err}
	if x.cause == CauseTokenRejected {
		x.err = &auth.Error{Reason: auth.ReasonTokenRejected, Message: x.message, NextStep: x.nextStep, Err: err}
	}
	return x
}

func explainSignIn(ae *auth.Error, sp bool) explained {
	x := explained{message: ae.Message, nextStep: ae.NextStep}
	again := "Sign in again with `palwiz login`"
	if sp {
		again = "Run `palwiz login --service-principal` again with its secret or certificate"
	}
	switch ae.Reason {
	case auth.ReasonSecretNeeded:
		x.cause = CauseMissingSecret
		x.message = "palwiz does not have this service principal's secret: it keeps a secret for one run only and never stores it"
		x.nextStep = "Set PALWIZ_CLIENT_SECRET (or pipe the secret on standard input, or use a certificate) and run the command again"
	case auth.ReasonBadSecret, auth.ReasonBadCertificate:
		x.cause = CauseCredentialRefused
	case auth.ReasonSignInExpired, auth.ReasonNotSignedIn:
		x.cause = CauseSignInExpired
		x.nextStep = first(ae.NextStep, again)
	case auth.ReasonTokenRejected:
		x.cause = CauseTokenRejected
		x.nextStep = again
	case auth.ReasonMFARequired, auth.ReasonBlockedByCA, auth.ReasonCredentialsChange, auth.ReasonConsentNeeded, auth.ReasonTokenProtection:
		x.cause = CauseSignInNeeded
	default:
		x.cause = CauseOther
	}
	cp := *ae
	cp.Message, cp.NextStep, cp.Err = x.message, x.nextStep, ae
	x.err = &cp
	return x
}

// powerBIAPISetting is where a Fabric administrator opens the Power BI
// APIs to service principals.
const powerBIAPISetting = "Fabric admin portal > Tenant settings > Developer settings > Service principals can use Fabric APIs"

func explainStatus(re *rest.Error, sp bool) explained {
	// The code, status and request ID follow in brackets (rest.Error.Detail):
	// steps.ServiceError adds them, and so do failureMessage and newFailure.
	msg := strings.TrimRight(re.Message, ". ")
	who := "the signed-in account"
	if sp {
		who = "the service principal"
	}
	switch {
	case re.Status == http.StatusUnauthorized && re.Code == "PowerBINotAuthorizedException":
		next := "Add " + who + " to the workspace (Member or Admin)"
		if sp {
			next += "; a Fabric administrator must also let service principals use the Power BI APIs (" + powerBIAPISetting + ") for a security group it is in"
		}
		return explained{cause: CauseNoWorkspaceAccess, message: re.Service + " refused: " + msg, nextStep: next}
	case re.Status == http.StatusUnauthorized && strings.Contains(re.Message, "subscription key"):
		return explained{cause: CauseKeyRefused, message: "Customer Insights refused the API key: " + msg,
			nextStep: "Set PALWIZ_CI_SUBSCRIPTION_KEY to the primary key under Settings > Permissions > APIs in Customer Insights"}
	case re.Status == http.StatusUnauthorized, re.Status == http.StatusForbidden && re.Code == "TokenExpired":
		// Power BI answers an expired token with 403 TokenExpired, not 401.
		next := "Sign in again with `palwiz login`"
		if sp {
			next = "Run `palwiz login --service-principal` again; if it keeps happening, check that the app may call " + re.Service
		}
		return explained{cause: CauseTokenRejected, message: re.Service + " refused the access token (" + msg + ")", nextStep: next}
	case re.Status == http.StatusForbidden && re.Service == powerplatform.ServiceDataverse:
		next := "Add the signed-in account to the environment as a user with a security role that reads solutions, apps and bots (System Administrator or System Customizer)"
		if sp {
			next = "Add the service principal to the environment as an application user (Power Platform admin center > Environments > Settings > Users + permissions > Application users) with a security role that reads solutions, apps and bots"
		}
		return explained{cause: CauseNotEnvironmentUser, message: "Dataverse refused: " + msg, nextStep: next}
	case re.Status == http.StatusForbidden && re.Service == powerbi.Service:
		// Power BI has workspaces and its own administrators: a Power
		// Platform role does not open it.
		next := "Add the signed-in account to the workspaces to check (Member or Admin), or sign in as a Fabric administrator"
		if sp {
			next = "A Fabric administrator lets service principals use the Power BI APIs (" + powerBIAPISetting + ") for a security group the service principal is in; then add it to the workspaces to check (Member or Admin)"
		}
		return explained{cause: CauseNoWorkspaceAccess, message: "Power BI refused: " + msg + ": " + who + " may not read it", nextStep: next}
	case re.Status == http.StatusForbidden:
		next := "Sign in as a Power Platform administrator, or as an admin of the environments to check"
		if sp {
			next = "Register the service principal as a Power Platform management app (`pac admin application register --application-id <its app ID>`), which gives it the administrator's view"
		}
		return explained{cause: CauseNoAdminRole, message: re.Service + " refused: " + msg + ": " + who + " is not an administrator there", nextStep: next}
	case re.Status == http.StatusTooManyRequests:
		return explained{cause: CauseThrottled, message: re.Service + " kept throttling the requests and the retries ran out",
			nextStep: "Wait a few minutes and run the check again, perhaps for one --environment"}
	case re.Status >= 500:
		return explained{cause: CauseServerError, message: re.Service + " had a server error: " + msg,
			nextStep: "Run it again in a moment; if it persists, quote the request ID to Microsoft support"}
	}
	return explained{cause: CauseOther, message: re.Op + " failed: " + msg}
}

// explainService is err explained, as the error a caller returns.
func explainService(err error, kind auth.Kind) error {
	if err == nil {
		return nil
	}
	return explainFailure(err, kind).err
}

// failureMessage is one line for a failure, with what to quote to support.
func failureMessage(err error, kind auth.Kind) string {
	return withDetail(explainFailure(err, kind).message, err)
}

// withDetail adds a service error's code, status and request ID to msg.
func withDetail(msg string, err error) string {
	var re *rest.Error
	if errors.As(err, &re) && re.Detail() != "" {
		msg += " [" + re.Detail() + "]"
	}
	return msg
}

// newFailure records a part of the scan that could not be read.
func newFailure(product Product, where, service string, err error, kind auth.Kind) Failure {
	x := explainFailure(err, kind)
	return Failure{Product: product, Environment: where, Service: service, Cause: x.cause, Message: withDetail(x.message, err), NextStep: x.nextStep, Err: x.err}
}

// signInStops returns the sign-in failure err is when only a new sign-in
// (or the missing secret) can get past it, nil for anything softer.
func signInStops(err error) error {
	var ae *auth.Error
	if !errors.As(steps.Explain(err), &ae) {
		return nil
	}
	if ae.NeedsInteraction() || ae.Reason == auth.ReasonSecretNeeded {
		return explainAuth(ae)
	}
	return nil
}

// explainAuth rewords a missing secret (never "token has expired").
func explainAuth(err error) error {
	var ae *auth.Error
	if errors.As(err, &ae) && ae.Reason == auth.ReasonSecretNeeded {
		return explainSignIn(ae, true).err
	}
	return err
}

// needsSignIn is the failure that stops everything: every part failed
// for want of a sign-in or a secret.
func needsSignIn(fs []Failure) error {
	for _, f := range fs {
		var ae *auth.Error
		if errors.As(f.Err, &ae) && (ae.NeedsInteraction() || ae.Reason == auth.ReasonSecretNeeded) {
			return ae
		}
	}
	return nil
}

func canceled(err error) bool { return errors.Is(err, context.Canceled) }
