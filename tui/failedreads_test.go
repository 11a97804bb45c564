package tui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

// wizardAllClear are the phrases only a complete check may lead to, on
// any screen or in any line of the accessible runner.
var wizardAllClear = []string{"Nothing to fix", "Nothing that can earn credit was found", "every resource that counts is attributed",
	"every read succeeded", "Nothing to mark: every resource"}

// failedReadCases are the failed reads every wizard summary must own up
// to: a 403 on each Power Platform host, Dataverse throttled without end,
// and a service principal whose secret palwiz no longer has.
var failedReadCases = []struct {
	name  string
	fault *sim.Fault
	// want is what the Attribution step must say (the cause, by its name,
	// and for a missing secret the way forward).
	want []string
}{
	{"403 on BAP", &sim.Fault{Host: "api.bap.microsoft.com", Kind: "status", Status: 403, Code: "Forbidden"}, []string{"Not checked: Everything in Power Platform admin (BAP)"}},
	{"403 on Power Apps", &sim.Fault{Host: "api.powerapps.com", Kind: "status", Status: 403, Code: "Forbidden"}, []string{"Not checked: Canvas apps"}},
	{"403 on Power Automate", &sim.Fault{Host: "api.flow.microsoft.com", Kind: "status", Status: 403, Code: "Forbidden"}, []string{"Not checked: Cloud flows"}},
	{"403 on Dataverse", &sim.Fault{Host: "contosoprod.api.crm.dynamics.com", Kind: "status", Status: 403, Code: "0x80040220"}, []string{"Not checked: Model-driven apps in Contoso Production"}},
	{"403 on Power BI", &sim.Fault{Host: "api.powerbi.com", Kind: "status", Status: 403, Code: "Forbidden"}, []string{"Not checked: Power BI datasets"}},
	{"Dataverse throttled", &sim.Fault{Host: "contosoprod.api.crm.dynamics.com", Kind: "throttle", RetryAfter: 1}, []string{"Not checked: Model-driven apps in Contoso Production"}},
	{"403 on Customer Insights", &sim.Fault{Host: "api.ci.ai.dynamics.com", Kind: "status", Status: 403, Code: "Forbidden"}, []string{"Not checked: Customer Insights instances"}},
	{"missing secret", nil, []string{"palwiz does not have this service principal's secret", secretNeededNext}},
	{"sign-in revoked", &sim.Fault{Kind: "revoke"}, []string{signInAgainNext}},
}

