package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestArchivesAreDeterministic: the same entries give the same bytes,
// whatever their order, and the archives hold what users expect: one
// directory, the binary executable, every time the commit's date, root owner.
func TestArchivesAreDeterministic(t *testing.T) {
	date := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	entries := []entry{{Name: "palwiz", Data: bytes.Repeat([]byte("ELF"), 5000), Mode: 0o755}, {Name: "README.md", Data: []byte("# palwiz\n"), Mode: 0o644}}
	reversed := []entry{entries[1], entries[0]}
	dir := t.TempDir()
	for _, ext := range []string{".tar.gz", ".zip"} {
		a, b := filepath.Join(dir, "a"+ext), filepath.Join(dir, "b"+ext)
		if err := writeArchive(a, "palwiz_1.0.0_linux_amd64", entries, date); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // a run a second later: the clock must not matter
		if err := writeArchive(b, "palwiz_1.0.0_linux_amd64", reversed, date); err != nil {
			t.Fatal(err)
		}
		ab, _ := os.ReadFile(a)
		bb, _ := os.ReadFile(b)
		if !bytes.Equal(ab, bb) {
			t.Fatalf("%s: two runs differ", ext)
		}
		got := listArchive(t, a)
		want := []string{"palwiz_1.0.0_linux_amd64/ dir 755", "palwiz_1.0.0_linux_amd64/README.md file 644", "palwiz_1.0.0_linux_amd64/palwiz file 755"}
		if strings.Join(got.names, "|") != strings.Join(want, "|") {
			t.Errorf("%s entries: %v", ext, got.names)
		}
		for _, m := range got.times {
			if !m.Equal(date) {
				t.Errorf("%s: an entry dated %s", ext, m)
			}
		}
		if got.exe != string(entries[0].Data) {
			t.Errorf("%s: the binary did not round-trip", ext)
		}
	}
}

type listing struct {
	names []string
	times []time.Time
	exe   string
}

func listArchive(t *testing.T, file string) listing {
	t.Helper()
	var l listing
	add := func(name string, mode os.FileMode, mod time.Time, data func() []byte) {
		kind := "file"
		if mode.IsDir() {
			kind = "dir"
		}
		l.names = append(l.names, name+" "+kind+" "+octal(mode.Perm()))
		l.times = append(l.times, mod)
		if strings.HasSuffix(name, "/palwiz") {
			l.exe = string(data())
		}
	}
	if strings.HasSuffix(file, ".zip") {
		zr, err := zip.OpenReader(file)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			add(f.Name, f.Mode(), f.Modified.UTC(), func() []byte {
				rc, _ := f.Open()
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return b
			})
		}
	} else {
		fh, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		gz, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if gz.Name != "" || !gz.ModTime.IsZero() {
			t.Errorf("gzip header carries name %q, time %s", gz.Name, gz.ModTime)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
				t.Errorf("%s owned by %d:%d %s:%s", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
			}
			add(h.Name, h.FileInfo().Mode(), h.ModTime.UTC(), func() []byte { b, _ := io.ReadAll(tr); return b })
		}
	}
	sort.Strings(l.names)
	return l
}

func octal(m os.FileMode) string {
	const digits = "01234567"
	p := uint32(m.Perm())
	return string([]byte{digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}

// TestCleanDist: an earlier release's files go; anything else in the
// directory stays.
func TestCleanDist(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"notes.txt", "palwiz", "palwiz_1.0.0_plan9_amd64.tar.gz", "SHA256SUMS.asc"}
	gone := []string{"SHA256SUMS", "palwiz_1.0.0_linux_amd64.tar.gz", "palwiz_v0.1-3-gabc_windows_arm64.zip", "palwiz_1.0.0_darwin_arm64"}
	for _, n := range append(append([]string{}, keep...), gone...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := cleanDist(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
	for _, n := range gone {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s was left", n)
		}
	}
}

// TestStampAndTargets: the stamp comes from the flags or git, the date is
// never the clock, bad values are refused, and a release has six targets.
func TestStampAndTargets(t *testing.T) {
	ctx := context.Background()
	m, err := stamp(ctx, "v1.2.3", "abc123", "2026-11-22T11:30:00+01:00")
	if err != nil || m.Date != time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC) {
		t.Fatalf("%+v %v", m, err)
	}
	if got := ldflags(m); got != "-s -w -buildid= -X main.version=v1.2.3 -X main.commit=abc123 -X main.date=2026-11-22T10:30:00Z" {
		t.Fatalf("ldflags %q", got)
	}
	for _, bad := range [][3]string{{"v1 2", "c", "2026-11-22T10:30:00Z"}, {"-x", "c", "2026-11-22T10:30:00Z"}, {"v1", "c", "yesterday"}} {
		if _, err := stamp(ctx, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	ts, err := parseTargets(strings.Join(defaultTargets, ","))
	if err != nil || len(ts) != 6 {
		t.Fatalf("%v %v", ts, err)
	}
	oses := map[string]int{}
	for _, tg := range ts {
		oses[tg.OS]++
	}
	if oses["linux"] != 2 || oses["darwin"] != 2 || oses["windows"] != 2 || ts[4].exe() != "palwiz.exe" {
		t.Fatalf("targets %v", ts)
	}
	if _, err := parseTargets("linux"); err == nil {
		t.Error("a target without an architecture")
	}
	env := buildEnv([]string{"CGO_ENABLED=1", "GOOS=plan9", "HOME=/h", "GOFLAGS=-race"}, target{"darwin", "arm64"})
	joined := strings.Join(env, " ")
	if strings.Contains(joined, "CGO_ENABLED=1") || strings.Contains(joined, "plan9") || strings.Contains(joined, "-race") ||
		!strings.Contains(joined, "CGO_ENABLED=0") || !strings.Contains(joined, "GOOS=darwin") || !strings.Contains(joined, "HOME=/h") {
		t.Fatalf("build environment %v", env)
	}
}
