package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

// The wizard's attributor converges: after applying what palwiz can, the
// plan has nothing left for it, and applying again changes nothing.
func TestAttributorConverges(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, serviceUPN, "")
	at := NewAttributor(&steps.Env{Cloud: w.Cloud, Session: w.Session}, "")
	ctx := context.Background()
	rep, err := at.Scan(ctx, simtest.ContosoID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var auto []AttributionFix
	for _, f := range rep.Plan {
		if f.Applicable() {
			auto = append(auto, f)
		}
	}
	if len(auto) == 0 {
		t.Fatalf("nothing to apply: %+v", rep.Plan)
	}
	rep, err = at.Apply(ctx, simtest.ContosoID, auto, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != len(auto) {
		t.Errorf("applied %q", rep.Applied)
	}
	for _, line := range rep.Applied {
		if !strings.HasPrefix(line, "Done: ") || !strings.HasSuffix(line, ": now attributed") {
			t.Errorf("result %q", line)
		}
	}
	for _, f := range rep.Plan {
		if f.Applicable() {
			t.Errorf("still planned after applying: %s", f.Action)
		}
	}
	// Applying the same choices again changes nothing.
	again, err := at.Apply(ctx, simtest.ContosoID, auto, nil)
	if err != nil || len(again.Applied) != 0 {
		t.Errorf("the second apply: %v %q", err, again.Applied)
	}
	if !strings.Contains(strings.Join(again.Notes, "\n"), "Advice (does not move the credit)") {
		t.Errorf("advice is not set apart: %q", again.Notes)
	}
}
