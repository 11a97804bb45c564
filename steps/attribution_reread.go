package steps

import (
	"context"
	"strings"
)

// notShownYet is the note on a resource whose change the service does not
// show yet when palwiz reads it back.
const notShownYet = "The service does not show this change yet (its replicas can trail a write by a minute): check it again later."

// rereadSettled reads a changed resource again until the read shows the
// change, since the services' replicas trail their writes (see readUntil),
// or ReplicationWait has passed; then it says the change is not shown yet.
func (a *applier) rereadSettled(before Resource) (*Resource, error) {
	after, err := readUntil(a.ctx, ReplicationWait, func(context.Context) (*Resource, error) { return a.reread(before) },
		func(r *Resource) bool { return shows(before, r) })
	if err == nil && after != nil && !shows(before, after) {
		after.Notes = append(after.Notes, notShownYet)
	}
	return after, err
}

// shows reports whether a read-back differs from the resource before the fix
// in what a fix changes: who holds it, the linked identity's role, the verdict.
func shows(before Resource, after *Resource) bool {
	if after == nil {
		return false
	}
	b, x := before.Holder, after.Holder
	return after.Owned != before.Owned || after.LinkedRole != before.LinkedRole || after.Verdict != before.Verdict ||
		!strings.EqualFold(b.ObjectID, x.ObjectID) || !strings.EqualFold(b.UPN, x.UPN) || !strings.EqualFold(b.SystemUserID, x.SystemUserID)
}
