//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// slowApps are canvas apps added to Contoso Production whose sharing the
// simulator answers only after a long wait: an apply is still making them
// when it is stopped.
const slowAppPrefix = "d1a0c0de-5100-4000-8000-"

// TestApplyInterruptedKeepsRecord: SIGINT or SIGTERM in the middle of
// `fix --apply` ends it (exit 130) with the running record: each change
// done, failed (on its way when stopped, and read back unchanged) or not
// started, as text and, under -o json, in the document. The defect: it
// printed "Cancelled." and nothing of the changes already made.
func TestApplyInterruptedKeepsRecord(t *testing.T) {
	for _, tc := range []struct {
		sig    syscall.Signal
		format string
	}{{syscall.SIGINT, "table"}, {syscall.SIGTERM, "json"}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			h := newHarness(t, func(sc *sim.Scenario) {
				env := &sc.PowerPlatform.Tenants[0].Environments[1]
				if env.CanvasApps[0].ID != "d1a0c0de-0000-4000-8000-000000000201" && !strings.HasPrefix(env.CanvasApps[0].ID, "d1a0c0de-0000-4000-8000-0000000002") {
					t.Fatalf("the demo changed: %s", env.CanvasApps[0].ID)
				}
				for i := range 6 {
					env.CanvasApps = append(env.CanvasApps, sim.CanvasApp{ID: fmt.Sprintf("%s%012d", slowAppPrefix, i+1),
						DisplayName: fmt.Sprintf("Zz slow %d", i+1), Owner: "2b3c4d5e-6f70-4b81-9ca2-c0de00000312"})
				}
			})
			if err := h.sim.AddFault(sim.Fault{Host: "api.powerapps.com", Method: "POST", Path: slowAppPrefix, Kind: "slow",
				Delay: sim.Duration(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			p := newProc(t, h, t.TempDir(), t.TempDir())
			args := []string{"fix", "-p", "canvas-app", "-o", tc.format,
				"--linked-object-id", "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", "--linked-upn", "pal-service@contoso.onmicrosoft.com"}
			env := envList(envSP(contosoSPApp, contosoID, contosoSecret))
			// The plan alone: how many Power Apps requests the check makes.
			before := h.sim.Stats()["api.powerapps.com"]
			if r := p.run("", env, args...); r.code != 0 || !strings.Contains(r.stdout, "Zz slow 6") {
				t.Fatalf("plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			scan := h.sim.Stats()["api.powerapps.com"] - before
			cmd := exec.Command(p.bin, append(args, "--apply", "--yes")...)
			cmd.Env = append(append([]string{}, p.env...), env...)
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			start := h.sim.Stats()["api.powerapps.com"]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Midway: the check, the four demo apps shared and read back,
			// and four slow shares on their way (four at a time); two not
			// begun.
			want := start + scan + 4 + 4 + 4
			deadline := time.Now().Add(30 * time.Second)
			for h.sim.Stats()["api.powerapps.com"] < want {
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("the apply never got under way: %d of %d requests; stderr %s", h.sim.Stats()["api.powerapps.com"]-start, want-start, errb.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			_ = cmd.Process.Signal(tc.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(StopBound):
				_ = cmd.Process.Kill()
				t.Fatalf("%v did not stop the apply", tc.sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit %d; stdout %s; stderr %s", code, out.String(), errb.String())
			}
			checkRecord(t, h, tc.format, out.String(), errb.String())
		})
	}
}

// StopBound is how long a stopped apply may take to read back what was on
// its way (attribution.StopReadBack) and end.
const StopBound = 20 * time.Second

func checkRecord(t *testing.T, h *harness, format, stdout, stderr string) {
	t.Helper()
	if format == "json" {
		var doc struct {
			Record struct {
				Stopped                           bool
				Done, Failed, Unknown, NotStarted int
			}
			Results []struct {
				State string
				Fix   struct{ Resource struct{ Name string } }
			}
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("stdout is not the record: %v\n%s", err, stdout)
		}
		r := doc.Record
		if !r.Stopped || len(doc.Results) != 10 || r.Done+r.Failed+r.Unknown+r.NotStarted != 10 || r.Done < 4 || r.NotStarted < 1 {
			t.Fatalf("record %+v of %d results\n%s", r, len(doc.Results), stdout)
		}
		for _, x := range doc.Results {
			slow := strings.HasPrefix(x.Fix.Resource.Name, "Zz slow")
			if slow && x.State == "done" || !slow && x.State != "done" {
				t.Errorf("%s: %s", x.Fix.Resource.Name, x.State)
			}
		}
		if !strings.Contains(stdout, `"actingAs"`) || !strings.Contains(stderr, `"code": "cancelled"`) {
			t.Fatalf("stderr %s", stderr)
		}
		return
	}
	for _, want := range []string{"Stopped: of 10 changes, 4 done, ", " not started.", "\nDone: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app \"Site Survey\"",
		"\nNot started: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app \"Zz slow"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the record lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, "\nFailed: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app \"Zz slow") &&
		!strings.Contains(stdout, "\nNot known: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of canvas app \"Zz slow") {
		t.Errorf("no change on its way when stopped:\n%s", stdout)
	}
	if !strings.Contains(stderr, "Cancelled.") || !strings.Contains(stderr, "applying the changes.") {
		t.Errorf("stderr %s", stderr)
	}
	t.Logf("the record:\n%s", stdout)
}
