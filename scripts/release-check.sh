#!/usr/bin/env bash
# The release check CI runs (make release-check): builds the release twice
# from this commit, the second time with an empty Go build cache so that
# every package is compiled again, and fails unless the two are
# byte-identical (SHA256SUMS and every file); checks the sums; then runs the
# README's quick start with the binary built for this machine (linux/amd64
# in CI) against `palwiz sim` (scripts/quickstart.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

start=$(date +%s)
echo "== release 1 (the usual build cache)"
go run ./scripts/release -dist "$work/a"
echo "== release 2 (an empty build cache)"
GOCACHE="$work/gocache" go run ./scripts/release -dist "$work/b"
if ! diff "$work/a/SHA256SUMS" "$work/b/SHA256SUMS"; then
  echo "FAIL: two releases from one commit have different checksums" >&2
  exit 1
fi
if ! diff -r "$work/a" "$work/b" >/dev/null; then
  diff -rq "$work/a" "$work/b" >&2 || true
  echo "FAIL: two releases from one commit differ" >&2
  exit 1
fi
(cd "$work/a" && sha256sum --quiet -c SHA256SUMS)
n=$(wc -l <"$work/a/SHA256SUMS")
[ "$n" -eq 6 ] || { echo "FAIL: $n archives, not 6" >&2; exit 1; }
echo "PASS: two releases are byte-identical ($n archives, $(( $(date +%s) - start )) s)"
cat "$work/a/SHA256SUMS"

plat="$(go env GOOS)_$(go env GOARCH)"
bin=$(ls -d "$work"/a/palwiz_*_"$plat")/palwiz
"$bin" --version
scripts/quickstart.sh "$bin"
