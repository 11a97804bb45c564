package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/report"
)

// simReporter is the real Reporter (NewReporter) over the simulated cloud's
// demo scenario, signed in as the dedicated account and linked to
// Fabrikam's partner ID, with the wizard's fixed clock.
func simReporter(t testing.TB) Reporter {
	a := newSimAttributor(t, nil)
	return NewReporter(a.env, ReportConfig{Version: "test", Now: func() time.Time { return fixedNow }})
}

// reportName is the default file name of Contoso's report in format.
func reportName(format string) string {
	return report.FileName(contoso.DefaultDomain, contoso.ID, fixedNow, format)
}

// verifyReport reads a written report and checks that it verifies, in
// format, for Contoso, with the digest the wizard showed.
func verifyReport(t *testing.T, path, format, shown string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := report.Verify(b)
	if err != nil {
		t.Fatalf("%s does not verify: %v", path, err)
	}
	if v.Format != format || len(v.Document.Directories) != 1 || v.Document.Directories[0].TenantID != tContoso {
		t.Fatalf("%s: format %s, %+v", path, v.Format, v.Document.Directories)
	}
	if d := v.Document.Directories[0]; d.Link == nil || !d.Link.Linked || d.Link.PartnerID != "4977985" {
		t.Errorf("the report's link: %+v", d.Link)
	}
	if !strings.Contains(strings.Join(strings.Fields(shown), " "), v.Digest) {
		t.Errorf("the wizard did not show the digest %s:\n%s", v.Digest, shown)
	}
}

// The full-screen Validation writes the report: w, a format, the default
// name; the screen then shows the path and the digest, and the file
// verifies as palwiz report verify checks it.
func TestValidationWritesReport(t *testing.T) {
	for _, tc := range []struct {
		format string
		keys   []string
	}{{"html", nil}, {"json", []string{"down", "down"}}} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			f := newFake()
			r := newRunner(t, Options{Backend: f, Reporter: simReporter(t), NoColor: true, Width: 100, Height: 40, WorkDir: dir, Now: func() time.Time { return fixedNow }})
			toValidation(t, r, f)
			if !strings.Contains(r.screen(), "w "+reportOffer) {
				t.Fatalf("Validation does not offer the report:\n%s", r.screen())
			}
			r.key("w")
			r.waitFor("Report format", time.Second)
			r.key(tc.keys...)
			r.key("enter")
			r.waitFor(reportName(tc.format), time.Second)
			r.key("enter")
			r.waitFor("SHA-256 of its JSON form", 30*time.Second)
			screen := r.screen()
			path := filepath.Join(dir, reportName(tc.format))
			if !strings.Contains(strings.Join(strings.Fields(screen), " "), "Wrote the evidence report to "+reportName(tc.format)) {
				t.Errorf("no path on screen:\n%s", screen)
			}
			verifyReport(t, path, tc.format, screen)
		})
	}
}

// A file palwiz did not write is never replaced: the wizard says so, offers
// a free name beside it, and writes there.
func TestValidationLeavesForeignFile(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, reportName("html"))
	if err := os.WriteFile(foreign, []byte("the customer's own notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	r := newRunner(t, Options{Backend: f, Reporter: simReporter(t), NoColor: true, Width: 100, Height: 40, WorkDir: dir, Now: func() time.Time { return fixedNow }})
	toValidation(t, r, f)
	r.key("w")
	r.waitFor("Report format", time.Second)
	r.key("enter", "enter")
	r.waitFor("palwiz did not write it", 30*time.Second)
	screen := strings.Join(strings.Fields(r.screen()), " ")
	other := strings.TrimSuffix(foreign, ".html") + "-2.html"
	if !strings.Contains(screen, "palwiz leaves it alone") || !strings.Contains(screen, "such as "+filepath.Base(other)) {
		t.Errorf("the refusal does not say so or offer %s:\n%s", other, r.screen())
	}
	if b, _ := os.ReadFile(foreign); string(b) != "the customer's own notes\n" {
		t.Fatalf("the foreign file was replaced: %q", b)
	}
	// The form is open again with the free name filled in.
	r.waitFor("Report format", time.Second)
	r.key("enter", "enter")
	r.waitFor("SHA-256 of its JSON form", 30*time.Second)
	verifyReport(t, other, "html", r.screen())
}

// The accessible runner asks the same: write it? which format? which name?
// It refuses the foreign file, offers another name, and writes there.
func TestAccessibleWritesReport(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, reportName("md"))
	if err := os.WriteFile(foreign, []byte("# not palwiz's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	c := startAccessible(t, Options{Backend: f, Reporter: simReporter(t), Ephemeral: true, WorkDir: dir})
	c.expect("Your partner ID ")
	c.send("4977985")
	c.expect("Enter a number between 1 and 4: ")
	c.send("")
	c.expect("1. Keep waiting")
	f.approve()
	c.expect("now? [Y/n] ")
	c.send("")
	c.expect("Attribution: what now?")
	c.send("")
	c.expect("Linked: yes.")
	c.expect(reportAsk + " [y/N] ")
	c.send("y")
	c.expect("Report format (Enter for 1)")
	c.send("2")
	c.expect("Save as (Enter for " + reportName("md") + ")")
	c.send("")
	c.expect("palwiz did not write it, so palwiz leaves it alone. Choose another name, such as ")
	other := strings.TrimSuffix(foreign, ".md") + "-2.md"
	c.expect("Save as (Enter for " + filepath.Base(other) + ")")
	c.send("")
	c.expect("Wrote the evidence report to " + filepath.Base(other) + ".")
	c.expect("Digest (SHA-256 of its JSON form): sha256:")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if b, _ := os.ReadFile(foreign); string(b) != "# not palwiz's\n" {
		t.Fatalf("the foreign file was replaced: %q", b)
	}
	verifyReport(t, other, "md", c.out.String())
}