// failedReadAttributor is the real attributor over the simulator with the
// case's failure: a fault, or a service principal signed in earlier whose
// secret this run does not have.
func failedReadAttributor(t *testing.T, fault *sim.Fault) Attributor {
	t.Helper()
	if fault != nil && fault.Kind == "revoke" {
		// The account's sessions are revoked after it signed in: every
		// token palwiz holds is refused, and no refresh is possible.
		at := newSimAttributor(t, nil)
		at.sim.RevokeUser(serviceUPN)
		at.sim.ExpireAccessTokens()
		return at
	}
	if fault != nil {
		at := newSimAttributor(t, nil)
		if err := at.sim.AddFault(*fault); err != nil {
			t.Fatal(err)
		}
		if fault.Host == "api.ci.ai.dynamics.com" {
			// Customer Insights outside Dataverse is read with its API key.
			at.inner = NewAttributor(at.env, "sim-contoso-ci-key-1")
		}
		return at
	}
	w := simtest.Start(t, simtest.Options{})
	ctx := context.Background()
	store := keyring.NewStore(&keyring.Memory{}, "palwiz-test")
	first, err := auth.Open(ctx, auth.Config{Cloud: w.Cloud, CloudID: "sim:test", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.LoginServicePrincipal(ctx, simtest.ContosoID, simtest.ContosoSPApp, auth.SPCredential{Secret: simtest.ContosoSecret}); err != nil {
		t.Fatal(err)
	}
	again, err := auth.Open(ctx, auth.Config{Cloud: w.Cloud, CloudID: "sim:test", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return NewAttributor(&steps.Env{Cloud: w.Cloud, Session: again}, "")
}

// noAllClear fails when text (squeezed) claims all is well.
func noAllClear(t *testing.T, where, text string) {
	t.Helper()
	for _, bad := range wizardAllClear {
		if strings.Contains(text, bad) {
			t.Errorf("%s says %q after a failed read:\n%s", where, bad, text)
		}
	}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestFailedReadsNeverAllClear: for each failed read, no screen of the
// wizard (Attribution's tabs, Validation, Done) and no line of the
// accessible runner contains an all-clear; each says what was not checked.
func TestFailedReadsNeverAllClear(t *testing.T) {
	for _, c := range failedReadCases {
		t.Run(c.name+"/screen", func(t *testing.T) {
			f := newFake()
			r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: failedReadAttributor(t, c.fault), Width: 120, Height: 200})
			toAttribution(t, r, f)
			screen := squeeze(r.screen())
			for _, w := range c.want {
				if !strings.Contains(screen, w) {
					t.Errorf("Attribution does not say %q:\n%s", w, screen)
				}
			}
			noAllClear(t, "Attribution", screen)
			for _, tab := range []string{"▸ Fix plan", "▸ Delivered"} {
				r.key("right")
				r.settle()
				if s := r.screen(); strings.Contains(s, tab) {
					noAllClear(t, tab, squeeze(s))
				}
			}
			r.key("enter")
			r.waitFor("Is ", 5*time.Second)
			r.settle()
			validation := squeeze(r.screen())
			noAllClear(t, "Validation", validation)
			if !strings.Contains(validation, "not checked") && !strings.Contains(validation, "Not checked") && !strings.Contains(validation, "could not") {
				t.Errorf("Validation does not say what was not checked:\n%s", validation)
			}
			r.key("enter")
			r.waitFor("Next", 5*time.Second)
			done := squeeze(r.screen())
			noAllClear(t, "Done", done)
			if !strings.Contains(done, "not checked") && !strings.Contains(done, "Not checked") && !strings.Contains(done, "could not") {
				t.Errorf("Done does not say what was not checked:\n%s", done)
			}
			partialResult(t, r.m.Result())
		})
		t.Run(c.name+"/accessible", func(t *testing.T) {
			f := newFake()
			con := startAccessible(t, Options{Backend: f, Attributor: failedReadAttributor(t, c.fault), Ephemeral: true})
			con.expect("Your partner ID ")
			con.send("4977985")
			con.expect("Enter a number between 1 and 4: ")
			con.send("")
			con.expect("enter the code HQ7XK9M2B")
			f.approve()
			con.expect("now? [Y/n] ")
			con.send("")
			// Every later question is answered with Enter (its default):
			// no changes, on to Validation and Done, keep the tokens; a
			// failed check is not tried again.
			go func() {
				for {
					select {
					case <-con.done:
						return
					case <-time.After(20 * time.Millisecond):
						line := "\n"
						if strings.HasSuffix(con.out.String(), "Try again? [Y/n] ") {
							line = "n\n"
						}
						if _, err := io.WriteString(con.in, line); err != nil {
							return
						}
					}
				}
			}()
			con.wait()
			out := con.out.String()
			i := strings.Index(out, "Step 3 of 3: Attribution")
			if i < 0 {
				t.Fatalf("no Attribution:\n%s", out)
			}
			rest := squeeze(out[i:])
			for _, w := range c.want {
				if !strings.Contains(rest, w) {
					t.Errorf("the accessible Attribution does not say %q:\n%s", w, rest)
				}
			}
			noAllClear(t, "the accessible runner", rest)
			partialResult(t, con.res)
		})
	}
}

// partialResult: the run's result is partial (the wizard exits 4), and the
// summary printed after it starts with what was not checked.
func partialResult(t *testing.T, res Result) {
	t.Helper()
	if !res.Partial() {
		t.Errorf("the result is not partial: %+v", res)
	}
	sum := Summary(res, false)
	if !strings.HasPrefix(sum, "Not checked: ") && !strings.HasPrefix(sum, "Attribution not checked: ") {
		t.Errorf("the summary does not start with what was not checked:\n%s", sum)
	}
	noAllClear(t, "the summary", sum)
}

// A complete check is not partial, and its summary says what it found.
func TestSummaryCarriesAttribution(t *testing.T) {
	at := newSimAttributor(t, nil)
	f := newFake()
	r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: at, Width: 100, Height: 60})
	toAttribution(t, r, f)
	res := r.m.Result()
	if res.Partial() || res.Attribution == nil {
		t.Fatalf("result %+v", res)
	}
	if sum := Summary(res, false); !strings.Contains(sum, "Attribution: 11 of 31 resources that count are attributed to pal-service@contoso.onmicrosoft.com.") {
		t.Errorf("summary:\n%s", sum)
	}
}
