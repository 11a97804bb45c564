package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
)

// Tests of the promises in README's "Sign-in, tokens and secrets": who
// palwiz acts as, what it leaves behind, how it fails. docs/security.md
// lists each threat with its test.

const (
	northwindSPApp    = "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601"
	northwindSPObject = "b4d5e6f7-0819-42a3-b4c5-d6e7f8090602"
	northwindSecret   = "sim-northwind-pipeline-secret-1"
)

// countingKeyring counts every call that reaches the keyring.
type countingKeyring struct {
	keyring.Backend
	calls atomic.Int32
}

func (c *countingKeyring) Set(ctx context.Context, s, k, v string) error {
	c.calls.Add(1)
	return c.Backend.Set(ctx, s, k, v)
}

func (c *countingKeyring) Get(ctx context.Context, s, k string) (string, error) {
	c.calls.Add(1)
	return c.Backend.Get(ctx, s, k)
}

func (c *countingKeyring) Delete(ctx context.Context, s, k string) error {
	c.calls.Add(1)
	return c.Backend.Delete(ctx, s, k)
}

func (c *countingKeyring) Find(ctx context.Context, s string) ([]keyring.Item, error) {
	c.calls.Add(1)
	return c.Backend.(keyring.Finder).Find(ctx, s)
}

// runWith runs one command with extra environment and its own keyring backend.
func (h *harness) runWith(kr keyring.Backend, extraEnv map[string]string, stdin string, args ...string) result {
	h.t.Helper()
	return h.start(context.Background(), runSpec{stdin: stdin, env: extraEnv, kr: kr}, args...).wait()
}

func envSP(app, tenant, secret string) map[string]string {
	return map[string]string{"PALWIZ_CLIENT_ID": app, "PALWIZ_TENANT": tenant, "PALWIZ_CLIENT_SECRET": secret}
}

// TestEnvironmentIdentityIsExplicit: an identity named by environment
// variables is used for that run only, never stored, wins over a stored
// sign-in, and a write names it with its directory. The defect: the
// Contoso principal of one run was saved and then moved by a later run
// whose variables named the Northwind principal.
func TestEnvironmentIdentityIsExplicit(t *testing.T) {
	h := newHarness(t, nil)
	kr := &countingKeyring{Backend: h.kr}
	contoso := envSP(contosoSPApp, contosoID, contosoSecret)
	northwind := envSP(northwindSPApp, "northwind.onmicrosoft.com", northwindSecret)

	mustCode(t, h.runWith(kr, contoso, "", "whoami"), 0)
	mustCode(t, h.runWith(kr, contoso, "", "link", "--partner-id", "4977985"), 0)
	r := h.runWith(kr, northwind, "", "link", "--partner-id", "4977986", "--force", "-o", "json")
	mustCode(t, r, 0)
	if got := h.sim.LinkOf(northwindID, northwindSPObject); got != "4977986" {
		t.Fatalf("Northwind's principal is linked to %q, want 4977986", got)
	}
	if got := h.sim.LinkOf(contosoID, contosoSPObject); got != "4977985" {
		t.Fatalf("Contoso's principal was moved to %q: palwiz acted as the identity of an earlier run", got)
	}
	var out struct {
		ActingAs struct{ Kind, AppID, ObjectID, TenantID, TenantName, Source string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err, r.stdout)
	}
	if a := out.ActingAs; a.AppID != northwindSPApp || a.ObjectID != northwindSPObject || a.TenantID != northwindID || a.TenantName != "Northwind Traders" || a.Source != "environment" {
		t.Fatalf("actingAs: %+v", a)
	}
	if n := kr.calls.Load(); n != 0 || h.kr.Len() != 0 {
		t.Fatalf("the environment's identity reached the keyring: %d calls, %d items", n, h.kr.Len())
	}

	// A stored sign-in does not override the environment either.
	mustCode(t, h.runIn(contosoSecret+"\n", "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID), 0)
	before := kr.calls.Load()
	r = h.runWith(kr, northwind, "", "link", "--partner-id", "4977985", "--force")
	mustCode(t, r, 0)
	if h.sim.LinkOf(northwindID, northwindSPObject) != "4977985" || h.sim.LinkOf(contosoID, contosoSPObject) != "4977985" {
		t.Fatal("the stored sign-in was used instead of the environment's identity")
	}
	if kr.calls.Load() != before {
		t.Fatal("the environment's identity read the keyring")
	}
	for _, want := range []string{"As service principal " + northwindSPApp, "object " + northwindSPObject, "named by PALWIZ_CLIENT_ID", "in Northwind Traders (" + northwindID + ")"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("the write does not name %q:\n%s", want, r.stdout)
		}
	}

	// Named without a secret: only the same identity may be stored.
	h.sim.ResetStats()
	r = h.runWith(kr, map[string]string{"PALWIZ_CLIENT_ID": northwindSPApp}, "", "unlink", "--yes")
	mustCode(t, r, 3)
	for _, want := range []string{"names service principal " + northwindSPApp, "stored sign-in is service principal " + contosoSPApp, "PALWIZ_CLIENT_SECRET", "unset PALWIZ_CLIENT_ID"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("the refusal does not say %q: %s", want, r.stderr)
		}
	}
	if n := h.sim.Stats()["management.azure.com"]; n != 0 {
		t.Fatalf("palwiz called ARM %d times as the wrong identity", n)
	}
	mustCode(t, h.runWith(kr, map[string]string{"PALWIZ_CLIENT_ID": contosoSPApp, "PALWIZ_TENANT": "contoso.onmicrosoft.com"}, "", "status"), 0)
	r = h.runWith(kr, map[string]string{"PALWIZ_CLIENT_ID": contosoSPApp, "PALWIZ_TENANT": northwindID}, "", "status")
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "in Contoso Ltd ("+contosoID+")") {
		t.Fatalf("a stored principal of another directory: %s", r.stderr)
	}
}

