package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	// binDir holds the binary the tests build, for this test process only
	// (TestMain removes it).
	binDir string
)

func TestMain(m *testing.M) {
	if svc := os.Getenv("PALWIZ_TEST_AUDIT_SERVICE"); svc != "" {
		os.Exit(auditHelper(svc)) // the test binary as a helper process (trust_process_test.go)
	}
	dir, err := os.MkdirTemp("", "palwiz-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// palwizBinary builds the palwiz binary once per test run.
func palwizBinary(t *testing.T) string { return palwizBinaryTB(t) }

func palwizBinaryTB(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "palwiz")
		out, err := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if binErr != nil {
		t.Fatalf("build palwiz: %v", binErr)
	}
	return binPath
}

// requireSecretService needs the real OS keyring (scripts/with-keyring.sh).
func requireSecretService(t *testing.T) {
	t.Helper()
	if os.Getenv("PALWIZ_TEST_KEYRING") != "1" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run this test against a real Secret Service: run it through scripts/with-keyring.sh (make test)")
		}
		t.Skip("no Secret Service set up: run `make test` to use GNOME Keyring under dbus-run-session")
	}
}

// proc runs the built binary with a clean environment of its own.
type proc struct {
	t    testing.TB
	bin  string
	env  []string
	outs []string // every stdout and stderr, for the leak scan
	mu   sync.Mutex
}

func newProc(t *testing.T, h *harness, home, tmp string) *proc { return newProcTB(t, h, home, tmp) }

