package steps

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/arm"
)

// ReadBackError is a write to the link that failed, or whose answer was
// lost, with what reading the link again showed: the service may have made
// the change before the answer went missing, so palwiz says what is true
// rather than what it asked for.
type ReadBackError struct {
	// Op is what palwiz tried: "move the link to partner ID 4977986".
	Op string
	// Err is the write's failure, explained.
	Err error
	// Now is the link as read again (nil: not linked); ReadErr says reading
	// it again failed too, so the outcome is unknown.
	Now     *arm.Link
	ReadErr error
}

func (e *ReadBackError) Error() string {
	if e.ReadErr != nil {
		return fmt.Sprintf("Could not %s: %v. Reading the link again failed as well (%v), so palwiz cannot tell whether the change was made: run `palwiz status` to see the link", e.Op, e.Err, e.ReadErr)
	}
	now := "this identity is not linked to any partner ID"
	if e.Now != nil {
		now = "this identity is linked to partner " + describe(e.Now)
	}
	return fmt.Sprintf("Could not %s: %v. palwiz read the link again: %s", e.Op, e.Err, now)
}

// Unwrap returns the write's failure (its kind sets the exit code).
func (e *ReadBackError) Unwrap() error { return e.Err }

// Unknown reports whether the outcome of the write could not be read back.
func (e *ReadBackError) Unknown() bool { return e.ReadErr != nil }

// readAgain reads the link after a failed write; soft-deleted counts as none.
func readAgain(ctx context.Context, api LinkAPI) (*arm.Link, error) {
	l, err := api.GetLink(ctx)
	if err != nil {
		return nil, Explain(err)
	}
	if l != nil && l.State == "Deleted" {
		return nil, nil
	}
	return l, nil
}

// moveFailed reads the link after a PATCH that failed or lost its answer:
// moved to want after all is a success; anything else is reported as read.
func moveFailed(ctx context.Context, api LinkAPI, cur *arm.Link, want string, err error) (Outcome, error) {
	out := Outcome{Action: ActionMove, Before: cur}
	e := &ReadBackError{Op: "move the link to partner ID " + want, Err: Explain(err)}
	now, rerr := readAgain(ctx, api)
	if rerr != nil {
		e.ReadErr = rerr
		return out, e
	}
	if now != nil && now.PartnerID == want {
		out.After, out.Recovered = now, true
		return out, nil
	}
	out.After, e.Now = now, now
	return out, e
}

// unlinkFailed reads the link after a DELETE that failed or lost its
// answer: gone after all is a success; still there is reported as read.
func unlinkFailed(ctx context.Context, api LinkAPI, cur *arm.Link, err error) (Outcome, error) {
	out := Outcome{Action: ActionUnlink, Before: cur}
	e := &ReadBackError{Op: "remove the link to partner ID " + cur.PartnerID, Err: Explain(err)}
	now, rerr := readAgain(ctx, api)
	if rerr != nil {
		e.ReadErr = rerr
		return out, e
	}
	if now == nil {
		out.Recovered = true
		return out, nil
	}
	out.After, e.Now = now, now
	return out, e
}
