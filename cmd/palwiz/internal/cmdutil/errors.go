package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// Exit codes: one table for every command (docs/output.md, README).
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitAuth      = 3
	ExitPartial   = 4
	ExitCancelled = 130
)

// ExitCodesHelp is the table as every command's help states it.
const ExitCodesHelp = `Exit codes: 0 ok, 1 error, 2 usage (bad input, or no terminal to ask on),
3 sign-in needed, 4 partial (some directories or services failed, the rest
is reported), 130 cancelled.`

// FlagError is bad input on the command line: exit code 2, and the
// command's own help is named.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a FlagError with the formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{fmt.Errorf(format, args...)}
}

// FlagErrorWrap marks err as a usage error.
func FlagErrorWrap(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{err}
}

// MutuallyExclusive fails when more than one condition holds.
func MutuallyExclusive(message string, conditions ...bool) error {
	n := 0
	for _, ok := range conditions {
		if ok {
			n++
		}
	}
	if n > 1 {
		return FlagErrorf("%s", message)
	}
	return nil
}

// ErrCancel is a question or wizard the person cancelled: exit code 130.
var ErrCancel = errors.New("cancelled")

// SilentError ends a command with Code after it already told the person why.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// PartialError says part of a command's work failed and the rest was
// reported: exit code 4, or 1 when nothing succeeded.
type PartialError struct {
	Failed, Total int
	// What failed, in a sentence: "directories", "parts of the check".
	What string
	// Detail replaces the default message.
	Detail string
}

func (e *PartialError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Failed == e.Total {
		return fmt.Sprintf("all %d %s failed; see the rows above", e.Total, e.What)
	}
	return fmt.Sprintf("%d of %d %s failed; see the rows above (the others are reported)", e.Failed, e.Total, e.What)
}

// ExitCode maps an error to the exit code table.
func ExitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	var se *SilentError
	var fe *FlagError
	var pe *PartialError
	var ae *auth.Error
	var ut *steps.UnknownTenantError
	var pid *steps.PartnerIDError
	var uf *output.UnsupportedError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, ErrCancel) || errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return ExitCancelled
	case errors.As(err, &fe) || errors.As(err, &ut) || errors.As(err, &pid) || errors.As(err, &uf):
		return ExitUsage
	case errors.As(err, &pe):
		if pe.Total > 0 && pe.Failed >= pe.Total {
			return ExitError
		}
		return ExitPartial
	case errors.As(err, &ae):
		if ae.Reason == auth.ReasonUnknownTenant {
			return ExitUsage
		}
		return ExitAuth
	}
	return ExitError
}

// IsUsage reports whether err is a usage error (exit code 2).
func IsUsage(err error) bool {
	return ExitCode(context.Background(), err) == ExitUsage
}

// ActingError is a failed write with who it acted as, and where: the error
// names them (acting as the wrong identity must never go unseen).
type ActingError struct {
	As  steps.Actor
	Err error
}

func (e *ActingError) Error() string { return e.As.String() + ": " + e.Err.Error() }
func (e *ActingError) Unwrap() error { return e.Err }

// Acting wraps a write's error with its actor (nil actor or error: err).
func Acting(as *steps.Actor, err error) error {
	if err == nil || as == nil {
		return err
	}
	return &ActingError{As: *as, Err: err}
}
