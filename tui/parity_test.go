package tui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/steps"
)

// paritySetup is the parity test's world: three directories, the
// consultant a guest in Northwind, where the link belongs to another
// partner, and an attribution scan with a plan of fixes.
func paritySetup(f *fakeBackend, o *Options) {
	threeTenants(f, o)
	demoOpts(f, o)
	f.links[tNorthwind] = &steps.PartnerLink{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tNorthwind, State: "Active"}
	o.Attributor = &fakeAttributor{}
}

// parityRun is what one renderer did.
type parityRun struct {
	calls   []string
	applied []AttributionFix
	res     Result
}

// TestParity gives the Bubble Tea wizard and the accessible runner the same
// fake backend and the same answers (partner ID, the dedicated service
// account approved in the demo, Northwind, move the link, untick the first
// fix and apply the other, sign out) and requires the same backend calls,
// the same fixes applied, the same warnings and the same Result.
func TestParity(t *testing.T) {
	tuiRun := func() parityRun {
		f := newFake()
		o := Options{Backend: f, NoColor: true, Width: 100, Height: 30}
		paritySetup(f, &o)
		r := newRunner(t, o)
		r.key("enter")
		r.waitFor("Which account", time.Second)
		r.key("enter")
		r.waitFor("Code: ", time.Second)
		r.key("a")
		r.waitFor("This is you", 2*time.Second)
		r.key("enter")
		r.waitFor("sign-in needed", 2*time.Second)
		r.key("down", "enter")
		r.waitFor("Now working in Northwind Traders", 2*time.Second)
		r.key("enter")
		r.waitFor("What palwiz will do", time.Second)
		r.key("enter")
		r.waitFor("Move it", time.Second)
		r.key("y")
		r.waitFor("✓ Moved", time.Second)
		r.key("enter")
		r.waitFor("judged for", 2*time.Second)
		r.key("right", "space", "a")
		r.waitFor("Make 1 change(s) now?", time.Second)
		r.key("y")
		r.waitFor("Done: ", 2*time.Second)
		r.key("enter")
		r.waitFor("✓ YES", time.Second)
		r.key("enter")
		r.waitFor("Sign out and wipe", time.Second)
		r.key("y")
		deadline := time.Now().Add(5 * time.Second)
		for q, _ := r.quitted(); !q; q, _ = r.quitted() {
			if time.Now().After(deadline) {
				t.Fatalf("the wizard did not finish:\n%s", r.screen())
			}
			r.settle()
		}
		return parityRun{calls: f.Calls(), applied: r.m.o.Attributor.(*fakeAttributor).applied, res: r.m.Result()}
	}
	accessibleRun := func() parityRun {
		f := newFake()
		o := Options{Backend: f}
		paritySetup(f, &o)
		c := startAccessible(t, o)
		for _, qa := range [][2]string{
			{"Your partner ID (Enter for 4977985) ", ""},
			{"Which account will you deliver with? (Enter for 1)", "1"},
			{"Approve as pal-service@contoso.onmicrosoft.com (demo)", "2"},
			{"Which customer directory? (Enter for 1)", "2"},
			{"Which customer directory? (Enter for 2)", ""},
			{"to 4977985? [y/N] ", "y"},
			{"Changes palwiz can make", "1"},
			{"Enter a number between 0 and 2: ", ""},
			{"Make 1 change(s) now?", "y"},
			{"Read about attribution, or continue", ""},
			{"Sign out and wipe palwiz's tokens from this computer? [y/N] ", "y"},
		} {
			c.expect(qa[0])
			c.send(qa[1])
		}
		c.wait()
		if c.err != nil {
			t.Fatalf("%v; output:\n%s", c.err, c.out.String())
		}
		return parityRun{calls: f.Calls(), applied: o.Attributor.(*fakeAttributor).applied, res: c.res}
	}

	screen, plain := tuiRun(), accessibleRun()
	t.Logf("calls: %q\nwarnings: %q", screen.calls, screen.res.Warnings)
	if !reflect.DeepEqual(screen.calls, plain.calls) {
		t.Errorf("backend calls differ:\n--- Bubble Tea\n%s\n--- accessible\n%s", strings.Join(screen.calls, "\n"), strings.Join(plain.calls, "\n"))
	}
	if !reflect.DeepEqual(screen.applied, plain.applied) || len(screen.applied) != 1 || screen.applied[0].ID != "app/2" {
		t.Errorf("fixes applied differ: Bubble Tea %+v, accessible %+v (want only app/2)", screen.applied, plain.applied)
	}
	if !reflect.DeepEqual(screen.res.Warnings, plain.res.Warnings) {
		t.Errorf("warnings differ:\n--- Bubble Tea\n%q\n--- accessible\n%q", screen.res.Warnings, plain.res.Warnings)
	}
	if len(screen.res.Warnings) != 2 {
		t.Errorf("warnings = %q, want the guest account's and the moved link's", screen.res.Warnings)
	}
	if !reflect.DeepEqual(screen.res, plain.res) {
		t.Errorf("results differ:\n--- Bubble Tea\n%+v\n--- accessible\n%+v", describe(screen.res), describe(plain.res))
	}
	if r := screen.res; !r.Completed || !r.Validated || !r.SignedOut || r.Link == nil || r.Link.PartnerID != "4977985" || r.Tenant.ID != tNorthwind {
		t.Errorf("result = %+v", describe(r))
	}
}

// describe spells a Result out, pointers followed.
func describe(r Result) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(Summary(r, true)))
	if r.Who != nil {
		b.WriteString(" who=" + r.Who.UPN + "/" + r.Who.TenantID)
	}
	if r.Outcome != nil {
		b.WriteString(" outcome=" + r.Outcome.Summary())
	}
	b.WriteString(" tenant=" + r.Tenant.ID)
	return b.String()
}
