package steps

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/rest"
)

// LinkAPI is what Registration needs from the Management Partner API.
type LinkAPI interface {
	GetLink(ctx context.Context) (*arm.Link, error)
	CreateLink(ctx context.Context, partnerID string) (*arm.Link, error)
	UpdateLink(ctx context.Context, partnerID string) (*arm.Link, error)
	DeleteLink(ctx context.Context, partnerID string) error
}

// Action is what a link request leads to.
type Action string

// Actions.
const (
	ActionLink    Action = "link"    // no link yet: PUT
	ActionNone    Action = "none"    // already linked to this ID
	ActionMove    Action = "move"    // linked to another ID: PATCH, only when forced
	ActionUnlink  Action = "unlink"  // DELETE
	ActionNothing Action = "nothing" // unlink with no link
)

// Decide is the Registration rule: no link → link; same ID → nothing to do;
// another ID → move (which needs the user's consent).
func Decide(current *arm.Link, want string) Action {
	switch {
	case !current.Active():
		return ActionLink
	case current.PartnerID == want:
		return ActionNone
	default:
		return ActionMove
	}
}

// Outcome is what Registration did.
type Outcome struct {
	Action Action    `json:"action"`
	Before *arm.Link `json:"before,omitempty"`
	After  *arm.Link `json:"after,omitempty"`
	// Recovered says a failed write turned out to have been applied (read back).
	Recovered bool `json:"recovered,omitempty"`
}

// Summary is a one-line account of the outcome, as the portal would put it.
func (o Outcome) Summary() string { return o.SummaryIn("") }

// SummaryIn is Summary naming the directory where it happened ("" = none).
func (o Outcome) SummaryIn(dir string) string {
	in := ""
	if dir != "" {
		in = " in " + dir
	}
	switch o.Action {
	case ActionLink:
		return fmt.Sprintf("Linked to partner %s%s", describe(o.After), in)
	case ActionNone:
		return fmt.Sprintf("Already linked to partner %s%s: nothing to do", describe(o.After), in)
	case ActionMove:
		return fmt.Sprintf("Moved the link%s from partner %s to partner %s", in, describe(o.Before), describe(o.After))
	case ActionUnlink:
		return fmt.Sprintf("Removed the link to partner %s%s", describe(o.Before), in)
	case ActionNothing:
		return fmt.Sprintf("Not linked to any partner ID%s: nothing to remove", in)
	}
	return string(o.Action)
}

func describe(l *arm.Link) string {
	if l == nil {
		return "(unknown)"
	}
	if l.PartnerName != "" {
		return fmt.Sprintf("%s (%s)", l.PartnerName, l.PartnerID)
	}
	return l.PartnerID
}

// NeedsForceError says the identity is linked to another partner ID and
// moving it needs an explicit yes.
type NeedsForceError struct {
	Current *arm.Link
	Want    string
}

func (e *NeedsForceError) Error() string {
	return fmt.Sprintf("This identity is already linked to partner %s. Moving the link to %s takes the credit away from that partner; pass --force to move it", describe(e.Current), e.Want)
}

// Link applies the Registration rule. It reads the link first (one request),
// then writes at most once. After a failed PUT it reads again and decides,
// because the service's answer for "already linked" is not documented.
func Link(ctx context.Context, api LinkAPI, want string, force bool) (Outcome, error) {
	cur, err := api.GetLink(ctx)
	if err != nil {
		return Outcome{}, Explain(err)
	}
	return linkFrom(ctx, api, cur, want, force)
}

// LinkFrom is Link when the current link was already read (the TUI shows it first).
func LinkFrom(ctx context.Context, api LinkAPI, current *arm.Link, want string, force bool) (Outcome, error) {
	return linkFrom(ctx, api, current, want, force)
}

func linkFrom(ctx context.Context, api LinkAPI, cur *arm.Link, want string, force bool) (Outcome, error) {
	switch Decide(cur, want) {
	case ActionNone:
		return Outcome{Action: ActionNone, Before: cur, After: cur}, nil
	case ActionMove:
		if !force {
			return Outcome{Action: ActionMove, Before: cur}, &NeedsForceError{Current: cur, Want: want}
		}
		after, err := api.UpdateLink(ctx, want)
		if err != nil {
			if arm.IsNotLinked(err) {
				// The link vanished in between: create it instead.
				return create(ctx, api, nil, want)
			}
			return moveFailed(ctx, api, cur, want, err)
		}
		return Outcome{Action: ActionMove, Before: cur, After: after}, nil
	}
	return create(ctx, api, cur, want)
}

func create(ctx context.Context, api LinkAPI, before *arm.Link, want string) (Outcome, error) {
	after, err := api.CreateLink(ctx, want)
	if err == nil {
		if after != nil && after.PartnerID != want {
			// Some answers to a PUT on an existing link are a 200 with that
			// link: the identity is linked to another partner, not to want.
			return Outcome{Action: ActionMove, Before: after}, &NeedsForceError{Current: after, Want: want}
		}
		return Outcome{Action: ActionLink, Before: before, After: after}, nil
	}
	if rest.Code(err) == arm.CodePartnerInvalid {
		return Outcome{Action: ActionLink, Before: before}, Explain(err)
	}
	// Read again and decide: the write may have landed (a retried PUT), or
	// another process linked this identity in between. A conflict says a
	// link exists: wait for the replicas to show it.
	again, gerr := api.GetLink(ctx)
	if gerr == nil && again == nil && isConflict(err) {
		again, gerr = ReadUntil(ctx, ReplicationWait, api.GetLink, func(l *arm.Link) bool { return l != nil })
	}
	if gerr != nil || again == nil {
		return Outcome{Action: ActionLink, Before: before}, Explain(err)
	}
	if again.PartnerID == want {
		return Outcome{Action: ActionLink, Before: before, After: again, Recovered: true}, nil
	}
	return Outcome{Action: ActionMove, Before: again}, &NeedsForceError{Current: again, Want: want}
}

// Unlink removes the identity's link, if any.
func Unlink(ctx context.Context, api LinkAPI) (Outcome, error) {
	cur, err := api.GetLink(ctx)
	if err != nil {
		return Outcome{}, Explain(err)
	}
	if !cur.Active() {
		return Outcome{Action: ActionNothing}, nil
	}
	if err := api.DeleteLink(ctx, cur.PartnerID); err != nil {
		return unlinkFailed(ctx, api, cur, err)
	}
	return Outcome{Action: ActionUnlink, Before: cur}, nil
}

// Status reads the link (nil when not linked, or when the service still
// shows a deleted one).
func Status(ctx context.Context, api LinkAPI) (*arm.Link, error) {
	l, err := api.GetLink(ctx)
	if err != nil {
		return nil, Explain(err)
	}
	if !l.Active() {
		return nil, nil
	}
	return l, nil
}
