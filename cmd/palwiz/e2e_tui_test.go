//go:build linux || darwin

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
	"golang.org/x/sys/unix"
)

// wizardBinary is the palwiz binary the terminal tests run (built once).
func wizardBinary(t *testing.T) string { return palwizBinaryTB(t) }

// ptyRun is the built binary in a real pseudo-terminal, its screen kept by
// a terminal emulator (vt10x) and its raw output kept for byte checks.
type ptyRun struct {
	t       *testing.T
	ptmx    *os.File
	tty     *os.File
	cmd     *exec.Cmd
	vt      vt10x.Terminal
	mu      sync.Mutex
	raw     bytes.Buffer
	started time.Time
	exited  chan struct{}
	err     error
}

func startInPTY(t *testing.T, cols, rows int, env []string, args ...string) *ptyRun {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(wizardBinary(t), args...)
	cmd.Env = append([]string{"HOME=" + home, "TMPDIR=" + home, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color",
		"PALWIZ_NO_BROWSER=1", "LANG=C.UTF-8"}, env...)
	cmd.Dir = home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	r := &ptyRun{t: t, ptmx: ptmx, tty: tty, cmd: cmd, exited: make(chan struct{})}
	r.vt = vt10x.New(vt10x.WithSize(cols, rows), vt10x.WithWriter(ptmx))
	r.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		br := bufio.NewReader(io.TeeReader(ptmx, writerFunc(func(p []byte) (int, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.raw.Write(p)
		})))
		for r.vt.Parse(br) == nil {
		}
	}()
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.exited
		_ = ptmx.Close()
		_ = tty.Close()
	})
	return r
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (r *ptyRun) screen() string { return r.vt.String() }

func (r *ptyRun) rawOutput() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw.String()
}

