package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// Describe turns err into the error contract's fields: a stable code, the
// message, the next step (the remedy in the commands' words when there is
// one) and the service's request ID.
// names (optional) gives a directory's name for its ID: messages that say
// "directory <ID>" then name it.
func Describe(err error, r steps.Remedy, pipeline bool, names func(tenantID string) string) ErrorJSON {
	err = steps.Explain(err)
	e := ErrorJSON{Code: "error", Message: err.Error()}
	var (
		ae    *auth.Error
		se    *steps.ServiceError
		nf    *steps.NeedsForceError
		pid   *steps.PartnerIDError
		ut    *steps.UnknownTenantError
		restE *rest.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		e = ErrorJSON{Code: "cancelled", Message: "Cancelled"}
	case errors.As(err, &ae):
		e.Code, e.Message, e.NextStep = string(ae.Reason), ae.Message, ae.NextStep
		if ae.Code != 0 {
			e.Message += fmt.Sprintf(" (AADSTS%d)", ae.Code)
		}
	case errors.As(err, &nf):
		e.Code = "linked-to-another-partner"
		e.Message = "This identity is already linked to partner " + Partner(nf.Current.PartnerName, nf.Current.PartnerID)
		e.NextStep = "Moving the link to " + nf.Want + " takes the credit away from that partner; pass --force to move it"
	case errors.As(err, &pid):
		e.Code = "invalid-partner-id"
	case errors.As(err, &ut):
		e.Code, e.Message, e.NextStep = "unknown-directory", ut.Message(), ut.NextStep()
	case errors.As(err, &se):
		e.Code, e.Message, e.NextStep = "service-error", se.Message, se.NextStep
	}
	if errors.As(err, &restE) {
		if restE.Code != "" && (e.Code == "service-error" || e.Code == "error") {
			e.Code = restE.Code
		}
		e.RequestID = restE.RequestID
		e.detail = restE.Detail()
	}
	if next := RemedyText(r, pipeline); next != "" {
		e.NextStep = next
	}
	e.Message = strings.TrimRight(Clean(nameDirectories(e.Message, names)), ". ")
	e.NextStep = strings.TrimRight(Clean(e.NextStep), ". ")
	return e
}

var directoryID = regexp.MustCompile(`directory ([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})`)

// nameDirectories turns "directory <ID>" into "<name> (<ID>)" where the name is known.
func nameDirectories(msg string, names func(string) string) string {
	if names == nil {
		return msg
	}
	return directoryID.ReplaceAllStringFunc(msg, func(m string) string {
		id := m[len("directory "):]
		if n := names(id); n != "" {
			return n + " (" + id + ")"
		}
		return m
	})
}

// RemedyText words a remedy for the command line ("" for none).
func RemedyText(r steps.Remedy, pipeline bool) string {
	tenant := ""
	if r.Tenant != "" {
		tenant = " --tenant " + r.Tenant
	}
	switch r.Kind {
	case steps.RemedyFirstSignIn:
		return "Run `palwiz login` first (a pipeline sets PALWIZ_CLIENT_ID, PALWIZ_TENANT and PALWIZ_CLIENT_SECRET instead)"
	case steps.RemedySignIn:
		if r.MFA {
			return "Sign in to it with MFA: `palwiz login" + tenant + "` (or add --browser)"
		}
		return "Sign in again: `palwiz login" + tenant + "`"
	case steps.RemedySignInBrowser:
		return "Sign in with the browser instead: `palwiz login --browser" + tenant + "`"
	case steps.RemedyServicePrincipal:
		if pipeline {
			return "Check PALWIZ_CLIENT_ID, PALWIZ_TENANT and PALWIZ_CLIENT_SECRET (or PALWIZ_CERTIFICATE): the service principal could not sign in with them"
		}
		return "Sign the service principal in again with a valid secret or certificate: `palwiz login --service-principal --client-id " +
			orPlaceholder(r.ClientID, "APP_ID") + " --tenant " + orPlaceholder(r.Tenant, "TENANT") + "` (secret from PALWIZ_CLIENT_SECRET or standard input)"
	}
	return ""
}

func orPlaceholder(v, p string) string {
	if v == "" {
		return p
	}
	return v
}

// ErrorDoc is the JSON document of an error on stderr under --output json.
type ErrorDoc struct {
	SchemaVersion int       `json:"schemaVersion"`
	Error         ErrorJSON `json:"error"`
	// ActingAs names who a failed write acted as, and where.
	ActingAs *ActorJSON `json:"actingAs,omitempty"`
}

// PrintError writes e to w: one JSON object under --output json, otherwise
// "Error: message. Next step." and, for usage errors, the command's help.
// as (optional) is who a failed write acted as: named first.
func PrintError(w io.Writer, f Format, e ErrorJSON, color bool, helpCmd string, as *steps.Actor) {
	if f == JSON {
		_ = writeJSON(w, ErrorDoc{SchemaVersion: SchemaVersion, Error: e, ActingAs: Actor(as)})
		return
	}
	if as != nil {
		line(w, "%s:", as.String())
	}
	if e.Code == "cancelled" {
		fmt.Fprintln(w, "Cancelled.")
		return
	}
	prefix := "Error: "
	if color {
		prefix = "\x1b[1;31mError:\x1b[0m "
	}
	msg := e.Message
	if e.NextStep != "" {
		msg += ". " + e.NextStep
	}
	switch {
	case e.detail != "" && !strings.Contains(msg, e.detail):
		msg += " [" + e.detail + "]"
	case e.RequestID != "" && !strings.Contains(msg, e.RequestID):
		msg += " [request " + e.RequestID + "]"
	}
	fmt.Fprintln(w, prefix+msg+".")
	if helpCmd != "" {
		fmt.Fprintf(w, "Run `%s --help` for usage.\n", helpCmd)
	}
}
