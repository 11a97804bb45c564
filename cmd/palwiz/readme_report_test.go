package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var writeReadmeReport = flag.Bool("readme-report", false, "rewrite the README's report sample and docs/img/report-html.png (scripts/readme-report.sh)")

const (
	reportSampleStart = "<!-- report-sample:start (scripts/readme-report.sh) -->\n"
	reportSampleEnd   = "<!-- report-sample:end -->\n"
	reportShot        = "../../docs/img/report-html.png"
)

// volatile are the parts of a report that change from run to run.
var volatile = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC|sha256:[0-9a-f]{64}|palwiz \S+ on the`)

// demoReport is the Markdown report of the demo's Contoso directory, as
// its dedicated account, linked; and, with html, the HTML file written.
func demoReport(t *testing.T, html string) string {
	t.Helper()
	h := newHarness(t, nil)
	mustCode(t, h.signInAs(serviceUPN), 0)
	mustCode(t, h.run("link", "--partner-id", "4977985"), 0)
	env := map[string]string{"PALWIZ_CI_SUBSCRIPTION_KEY": "sim-contoso-ci-key-1"}
	r := h.runCtx(context.Background(), "", env, "report")
	mustCode(t, r, 0)
	if html != "" {
		mustCode(t, h.runCtx(context.Background(), "", env, "report", "--format", "html", "--out", html), 0)
	}
	return r.stdout
}

// trimReport keeps the report's head, its coverage table and the first
// rows of the canvas apps.
func trimReport(md string) string {
	var out []string
	rows := -1
	for _, l := range strings.Split(md, "\n") {
		if rows >= 0 && strings.HasPrefix(l, "| ") {
			rows++
			if rows > 6 {
				break
			}
		}
		if l == "### Canvas apps" {
			rows = 0
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n| … |  |  |  |  |  |\n\n*Trimmed: the report goes on with every product's resources, the notes, the facts of the run (with the request IDs of any failed read) and the JSON form its digest covers.*\n"
}

// TestREADMEReport holds the README's report sample to what palwiz prints
// now (dates, digest and version aside): it fails when the sample is
// stale, and -readme-report rewrites it and the HTML screenshot.
func TestREADMEReport(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	sample := "```markdown\n" + trimReport(demoReport(t, html)) + "```\n"
	s := string(readme)
	i, j := strings.Index(s, reportSampleStart), strings.Index(s, reportSampleEnd)
	if i < 0 || j < i {
		t.Fatal("the README has no report sample between its markers")
	}
	old := s[i+len(reportSampleStart) : j]
	if *writeReadmeReport {
		s = s[:i+len(reportSampleStart)] + sample + s[j:]
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		screenshot(t, html, reportShot)
		return
	}
	if volatile.ReplaceAllString(old, "…") != volatile.ReplaceAllString(sample, "…") {
		t.Errorf("the README's report sample is stale: run scripts/readme-report.sh (make readme-report)")
	}
	if fi, err := os.Stat(reportShot); err != nil || fi.Size() < 10_000 {
		t.Errorf("the README's screenshot of the HTML report is missing: run scripts/readme-report.sh (%v)", err)
	}
}

// screenshot renders file in headless Chromium, 1000 pixels wide, and
// writes the top of the page as a PNG to out.
func screenshot(t *testing.T, file, out string) {
	t.Helper()
	b := startChromium(t)
	p := b.open("about:blank")
	if _, err := b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1000, "height": 1250, "deviceScaleFactor": 1, "mobile": false}, p.session); err != nil {
		t.Fatal(err)
	}
	if _, err := b.call("Page.navigate", map[string]any{"url": "file://" + file}, p.session); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		if v, _ := p.eval(`document.readyState === "complete" && location.protocol === "file:" ? "ok" : ""`); v == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report never loaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := b.call("Page.captureScreenshot", map[string]any{"format": "png"}, p.session)
	if err != nil {
		t.Fatal(err)
	}
	var shot struct{ Data string }
	_ = json.Unmarshal(res, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