// waitScreen waits until the emulated screen shows every text.
func (r *ptyRun) waitScreen(timeout time.Duration, texts ...string) time.Duration {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := r.screen()
		ok := true
		for _, x := range texts {
			if !strings.Contains(s, x) {
				ok = false
			}
		}
		if ok {
			return time.Since(r.started)
		}
		select {
		case <-r.exited:
			r.t.Fatalf("palwiz exited (%v) before showing %q; screen:\n%s\nraw tail: %q", r.err, texts, s, tail(r.rawOutput(), 400))
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the screen never showed %q; it shows:\n%s", texts, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (r *ptyRun) press(keys string) {
	r.t.Helper()
	if _, err := r.ptmx.Write([]byte(keys)); err != nil {
		r.t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
}

// exitCode waits for palwiz to end and returns its exit code.
func (r *ptyRun) exitCode(timeout time.Duration) int {
	r.t.Helper()
	select {
	case <-r.exited:
	case <-time.After(timeout):
		r.t.Fatalf("palwiz did not exit; screen:\n%s", r.screen())
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	if r.err != nil {
		r.t.Fatal(r.err)
	}
	return 0
}

// requireRestored checks that the terminal is back to how palwiz found it:
// line editing and echo on, the normal screen and a visible cursor.
func (r *ptyRun) requireRestored() {
	r.t.Helper()
	tio, err := unix.IoctlGetTermios(int(r.tty.Fd()), ioctlGetTermios)
	if err != nil {
		r.t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		r.t.Errorf("the terminal was left in raw mode (lflag %#x)", tio.Lflag)
	}
	// The process has ended, but its last bytes may still be on their way
	// through the pseudo-terminal to the reader: wait for them a little.
	raw := r.rawOutput()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); raw = r.rawOutput() {
		if strings.LastIndex(raw, "\x1b[?1049l") > strings.LastIndex(raw, "\x1b[?1049h") &&
			strings.LastIndex(raw, "\x1b[?25h") > strings.LastIndex(raw, "\x1b[?25l") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	enter, leave := strings.LastIndex(raw, "\x1b[?1049h"), strings.LastIndex(raw, "\x1b[?1049l")
	if enter < 0 || leave < enter {
		r.t.Errorf("the alternate screen was not left (entered at %d, left at %d)", enter, leave)
	}
	if hide, show := strings.LastIndex(raw, "\x1b[?25l"), strings.LastIndex(raw, "\x1b[?25h"); hide > show {
		r.t.Error("the cursor was left hidden")
	}
}

// TestWizardDemoInTerminal runs the built `palwiz demo` in a pseudo-terminal
// and goes from Welcome to Done with the keyboard: the demo key approves
// the device code, Validation shows the partner linked, Done signs out,
// and palwiz ends with exit code 0, the terminal restored and its summary.
func TestWizardDemoInTerminal(t *testing.T) {
	r := startInPTY(t, 80, 24, []string{"NO_COLOR=1"}, "demo")
	first := r.waitScreen(20*time.Second, "Your partner ID", "DEMO · simulated cloud")
	t.Logf("first frame of `palwiz demo` after %v (process start, simulator start and first render)", first)
	r.press("\r")
	r.waitScreen(5*time.Second, "Which account will you deliver with?")
	r.press("\r")
	r.waitScreen(10*time.Second, "Code: ", "/devicelogin", "a approve (demo)")
	r.press("a")
	r.waitScreen(30*time.Second, "This is you in the customer's directory", "pal-service@contoso.onmicrosoft.com")
	r.press("\r")
	r.waitScreen(10*time.Second, "● Contoso Ltd")
	r.press("\r")
	r.waitScreen(10*time.Second, "link it to partner ID 4977985")
	r.press("\r")
	r.waitScreen(10*time.Second, "✓ Linked to partner Fabrikam Consulting (Seattle)")
	r.press("\r")
	r.waitScreen(5*time.Second, "3 of 3 · Attribution")
	r.press("\r")
	r.waitScreen(10*time.Second, "Validation", "✓ YES", "Partner name  Fabrikam Consulting (Seattle)", "Partner ID    4977985")
	r.press("\r")
	r.waitScreen(5*time.Second, "Sign out and wipe", "▸ Sign out")
	r.press("\r")
	if code := r.exitCode(20 * time.Second); code != 0 {
		t.Fatalf("exit code %d at Done, want 0; screen:\n%s", code, r.screen())
	}
	r.requireRestored()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.rawOutput(), "Signed out") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if out := r.rawOutput(); !strings.Contains(out, "is linked to partner Fabrikam Consulting (Seattle) (4977985) in Contoso Ltd.") ||
		!strings.Contains(out, "Signed out; the tokens were only in memory and are gone.") {
		t.Fatalf("no summary after the wizard: %q", tail(out, 600))
	}
}

// TestWizardDemoBrowserSignIn: on the browser sign-in screen of the built
// `palwiz demo`, the whole address is on screen and the demo key approves
// the sign-in on the simulator's page, as it does for a device code.
func TestWizardDemoBrowserSignIn(t *testing.T) {
	r := startInPTY(t, 80, 24, []string{"NO_COLOR=1"}, "demo")
	r.waitScreen(20*time.Second, "Your partner ID")
	r.press("\r")
	r.waitScreen(5*time.Second, "Which account will you deliver with?")
	r.press("\r")
	r.waitScreen(10*time.Second, "Code: ")
	r.press("b")
	r.waitScreen(10*time.Second, "c copy address", "a approve (demo)", "/oauth2/v2.0/authori", "state=")
	r.press("a")
	r.waitScreen(30*time.Second, "This is you in the customer's directory", "pal-service@contoso.onmicrosoft.com")
	r.press("\x03")
	if code := r.exitCode(10 * time.Second); code != 130 {
		t.Fatalf("exit code %d after Ctrl-C, want 130", code)
	}
}

// TestWizardCtrlCRestoresTerminal: Ctrl-C on the first screen, while a
// sign-in waits, and at the quit question exits 130 with the terminal restored.
func TestWizardCtrlCRestoresTerminal(t *testing.T) {
	for name, keys := range map[string][]string{
		"welcome":     nil,
		"device code": {"\r", "\r"},
		"quit dialog": {"\r", "\r", "a", "q"},
	} {
		t.Run(name, func(t *testing.T) {
			r := startInPTY(t, 60, 20, nil, "demo")
			r.waitScreen(20*time.Second, "Your partner ID")
			for i, k := range keys {
				r.press(k)
				switch {
				case name == "device code" && i == 1, name == "quit dialog" && i == 1:
					r.waitScreen(10*time.Second, "Code: ")
				case name == "quit dialog" && i == 2:
					r.waitScreen(30*time.Second, "This is you")
				case name == "quit dialog" && i == 3:
					r.waitScreen(5*time.Second, "Quit palwiz?")
				}
			}
			r.press("\x03")
			if code := r.exitCode(10 * time.Second); code != 130 {
				t.Fatalf("exit code %d, want 130", code)
			}
			r.requireRestored()
		})
	}
}

// TestWizardStartsWithoutDemo: plain `palwiz` (tokens in memory) draws its
// first frame without touching the network, and Ctrl-C ends it with 130.
func TestWizardStartsWithoutDemo(t *testing.T) {
	r := startInPTY(t, 80, 24, []string{"NO_COLOR=1", "HTTPS_PROXY=http://127.0.0.1:9"}, "--ephemeral")
	first := r.waitScreen(20*time.Second, "Your partner ID", "not signed in")
	t.Logf("first frame of `palwiz --ephemeral` after %v (process start and first render)", first)
	if strings.Contains(r.screen(), "DEMO") {
		t.Fatal("the real wizard says DEMO")
	}
	r.press("\x03")
	if code := r.exitCode(10 * time.Second); code != 130 {
		t.Fatalf("exit code %d, want 130", code)
	}
	r.requireRestored()
}

// sgrColor finds colour in SGR sequences (bold and other attributes are allowed).
var sgrRE = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

func hasColour(raw string) bool {
	for _, m := range sgrRE.FindAllStringSubmatch(raw, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, err := strconv.Atoi(p)
			if err != nil {
				continue
			}
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				return true
			}
		}
	}
	return false
}