func newProcTB(t testing.TB, h *harness, home, tmp string) *proc {
	p := &proc{t: t, bin: palwizBinaryTB(t)}
	for k, v := range h.env {
		if k == "HOME" {
			continue
		}
		p.env = append(p.env, k+"="+v)
	}
	p.env = append(p.env, "HOME="+home, "TMPDIR="+tmp, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "PATH="+os.Getenv("PATH"), "NO_COLOR=1",
		"DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	return p
}

func (p *proc) record(s ...string) {
	p.mu.Lock()
	p.outs = append(p.outs, s...)
	p.mu.Unlock()
}

func (p *proc) run(stdin string, extra []string, args ...string) result {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(append([]string{}, p.env...), extra...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	p.record(out.String(), errb.String())
	return result{out.String(), errb.String(), code}
}

// interactive starts the binary, waits for a line matching prefix on stderr,
// hands it to act, and waits for the exit.
func (p *proc) interactive(extra []string, match func(line string) bool, act func(line string), args ...string) result {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(append([]string{}, p.env...), extra...)
	var out strings.Builder
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	var errb strings.Builder
	sc := bufio.NewScanner(stderr)
	acted := false
	for sc.Scan() {
		line := sc.Text()
		errb.WriteString(line + "\n")
		if !acted && match(line) {
			acted = true
			go act(line)
		}
	}
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	p.record(out.String(), errb.String())
	return result{out.String(), errb.String(), code}
}

// TestProcessesShareTheKeyring: a token one palwiz process writes to the OS
// keyring serves the next process without a new sign-in; after every kind of
// sign-in and a logout, no token or secret is on disk or in any output.
func TestProcessesShareTheKeyring(t *testing.T) {
	t.Parallel()
	requireSecretService(t)
	h := newHarness(t, nil)
	home, tmp := t.TempDir(), t.TempDir()
	p := newProc(t, h, home, tmp)

	// Device code in one process…
	r := p.interactive(nil, func(l string) bool { return userCodeRE.MatchString(l) }, func(l string) {
		signInPage(t, h.sim.DeviceLoginURL(), userCodeRE.FindStringSubmatch(l)[1], serviceUPN, false, "continue")
	}, "login")
	mustCode(t, r, 0)
	if strings.Contains(r.stdout, "memory only") {
		t.Fatalf("tokens were not persisted: %s %s", r.stdout, r.stderr)
	}
	// …then a silent token in the next ones.
	mustCode(t, p.run("", nil, "link", "--partner-id", "4977985"), 0)
	h.sim.ResetStats()
	r = p.run("", nil, "status", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"partnerId": "4977985"`) {
		t.Fatalf("status: %s", r.stdout)
	}
	if n := h.sim.Stats()["login.microsoftonline.com"]; n != 0 {
		t.Fatalf("the second process signed in again (%d Entra requests)", n)
	}

	// Browser sign-in.
	r = p.interactive([]string{"PALWIZ_NO_BROWSER=1"}, func(l string) bool { return browserURLRE.MatchString(l) }, func(l string) {
		browserSignIn(t, browserURLRE.FindStringSubmatch(l)[1], anaUPN, false, "continue")
	}, "login", "--browser")
	mustCode(t, r, 0)
	mustCode(t, p.run("", nil, "status"), 0)

	// Service principal with a remembered secret: later runs need no secret.
	mustCode(t, p.run(contosoSecret+"\n", nil, "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--remember-secret"), 0)
	mustCode(t, p.run("", nil, "whoami"), 0)

	r = p.run("", nil, "logout", "--all")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "removed") || strings.Contains(r.stdout, "removed 0 ") {
		t.Fatalf("logout --all: %s", r.stdout)
	}
	st := keyring.NewStore(keyring.NewOS(5*time.Second), "palwiz-sim")
	for _, k := range []string{"profile", "msal.user", "msal.app", "palwiz.index", "secret." + contosoSPApp} {
		if _, err := st.Get(context.Background(), k); err == nil {
			t.Fatalf("keyring item %s survived logout --all", k)
		}
	}
	mustCode(t, p.run("", nil, "status"), 3)

	secrets := h.sim.IssuedSecrets()
	if len(secrets) < 6 {
		t.Fatalf("the simulator recorded only %d secrets", len(secrets))
	}
	dirs := []string{home, tmp}
	if kh := os.Getenv("PALWIZ_TEST_KEYRING_HOME"); kh != "" {
		dirs = append(dirs, kh)
	}
	scanForSecrets(t, dirs, p.outs, secrets)
}

// scanForSecrets fails when any secret (or a 24-character piece of one)
// appears in a file under dirs or in outputs.
func scanForSecrets(t *testing.T, dirs, outputs []string, secrets []string) {
	t.Helper()
	var needles []string
	for _, s := range secrets {
		if len(s) < 12 {
			continue
		}
		needles = append(needles, s)
		for i := 0; i+24 <= len(s) && i < 200; i += 40 {
			needles = append(needles, s[i:i+24])
		}
	}
	check := func(where, text string) {
		for _, n := range needles {
			if strings.Contains(text, n) {
				t.Fatalf("a token or secret leaked into %s", where)
			}
		}
	}
	for i, o := range outputs {
		check("output #"+string(rune('0'+i%10)), o)
	}
	files := 0
	for _, d := range dirs {
		_ = filepath.Walk(d, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || info.Size() > 64<<20 {
				return nil
			}
			b, err := os.ReadFile(path)
			if err == nil {
				files++
				check(path, string(b))
			}
			return nil
		})
	}
	t.Logf("scanned %d files and %d outputs for %d secrets", files, len(outputs), len(secrets))
}

// TestProxyIsHonoured: with the public cloud's real host names, every
// request (MSAL's and azcore's) goes through HTTPS_PROXY, and NO_PROXY
// exempts hosts. The proxy forwards to the simulator, which the client
// trusts through SSL_CERT_FILE.
func TestProxyIsHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	proxy := simtest.StartConnectProxy(t, strings.TrimPrefix(h.sim.URL(), "https://"))
	home, tmp := t.TempDir(), t.TempDir()
	p := newProc(t, h, home, tmp)
	env := []string{"PALWIZ_CLOUD=public", "HTTPS_PROXY=http://" + proxy.Addr, "SSL_CERT_FILE=" + h.caFile,
		"PALWIZ_EPHEMERAL=1", "PALWIZ_CLIENT_ID=" + contosoSPApp, "PALWIZ_TENANT=" + contosoID, "PALWIZ_CLIENT_SECRET=" + contosoSecret}
	r := p.run("", env, "link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if seen := proxy.Take(); seen["login.microsoftonline.com"] == 0 || seen["management.azure.com"] == 0 {
		t.Fatalf("requests that went through the proxy: %v", seen)
	}

	r = p.run("", append(env, "NO_PROXY=management.azure.com"), "status")
	if r.code == 0 {
		t.Fatalf("status without the proxy reached a real host? %s", r.stdout)
	}
	t.Logf("direct to management.azure.com: %s", r.stderr)
	if seen := proxy.Take(); seen["management.azure.com"] != 0 || seen["login.microsoftonline.com"] == 0 {
		t.Fatalf("NO_PROXY not honoured: %v", seen)
	}
}
