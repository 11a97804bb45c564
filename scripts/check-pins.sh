#!/usr/bin/env bash
# Fails when a Charm v2 module drifts from the versions known to build and render
# correctly here (newer ultraviolet has an inline-renderer regression; newer
# bubbletea cannot be fetched from the module proxy).
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
bad=0
for w in "${want[@]}"; do
  mod=${w%% *}
  got=$(go list -m "$mod" 2>/dev/null || true)
  if [ -z "$got" ]; then
    continue # not (yet) a dependency
  fi
  if [ "$got" != "$w" ]; then
    echo "pin drift: $got (want ${w#* })" >&2
    bad=1
  fi
done
exit $bad
