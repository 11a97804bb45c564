package steps

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
)

// ServiceError is a failure explained in the user's terms, with the
// service's own code and request ID kept for support.
type ServiceError struct {
	Message  string
	NextStep string
	Err      error
}

func (e *ServiceError) Error() string {
	s := e.Message
	if e.NextStep != "" {
		s += ". " + e.NextStep
	}
	var ae *rest.Error
	if errors.As(e.Err, &ae) && ae.Detail() != "" {
		s += " [" + ae.Detail() + "]"
	}
	return s
}

func (e *ServiceError) Unwrap() error { return e.Err }

// Explain turns service (*rest.Error) and transport errors into messages that say what
// failed, why and what to do. Sign-in errors pass through (they are explained).
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var se *ServiceError
	var authErr *auth.Error
	if errors.As(err, &se) || errors.As(err, &authErr) || errors.Is(err, context.Canceled) {
		return err
	}
	var de *rest.DecodeError
	if errors.As(err, &de) {
		return &ServiceError{Message: "Azure sent an answer palwiz could not read: " + de.Error(), NextStep: "Run the command again; if it keeps happening, a proxy may be changing the answers (check HTTPS_PROXY)", Err: err}
	}
	var ae *rest.Error
	if errors.As(err, &ae) {
		switch {
		case ae.Code == arm.CodePartnerInvalid:
			return &ServiceError{Message: "Microsoft does not recognise that partner ID", NextStep: LocationIDExplainer, Err: err}
		case ae.Code == arm.CodeNotFound:
			return &ServiceError{Message: "This identity is not linked to a partner ID", NextStep: "Link it with `palwiz link --partner-id ID`", Err: err}
		case ae.Status == http.StatusUnauthorized:
			return &auth.Error{Reason: auth.ReasonTokenRejected, Message: "Azure refused the access token (" + ae.Message + ")", NextStep: "Sign in again with `palwiz login`", Err: err}
		case ae.Status == http.StatusForbidden && strings.Contains(ae.Message, "does not have an account in this tenant"):
			return &ServiceError{Message: "This identity has no account of its own in the customer's directory (a CSP, GDAP or foreign sign-in), so PAL cannot link it",
				NextStep: "Sign in with a user, guest or service principal that exists in the customer's directory", Err: err}
		case ae.Status == http.StatusForbidden:
			return &ServiceError{Message: "Azure refused the request: " + ae.Message, NextStep: "Check that this identity may act in this directory", Err: err}
		case ae.Status == http.StatusTooManyRequests:
			return &ServiceError{Message: "Azure is throttling requests and the retries ran out", NextStep: "Wait a minute and run the command again", Err: err}
		case ae.Status >= 500:
			return &ServiceError{Message: ae.Service + " had a server error: " + ae.Message, NextStep: "Run the command again in a moment; if it persists, quote the request ID to Microsoft support", Err: err}
		case ae.Status == http.StatusConflict:
			return &ServiceError{Message: "Azure refused the change: " + ae.Message, NextStep: "Run `palwiz status` to see the current link", Err: err}
		}
		return &ServiceError{Message: ae.Op + " failed: " + ae.Message, Err: err}
	}
	if isConnRefused(err) {
		return &ServiceError{Message: "Could not connect to the service", NextStep: "Check your network or proxy (HTTPS_PROXY); with --cloud sim, is `palwiz sim` still running?", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return &ServiceError{Message: "The service did not answer in time", NextStep: "Check your network or proxy and run the command again", Err: err}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &ServiceError{Message: "Could not resolve " + dnsErr.Name, NextStep: "Check your network, DNS or proxy settings (HTTPS_PROXY, NO_PROXY)", Err: err}
	}
	if isConnBroken(err) {
		return &ServiceError{Message: "The connection to the service broke off before it answered", NextStep: "Run the command again; if it keeps happening, check your network or proxy (HTTPS_PROXY)", Err: err}
	}
	return err
}

// isConnBroken reports an HTTP request whose connection was reset or closed
// before the answer came (only errors from an HTTP client count).
func isConnBroken(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return false
	}
	if errors.Is(ue.Err, syscall.ECONNRESET) || errors.Is(ue.Err, syscall.EPIPE) || errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := ue.Err.Error()
	for _, s := range []string{"stream error", "connection reset", "server closed", "connection lost", "GOAWAY"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused")
}