// TestPipelineStatusMakesNoKeyringCall: the pipeline path's status -o json
// never asks the keyring and prints nothing about it.
func TestPipelineStatusMakesNoKeyringCall(t *testing.T) {
	h := newHarness(t, nil)
	kr := &countingKeyring{Backend: h.kr}
	r := h.runWith(kr, envSP(contosoSPApp, contosoID, contosoSecret), "", "status", "-o", "json")
	mustCode(t, r, 0)
	if n := kr.calls.Load(); n != 0 {
		t.Fatalf("%d keyring calls on the pipeline path", n)
	}
	if strings.Contains(strings.ToLower(r.stderr), "keyring") || r.stderr != "" {
		t.Fatalf("the pipeline path printed: %q", r.stderr)
	}
	// The same with a keyring that would hang: no wait either.
	hung := hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	start := time.Now()
	mustCode(t, h.runWith(keyring.WithTimeout(hung, 5*time.Second), envSP(contosoSPApp, contosoID, contosoSecret), "", "status"), 0)
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("the pipeline path waited for the keyring (%s)", d)
	}
}

// TestWritesNameWhoActsWhere: link and unlink name the identity (name,
// sign-in name, object ID) and the directory (name and ID) in their result,
// in every output format; fix --apply names them before it applies.
func TestWritesNameWhoActsWhere(t *testing.T) {
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(serviceUPN), 0)
	who := "As PAL Service Account (Fabrikam) (" + serviceUPN + "), object 5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101 in Contoso Ltd (" + contosoID + ")"
	r := h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, who) {
		t.Fatalf("link:\n%s", r.stdout)
	}
	r = h.run("link", "--partner-id", "4977985", "-o", "csv")
	if !strings.Contains(r.stdout, "actingAs.kind,actingAs.userPrincipalName,actingAs.appId,actingAs.objectId,actingAs.source") ||
		!strings.Contains(r.stdout, contosoID+",Contoso Ltd,") || !strings.Contains(r.stdout, ",user,"+serviceUPN+",,5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101,sign-in") {
		t.Fatalf("link csv:\n%s", r.stdout)
	}
	r = h.run("unlink", "--yes", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"tenantName": "Contoso Ltd"`) || !strings.Contains(r.stdout, `"userPrincipalName": "`+serviceUPN+`"`) {
		t.Fatalf("unlink json:\n%s", r.stdout)
	}
	// A refused write names them too.
	mustCode(t, h.run("link", "--partner-id", "5127255", "--force"), 0)
	r = h.run("link", "--partner-id", "4977985")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, who) {
		t.Fatalf("refused link:\n%s", r.stderr)
	}
	r = h.run("fix", "--apply", "--yes", "--environment", "Contoso Production", "--product", "canvas")
	if !strings.Contains(r.stderr, who+": applying the changes.") {
		t.Fatalf("fix --apply (exit %d):\n%s", r.code, r.stderr)
	}
}

// TestConcurrentLoginsLeaveNoOrphans: twenty palwiz runs sign in at once,
// sharing one keyring; afterwards every item is one palwiz can account for.
func TestConcurrentLoginsLeaveNoOrphans(t *testing.T) {
	h := newHarness(t, nil)
	var wg sync.WaitGroup
	codes := make([]result, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID}
			stdin := contosoSecret + "\n"
			if i%2 == 1 {
				args = []string{"login", "--service-principal", "--client-id", northwindSPApp, "--tenant", northwindID, "--remember-secret"}
				stdin = northwindSecret + "\n"
			}
			codes[i] = h.runIn(stdin, args...)
		}()
	}
	wg.Wait()
	for i, r := range codes {
		if r.code != 0 {
			t.Fatalf("login %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	st := keyring.NewStore(h.kr, "palwiz-sim").WithLockFile(filepath.Join(h.env["HOME"], ".cache", "palwiz", "palwiz-sim.lock"))
	a, err := st.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Orphans) != 0 || len(a.Unindexed) != 0 {
		t.Fatalf("%d orphaned items %v, %d unindexed %v", len(a.Orphans), a.Orphans, len(a.Unindexed), a.Unindexed)
	}
	mustCode(t, h.run("status"), 0)
	mustCode(t, h.run("logout", "--all"), 0)
	if h.kr.Len() != 0 {
		t.Fatalf("%d items after logout --all", h.kr.Len())
	}
}

// TestRefusedTokenIsReplaced: after Azure refuses a cached token (expired
// early, or the user's sessions revoked), the sign-in palwiz advises
// replaces it for the directory the calls use, for people and service
// principals. The defect: the new token was cached under "organizations"
// and the refused one under the tenant GUID kept being used.
func TestRefusedTokenIsReplaced(t *testing.T) {
	refused := func(t *testing.T, h *harness) {
		t.Helper()
		r := h.run("status")
		mustCode(t, r, 3)
		if !strings.Contains(r.stderr, "palwiz login") {
			t.Fatalf("the refusal does not advise a sign-in: %s", r.stderr)
		}
	}
	t.Run("person, tokens expired early", func(t *testing.T) {
		h := newHarness(t, nil)
		mustCode(t, h.signInAs(serviceUPN), 0)
		mustCode(t, h.run("status"), 0)
		postControl(t, h, "/_sim/expire-tokens", "")
		refused(t, h)
		mustCode(t, h.signInAs(serviceUPN), 0)
		mustCode(t, h.run("status"), 0)
		mustCode(t, h.run("tenants"), 0)
	})
	t.Run("person, sessions revoked", func(t *testing.T) {
		h := newHarness(t, nil)
		mustCode(t, h.signInAs(anaUPN), 0)
		mustCode(t, h.run("status", "--tenant", contosoID), 0)
		postControl(t, h, "/_sim/revoke", `{"user":"`+anaUPN+`"}`)
		postControl(t, h, "/_sim/expire-tokens", "")
		r := h.run("status", "--tenant", contosoID)
		mustCode(t, r, 3)
		mustCode(t, h.signInAs(anaUPN), 0)
		// The guest directory's token is replaced too, not only the home one.
		mustCode(t, h.run("status", "--tenant", contosoID), 0)
	})
	t.Run("service principal, tokens expired early", func(t *testing.T) {
		h := newHarness(t, nil)
		login := func() result {
			return h.runIn(contosoSecret+"\n", "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
		}
		mustCode(t, login(), 0)
		mustCode(t, h.run("status"), 0)
		postControl(t, h, "/_sim/expire-tokens", "")
		refused(t, h)
		mustCode(t, login(), 0)
		mustCode(t, h.run("status"), 0)
	})
}

// postControl calls the simulator's control API as a script would.
func postControl(t *testing.T, h *harness, path, body string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(h.sim.PagesURL()+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
}

// TestEntraThrottlingIsExplained: Entra's 429 and 5xx on the token endpoint
// are retried per Retry-After; when it asks for longer than palwiz waits, it is
// explained as a service problem (exit 1, not "sign in again"), never as
// MSAL's raw text.
func TestEntraThrottlingIsExplained(t *testing.T) {
	h := newHarness(t, nil)
	login := []string{"status"}
	env := envSP(contosoSPApp, contosoID, contosoSecret)
	_ = h.sim.AddFault(sim.Fault{Host: "login.microsoftonline.com", Method: "POST", Path: "/token", Kind: "throttle", RetryAfter: 1, Times: 1})
	start := time.Now()
	mustCode(t, h.runWith(h.kr, env, "", login...), 0)
	if d := time.Since(start); d < time.Second {
		t.Fatalf("palwiz did not wait out Retry-After (%s)", d)
	}
	// A server error is retried too (after a second, with no Retry-After).
	h.sim.ClearFaults()
	_ = h.sim.AddFault(sim.Fault{Host: "login.microsoftonline.com", Method: "POST", Path: "/token", Kind: "status", Status: 503, Times: 1})
	mustCode(t, h.runWith(h.kr, env, "", login...), 0)
	h.sim.ClearFaults()
	_ = h.sim.AddFault(sim.Fault{Host: "login.microsoftonline.com", Method: "POST", Path: "/token", Kind: "throttle", RetryAfter: 120})
	r := h.runWith(h.kr, env, "", login...)
	mustCode(t, r, 1)
	for _, want := range []string{"Entra ID (Microsoft's sign-in service) is limiting requests", "HTTP 429", "wait 2m0s", "not a problem with your sign-in"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	for _, raw := range []string{"http call(", "reply status code", "Try `palwiz login"} {
		if strings.Contains(r.stderr, raw) {
			t.Fatalf("stderr has %q: %s", raw, r.stderr)
		}
	}
}

