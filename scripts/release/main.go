// Command release builds palwiz's release: static binaries (CGO off) for
// linux, darwin and windows on amd64 and arm64, each stamped with the
// version, commit and commit date, packed as the archives users expect
// (tar.gz, zip for Windows) with a SHA256SUMS file. Two runs from the same
// commit give the same bytes: -trimpath, an empty build ID, the commit's date
// instead of the clock, and archives whose entries carry that date, fixed
// owners and modes, in a fixed order.
//
//	go run ./scripts/release [-dist dist] [-version V] [-commit C] [-date RFC3339]
//
// It is what `make release` runs; scripts/release-check.sh runs it twice and
// compares the checksums.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	dist := fs.String("dist", "dist", "directory the release goes to (its earlier release files are replaced; nothing else in it is touched)")
	version := fs.String("version", "", "version to stamp (default: git describe --tags --always --dirty)")
	commit := fs.String("commit", "", "commit to stamp (default: git rev-parse HEAD)")
	date := fs.String("date", "", "build date to stamp, RFC 3339 (default: the commit's date, so that two builds match)")
	targets := fs.String("targets", strings.Join(defaultTargets, ","), "GOOS/GOARCH pairs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := stamp(ctx, *version, *commit, *date)
	if err != nil {
		return err
	}
	ts, err := parseTargets(*targets)
	if err != nil {
		return err
	}
	start := time.Now()
	files, err := build(ctx, *dist, m, ts)
	if err != nil {
		return err
	}
	fmt.Printf("palwiz %s (commit %s, %s): %d archives and SHA256SUMS in %s, in %s\n",
		m.Version, short(m.Commit), m.Date.Format(time.RFC3339), len(files), *dist, time.Since(start).Round(time.Second))
	return nil
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