// TestWizardNoColor: NO_COLOR set to any value (here "yes", which the colour
// library alone would ignore) removes colour; without it there is colour.
func TestWizardNoColor(t *testing.T) {
	for _, c := range []struct {
		env    []string
		colour bool
	}{{[]string{"NO_COLOR=yes"}, false}, {nil, true}} {
		r := startInPTY(t, 80, 24, c.env, "demo")
		r.waitScreen(20*time.Second, "Your partner ID")
		r.press("?")
		r.waitScreen(5*time.Second, "Help · Welcome")
		if got := hasColour(r.rawOutput()); got != c.colour {
			t.Errorf("env %v: colour in the output = %v, want %v", c.env, got, c.colour)
		}
		r.press("\x03")
		r.exitCode(10 * time.Second)
	}
}

// TestWizardDumbTerminal: with TERM=dumb palwiz does not start the wizard
// and names the commands to use instead.
func TestWizardDumbTerminal(t *testing.T) {
	r := startInPTY(t, 80, 24, []string{"TERM=dumb"}, "demo")
	if code := r.exitCode(20 * time.Second); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	// What palwiz wrote before it ended may still be on its way through the terminal.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.rawOutput(), "--help") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := r.rawOutput()
	for _, w := range []string{"TERM=dumb", "palwiz demo --accessible", "palwiz login", "palwiz link --partner-id ID", "palwiz check", "palwiz fix"} {
		if !strings.Contains(out, w) {
			t.Errorf("the fallback does not name %q: %q", w, out)
		}
	}
	if strings.Contains(out, "\x1b[?1049h") {
		t.Fatalf("palwiz drew a full screen on a dumb terminal: %q", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if w := len([]rune(strings.TrimRight(l, "\r"))); w > 80 {
			t.Errorf("a line of %d columns does not fit the terminal: %q", w, l)
		}
	}
}

// TestAccessibleInTerminal runs `palwiz demo --accessible` in a
// pseudo-terminal as a screen-reader user would: the service principal's
// secret is asked without echo (it never reaches the screen), and the run
// ends with the same summary as the full-screen wizard.
func TestAccessibleInTerminal(t *testing.T) {
	r := startInPTY(t, 100, 40, []string{"NO_COLOR=1"}, "demo", "--accessible")
	answer := func(prompt, line string) {
		t.Helper()
		r.waitScreen(30*time.Second, prompt)
		r.press(line + "\r")
	}
	answer("Your partner ID (Enter for 4977985)", "")
	answer("Which account will you deliver with? (Enter for 1)", "2")
	answer("Directory (Enter for contoso.onmicrosoft.com)", "")
	answer("Application (client) ID (Enter for", "")
	answer("It proves who it is with", "1")
	answer("Client secret (Enter for the demo's secret)", "sim-contoso-spn-secret-1")
	answer("now? [Y/n]", "y")
	// The service principal can change nothing that moves the credit: only
	// advice is offered, unticked, and none is chosen.
	answer("Changes palwiz can make", "")
	answer("Attribution: what now? (Enter for 1)", "")
	answer("Write the evidence report for this directory", "")
	answer("Sign out and wipe palwiz's tokens from this computer? [Y/n]", "")
	if code := r.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d; screen:\n%s", code, r.screen())
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.rawOutput(), "Signed out;") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := r.rawOutput()
	if strings.Contains(out, "sim-contoso-spn-secret-1") {
		t.Fatal("the client secret was echoed")
	}
	for _, w := range []string{"Signed in.", "Linked to partner Fabrikam Consulting (Seattle) (4977985).", "is linked to partner Fabrikam Consulting (Seattle) (4977985) in Contoso Ltd."} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q: %q", w, tail(out, 1500))
		}
	}
	if hasColour(out) {
		t.Error("the accessible output has colour")
	}
}
