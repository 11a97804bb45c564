//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/keyring/keyringtest"
	"github.com/palwiz/palwiz/azure/sim"
	"golang.org/x/sys/unix"
)

// The built binary, as a user or a pipeline runs it: no session bus, a
// stopped or locked keyring, twenty at once, Ctrl-C and SIGTERM at every
// wait, hostile input files, the browser's environment.

// TestMain lets a test start this test binary again as a helper that
// audits a keyring (on the bus its environment names).
func auditHelper(service string) int {
	a, err := keyring.NewStore(keyring.NewOS(10*time.Second), service).Audit(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(a)
	return 0
}

// auditKeyring audits service in the private keyring ks.
func auditKeyring(t *testing.T, ks *keyringtest.Session, service string) keyring.Audit {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(ks.Env(), "PALWIZ_TEST_AUDIT_SERVICE="+service)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	var a keyring.Audit
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("audit: %v: %s", err, out)
	}
	return a
}

// privateProc runs the binary on a private keyring.
func privateProc(t *testing.T, h *harness, ks *keyringtest.Session) *proc {
	p := newProc(t, h, ks.Home, t.TempDir())
	env := p.env[:0]
	for _, kv := range p.env {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	p.env = append(env, "DBUS_SESSION_BUS_ADDRESS="+ks.Addr)
	return p
}

// TestNoSessionBusNoDaemons: without DBUS_SESSION_BUS_ADDRESS palwiz treats
// the keyring as absent (one note), never runs dbus-launch, and leaves no
// dbus-daemon or keyring daemon behind. The defect: every run autolaunched
// a session through godbus and left both daemons running.
func TestNoSessionBusNoDaemons(t *testing.T) {
	h := newHarness(t, nil)
	home, tmp := t.TempDir(), t.TempDir()
	p := newProc(t, h, home, tmp)
	fake := t.TempDir()
	mark := filepath.Join(fake, "ran")
	for _, name := range []string{"dbus-launch", "dbus-daemon", "gnome-keyring-daemon"} {
		script := "#!/bin/sh\necho " + name + " >> '" + mark + "'\nexit 1\n"
		if err := os.WriteFile(filepath.Join(fake, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := p.env[:0]
	for _, kv := range p.env {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	p.env = append(env, "PATH="+fake+":"+os.Getenv("PATH"), "XDG_RUNTIME_DIR="+tmp)
	r := p.run(contosoSecret+"\n", nil, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
	mustCode(t, r, 0)
	if strings.Count(r.stderr, "Note:") != 1 || !strings.Contains(r.stderr, "DBUS_SESSION_BUS_ADDRESS is not set") {
		t.Fatalf("want one note naming the missing session bus: %s", r.stderr)
	}
	mustCode(t, p.run("", nil, "status"), 3)
	r = p.run("", nil, "logout", "--all")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "no D-Bus session bus") {
		t.Fatalf("logout without a keyring: %s", r.stderr)
	}
	mustCode(t, p.run("", envList(envSP(contosoSPApp, contosoID, contosoSecret)), "status", "-o", "json"), 0)
	if b, err := os.ReadFile(mark); err == nil {
		t.Fatalf("palwiz started %s", b)
	}
	if left := processesWithEnv("HOME=" + home); len(left) > 0 {
		t.Fatalf("processes left running from palwiz's runs: %v", left)
	}
}

func envList(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// processesWithEnv lists processes whose environment holds kv.
func processesWithEnv(kv string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		for _, e := range strings.Split(string(b), "\x00") {
			if e == kv {
				cmd, _ := os.ReadFile(filepath.Join(d, "cmdline"))
				out = append(out, filepath.Base(d)+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
			}
		}
	}
	return out
}

// TestLogoutOnLockedAndStoppedKeyring: against GNOME Keyring itself,
// logout --all on a locked collection or a stopped daemon exits 1, says
// what is left and why, and never claims it removed everything.
func TestLogoutOnLockedAndStoppedKeyring(t *testing.T) {
	ks := keyringtest.Start(t)
	h := newHarness(t, nil)
	p := privateProc(t, h, ks)
	mustCode(t, p.run(contosoSecret+"\n", nil, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--remember-secret"), 0)
	mustCode(t, p.run("", nil, "status"), 0)
	before := auditKeyring(t, ks, "palwiz-sim")
	if len(before.Items) < 4 {
		t.Fatalf("items after login: %v", before.Items)
	}

	ks.Lock(t)
	r := p.run("", nil, "logout", "--all")
	mustCode(t, r, 1)
	for _, want := range []string{"The sign-out is not complete", "in a locked keyring", "unlock it"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("locked: stderr lacks %q: %s", want, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "nothing of it is left") {
		t.Fatalf("locked: %s", r.stdout)
	}

	ks.StopKeyring(t)
	r = p.run("", nil, "logout", "--all")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "The sign-out is not complete") || !strings.Contains(r.stderr, "org.freedesktop.secrets") {
		t.Fatalf("stopped: %s", r.stderr)
	}
	r = p.run("", nil, "logout")
	mustCode(t, r, 1)
}

// TestConcurrentLoginsRealKeyring: twenty palwiz processes sign in at once
// against GNOME Keyring; afterwards no item is orphaned or unindexed (the
// defect: an unindexed chunk in 5 of 6 rounds of two), and logout --all
// leaves nothing.
func TestConcurrentLoginsRealKeyring(t *testing.T) {
	ks := keyringtest.Start(t)
	h := newHarness(t, nil)
	p := privateProc(t, h, ks)
	var wg sync.WaitGroup
	results := make([]result, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = p.run(contosoSecret+"\n", nil, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
			} else {
				results[i] = p.run(northwindSecret+"\n", nil, "login", "--service-principal", "--client-id", northwindSPApp, "--tenant", northwindID, "--remember-secret")
			}
		}()
	}
	wg.Wait()
	for i, r := range results {
		mustCode(t, r, 0)
		if strings.Contains(r.stdout, "memory only") {
			t.Fatalf("login %d did not reach the keyring: %s %s", i, r.stdout, r.stderr)
		}
	}
	a := auditKeyring(t, ks, "palwiz-sim")
	if len(a.Orphans) != 0 || len(a.Unindexed) != 0 || !a.Searched {
		t.Fatalf("after 20 concurrent logins: %d orphaned %v, %d unindexed %v", len(a.Orphans), a.Orphans, len(a.Unindexed), a.Unindexed)
	}
	mustCode(t, p.run("", nil, "status"), 0)
	r := p.run("", nil, "logout", "--all")
	mustCode(t, r, 0)
	if a := auditKeyring(t, ks, "palwiz-sim"); len(a.Items) != 0 {
		t.Fatalf("left after logout --all: %v", a.Items)
	}
}

// TestCtrlCAtPrompts: Ctrl-C at the hidden secret prompt and at a [y/N]
// prompt ends palwiz with exit code 130 ("Cancelled."), restores the
// terminal's echo, and changes nothing. The defect: Ctrl-C was ignored;
// Enter then exited 0 with "Nothing changed".
func TestCtrlCAtPrompts(t *testing.T) {
	h := newHarness(t, nil)
	env := []string{"PALWIZ_CLOUD=sim", "PALWIZ_SIM_URL=" + h.sim.URL(), "PALWIZ_SIM_CA=" + h.caFile, "PALWIZ_EPHEMERAL=1"}
	t.Run("secret prompt", func(t *testing.T) {
		r := startInPTY(t, 100, 30, env, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
		r.waitScreen(10*time.Second, "Client secret (input hidden):")
		r.press("sim-\x03")
		if code := r.exitCode(5 * time.Second); code != 130 {
			t.Fatalf("exit %d; screen:\n%s", code, r.screen())
		}
		tio, err := unix.IoctlGetTermios(int(r.tty.Fd()), ioctlGetTermios)
		if err != nil || tio.Lflag&unix.ECHO == 0 {
			t.Fatalf("echo is still off after Ctrl-C (%v)", err)
		}
	})
	t.Run("confirmation prompt", func(t *testing.T) {
		h := newHarness(t, func(sc *sim.Scenario) {
			sc.Links = append(sc.Links, sim.Link{Tenant: contosoID, ObjectID: contosoSPObject, PartnerID: "4977985"})
		})
		env := []string{"PALWIZ_CLOUD=sim", "PALWIZ_SIM_URL=" + h.sim.URL(), "PALWIZ_SIM_CA=" + h.caFile}
		r := startInPTY(t, 200, 30, append(env, envList(envSP(contosoSPApp, contosoID, contosoSecret))...), "unlink")
		r.waitScreen(10*time.Second, "[y/N]")
		r.press("\x03")
		if code := r.exitCode(5 * time.Second); code != 130 {
			t.Fatalf("exit %d; screen:\n%s", code, r.screen())
		}
		if s := r.screen(); strings.Contains(s, "Nothing changed") || !strings.Contains(s, "Cancelled.") {
			t.Fatalf("screen:\n%s", s)
		}
		if got := h.sim.LinkOf(contosoID, contosoSPObject); got != "4977985" {
			t.Fatalf("the link changed: %q", got)
		}
	})
}

// TestSecretPromptHidesInput: a secret typed at the hidden prompt signs in,
// never appears on the screen (also when typed before the prompt shows),
// and the terminal echoes again afterwards.
func TestSecretPromptHidesInput(t *testing.T) {
	h := newHarness(t, nil)
	env := []string{"PALWIZ_CLOUD=sim", "PALWIZ_SIM_URL=" + h.sim.URL(), "PALWIZ_SIM_CA=" + h.caFile, "PALWIZ_EPHEMERAL=1"}
	r := startInPTY(t, 100, 30, env, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
	r.waitScreen(10*time.Second, "Client secret (input hidden):")
	r.press(contosoSecret + "\r")
	if code := r.exitCode(20 * time.Second); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, r.screen())
	}
	if s := r.screen(); strings.Contains(s, contosoSecret) || strings.Contains(s, "sim-contoso") {
		t.Fatalf("the secret is on the screen:\n%s", s)
	}
	tio, err := unix.IoctlGetTermios(int(r.tty.Fd()), ioctlGetTermios)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("echo is off after the secret was read (%v)", err)
	}
}

// TestSignalsEndInputWaits: SIGINT and SIGTERM end a read of a certificate
// or scenario from a FIFO nobody writes to (exit 130); /dev/zero as either
// is refused with a clear error, no goroutine dump.
func TestSignalsEndInputWaits(t *testing.T) {
	h := newHarness(t, nil)
	p := newProc(t, h, t.TempDir(), t.TempDir())
	fifo := filepath.Join(t.TempDir(), "spn.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	certLogin := []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--certificate"}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, args := range [][]string{append(certLogin, fifo), {"sim", "--scenario", fifo}} {
			t.Run(sig.String()+" "+args[0], func(t *testing.T) {
				cmd := exec.Command(p.bin, args...)
				cmd.Env = append(append([]string{}, p.env...), "PALWIZ_EPHEMERAL=1")
				var out, errb strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errb
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Signal once palwiz waits on the FIFO (a writer can open it
				// only when a reader has), not after a guess at start-up time.
				w := openFIFOWriter(t, fifo, 20*time.Second)
				defer w.Close()
				_ = cmd.Process.Signal(sig)
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("%v did not end the wait", sig)
				}
				if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(errb.String(), "Cancelled.") {
					t.Fatalf("exit %d; stderr %s", code, errb.String())
				}
			})
		}
	}
	r := p.run("", []string{"PALWIZ_EPHEMERAL=1"}, append(certLogin, "/dev/zero")...)
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "certificate zero is larger than 1 MiB") {
		t.Fatalf("/dev/zero certificate: %s", r.stderr)
	}
	r = p.run("", nil, "sim", "--scenario", "/dev/zero")
	mustCode(t, r, 2)
	if !strings.Contains(r.stderr, "/dev/zero is larger than 32 MiB") {
		t.Fatalf("/dev/zero scenario: %s", r.stderr)
	}
}

// openFIFOWriter opens fifo for writing as soon as a process has it open for
// reading: a non-blocking open fails with ENXIO until then.
func openFIFOWriter(t *testing.T, fifo string, within time.Duration) *os.File {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("palwiz never opened %s for reading: %v", fifo, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBrowserGetsNoSecrets: the browser opener palwiz starts for
// --browser sign-in does not inherit palwiz's secrets.
func TestBrowserGetsNoSecrets(t *testing.T) {
	h := newHarness(t, nil)
	p := newProc(t, h, t.TempDir(), t.TempDir())
	fake := t.TempDir()
	dump := filepath.Join(fake, "env")
	script := "#!/bin/sh\nenv > '" + dump + ".tmp' && mv '" + dump + ".tmp' '" + dump + "'\n"
	if err := os.WriteFile(filepath.Join(fake, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := p.env[:0]
	for _, kv := range p.env {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	p.env = append(env, "PATH="+fake+":"+os.Getenv("PATH"), "PALWIZ_EPHEMERAL=1",
		"PALWIZ_CLIENT_SECRET=do-not-leak-1", "PALWIZ_CERTIFICATE_PASSWORD=do-not-leak-2", "PALWIZ_CI_SUBSCRIPTION_KEY=do-not-leak-3",
		"AZURE_CLIENT_SECRET=do-not-leak-4", "PALWIZ_MARK=kept")
	cmd := exec.Command(p.bin, "login", "--browser")
	cmd.Env = p.env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	var b []byte
	for {
		var err error
		if b, err = os.ReadFile(dump); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the browser was not opened")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d after SIGTERM during browser sign-in", code)
	}
	if strings.Contains(string(b), "do-not-leak") || !strings.Contains(string(b), "PALWIZ_MARK=kept") {
		t.Fatalf("the browser's environment:\n%s", b)
	}
}
