package attribution

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// The canvas apps of the demo that the plan without marks gives the
// linked account as co-owner, by app ID.
const (
	appSiteSurvey    = "d1a0c0de-0000-4000-8000-000000000203"
	appVisitBooking  = "d1a0c0de-0000-4000-8000-000000000103"
	appTeamBirthdays = "d1a0c0de-0000-4000-8000-000000000102"
	appVisitorCheck  = "d1a0c0de-0000-4000-8000-000000000204"
)

func resultsByName(rs []FixResult) map[string]FixResult {
	out := map[string]FixResult{}
	for _, r := range rs {
		out[r.Fix.Resource.Name] = r
	}
	return out
}

// A write whose answer is lost is read again: made after all is done
// (recovered); refused, or not made, is failed; lost with a failed read
// is not known. Every change has its line in the record.
func TestApplyReadsBackFailedWrites(t *testing.T) {
	s, env, res := demoScan(t, nil)
	plan := PlanFixes(res, FixOptions{})
	faults := []sim.Fault{
		// Site Survey: the share is made, the answer lost (a gateway time-out
		// after the service did the work; writes are not retried on it).
		{Host: "api.powerapps.com", Method: "POST", Path: appSiteSurvey, Kind: "status", Status: 504, AfterServe: true, Times: 1},
		// Visit Booking: the share is made, the answer lost, and the read-back refused.
		{Host: "api.powerapps.com", Method: "POST", Path: appVisitBooking, Kind: "status", Status: 504, AfterServe: true, Times: 1},
		{Host: "api.powerapps.com", Method: "GET", Path: appVisitBooking + "/permissions", Kind: "status", Status: 403, Code: "Forbidden"},
		// Team Birthdays: a server error before anything is done.
		{Host: "api.powerapps.com", Method: "POST", Path: appTeamBirthdays, Kind: "status", Status: 500, Times: 1},
		// Visitor Check-in: refused.
		{Host: "api.powerapps.com", Method: "POST", Path: appVisitorCheck, Kind: "status", Status: 403, Code: "Forbidden", Times: 1},
	}
	for _, f := range faults {
		if err := s.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	results, err := ApplyFixes(context.Background(), env, res, plan.Applicable(), nil)
	if err != nil {
		t.Fatal(err)
	}
	by := resultsByName(results)
	want := map[string]struct {
		state     ChangeState
		recovered bool
		says      string
	}{
		"Site Survey":      {ChangeDone, true, "reading it again shows the change made"},
		"Visit Booking":    {ChangeUnknown, false, "cannot tell whether the change was made"},
		"Team Birthdays":   {ChangeFailed, false, "reading it again right after shows no change"},
		"Visitor Check-in": {ChangeFailed, false, "reading it again right after shows no change"},
	}
	for name, w := range want {
		r := by[name]
		if r.State != w.state || r.Recovered != w.recovered || !strings.Contains(r.Error, w.says) {
			t.Errorf("%s: state %s recovered %v error %q; want %s %v %q", name, r.State, r.Recovered, r.Error, w.state, w.recovered, w.says)
		}
	}
	if r := by["Site Survey"]; r.After == nil || r.After.Verdict != Attributed || !r.Applied {
		t.Errorf("the recovered change: %+v", r.After)
	}
	rec := NewApplyRecord(results, err)
	if rec.Done != 1 || rec.Failed != 2 || rec.Unknown != 1 || rec.NotStarted != 0 || rec.Stopped || rec.ExitCode() != ExitPartial {
		t.Errorf("record %+v", rec)
	}
	if h := rec.Headline(); h != "Not every change was made: of 4, 1 done, 2 failed, 1 not known." {
		t.Errorf("headline %q", h)
	}
	lines := strings.Join(rec.Lines(), "\n")
	for _, w := range []string{`Done: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app "Site Survey" (now attributed).`,
		`Not known: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app "Visit Booking".`,
		`Failed: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app "Visitor Check-in".`} {
		if !strings.Contains(lines, w) {
			t.Errorf("the record lacks %q:\n%s", w, lines)
		}
	}
	// What the service holds agrees with the record: the share that was
	// "lost" is there, the refused ones are not.
	again := rescan(t, env)
	for _, r := range again.Resources {
		switch r.Name {
		case "Site Survey":
			if r.Verdict != Attributed {
				t.Errorf("Site Survey is %s in a new check", r.Verdict)
			}
		case "Team Birthdays", "Visitor Check-in":
			if r.LinkedRole == "co-owner (CanEdit)" {
				t.Errorf("%s was shared although the record says failed", r.Name)
			}
		}
	}
}

// Stopped midway (Ctrl-C): the changes on their way are read again and
// reported as they are, the others as not started, in order; the record
// goes out as JSON with the same states.
func TestApplyStoppedMidway(t *testing.T) {
	s, env, res := demoScan(t, nil)
	plan := PlanFixes(res, FixOptions{})
	// Four co-owners, then the advice: more changes than go four at a time.
	fixes := append(plan.Applicable(), plan.Advice...)
	if len(fixes) < 6 {
		t.Fatalf("%d fixes", len(fixes))
	}
	// Every write waits long enough for the stop to come first.
	for _, m := range []string{"POST", "PATCH"} {
		if err := s.AddFault(sim.Fault{Method: m, Kind: "slow", Delay: sim.Duration(20 * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var posted atomic.Bool
	go func() {
		// Stop once the first writes are on their way.
		for s.Stats()["api.powerapps.com"] == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		posted.Store(true)
		cancel()
	}()
	start := time.Now()
	results, err := ApplyFixes(ctx, env, res, fixes, nil)
	if took := time.Since(start); took > StopReadBack+5*time.Second {
		t.Errorf("the stopped apply took %v", took)
	}
	if !posted.Load() || err == nil {
		t.Fatalf("err %v", err)
	}
	if len(results) != len(fixes) {
		t.Fatalf("%d results for %d fixes", len(results), len(fixes))
	}
	rec := NewApplyRecord(results, err)
	if !rec.Stopped || rec.ExitCode() != 130 || rec.Done != 0 || rec.NotStarted == 0 || rec.Failed+rec.Unknown == 0 {
		t.Errorf("record %+v", rec)
	}
	for i, r := range results {
		if r.Fix.ID() != fixes[i].ID() {
			t.Errorf("result %d is %s, asked %s", i, r.Fix.ID(), fixes[i].ID())
		}
		switch r.State {
		case ChangeFailed:
			if !strings.Contains(r.Error, "Stopped before the service answered; reading it again right after shows no change") {
				t.Errorf("%s: %q", r.Fix.Summary, r.Error)
			}
		case ChangeNotStarted:
		default:
			t.Errorf("%s: %s %q", r.Fix.Summary, r.State, r.Error)
		}
	}
	if !strings.HasPrefix(rec.Headline(), fmt.Sprintf("Stopped: of %d changes, 0 done, ", len(fixes))) {
		t.Errorf("headline %q", rec.Headline())
	}
	b, jerr := json.Marshal(rec)
	if jerr != nil || !strings.Contains(string(b), `"state":"not-started"`) || !strings.Contains(string(b), `"stopped":true`) {
		t.Errorf("json %s %v", b, jerr)
	}
	// Nothing was shared after all: the service agrees with the record.
	s.ClearFaults()
	for _, r := range rescan(t, env).Resources {
		if r.Product == CanvasApp && r.Verdict == Attributed && (r.Name == "Site Survey" || r.Name == "Team Birthdays") {
			t.Errorf("%s was changed although the record says not made", r.Name)
		}
	}
}

func TestApplyRecordWords(t *testing.T) {
	fix := Fix{Summary: "Add X as co-owner of canvas app \"A\""}
	after := &Resource{Verdict: Attributed}
	cases := []struct {
		r    FixResult
		want string
	}{
		{FixResult{Fix: fix, State: ChangeDone, Applied: true, After: after}, `Done: Add X as co-owner of canvas app "A" (now attributed)`},
		{FixResult{Fix: fix, State: ChangeDone, InEffect: true, After: after}, `Already in effect, nothing changed: Add X as co-owner of canvas app "A" (now attributed)`},
		{FixResult{Fix: fix, State: ChangeFailed, Error: "the service refused it [HTTP 403]"}, `Failed: Add X as co-owner of canvas app "A". The service refused it [HTTP 403].`},
		{FixResult{Fix: fix, State: ChangeNotStarted}, `Not started: Add X as co-owner of canvas app "A".`},
	}
	for _, c := range cases {
		if got := c.r.Line(); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
	all := NewApplyRecord([]FixResult{cases[0].r, cases[1].r}, nil)
	if all.Headline() != "All done: 2 changes done." || !all.Complete() || all.ExitCode() != 0 {
		t.Errorf("%q %+v", all.Headline(), all)
	}
	if NewApplyRecord(nil, nil).Headline() != "Nothing palwiz can change." {
		t.Error("an empty record")
	}
}
