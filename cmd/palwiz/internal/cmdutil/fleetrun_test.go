package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/steps/fleet"
)

// TestRunFleetOfProgress: the progress line is drawn on a terminal's
// stderr (done, failed, left) and cleared at the end; without a terminal
// nothing extra is written.
func TestRunFleetOfProgress(t *testing.T) {
	t.Parallel()
	ts := make([]arm.Tenant, 12)
	for i := range ts {
		ts[i] = arm.Tenant{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
	}
	for _, tty := range []bool{true, false} {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tty)
		f := NewFactory(ios, config.FromEnv(func(string) string { return "" }), &keyring.Memory{}, BuildInfo{})
		run := &FleetRun{f: f, Flags: FleetFlags{Concurrency: 2}, Targets: fleet.All(ts)}
		res, sum, err := RunFleetOf(context.Background(), run, func(_ context.Context, tg fleet.Target) (string, bool) {
			time.Sleep(30 * time.Millisecond)
			return tg.Tenant.ID, !strings.HasSuffix(tg.Tenant.ID, "3")
		})
		if err != nil || len(res) != 12 || sum.Failed != 1 {
			t.Fatalf("tty %v: %+v %v", tty, sum, err)
		}
		got := errOut.String()
		if !tty {
			if got != "" {
				t.Errorf("without a terminal stderr got %q", got)
			}
			continue
		}
		if !strings.Contains(got, "\r\x1b[K") || !strings.Contains(got, " of 12 done · ") || !strings.Contains(got, " left") {
			t.Errorf("no progress line: %q", got)
		}
		if !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("the progress line is not cleared: %q", got)
		}
	}
}

// TestRunFleetOfInterrupted: Ctrl-C says how to resume and maps to exit 130.
func TestRunFleetOfInterrupted(t *testing.T) {
	t.Parallel()
	ios, _, _, errOut := iostreams.Test()
	f := NewFactory(ios, config.FromEnv(func(string) string { return "" }), &keyring.Memory{}, BuildInfo{})
	ts := make([]arm.Tenant, 20)
	for i := range ts {
		ts[i] = arm.Tenant{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &FleetRun{f: f, Flags: FleetFlags{Concurrency: 1}, Targets: fleet.All(ts)}
	n := 0
	res, _, err := RunFleetOf(ctx, run, func(ctx context.Context, tg fleet.Target) (int, bool) {
		if n++; n == 5 {
			cancel()
		}
		return n, ctx.Err() == nil
	})
	if !errors.Is(err, ErrCancel) || ExitCode(ctx, err) != ExitCancelled {
		t.Fatalf("%v (exit %d)", err, ExitCode(ctx, err))
	}
	if done := len(Completed(res)); done != 4 {
		t.Errorf("%d completed, want 4", done)
	}
	if !strings.Contains(errOut.String(), "Interrupted: 4 of 20 directories done, 16 left. Next time, add --journal FILE") {
		t.Errorf("stderr: %q", errOut.String())
	}
}
