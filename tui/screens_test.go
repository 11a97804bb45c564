package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// screenCase is one state of one screen, reached by driving the model
// with a fake backend; its screen without colour, at 80×24 and at 60×20,
// is the golden.
type screenCase struct {
	name  string
	setup func(f *fakeBackend, o *Options)
	drive func(t *testing.T, r *runner, f *fakeBackend)
	// want are texts the 80×24 screen must show, checked before the golden
	// so a regenerated golden cannot hide a missing state.
	want []string
	// showsDir says the screen shows the (temporary) work directory: it has
	// no golden, and after a resize it is compared with a fresh render.
	showsDir bool
	// afterResize names the case whose fresh screen a resize shows, when
	// not this one's: a resize shows a scrolled screen from its top again.
	afterResize string
	// attributor, when set, gives the case an Attributor (a simulator's).
	attributor func(t testing.TB) Attributor
	// reporter gives the case a Reporter (a simulator's) and the fixed
	// clock the report's default name is dated by.
	reporter bool
}

// The sizes every screen is rendered at: the common one and the smallest
// palwiz supports.
var screenSizes = []struct{ w, h int }{{80, 24}, {60, 20}}

func sizeName(w, h int) string { return fmt.Sprintf("%dx%d", w, h) }

// runCase drives a case at w×h, saving files in dir, and returns its runner.
func runCase(t *testing.T, c screenCase, w, h int, dir string) (*runner, *fakeBackend) {
	t.Helper()
	f := newFake()
	o := Options{Backend: f, NoColor: true, Width: w, Height: h, WorkDir: dir}
	if c.attributor != nil {
		o.Attributor = c.attributor(t)
	}
	if c.reporter {
		o.Reporter = simReporter(t)
		o.Now = func() time.Time { return fixedNow }
	}
	if c.setup != nil {
		c.setup(f, &o)
	}
	r := newRunner(t, o)
	if c.drive != nil {
		c.drive(t, r, f)
	}
	r.settle()
	return r, f
}

// checkFits checks that a screen has exactly h lines, none wider than w.
func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d wide (> %d): %q", i, lw, w, l)
		}
	}
}

// TestScreens renders every screen state at 80×24 and 60×20 and compares
// it with its golden; the 60×20 screen is then widened to 80×24 and must
// be exactly what a fresh start at 80×24 shows (checkResize).
func TestScreens(t *testing.T) {
	for _, size := range screenSizes {
		t.Run(sizeName(size.w, size.h), func(t *testing.T) {
			for _, c := range screenCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					dir := t.TempDir()
					r, _ := runCase(t, c, size.w, size.h, dir)
					screen := r.screen()
					if size.w == 80 {
						for _, w := range c.want {
							if !strings.Contains(screen, w) {
								t.Errorf("screen does not show %q:\n%s", w, screen)
							}
						}
					}
					checkFits(t, screen, size.w, size.h)
					if !c.showsDir {
						golden.RequireEqual(t, screen)
					}
					if size == screenSizes[1] {
						checkResize(t, c, r, dir)
					}
				})
			}
		})
	}
}

// TestLargeScreens renders key screens at 120×40, where the step rail shows.
func TestLargeScreens(t *testing.T) {
	for _, name := range []string{"welcome_valid", "initiation_device_code", "directory_three", "registration_linked", "attribution_tooling", "validation_yes", "done"} {
		t.Run(name, func(t *testing.T) {
			c := caseNamed(t, name)
			r, _ := runCase(t, c, 120, 40, t.TempDir())
			screen := r.screen()
			checkFits(t, screen, 120, 40)
			if !strings.Contains(screen, "● ") || !strings.Contains(screen, "Welcome ─") {
				t.Errorf("no step rail at 120×40:\n%s", screen)
			}
			golden.RequireEqual(t, screen)
		})
	}
}

func caseNamed(t *testing.T, name string) screenCase {
	t.Helper()
	for _, c := range screenCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no screen case %q", name)
	return screenCase{}
}

// checkResize widens a screen driven at 60×20 to 80×24, as a trainer
// widens a window, and requires exactly the screen a fresh start at 80×24
// shows (its golden): nothing of the old frame stays, and the forms and
// lists follow the new width.
func checkResize(t *testing.T, c screenCase, r *runner, dir string) {
	t.Helper()
	to := screenSizes[0]
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return // the goldens are being written; run again to compare
	}
	r.resize(to.w, to.h)
	got := r.screen()
	var want []byte
	if c.showsDir {
		// A fresh run with the same directory (the file the first one made goes first).
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		fresh, _ := runCase(t, c, to.w, to.h, dir)
		want = []byte(fresh.screen())
	} else {
		var err error
		want, err = os.ReadFile(filepath.Join("testdata", "TestScreens", sizeName(to.w, to.h), cmpOr(c.afterResize, c.name)+".golden"))
		if err != nil {
			t.Fatalf("no golden for the fresh screen (run TestScreens with -update): %v", err)
		}
	}
	if got != string(want) {
		t.Errorf("after widening to %s the screen differs from a fresh one:\n--- got\n%s\n--- fresh\n%s", sizeName(to.w, to.h), got, want)
	}
}
