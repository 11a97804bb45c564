package tui

import (
	"strings"
	"testing"
)

// TestCommandsNeverWrap: at 80×24 and at 60×20, with the demo's marks, every
// command line the Fix plan shows ("$ …") is one window on one command,
// cut with an arrow where it does not fit, never wrapped onto the next
// line; the whole plan is paged through.
func TestCommandsNeverWrap(t *testing.T) {
	for _, size := range screenSizes {
		f := newFake()
		r := newRunner(t, Options{Backend: f, NoColor: true, Attributor: newSimAttributor(t, nil), Width: size.w, Height: size.h})
		toAttribution(t, r, f)
		markDelivered(t, r, "Case Desk", "Escalate overdue surveys", "Service Levels", "Contoso HR")
		r.key("left")
		var commands []string
		for _, fx := range r.m.f.attr.plan.Fixes {
			commands = append(commands, fx.Commands...)
		}
		if len(commands) < 4 {
			t.Fatalf("%d commands in the plan", len(commands))
		}
		seen := 0
		for page := 0; page < 40; page++ {
			lines := strings.Split(r.screen(), "\n")
			for i, l := range lines {
				_, cmd, ok := strings.Cut(l, "$ ")
				if !ok || !strings.HasPrefix(strings.TrimSpace(l), "$ ") {
					continue
				}
				seen++
				cut := strings.HasSuffix(cmd, "→")
				window := strings.TrimSuffix(strings.TrimPrefix(cmd, "←"), "→")
				if window == "" {
					continue
				}
				found := false
				for _, c := range commands {
					if strings.Contains(c, window) && (cut || strings.HasSuffix(c, window)) {
						found = true
					}
				}
				if !found {
					t.Errorf("%dx%d: %q is not one window on one command", size.w, size.h, l)
				}
				if !cut && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "       ") && !strings.Contains(lines[i+1], "$ ") {
					for _, c := range commands {
						if strings.HasPrefix(c, strings.TrimSpace(window)) && c != strings.TrimSpace(window) {
							t.Errorf("%dx%d: %q wraps onto %q", size.w, size.h, l, lines[i+1])
						}
					}
				}
			}
			if !strings.Contains(lines[len(lines)-1], "pgdn") {
				break
			}
			r.key("pgdown")
		}
		if seen < len(commands) {
			t.Errorf("%dx%d: saw %d command lines of %d", size.w, size.h, seen, len(commands))
		}
	}
}