// TestCAOutNeverClobbers: `palwiz sim --ca-out FILE` refuses to replace a
// file palwiz did not write (the defect: run as root it replaced a system
// file), replaces an earlier simulator's CA, and with --force a regular
// file; the CA is written whole, 0644.
func TestCAOutNeverClobbers(t *testing.T) {
	h := newHarness(t, nil)
	dir := t.TempDir()
	foreign := filepath.Join(dir, "hosts")
	if err := os.WriteFile(foreign, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// serve runs `palwiz sim` until its CA file is in place, then stops it.
	serve := func(args ...string) result {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The run's own CA, not one an earlier run left there.
		before, _ := os.ReadFile(args[1])
		done := make(chan result, 1)
		go func() { done <- h.runCtx(ctx, "", nil, append([]string{"sim", "--listen", "127.0.0.1:0"}, args...)...) }()
		for {
			select {
			case r := <-done:
				return r
			case <-time.After(20 * time.Millisecond):
			}
			if b, err := os.ReadFile(args[1]); err == nil && cloud.IsSimCA(b) && string(b) != string(before) {
				cancel()
				return <-done
			}
		}
	}
	r := serve("--ca-out", foreign)
	mustCode(t, r, 2)
	if !strings.Contains(r.stderr, "already exists and palwiz did not write it") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("refusal: %s", r.stderr)
	}
	if b, _ := os.ReadFile(foreign); string(b) != "127.0.0.1 localhost\n" {
		t.Fatalf("the file changed: %q", b)
	}
	if r := serve("--ca-out", "/dev/null", "--force"); r.code != 2 || !strings.Contains(r.stderr, "a device, not a regular file") {
		t.Fatalf("/dev/null: %d %s", r.code, r.stderr)
	}
	ca := filepath.Join(dir, "ca.pem")
	mustCode(t, serve("--ca-out", ca), 0)
	first, _ := os.ReadFile(ca)
	mustCode(t, serve("--ca-out", ca), 0) // an earlier simulator's CA is palwiz's own
	if again, _ := os.ReadFile(ca); string(again) == string(first) || !cloud.IsSimCA(again) {
		t.Fatal("the earlier CA was not replaced by the new one")
	}
	mustCode(t, serve("--ca-out", foreign, "--force"), 0)
	fi, err := os.Stat(foreign)
	if b, _ := os.ReadFile(foreign); err != nil || !cloud.IsSimCA(b) || fi.Mode().Perm() != 0o644 {
		t.Fatalf("forced: %v %v", fi, err)
	}
}
