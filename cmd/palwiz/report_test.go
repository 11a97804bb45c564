package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/report"
	"github.com/palwiz/palwiz/steps/fleet"
)

// TestUnlinkAllTenantsAsks: at a terminal, unlink --all-tenants asks once
// and changes nothing on "no"; --yes does not ask.
func TestUnlinkAllTenantsAsks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(anaUPN), 0)
	const northwindGuest = "9a4f0d2b-5e6f-4071-bc83-9b4d00000203"
	if h.sim.LinkOf(northwindID, northwindGuest) == "" {
		t.Fatal("the demo's Northwind guest should start linked")
	}
	r := h.start(context.Background(), runSpec{tty: true, stdin: "n\n"}, "unlink", "--all-tenants").wait()
	mustCode(t, r, 0)
	if !strings.Contains(r.stderr, "remove the Partner Admin Link in every directory this identity reaches?") || !strings.Contains(r.stderr, "Nothing changed.") {
		t.Fatalf("no question, or no answer to it:\n%s", r.stderr)
	}
	if h.sim.LinkOf(northwindID, northwindGuest) == "" {
		t.Fatal("answering no removed the link")
	}
	r = h.start(context.Background(), runSpec{tty: true}, "unlink", "--all-tenants", "--yes", "-o", "json").wait()
	if r.code != 4 { // Woodgrove demands MFA
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "remove the Partner Admin Link") {
		t.Fatalf("--yes asked:\n%s", r.stderr)
	}
	if got := h.sim.LinkOf(northwindID, northwindGuest); got != "" {
		t.Fatalf("the Northwind link is still %q", got)
	}
}

// fleetHarness signs the fleet consultant in to FleetScenario(n).
func fleetHarness(t testing.TB, n int, latency time.Duration, edit func(*sim.Scenario)) *harness {
	t.Helper()
	sc := sim.FleetScenario(n)
	sc.Settings.Latency = sim.Duration(latency)
	if edit != nil {
		edit(sc)
	}
	h := harnessFor(t, sc)
	r := h.loginDevice(func(code, _ string) {
		if err := h.sim.ApproveDeviceCode(code, "fleet@fabrikam.example", false); err != nil {
			t.Error(err)
		}
	})
	if r.code != 0 {
		t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}
	return h
}

// journalLines are a journal's entries without their times, sorted.
func journalLines(t *testing.T, path, op string) []string {
	t.Helper()
	es, err := fleet.ReadJournal(path, op)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.TenantID+" "+map[bool]string{true: "ok", false: "failed"}[e.OK]+" "+string(e.Result))
	}
	return out
}

