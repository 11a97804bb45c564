package attribution

import (
	"context"
	"strings"

	"github.com/palwiz/palwiz/steps"
)

// notShownYet is the note on a resource whose change the service does not
// show yet when palwiz reads it back.
const notShownYet = "The service does not show this change yet (its replicas can trail a write by a minute): check it again later."

// rereadSettled reads a resource palwiz has just changed until the read
// shows the change, since the services' replicas trail their writes
// (steps.ReadUntil), or steps.ReplicationWait has passed; then it says the
// change is not shown yet.
func (a *applier) rereadSettled(f Fix) (*Resource, error) {
	after, err := steps.ReadUntil(a.ctx, steps.ReplicationWait, func(context.Context) (*Resource, error) { return a.reread(f) },
		func(r *Resource) bool { return shows(f.Resource, r) })
	if err == nil && after != nil && !shows(f.Resource, after) {
		after.Notes = append(after.Notes, notShownYet)
	}
	return after, err
}

// shows reports whether a read-back differs from the resource before the
// fix in what a fix changes: who holds or owns it, the linked identity's
// role, the verdict.
func shows(before Resource, after *Resource) bool {
	if after == nil {
		return false
	}
	return after.Owned != before.Owned || after.LinkedRole != before.LinkedRole || after.Verdict != before.Verdict ||
		!samePerson(&before.Holder, &after.Holder) || !samePerson(before.Owner(), after.Owner())
}

// samePerson compares every identifier two holders carry.
func samePerson(a, b *Holder) bool {
	if a == nil || b == nil {
		return a == b
	}
	return strings.EqualFold(a.ObjectID, b.ObjectID) && strings.EqualFold(a.UPN, b.UPN) && strings.EqualFold(a.SystemUserID, b.SystemUserID)
}
