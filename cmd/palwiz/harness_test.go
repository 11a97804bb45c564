package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/root"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
)

// Demo scenario identities used across tests.
const (
	contosoID     = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	northwindID   = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	woodgroveID   = "4bae7f3c-9f5d-4e80-8c1b-00000000a004"
	fabrikamID    = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	contosoSPApp  = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	contosoSecret = "sim-contoso-spn-secret-1"
	serviceUPN    = "pal-service@contoso.onmicrosoft.com"
	anaUPN        = "ana.lopez@fabrikam.example"
)

// harness runs palwiz commands in process against a simulator, with an
// in-memory keyring shared between runs (as the OS keyring is between processes).
type harness struct {
	t      testing.TB
	sim    *sim.Server
	kr     *keyring.Memory
	env    map[string]string
	caFile string
}

func newHarness(t testing.TB, edit func(*sim.Scenario)) *harness {
	t.Helper()
	sc, err := sim.LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	return harnessFor(t, sc)
}

// harnessFor starts a simulator with the given scenario.
func harnessFor(t testing.TB, sc *sim.Scenario) *harness {
	t.Helper()
	s, err := sim.Start(context.Background(), sim.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, sim: s, kr: &keyring.Memory{}, caFile: ca, env: map[string]string{
		"PALWIZ_CLOUD": "sim", "PALWIZ_SIM_URL": s.URL(), "PALWIZ_SIM_CA": ca, "HOME": dir, "TERM": "dumb",
	}}
}

type result struct {
	stdout, stderr string
	code           int
}

func (h *harness) run(args ...string) result { return h.runIn("", args...) }

func (h *harness) runIn(stdin string, args ...string) result {
	return h.runCtx(context.Background(), stdin, nil, args...)
}

func (h *harness) runCtx(ctx context.Context, stdin string, extraEnv map[string]string, args ...string) result {
	h.t.Helper()
	return h.start(ctx, runSpec{stdin: stdin, env: extraEnv}, args...).wait()
}

// runSpec is how one in-process run is set up.
type runSpec struct {
	stdin string
	env   map[string]string
	// tty says standard input and standard error are terminals (palwiz may ask).
	tty bool
	// kr replaces the harness's shared in-memory keyring.
	kr keyring.Backend
}

// running is an in-process run under way.
type running struct {
	out, err *iostreams.Buffer
	done     chan int
}

func (r *running) wait() result {
	code := <-r.done
	return result{r.out.String(), r.err.String(), code}
}

// start runs palwiz in process with the harness's environment and keyring.
func (h *harness) start(ctx context.Context, spec runSpec, args ...string) *running {
	out, errb := &iostreams.Buffer{}, &iostreams.Buffer{}
	ios := iostreams.New(strings.NewReader(spec.stdin), out, errb, spec.tty, false, spec.tty)
	cfg := config.FromEnv(func(k string) string {
		if v, ok := spec.env[k]; ok {
			return v
		}
		return h.env[k]
	})
	kr := spec.kr
	if kr == nil {
		kr = h.kr
	}
	r := &running{out: out, err: errb, done: make(chan int, 1)}
	go func() { r.done <- root.Run(ctx, args, ios, cfg, kr, cmdutil.ReadBuildInfo("test", "", "")) }()
	return r
}

var userCodeRE = regexp.MustCompile(`enter the code ([A-Z0-9]+)`)

// loginDevice runs `palwiz login args...` and, once the code shows on
// stderr, acts on the simulator's sign-in page with act.
func (h *harness) loginDevice(act func(code, pageURL string), args ...string) result {
	h.t.Helper()
	r := h.start(context.Background(), runSpec{}, append([]string{"login"}, args...)...)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := userCodeRE.FindStringSubmatch(r.err.String()); m != nil {
			act(m[1], h.sim.DeviceLoginURL())
			break
		}
		select {
		case code := <-r.done:
			return result{r.out.String(), r.err.String(), code}
		default:
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no device code shown; stderr: %s", r.err.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-r.done:
		return result{r.out.String(), r.err.String(), code}
	case <-time.After(60 * time.Second):
		h.t.Fatalf("login did not finish; stderr: %s", r.err.String())
	}
	return result{}
}

// signInPage plays the person on the sign-in page: enter the code, pick the
// account, tick MFA if asked, then Continue or Cancel. It returns the last page.
func signInPage(t testing.TB, pageURL, code, upn string, mfa bool, action string) string {
	t.Helper()
	body, err := playSignInPage(pageURL, code, upn, mfa, action)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func playSignInPage(pageURL, code, upn string, mfa bool, action string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	get := func(resp *http.Response, err error) (string, error) {
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	body, err := get(c.Get(pageURL))
	if err != nil {
		return "", err
	}
	if !strings.Contains(body, `name="code"`) {
		return "", fmt.Errorf("sign-in page has no code field: %s", body)
	}
	if body, err = get(c.PostForm(pageURL, url.Values{"code": {code}})); err != nil {
		return "", err
	}
	if !strings.Contains(body, upn) {
		return "", fmt.Errorf("account picker does not offer %s: %s", upn, body)
	}
	form := url.Values{"code": {code}, "user": {upn}, "action": {action}}
	if mfa {
		form.Set("mfa", "on")
	}
	return get(c.PostForm(strings.TrimSuffix(pageURL, "/devicelogin")+"/devicelogin/approve", form))
}

// signInAsService signs the demo's dedicated service account in through the page.
func (h *harness) signInAs(upn string, args ...string) result {
	h.t.Helper()
	return h.loginDevice(func(code, page string) {
		signInPage(h.t, page, code, upn, false, "continue")
	}, args...)
}

func mustCode(t *testing.T, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, want, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("stack trace in output: %s", r.stderr)
	}
}
