package tui

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// slowWrites makes every write to Power Apps wait long enough for the user
// to stop the apply first.
func slowWrites(t *testing.T, s *sim.Server) {
	t.Helper()
	if err := s.AddFault(sim.Fault{Host: "api.powerapps.com", Method: "POST", Kind: "slow", Delay: sim.Duration(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
}

// waitForWrite waits until the simulator has seen a write to Power Apps.
func waitForWrite(t *testing.T, s *sim.Server, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats()["api.powerapps.com"] <= before {
		if time.Now().After(deadline) {
			t.Fatal("no write reached Power Apps")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the rest of the first writes on their way
}

// TestApplyStoppedInTheWizard: ctrl+c while the changes are being made
// stops them; palwiz reads back the ones on their way, then quits (130)
// and prints, after the screen is gone, each change as done, failed or
// not started. A second ctrl+c while it reads back quits at once.
func TestApplyStoppedInTheWizard(t *testing.T) {
	for _, twice := range []bool{false, true} {
		name := "once"
		if twice {
			name = "twice"
		}
		t.Run(name, func(t *testing.T) {
			at := newSimAttributor(t, nil)
			f := newFake()
			r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: at})
			toAttribution(t, r, f)
			slowWrites(t, at.sim)
			before := at.sim.Stats()["api.powerapps.com"]
			r.key("a")
			r.waitFor("Make 4 changes now?", time.Second)
			r.send(keyMsg("y")) // the apply runs; do not wait for it
			waitForWrite(t, at.sim, before)
			if !strings.Contains(r.screen(), "ctrl+c stop") {
				t.Errorf("the footer does not say ctrl+c stops:\n%s", r.screen())
			}
			r.send(keyMsg("ctrl+c"))
			if twice {
				r.send(keyMsg("ctrl+c"))
				deadline := time.Now().Add(time.Second)
				for _, intr := r.quitted(); !intr; _, intr = r.quitted() {
					if time.Now().After(deadline) {
						t.Fatal("a second ctrl+c did not quit at once")
					}
					time.Sleep(5 * time.Millisecond)
				}
				if lines := strings.Join(r.m.stoppedLines(), "\n"); !strings.Contains(lines, "before it could read them back: run `palwiz check`") {
					t.Errorf("stopped at once: %q", lines)
				}
				return
			}
			if !strings.Contains(r.screen(), "Stopping: palwiz reads back the changes on their way") {
				t.Errorf("the screen does not say it is stopping:\n%s", r.screen())
			}
			r.settle()
			if _, intr := r.quitted(); !intr || !r.m.Cancelled() {
				t.Fatal("the wizard did not end after the stopped apply")
			}
			rec := r.m.Result().Applied
			if rec == nil || !rec.Stopped || len(rec.Results) != 4 || rec.Done != 0 || rec.Failed == 0 {
				t.Fatalf("record %+v", rec)
			}
			lines := strings.Join(r.m.stoppedLines(), "\n")
			for _, w := range []string{"palwiz stopped while making attribution changes. Stopped: of 4 changes, 0 done,",
				"Failed: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app", "Stopped before the service answered; reading it again right after shows no change"} {
				if !strings.Contains(lines, w) {
					t.Errorf("the record lacks %q:\n%s", w, lines)
				}
			}
		})
	}
}

// TestApplyStoppedAccessible: the same in the accessible runner: the
// interrupt (its context ending) stops the apply, and the record is read
// out before palwiz ends as cancelled.
func TestApplyStoppedAccessible(t *testing.T) {
	at := newSimAttributor(t, nil)
	c := signInAccessible(t, at)
	c.expect("now? [Y/n] ")
	c.send("")
	c.expect("Enter a number between 0 and 8: ")
	slowWrites(t, at.sim)
	before := at.sim.Stats()["api.powerapps.com"]
	c.send("")
	c.expect("Make 4 changes now? [y/N] ")
	c.send("y")
	c.expect("Making the changes, then reading each one back.")
	waitForWrite(t, at.sim, before)
	c.cancel()
	c.expect("Stopped: of 4 changes, 0 done,")
	c.expect("Stopped before the service answered; reading it again right after shows no change.")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v", c.err)
	}
	if rec := c.res.Applied; rec == nil || !rec.Stopped || rec.ExitCode() != 130 {
		t.Errorf("record %+v", rec)
	}
}

// TestApplyConvergesAccessible: against the simulator, the accessible
// runner applies the plan, then the plan has nothing palwiz can change;
// checking again keeps it at zero and lists what only a person can do.
func TestApplyConvergesAccessible(t *testing.T) {
	at := newSimAttributor(t, nil)
	c := signInAccessible(t, at)
	c.expect("now? [Y/n] ")
	c.send("")
	c.expect("4 changes palwiz can make, 0 steps to do by hand.")
	c.expect("Enter a number between 0 and 8: ")
	c.send("")
	c.expect("Make 4 changes now? [y/N] ")
	c.send("y")
	c.expect("All done: 4 changes done.")
	c.expect("The fix plan now: Nothing palwiz can change.")
	// Choose changes again: only the advice is left, none of it ticked.
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("2")
	c.expect("Enter a number between 0 and 4: ")
	c.send("")
	c.expect("Attribution: what now? (Enter for 1)")
	// Check again: the service agrees.
	c.send("6")
	c.expect("Checking who owns the resources in Contoso Ltd.")
	c.expect("Nothing palwiz can change.")
	c.expect("Enter a number between 0 and 4: ")
	c.send("")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if n := strings.Count(strings.Join(at.Applied(), "\n"), "co-owner (CanEdit)"); n != 4 {
		t.Errorf("applied %q, want the four co-owners once", at.Applied())
	}
	if rec := c.res.Applied; rec == nil || !rec.Complete() {
		t.Errorf("record %+v", rec)
	}
}

// TestAttributionGuest: a guest who is no Power Platform administrator in
// the customer's directory: what could not be read comes first, nothing is
// called attributed or "nothing found", the guest is named by its home
// address and told to sign in with it.
func TestAttributionGuest(t *testing.T) {
	at := newSimAttributorAs(t, anaUPN, nil)
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: at, Width: 100, Height: 60})
	toAttribution(t, r, f)
	screen := strings.Join(strings.Fields(r.screen()), " ") // the text, whatever the wrapping
	for _, w := range []string{"judged for ana.lopez@fabrikam.example (guest).", "✗ Not checked: Everything in Power Platform admin",
		"! Incomplete: 1 part could not be checked", "it signs in as ana.lopez@fabrikam.example, its home account"} {
		if !strings.Contains(screen, w) {
			t.Errorf("the screen does not show %q:\n%s", w, screen)
		}
	}
	for _, bad := range []string{"Nothing that can earn credit", "Nothing to fix", "attributed to ana.lopez_fabrikam"} {
		if strings.Contains(screen, bad) {
			t.Errorf("the screen says %q after a failed read:\n%s", bad, screen)
		}
	}
	r.key("right")
	if s := strings.Join(strings.Fields(r.screen()), " "); !strings.Contains(s, "Incomplete: 1 part of the check could not be read") || strings.Contains(s, "Nothing to fix") {
		t.Errorf("the plan after a failed read:\n%s", s)
	}
}

