package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/steps/attribution"
)

// deliveredToApply are the demo's resources marked as delivered: four
// canvas apps (a co-owner each) and two whose fixes change ownership, so
// wait for the mark (a flow's primary owner and a take-over).
var deliveredToApply = []string{"Team Birthdays", "Visit Booking", "Site Survey", "Visitor Check-in", "Route field requests", "Regional Targets"}

// ownershipChanged are the two whose change leaves them "cannot tell".
var ownershipChanged = []string{"Route field requests", "Regional Targets"}

// convergedPlan checks that the plan has nothing palwiz can change, that
// the two delivered resources are "cannot tell" (never "attributed"), and
// that what only a person can do is listed once each.
func convergedPlan(t *testing.T, a *attrFacts) {
	t.Helper()
	if s := a.summary(); s.Automatic != 0 || !strings.HasPrefix(s.Headline(), "Nothing palwiz can change") {
		t.Errorf("the plan after applying: %+v %q", s, s.Headline())
	}
	if changes, _ := a.changes(); len(changes) != 0 {
		t.Errorf("changes still offered: %+v", changes)
	}
	seen := map[string]int{}
	for _, f := range a.plan.Fixes {
		seen[f.Summary]++
	}
	for s, n := range seen {
		if n > 1 {
			t.Errorf("%q planned %d times", s, n)
		}
	}
	for _, r := range a.res.Resources {
		for _, name := range ownershipChanged {
			if r.Name == name && r.Verdict != attribution.CannotTell {
				t.Errorf("%s: %s after the change (%s)", name, r.Verdict, r.Reason)
			}
		}
	}
}

// TestApplyTwiceConvergesWizard: with the demo's delivered marks, the
// wizard applies every change palwiz can make (co-owners, a flow's primary
// owner, a take-over) once; afterwards, and after checking again against
// the simulator, it plans none of them again and "a apply" is gone.
func TestApplyTwiceConvergesWizard(t *testing.T) {
	at := newSimAttributor(t, nil)
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: at, Width: 100, Height: 60})
	toAttribution(t, r, f)
	markDelivered(t, r, deliveredToApply...)
	n := len(r.m.attribution.chosen(r.m))
	if n != 6 || !strings.Contains(r.screen(), fmt.Sprintf("a apply %d", n)) {
		t.Fatalf("%d changes ticked, want 4 co-owners, a primary owner and a take-over:\n%s", n, r.screen())
	}
	r.key("a")
	r.waitFor(fmt.Sprintf("Make %d changes now?", n), 5*time.Second)
	r.key("y")
	r.waitFor(fmt.Sprintf("All done: %d changes done.", n), 60*time.Second)
	convergedPlan(t, &r.m.f.attr)
	if strings.Contains(r.screen(), "a apply") {
		t.Errorf("still an apply key:\n%s", r.screen())
	}
	// The second run: check again, and apply nothing.
	checks := at.scansDone()
	r.key("r")
	deadline := time.Now().Add(30 * time.Second)
	for at.scansDone() == checks {
		if time.Now().After(deadline) {
			t.Fatal("no new check")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.settle()
	convergedPlan(t, &r.m.f.attr)
	r.key("a")
	r.settle()
	if s := r.screen(); strings.Contains(s, "changes now?") || strings.Contains(s, "change now?") {
		t.Errorf("a second apply was offered:\n%s", s)
	}
	if got := len(at.Applied()); got != n {
		t.Errorf("applied %d fixes in all, want %d once: %q", got, n, at.Applied())
	}
}

// TestApplyTwiceConvergesAccessible is the same in the accessible runner.
func TestApplyTwiceConvergesAccessible(t *testing.T) {
	at := newSimAttributor(t, nil)
	c := signInAccessible(t, at)
	c.expect("now? [Y/n] ")
	c.send("")
	c.expect("Enter a number between 0 and 8: ")
	c.send("")
	c.expect("Make 4 changes now? [y/N] ")
	c.send("n")
	// Mark what was delivered: the candidates are numbered as the screen lists them.
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("3")
	c.expect("Which of these did your organisation deliver?")
	for i, row := range candidatesOf(t, at) {
		for _, name := range deliveredToApply {
			if row.Name == name {
				c.send(fmt.Sprint(i + 1))
			}
		}
	}
	c.send("")
	c.expect("6 marked as delivered.")
	c.expect("Enter a number between 0 and ")
	c.send("")
	c.expect("Make 6 changes now? [y/N] ")
	c.send("y")
	c.expect("All done: 6 changes done.")
	c.expect("The fix plan now: Nothing palwiz can change")
	// The second run: check again; nothing palwiz can change, nothing applied.
	c.expect("Attribution: what now? (Enter for 1)")
	c.send(menuNumber(t, c, "Check again"))
	c.expect("Checking who owns the resources in Contoso Ltd.")
	c.expect("Nothing palwiz can change; 2 steps to do by hand.")
	c.expect("For a person to do:")
	c.expect("Rebuild flow \"Route field requests\"")
	c.expect("Publish dataset \"Regional Targets\" as a new semantic model")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if got := at.Applied(); len(got) != 6 {
		t.Errorf("applied %q, want the six changes once", got)
	}
	out := c.out.String()
	if i := strings.LastIndex(out, "Checking who owns the resources"); i < 0 || strings.Contains(out[i:], "changes now?") || strings.Contains(out[i:], "change now?") {
		t.Errorf("a second apply was offered after checking again:\n%s", out[max(i, 0):])
	}
}

// candidatesOf is the Delivered list as the wizard numbers it, from a
// check of its own.
func candidatesOf(t *testing.T, at *simAttributor) []attribution.Row {
	t.Helper()
	var a attrFacts
	res, err := at.inner.Scan(t.Context(), tContoso, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.scanned(tContoso, res)
	return a.candidates()
}

// menuNumber is the number of the option labelled label in the list
// question just asked.
func menuNumber(t *testing.T, c *console, label string) string {
	t.Helper()
	c.expect("Enter a number between")
	out := c.out.String()[:c.seen]
	i := strings.LastIndex(out, "what now?")
	for _, line := range strings.Split(out[max(i, 0):], "\n") {
		if n, l, ok := strings.Cut(strings.TrimSpace(line), ". "); ok && l == label {
			return n
		}
	}
	t.Fatalf("no option %q in:\n%s", label, out[max(i, 0):])
	return ""
}
