package steps

import (
	"errors"
	"strings"
)

// The values a person types to sign in as a service principal, checked
// the same way for the wizard's form and for `palwiz login` flags.

// ErrClientIDFormat and ErrTenantFormat are malformed sign-in values.
var (
	ErrClientIDFormat = errors.New("the application (client) ID is a GUID, such as e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501")
	ErrTenantFormat   = errors.New("the directory is its tenant ID (a GUID) or a domain such as contoso.onmicrosoft.com")
	ErrTenantEmpty    = errors.New("name the customer's directory: its tenant ID or a domain such as contoso.onmicrosoft.com")
)

// ValidateClientID checks an application (client) ID as typed.
func ValidateClientID(s string) error {
	if !IsGUID(strings.TrimSpace(s)) {
		return ErrClientIDFormat
	}
	return nil
}

// ValidateTenant checks a directory as typed: a tenant ID or a domain
// (a name with a dot and no spaces).
func ValidateTenant(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ErrTenantEmpty
	case IsGUID(s):
		return nil
	case !strings.Contains(s, ".") || strings.ContainsAny(s, " /\\@"):
		return ErrTenantFormat
	}
	return nil
}
