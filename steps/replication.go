package steps

import (
	"context"
	"net/http"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/rest"
)

// The services read from replicas that trail their writes by seconds, at
// times a minute: right after palwiz writes, a read may still show the state
// before the write. Where palwiz reads back what it has just written, it
// reads again, with growing pauses, until the read shows the write or the
// wait is over; then the last read stands.

// ReplicationWait bounds how long a read-back waits for the write to show.
const ReplicationWait = 30 * time.Second

// ReadUntil reads with read until done says the result shows the write, or
// maxWait has passed; it returns the last read. The pauses grow from 250 ms.
func ReadUntil[T any](ctx context.Context, maxWait time.Duration, read func(context.Context) (T, error), done func(T) bool) (T, error) {
	deadline := time.Now().Add(maxWait)
	pause := 250 * time.Millisecond
	for {
		v, err := read(ctx)
		if err != nil || done(v) || time.Now().Add(pause).After(deadline) {
			return v, err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, ctx.Err()
		case <-t.C:
		}
		pause = min(pause*2, 4*time.Second)
	}
}

// ReadBack reads the link after the write o describes, as Validation does:
// until it shows the write (or ReplicationWait has passed). Without a write
// it reads once.
func ReadBack(ctx context.Context, api LinkAPI, o Outcome) (*arm.Link, error) {
	var done func(*arm.Link) bool
	switch {
	case o.Action == ActionUnlink:
		done = func(l *arm.Link) bool { return l == nil }
	case (o.Action == ActionLink || o.Action == ActionMove) && o.After != nil:
		want := o.After.PartnerID
		done = func(l *arm.Link) bool { return l != nil && l.PartnerID == want }
	default:
		return Status(ctx, api)
	}
	return ReadUntil(ctx, ReplicationWait, func(ctx context.Context) (*arm.Link, error) { return Status(ctx, api) }, done)
}

// isConflict reports whether a PUT failed because the identity is already
// linked (409, or the 400 some answers use).
func isConflict(err error) bool {
	return rest.IsStatus(err, http.StatusConflict) || rest.IsStatus(err, http.StatusBadRequest) && rest.Code(err) != arm.CodePartnerInvalid
}
