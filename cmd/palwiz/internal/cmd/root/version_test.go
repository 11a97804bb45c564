package root

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/version"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, false, nil)
	f.Build = cmdutil.BuildInfo{Version: "v1.2.3", Commit: "0123456789abcdef0123", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64"}
	ios, _, out, _ := iostreams.Test()
	f.IOStreams = ios
	if err := cmdtest.Exec(f, version.NewCmdVersion(f, nil), "-o json"); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out.String()), &v); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"schemaVersion": 1.0, "version": "v1.2.3", "commit": "0123456789abcdef0123", "date": "2026-11-30T10:00:00Z", "goVersion": "go1.26.8", "platform": "linux/amd64"} {
		if v[k] != want {
			t.Errorf("%s = %v, want %v", k, v[k], want)
		}
	}
	if got := f.Build.String(); got != "palwiz v1.2.3 (commit 0123456789ab, built 2026-11-30T10:00:00Z, go1.26.8, linux/amd64)" {
		t.Errorf("one line: %q", got)
	}
	if err := cmdtest.Exec(f, version.NewCmdVersion(f, func(context.Context, *version.Options) error { return nil }), "-o md"); !cmdutil.IsUsage(err) {
		t.Errorf("version -o md: %v, want a usage error", err)
	}
	if !bytes.Contains([]byte(out.String()), []byte(`"goVersion": "go1.26.8"`)) {
		t.Error(out.String())
	}
}

// A build without stamped values still says its Go version and platform.
func TestReadBuildInfo(t *testing.T) {
	t.Parallel()
	b := cmdutil.ReadBuildInfo("dev", "abc", "2026-01-01T00:00:00Z")
	if b.Version == "" || b.GoVersion == "" || b.Platform == "" || b.Commit != "abc" || b.Date != "2026-01-01T00:00:00Z" {
		t.Fatalf("%+v", b)
	}
}
