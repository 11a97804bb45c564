#!/bin/sh
# Run every fuzz target in the module for DURATION each (default 20s):
#   scripts/fuzz.sh 1m
# FUZZ_MINIMIZE_TIME (default 5s) bounds the minimizing of each new input.
# Plain `go test` already runs each target's seed corpus (and the inputs kept
# in testdata/fuzz) as regression tests; this explores beyond them. A failing
# input is written to the package's testdata/fuzz/<Target>/: commit it with
# the fix, so it stays a regression test.
set -eu
duration=${1:-20s}
# Minimizing each new input takes up to 60 s by default, which in a short run
# leaves little time to explore (the demo scenario seed is large).
minimize=${FUZZ_MINIMIZE_TIME:-5s}
cd "$(dirname "$0")/.."

# Targets are found, not listed: every `func FuzzX(f *testing.F)` in a test file.
targets=$(grep -rlE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' . | sort | while read -r file; do
	for t in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file"); do
		echo "./$(dirname "${file#./}") $t"
	done
done)
if [ -z "$targets" ]; then
	echo "scripts/fuzz.sh: no fuzz targets found" >&2
	exit 2
fi

failed=""
while read -r pkg target; do
	echo "== $target ($pkg, $duration)"
	if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" -fuzzminimizetime "$minimize"; then
		failed="$failed $target"
	fi
done <<EOT
$targets
EOT

if [ -n "$failed" ]; then
	echo "FAIL:$failed (inputs in testdata/fuzz/)" >&2
	exit 1
fi
echo "all fuzz targets passed ($duration each)"
