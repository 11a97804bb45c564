#!/usr/bin/env bash
# Fails when a pinned module drifts from the version known to build and render
# correctly here (newer ultraviolet has an inline-renderer regression; newer
# bubbletea cannot be fetched from the module proxy). A pin counts only when
# the module is in the build (`go list -deps ./...`): a module that go.mod
# lists but no package imports is reported, not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
want=(
  "github.com/charmbracelet/ultraviolet v0.0.0-20260703014108-f5a850f9c2b7"
  "charm.land/bubbletea/v2 v2.0.10"
  "charm.land/lipgloss/v2 v2.0.5"
  "charm.land/bubbles/v2 v2.2.1"
  "charm.land/huh/v2 v2.0.3"
  "charm.land/fang/v2 v2.0.1"
  "github.com/AzureAD/microsoft-authentication-library-for-go v1.10.1"
  "github.com/zalando/go-keyring v0.2.8"
  # v0.0.27 (what bubbles asks for) spends ~50 ms building tables in init,
  # more than palwiz's whole start-up budget; v0.0.31 builds them lazily.
  "github.com/mattn/go-runewidth v0.0.31"
)
# The modules the build uses, with the versions it uses.
built=$(go list -deps -f '{{with .Module}}{{.Path}} {{.Version}}{{end}}' ./... | sort -u)
bad=0
for w in "${want[@]}"; do
  mod=${w%% *}
  got=$(grep -E "^${mod//./\\.} " <<<"$built" || true)
  if [ -z "$got" ]; then
    echo "pins: $mod is pinned but not in the build; its pin is not checked" >&2
    continue
  fi
  if [ "$got" != "$w" ]; then
    echo "pin drift: $got (want ${w#* })" >&2
    bad=1
  fi
done
exit $bad
