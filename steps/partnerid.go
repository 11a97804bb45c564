// Package steps is the PAL domain without a user interface: Initiation
// (identity), Directory, Registration (the partner link), Attribution and
// Validation, as plain Go used by the TUI and by the commands alike.
package steps

import (
	"errors"
	"fmt"
	"strings"
)

// LocationIDExplainer tells Location IDs and global IDs apart, in palwiz's words.
const LocationIDExplainer = "Link the Partner Location ID (Partner Center calls it the Associated Partner ID; it is usually 7 digits), " +
	"not your organisation's Partner Global ID (use the Location ID; a global ID may be rejected). Find it in Partner Center under Account settings > Identifiers."

// ErrPartnerIDEmpty and ErrPartnerIDNotDigits are partner ID input errors.
var (
	ErrPartnerIDEmpty     = errors.New("no partner ID given")
	ErrPartnerIDNotDigits = errors.New("a partner ID has only digits")
)

// PartnerIDError is a partner ID that cannot be sent.
type PartnerIDError struct {
	Input string
	Err   error
}

func (e *PartnerIDError) Error() string {
	if errors.Is(e.Err, ErrPartnerIDEmpty) {
		return "No partner ID given: pass --partner-id with your Partner Location ID (" + "usually 7 digits)"
	}
	return fmt.Sprintf("%q is not a partner ID: a partner ID has only digits, such as 4977985. %s", e.Input, LocationIDExplainer)
}

func (e *PartnerIDError) Unwrap() error { return e.Err }

// ValidatePartnerID checks a partner ID as typed. It returns the cleaned ID,
// and a warning when it does not look like a Location ID (7 digits).
func ValidatePartnerID(in string) (id, warning string, err error) {
	id = strings.TrimSpace(in)
	if id == "" {
		return "", "", &PartnerIDError{Input: in, Err: ErrPartnerIDEmpty}
	}
	if len(id) > 12 {
		return "", "", &PartnerIDError{Input: in, Err: ErrPartnerIDNotDigits}
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "", "", &PartnerIDError{Input: in, Err: ErrPartnerIDNotDigits}
		}
	}
	if len(id) != 7 {
		warning = fmt.Sprintf("%s has %d digits; Partner Location IDs have 7. %s", id, len(id), LocationIDExplainer)
	}
	return id, warning, nil
}