// TestFleetInterruptedThenResumed: a status run over the fleet scenario,
// interrupted half-way (Ctrl-C) and resumed, ends with the same journal and
// prints the same rows as a run that was never interrupted.
func TestFleetInterruptedThenResumed(t *testing.T) {
	t.Parallel()
	const n = 60
	h := fleetHarness(t, n, 15*time.Millisecond, nil)
	dir := t.TempDir()
	full, part := filepath.Join(dir, "full.jsonl"), filepath.Join(dir, "part.jsonl")

	want := h.run("status", "--all-tenants", "--journal", full, "--concurrency", "4", "-o", "json")
	mustCode(t, want, 0)

	ctx, cancel := context.WithCancel(context.Background())
	running := h.start(ctx, runSpec{}, "status", "--all-tenants", "--journal", part, "--concurrency", "4", "-o", "json")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(part); bytes.Count(b, []byte("\n")) > n/2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	r := running.wait()
	mustCode(t, r, 130)
	if !strings.Contains(r.stderr, "run the same command with --resume to continue") {
		t.Fatalf("the interruption does not say how to resume:\n%s", r.stderr)
	}
	done := len(journalLines(t, part, "status"))
	if done == 0 || done >= n {
		t.Fatalf("interrupted after %d of %d directories: not half-way", done, n)
	}

	h.sim.ResetStats()
	got := h.run("status", "--all-tenants", "--journal", part, "--resume", "--concurrency", "4", "-o", "json")
	mustCode(t, got, 0)
	if got.stdout != want.stdout {
		t.Errorf("the resumed run prints other rows than the uninterrupted one:\n%s\n---\n%s", got.stdout, want.stdout)
	}
	if arm := h.sim.Stats()["management.azure.com"]; arm > n-done+1 {
		t.Errorf("the resumed run made %d ARM requests for %d directories left", arm, n-done)
	}
	a, b := journalLines(t, full, "status"), journalLines(t, part, "status")
	sortStrings(a)
	sortStrings(b)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("the journals differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestReportFleetScenario: the report over the simulator's fleet scenario
// in every format: one section per directory, the guest's identity and the
// link as read; Power Platform is not readable there, so every directory
// is incomplete, the report says so first, and the exit code is 4.
func TestReportFleetScenario(t *testing.T) {
	t.Parallel()
	const n = 7
	h := fleetHarness(t, n, 0, nil)
	dir := t.TempDir()
	for _, format := range report.Formats {
		out := filepath.Join(dir, "fleet."+format)
		r := h.run("report", "--all-tenants", "--format", format, "--out", out)
		mustCode(t, r, 4)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		v, err := report.Verify(data)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !strings.Contains(r.stdout, v.Digest) {
			t.Errorf("%s: the digest printed (%s) is not the report's (%s)", format, r.stdout, v.Digest)
		}
		d := v.Document
		if len(d.Directories) != n || d.Summary.Directories != n {
			t.Fatalf("%s: %d directories, want %d", format, len(d.Directories), n)
		}
		if d.Complete() || d.Summary.Complete != 0 || !strings.HasPrefix(d.Summary.Headline, "Incomplete: ") {
			t.Errorf("%s: a report with failed reads reads as complete: %+v", format, d.Summary)
		}
		linked := 0
		for i, dd := range d.Directories {
			if dd.Identity == nil || dd.Link == nil {
				t.Fatalf("%s: directory %d has no identity or link: %+v", format, i, dd)
			}
			if i > 0 && dd.Identity.UserType != "Guest" {
				t.Errorf("%s: %s: user type %q, want Guest", format, dd.TenantName, dd.Identity.UserType)
			}
			if dd.Link.Linked {
				linked++
				if dd.Link.PartnerID != "5127255" || dd.Link.FirstLinked == "" {
					t.Errorf("%s: %s: link %+v", format, dd.TenantName, dd.Link)
				}
			}
			if len(dd.NotChecked) == 0 || dd.Status != report.StatusIncomplete {
				t.Errorf("%s: %s: status %s with %d parts not checked", format, dd.TenantName, dd.Status, len(dd.NotChecked))
			}
		}
		if linked != (n-1)/3 || d.Summary.Linked != linked {
			t.Errorf("%s: %d linked (summary %d), want %d", format, linked, d.Summary.Linked, (n-1)/3)
		}
		text := string(data)
		for _, want := range []string{"Customer 003", "Tailspin Partners (Dublin) (5127255)", "fleet@fabrikam.example"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the report does not show %q", format, want)
			}
		}
		if format != report.FormatJSON && !strings.Contains(text, "Directories") {
			t.Errorf("%s: no fleet summary table", format)
		}
	}
}

// TestReportHTMLInChromium: headless Chromium renders the HTML report of
// the demo's Contoso directory with nothing but the file itself loaded (no
// script, style sheet, font or image fetched); the page shows the
// verdicts, and a screenshot is taken.
func TestReportHTMLInChromium(t *testing.T) {
	t.Parallel()
	browser := startChromium(t)
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(serviceUPN), 0)
	dir := t.TempDir()
	file := filepath.Join(dir, "contoso.html")
	r := h.runCtx(context.Background(), "", map[string]string{"PALWIZ_CI_SUBSCRIPTION_KEY": "sim-contoso-ci-key-1"},
		"report", "--format", "html", "--out", file)
	mustCode(t, r, 0)

	var mu sync.Mutex
	var requests []string
	browser.mu.Lock()
	browser.onEvent = func(method string, params json.RawMessage) {
		if method != "Network.requestWillBeSent" {
			return
		}
		var p struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		_ = json.Unmarshal(params, &p)
		mu.Lock()
		requests = append(requests, p.Request.URL)
		mu.Unlock()
	}
	browser.mu.Unlock()
	pg := browser.open("about:blank")
	for _, m := range []string{"Network.enable", "Page.enable"} {
		if _, err := browser.call(m, map[string]any{}, pg.session); err != nil {
			t.Fatal(err)
		}
	}
	url := "file://" + file
	if _, err := browser.call("Page.navigate", map[string]any{"url": url}, pg.session); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, err := pg.eval(`document.readyState === "complete" && document.location.protocol === "file:" ? "ready" : ""`)
		if err == nil && v == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report never loaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	text, err := pg.eval(`document.body.innerText`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Partner Admin Link evidence: Contoso Ltd", "Coverage by product", "Site Survey", "not attributed",
		"pal-service@contoso.onmicrosoft.com", "SHA-256 of the JSON form", "About this report"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	if strings.Contains(text, `"schemaVersion"`) {
		t.Error("the hidden JSON form shows on the page")
	}
	if n, _ := pg.eval(`document.scripts.length`); n != "0" {
		t.Errorf("%s scripts in the page", n)
	}
	if n, _ := pg.eval(`performance.getEntriesByType("resource").length`); n != "0" {
		t.Errorf("the page loaded %s resources", n)
	}
	res, err := browser.call("Page.captureScreenshot", map[string]any{"format": "png"}, pg.session)
	if err != nil {
		t.Fatal(err)
	}
	var shot struct {
		Data string `json:"data"`
	}
	_ = json.Unmarshal(res, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 10_000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if u != url {
			t.Errorf("the page requested %s", u)
		}
	}
	if len(requests) == 0 {
		t.Error("no request seen at all: the network events were not recorded")
	}
}
