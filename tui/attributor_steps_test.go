package tui

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// The wizard's flow over the real attributor converges: after applying
// what palwiz can, the plan has nothing left for it, a change made is
// never planned again, and applying the same choices again changes nothing.
func TestAttributorConverges(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, serviceUPN, "")
	at := NewAttributor(&steps.Env{Cloud: w.Cloud, Session: w.Session}, "")
	ctx := context.Background()
	res, err := at.Scan(ctx, simtest.ContosoID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var a attrFacts
	a.scanned(simtest.ContosoID, res)
	changes, advice := a.changes()
	if len(changes) == 0 || len(advice) == 0 {
		t.Fatalf("changes %d, advice %d", len(changes), len(advice))
	}
	results, err := at.Apply(ctx, a.res, changes, nil)
	rec := a.applied(results, err)
	if err != nil || !rec.Complete() || rec.Done != len(changes) {
		t.Fatalf("%v %+v", err, rec)
	}
	for _, r := range results {
		if r.After == nil || r.After.Verdict != attribution.Attributed {
			t.Errorf("%s: after %+v", r.Fix.Summary, r.After)
		}
	}
	if left, _ := a.changes(); len(left) != 0 {
		t.Errorf("still planned after applying: %+v", left)
	}
	// A new check agrees, and plans nothing palwiz can change.
	again, err := at.Scan(ctx, simtest.ContosoID, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.scanned(simtest.ContosoID, again)
	if left, _ := a.changes(); len(left) != 0 || a.summary().Automatic != 0 {
		t.Errorf("a new check plans %+v", left)
	}
	// The same choices again are nothing the wizard offers to apply.
	var ids []string
	for _, f := range changes {
		ids = append(ids, f.ID())
	}
	if again := a.chosen(ids); len(again) != 0 {
		t.Errorf("offered again: %+v", again)
	}
}
