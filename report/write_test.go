package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WriteFile replaces a report palwiz wrote, never a file it did not write
// (it suggests a free name beside it instead) unless forced, and never a
// directory.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	b, _, err := Render(sample(complete()), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "r.json")
	if err := WriteFile(p, b, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, b, false); err != nil {
		t.Errorf("replacing palwiz's own report: %v", err)
	}
	foreign := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(foreign, []byte(`{"mine":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes-2.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var ee *ExistsError
	err = WriteFile(foreign, b, false)
	if !errors.As(err, &ee) || ee.Suggest != filepath.Join(dir, "notes-3.json") || ee.NotRegular() != "" {
		t.Fatalf("a foreign file: %v (%+v)", err, ee)
	}
	if got, _ := os.ReadFile(foreign); string(got) != `{"mine":true}` {
		t.Fatalf("the foreign file was replaced: %s", got)
	}
	if err := WriteFile(foreign, b, true); err != nil {
		t.Errorf("--force: %v", err)
	}
	err = WriteFile(dir, b, true)
	if !errors.As(err, &ee) || ee.NotRegular() == "" {
		t.Errorf("a directory: %v", err)
	}
}

func TestFileName(t *testing.T) {
	at := time.Date(2026, 11, 22, 23, 30, 0, 0, time.FixedZone("x", -5*3600))
	for _, tc := range []struct{ domain, id, format, want string }{
		{"Contoso.onmicrosoft.com", "x", "html", "palwiz-report-contoso-2026-11-23.html"},
		{"", "2C8E-00", "md", "palwiz-report-2c8e-00-2026-11-23.md"},
		{"../../etc", "", "json", "palwiz-report-directory-2026-11-23.json"},
		{"a b/c.d", "", "markdown", "palwiz-report-abc-2026-11-23.md"},
	} {
		if got := FileName(tc.domain, tc.id, at, tc.format); got != tc.want {
			t.Errorf("FileName(%q, %q, %q) = %q, want %q", tc.domain, tc.id, tc.format, got, tc.want)
		}
	}
}
