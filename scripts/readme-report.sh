#!/usr/bin/env bash
# Regenerates the README's sample of `palwiz report` (trimmed Markdown) and
# docs/img/report-html.png, a screenshot of the HTML report in headless
# Chromium, from the demo scenario (TestREADMEReport fails when they are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./cmd/palwiz -count=1 -run '^TestREADMEReport$' -readme-report