// TestRunPrintsStoppedApply runs the wizard program itself (Run, with the
// keys on a pipe) to Attribution, applies, and stops with ctrl+c while the
// changes are on their way: Run ends as cancelled and, after the screen,
// prints each change as done, failed or not started.
func TestRunPrintsStoppedApply(t *testing.T) {
	at := newSimAttributor(t, nil)
	f := newFake()
	f.approve() // the device code is approved as soon as it is asked for
	in, keys := io.Pipe()
	t.Cleanup(func() { _ = keys.Close() })
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), Options{Backend: f, Attributor: at, In: in, Out: out, NoColor: true, Width: 80, Height: 24,
			Now: func() time.Time { return fixedNow }})
		done <- err
	}()
	press := func(s string) {
		t.Helper()
		if _, err := io.WriteString(keys, s); err != nil {
			t.Fatal(err)
		}
	}
	waitCall := func(name string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !slices.ContainsFunc(f.Calls(), func(c string) bool { return strings.HasPrefix(c, name) }) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s call: %q", name, f.Calls())
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // its answer on the screen
	}
	time.Sleep(200 * time.Millisecond)
	press("4977985\r")
	time.Sleep(100 * time.Millisecond)
	press("\r")
	waitCall("WhoAmI")
	press("\r")
	waitCall("Tenants")
	press("\r")
	waitCall("ReadLink")
	press("\r")
	waitCall("Link ")
	slowWrites(t, at.sim)
	press("\r")
	deadline := time.Now().Add(10 * time.Second)
	for at.sim.Stats()["api.bap.microsoft.com"] == 0 || at.scansDone() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no check")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	before := at.sim.Stats()["api.powerapps.com"]
	press("a")
	time.Sleep(100 * time.Millisecond)
	press("y")
	waitForWrite(t, at.sim, before)
	press("\x03")
	select {
	case err := <-done:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the wizard did not end after ctrl+c")
	}
	o := out.String()
	i := strings.LastIndex(o, "palwiz stopped while making attribution changes.")
	if i < 0 {
		t.Fatalf("no record after the screen: %q", tail(o, 800))
	}
	record := o[i:]
	for _, w := range []string{"Stopped: of 4 changes, 0 done,", "Failed: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app"} {
		if !strings.Contains(record, w) {
			t.Errorf("the record lacks %q:\n%s", w, record)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
