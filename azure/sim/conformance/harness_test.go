package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

// Demo scenario identities the suite signs in as.
const (
	contosoID     = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	northwindID   = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	woodgroveID   = "4bae7f3c-9f5d-4e80-8c1b-00000000a004"
	fabrikamID    = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	contosoSPApp  = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	contosoSPObj  = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"
	contosoSecret = "sim-contoso-spn-secret-1"
	serviceUPN    = "pal-service@contoso.onmicrosoft.com"
	anaUPN        = "ana.lopez@fabrikam.example"
	armResource   = "https://management.core.windows.net/"
	palURL        = "https://management.azure.com/providers/Microsoft.ManagementPartner/partners"
	palVersion    = "?api-version=2018-02-01"
)

// palwizBin is the palwiz binary TestMain builds.
var palwizBin string

// reuseBinVar hands a child run of the suite the binary already built.
const reuseBinVar = "PALWIZ_CONFORMANCE_PALWIZ"

func TestMain(m *testing.M) {
	if bin := os.Getenv(reuseBinVar); bin != "" {
		palwizBin = bin // a child run of TestMissingClient
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "palwiz-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	palwizBin = filepath.Join(dir, "palwiz")
	build := exec.Command("go", "build", "-o", palwizBin, "github.com/palwiz/palwiz/cmd/palwiz")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build palwiz: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// inCI reports whether the suite runs in CI, where a missing client fails.
func inCI() bool { return os.Getenv("CI") == "true" }

// need fails (in CI) or skips the test when a client is missing.
func need(t *testing.T, what, install string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if inCI() {
		t.Fatalf("%s is missing (%v): CI must install it (%s)", what, err, install)
	}
	t.Skipf("%s is missing (%v); install it with %s", what, err, install)
}

// azPath is the Azure CLI, or the test ends.
func azPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("az")
	need(t, "the Azure CLI (az)", "apt-get install azure-cli", err)
	return p
}

// python is a Python 3 that imports MSAL and azure-identity (Debian's
// python3-msal and python3-azure live in /usr/bin/python3), or the test ends.
func python(t *testing.T) string {
	t.Helper()
	var last error
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			last = err
			continue
		}
		out, err := exec.Command(path, "-c", "import msal, azure.identity, jwt, requests").CombinedOutput()
		if err == nil {
			return path
		}
		last = fmt.Errorf("%s: %v: %s", path, err, bytes.TrimSpace(out))
	}
	need(t, "MSAL Python and azure-identity", "apt-get install python3-msal python3-azure", last)
	return ""
}

// simProc is a running `palwiz sim` and the proxy that leads to it.
type simProc struct {
	URL, PagesURL, CAFile string
	proxy                 *simtest.ConnectProxy
}

// startSim runs `palwiz sim` with a scenario (an embedded name or a file)
// until the test ends.
func startSim(t *testing.T, scenario string) *simProc {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, palwizBin, "sim", "--scenario", scenario, "--ca-out", ca, "-o", "json")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb"}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("palwiz sim did not start: %v\n%s", err, stderr.String())
	}
	var info struct {
		URL      string `json:"url"`
		PagesURL string `json:"pagesUrl"`
		CAFile   string `json:"caFile"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil || info.URL == "" {
		t.Fatalf("palwiz sim printed %q: %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &simProc{URL: info.URL, PagesURL: info.PagesURL, CAFile: info.CAFile,
		proxy: simtest.StartConnectProxy(t, strings.TrimPrefix(info.URL, "https://"))}
}

// scenarioFile writes the demo scenario, changed by edit, for `palwiz sim --scenario`.
func scenarioFile(t *testing.T, edit func(*sim.Scenario)) string {
	t.Helper()
	sc, err := sim.LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	edit(sc)
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// control calls the simulator's /_sim API.
func (s *simProc) control(t *testing.T, method, path string, body any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.PagesURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// approveNext waits for a device code to be pending and approves it as upn,
// as a person on the sign-in page would.
func (s *simProc) approveNext(t *testing.T, upn string, mfa bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var p struct{ Pending []string }
		_ = json.Unmarshal(s.control(t, "GET", "/_sim/devicecodes", nil), &p)
		if len(p.Pending) > 0 {
			s.control(t, "POST", "/_sim/devicecode/approve", map[string]any{"userCode": p.Pending[0], "user": upn, "mfa": mfa})
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no device code was asked for")
}

// clientEnv is the environment the clients run in: a fresh home and
// configuration, every connection through the proxy, the simulator's CA.
func (s *simProc) clientEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	return append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AZURE_CONFIG_DIR=" + filepath.Join(home, ".azure"), "LANG=C.UTF-8",
		"HTTPS_PROXY=http://" + s.proxy.Addr, "HTTP_PROXY=http://" + s.proxy.Addr, "REQUESTS_CA_BUNDLE=" + s.CAFile,
		"AZURE_CORE_COLLECT_TELEMETRY=false", "AZURE_CORE_NO_COLOR=true", "AZURE_CORE_SURVEY_MESSAGE=false",
		"AZURE_EXTENSION_USE_DYNAMIC_INSTALL=no", "AZURE_CORE_DISABLE_CONFIRM_PROMPT=true", "PYTHONDONTWRITEBYTECODE=1",
	}, extra...)
}

// run is one client process's result.
type run struct {
	stdout, stderr string
	code           int
}

// runCmd runs a client with env, for at most two minutes.
func runCmd(t *testing.T, env []string, name string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return run{out.String(), errb.String(), code}
}

// ok fails the test unless the run succeeded.
func (r run) ok(t *testing.T, what string) run {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
	}
	return r
}

// json decodes the run's standard output.
func (r run) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("not JSON: %v\n%s\nstderr: %s", err, r.stdout, r.stderr)
	}
}

// onlyHosts fails the test if a client asked for a host outside allowed.
func (s *simProc) onlyHosts(t *testing.T, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, h := range s.proxy.Hosts() {
		if !ok[h] && !strings.HasSuffix(h, ".crm.dynamics.com") {
			t.Errorf("a client asked for %s, a host the test did not expect", h)
		}
	}
}

// TestMissingClient: without the Azure CLI the suite skips, except under
// CI=true, where it fails and says what CI must install.
func TestMissingClient(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, ci := range []bool{false, true} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAzServicePrincipalSecret$", "-test.v")
		cmd.Env = []string{"PATH=" + empty, reuseBinVar + "=" + palwizBin, "HOME=" + empty}
		if ci {
			cmd.Env = append(cmd.Env, "CI=true")
		}
		out, err := cmd.CombinedOutput()
		switch {
		case ci && (err == nil || !strings.Contains(string(out), "CI must install it (apt-get install azure-cli)")):
			t.Errorf("CI=true without az: %v\n%s", err, out)
		case !ci && (err != nil || !strings.Contains(string(out), "--- SKIP")):
			t.Errorf("without az: %v\n%s", err, out)
		}
	}
}
