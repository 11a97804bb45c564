#!/usr/bin/env bash
# Reports drift between testdata/specs (what the tests read) and ../shared/specs (their source), when the
# shared directory is beside the clone. A plain clone has no ../shared: nothing to compare, not an error.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d ../shared/specs ] || exit 0
if ! diff -r -q -x README.md ../shared/specs testdata/specs; then
  echo "testdata/specs differs from ../shared/specs: copy the changed files (cp -r ../shared/specs/. testdata/specs/)" >&2
  exit 1
fi
