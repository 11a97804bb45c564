package tui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// paritySetup is the parity test's world: three directories, the
// consultant a guest in Northwind, where the link belongs to another
// partner, and an attribution scan with a plan of fixes.
func paritySetup(f *fakeBackend, o *Options) {
	threeTenants(f, o)
	demoOpts(f, o)
	f.links[tNorthwind] = &steps.PartnerLink{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tNorthwind, State: "Active"}
}

// parityRun is what one renderer did.
type parityRun struct {
	calls   []string
	applied []string
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
		at := newSimAttributor(t, nil)
		o := Options{Backend: f, NoColor: true, Width: 100, Height: 30, Attributor: at}
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
		r.waitFor("Make 3 changes now?", time.Second)
		r.key("y")
		r.waitFor("All done: 3 changes done.", 10*time.Second)
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
		return parityRun{calls: f.Calls(), applied: at.Applied(), res: r.m.Result()}
	}
	accessibleRun := func() parityRun {
		f := newFake()
		at := newSimAttributor(t, nil)
		o := Options{Backend: f, Attributor: at}
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
			{"Enter a number between 0 and 8: ", ""},
			{"Make 3 changes now?", "y"},
			{"Attribution: what now? (Enter for 1)", ""},
			{"Sign out and wipe palwiz's tokens from this computer? [y/N] ", "y"},
		} {
			c.expect(qa[0])
			c.send(qa[1])
		}
		c.wait()
		if c.err != nil {
			t.Fatalf("%v; output:\n%s", c.err, c.out.String())
		}
		if !strings.Contains(c.out.String(), "All done: 3 changes done.") {
			t.Errorf("the accessible run does not say what applying did:\n%s", c.out.String())
		}
		return parityRun{calls: f.Calls(), applied: at.Applied(), res: c.res}
	}

	screen, plain := tuiRun(), accessibleRun()
	t.Logf("calls: %q\nwarnings: %q", screen.calls, screen.res.Warnings)
	if !reflect.DeepEqual(screen.calls, plain.calls) {
		t.Errorf("backend calls differ:\n--- Bubble Tea\n%s\n--- accessible\n%s", strings.Join(screen.calls, "\n"), strings.Join(plain.calls, "\n"))
	}
	if !reflect.DeepEqual(screen.applied, plain.applied) || len(screen.applied) != 3 || strings.Contains(strings.Join(screen.applied, "\n"), "Team Birthdays") {
		t.Errorf("fixes applied differ: Bubble Tea %q, accessible %q (want all but the first)", screen.applied, plain.applied)
	}
	if !reflect.DeepEqual(screen.res.Warnings, plain.res.Warnings) {
		t.Errorf("warnings differ:\n--- Bubble Tea\n%q\n--- accessible\n%q", screen.res.Warnings, plain.res.Warnings)
	}
	if len(screen.res.Warnings) != 3 {
		t.Errorf("warnings = %q, want the guest account's, the account kind's (a dedicated account chosen, a guest signed in) and the moved link's", screen.res.Warnings)
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

// TestParityDelivered: the two renderers mark the same resource as
// delivered, get the same plan (one take-over, with what the customer
// loses said before the yes), make the same change and end with the same
// Result and record.
func TestParityDelivered(t *testing.T) {
	const name = "Regional Targets"
	tuiRun := func() (parityRun, *Model) {
		f := newFake()
		at := newSimAttributor(t, nil)
		r := newRunner(t, Options{Backend: f, NoColor: true, Width: 100, Height: 30, Attributor: at, Ephemeral: true})
		toAttribution(t, r, f)
		markDelivered(t, r, name)
		r.key("a")
		r.waitFor("Make 1 change now?", time.Second)
		if s := strings.Join(strings.Fields(r.screen()), " "); !strings.Contains(s, "What the customer loses: This takes dataset \"Regional") {
			t.Errorf("the question does not say what the customer loses:\n%s", r.screen())
		}
		r.key("y")
		r.waitFor("Done: 1 change done.", 10*time.Second)
		r.key("enter")
		r.waitFor("✓ YES", time.Second)
		r.key("enter")
		r.waitFor("Sign out and wipe", time.Second)
		r.key("y")
		r.settle()
		return parityRun{calls: f.Calls(), applied: at.Applied(), res: r.m.Result()}, r.m
	}
	accessibleRun := func() parityRun {
		f := newFake()
		at := newSimAttributor(t, nil)
		c := startAccessible(t, Options{Backend: f, Attributor: at, Ephemeral: true})
		var a attrFacts
		res, err := at.Scan(context.Background(), tContoso, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.scanned(tContoso, res)
		n := 0
		for i, r := range a.candidates() {
			if r.Name == name {
				n = i + 1
			}
		}
		c.expect("Your partner ID ")
		c.send("4977985")
		c.expect("Which account will you deliver with? (Enter for 1)")
		c.send("")
		c.expect("enter the code HQ7XK9M2B")
		f.approve()
		for _, qa := range [][2]string{
			{"now? [Y/n] ", ""},
			{"Changes palwiz can make", ""},
			{"Make 4 changes now? [y/N] ", "n"},
			{"Attribution: what now? (Enter for 1)", "3"},
			{"Which of these did your organisation deliver?", fmt.Sprint(n)},
			{"Enter a number between 0 and ", ""},
			{"Changes palwiz can make", ""},
			{"Make 1 change now? [y/N] ", "y"},
			{"Attribution: what now? (Enter for 1)", ""},
			{"Sign out and wipe palwiz's tokens from this computer? [Y/n] ", ""},
		} {
			c.expect(qa[0])
			c.send(qa[1])
		}
		out := strings.Join(strings.Fields(c.out.String()), " ")
		for _, w := range []string{"1 marked as delivered.", "What the customer loses: This takes dataset \"Regional Targets\" away from megan.bowen@contoso.onmicrosoft.com. megan.bowen@contoso.onmicrosoft.com stops being the dataset's owner. Refreshes then use the linked account's credentials: enter the data source credentials again right after (dataset settings > Data source credentials), or scheduled refresh fails. Make 1 change now?",
			"Done: 1 change done."} {
			if !strings.Contains(out, w) {
				t.Errorf("the accessible run does not say %q", w)
			}
		}
		c.wait()
		if c.err != nil {
			t.Fatalf("%v; output:\n%s", c.err, c.out.String())
		}
		return parityRun{calls: f.Calls(), applied: at.Applied(), res: c.res}
	}
	screen, m := tuiRun()
	plain := accessibleRun()
	if !reflect.DeepEqual(screen.applied, plain.applied) || len(screen.applied) != 1 || !strings.Contains(screen.applied[0], "Take over dataset \"Regional Targets\"") {
		t.Errorf("fixes applied: Bubble Tea %q, accessible %q", screen.applied, plain.applied)
	}
	if !reflect.DeepEqual(screen.calls, plain.calls) {
		t.Errorf("backend calls differ:\n%q\n%q", screen.calls, plain.calls)
	}
	if !reflect.DeepEqual(screen.res, plain.res) {
		t.Errorf("results differ:\n--- Bubble Tea\n%+v\n--- accessible\n%+v", describe(screen.res), describe(plain.res))
	}
	if rec := screen.res.Applied; rec == nil || rec.Done != 1 || rec.Results[0].After == nil || rec.Results[0].After.Verdict != attribution.CannotTell {
		t.Errorf("the take-over's record: %+v", rec)
	}
	if marks := m.f.attr.marks; len(marks) != 1 {
		t.Errorf("marks %q", marks)
	}
}
