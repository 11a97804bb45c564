#!/usr/bin/env bash
# Regenerates the wizard's golden screens and copies the ones the README
# shows into it (TestREADMEScreens fails when they are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./tui -count=1 -run 'TestScreens$|TestLargeScreens' -update
go test ./tui -count=1 -run TestREADMEScreens -readme
