package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// defaultTargets are the six platforms of a release.
var defaultTargets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// target is one GOOS/GOARCH pair.
type target struct{ OS, Arch string }

func (t target) exe() string {
	if t.OS == "windows" {
		return "palwiz.exe"
	}
	return "palwiz"
}

func parseTargets(s string) ([]target, error) {
	var out []target
	for _, p := range strings.Split(s, ",") {
		os, arch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok || os == "" || arch == "" {
			return nil, fmt.Errorf("target %q is not GOOS/GOARCH", p)
		}
		out = append(out, target{os, arch})
	}
	return out, nil
}

// meta is what every binary is stamped with.
type meta struct {
	Version, Commit string
	Date            time.Time
}

var safeVersion = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]*$`)

// stamp fills what the flags left out from git: the version from the tags,
// the commit, and the commit's date (never the clock: two builds must match).
func stamp(ctx context.Context, version, commit, date string) (meta, error) {
	git := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "git", args...).Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w (pass -version, -commit and -date outside a git checkout)", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	var err error
	if version == "" {
		if version, err = git("describe", "--tags", "--always", "--dirty"); err != nil {
			return meta{}, err
		}
	}
	if commit == "" {
		if commit, err = git("rev-parse", "HEAD"); err != nil {
			return meta{}, err
		}
	}
	if date == "" {
		if date, err = git("log", "-1", "--format=%cI", commit); err != nil {
			return meta{}, err
		}
	}
	if !safeVersion.MatchString(version) {
		return meta{}, fmt.Errorf("version %q: use letters, digits and . + _ -", version)
	}
	d, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return meta{}, fmt.Errorf("date %q is not RFC 3339: %w", date, err)
	}
	return meta{Version: version, Commit: commit, Date: d.UTC()}, nil
}

// ldflags strips the symbol table, empties the build ID and stamps the
// version, commit and date (main.version, main.commit, main.date).
func ldflags(m meta) string {
	return fmt.Sprintf("-s -w -buildid= -X main.version=%s -X main.commit=%s -X main.date=%s", m.Version, m.Commit, m.Date.Format(time.RFC3339))
}

// name is a release file's stem: palwiz_VERSION_OS_ARCH.
func name(m meta, t target) string { return "palwiz_" + m.Version + "_" + t.OS + "_" + t.Arch }

// build cross-builds every target into dist, packs each, verifies the
// binaries, and writes SHA256SUMS. It returns the archives' names.
func build(ctx context.Context, dist string, m meta, ts []target) ([]string, error) {
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return nil, err
	}
	if err := cleanDist(dist); err != nil {
		return nil, err
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		return nil, fmt.Errorf("run from the repository's top directory: %w", err)
	}
	var archives []string
	for _, t := range ts {
		dir := filepath.Join(dist, name(m, t))
		bin := filepath.Join(dir, t.exe())
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags(m), "-o", bin, "./cmd/palwiz")
		cmd.Env = buildEnv(os.Environ(), t)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build %s/%s: %w", t.OS, t.Arch, err)
		}
		if err := verify(bin, m, t); err != nil {
			return nil, err
		}
		exe, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		entries := []entry{{Name: t.exe(), Data: exe, Mode: 0o755}, {Name: "README.md", Data: readme, Mode: 0o644}}
		archive := name(m, t) + ".tar.gz"
		if t.OS == "windows" {
			archive = name(m, t) + ".zip"
		}
		if err := writeArchive(filepath.Join(dist, archive), name(m, t), entries, m.Date); err != nil {
			return nil, err
		}
		archives = append(archives, archive)
	}
	return archives, writeSums(dist, archives)
}

// buildEnv is the environment of one cross-build: the caller's, with the
// settings that decide the output's bytes fixed.
func buildEnv(env []string, t target) []string {
	fixed := map[string]string{"CGO_ENABLED": "0", "GOOS": t.OS, "GOARCH": t.Arch, "GOFLAGS": "-mod=readonly",
		"GOAMD64": "v1", "GOARM64": "v8.0", "GOEXPERIMENT": ""}
	out := make([]string, 0, len(env)+len(fixed))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := fixed[k]; !ok {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(fixed))
	for k := range fixed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+fixed[k])
	}
	return out
}

// releaseFile matches what a release writes into dist.
var releaseFile = regexp.MustCompile(`^(palwiz_[0-9A-Za-z.+_-]+_(linux|darwin|windows)_[a-z0-9]+(\.tar\.gz|\.zip)?|SHA256SUMS)$`)

// cleanDist removes an earlier release's files from dist, and nothing else.
func cleanDist(dist string) error {
	des, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	for _, de := range des {
		if releaseFile.MatchString(de.Name()) {
			if err := os.RemoveAll(filepath.Join(dist, de.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// verify checks a binary is what the release promises: built for its
// platform with CGO off, trimmed paths, and the stamp; on Linux, static
// (no interpreter, no shared libraries).
func verify(bin string, m meta, t target) error {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	switch {
	case set["GOOS"] != t.OS || set["GOARCH"] != t.Arch:
		return fmt.Errorf("%s is built for %s/%s", bin, set["GOOS"], set["GOARCH"])
	case set["CGO_ENABLED"] != "0":
		return fmt.Errorf("%s was built with CGO_ENABLED=%q", bin, set["CGO_ENABLED"])
	case set["-trimpath"] != "true":
		return fmt.Errorf("%s was built without -trimpath", bin)
	}
	// -trimpath keeps -ldflags out of the build information: look for the
	// stamped strings in the binary itself.
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	for _, s := range []string{m.Version, m.Commit, m.Date.Format(time.RFC3339)} {
		if !bytes.Contains(data, []byte(s)) {
			return fmt.Errorf("%s is not stamped with %q", bin, s)
		}
	}
	if t.OS == "linux" {
		return staticELF(bin)
	}
	return nil
}

func staticELF(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			return fmt.Errorf("%s is dynamically linked (%s)", bin, p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v", bin, libs)
	}
	return nil
}

// writeSums writes SHA256SUMS for the archives, in the format sha256sum -c reads.
func writeSums(dist string, archives []string) error {
	sorted := append([]string(nil), archives...)
	sort.Strings(sorted)
	var b strings.Builder
	for _, a := range sorted {
		data, err := os.ReadFile(filepath.Join(dist, a))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), a)
	}
	if len(sorted) == 0 {
		return errors.New("no archives")
	}
	return os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte(b.String()), 0o644)
}
