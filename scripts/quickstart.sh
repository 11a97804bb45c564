#!/usr/bin/env bash
# Runs the README's quick start, as written there, with the palwiz binary
# given (a release binary from dist/): it starts `palwiz sim` from that
# binary, then runs the commands of the README's quick-start block (between
# <!-- quickstart --> and <!-- /quickstart -->) with the address and CA the
# simulator printed in place of the example ones. Every command must succeed,
# and the link must be there at the end.
#
#   scripts/quickstart.sh dist/palwiz_VERSION_linux_amd64/palwiz
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: $0 PALWIZ-BINARY" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
readme=$(pwd)/README.md

work=$(mktemp -d)
simpid=""
cleanup() {
  if [ -n "$simpid" ]; then kill "$simpid" 2>/dev/null || true; wait "$simpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A clean user: no keyring session, no identity or simulator variables from
# the caller, palwiz first on PATH.
mkdir -p "$work/home" "$work/run" "$work/bin"
ln -s "$bin" "$work/bin/palwiz"
for v in $(env | sed -n 's/^\(\(PALWIZ\|AZURE\|AZURESUBSCRIPTION\|ACTIONS\|SYSTEM\)_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset DBUS_SESSION_BUS_ADDRESS
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" PATH="$work/bin:$PATH" NO_COLOR=1

palwiz sim -o json --ca-out "$work/ca.pem" >"$work/sim.json" 2>"$work/sim.err" &
simpid=$!
for _ in $(seq 1 100); do
  [ -s "$work/sim.json" ] && break
  kill -0 "$simpid" 2>/dev/null || { cat "$work/sim.err" >&2; echo "palwiz sim ended" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/.*"url":"\(https:[^"]*\)".*/\1/p' "$work/sim.json" | head -1)
[ -n "$url" ] || { echo "palwiz sim printed no address" >&2; cat "$work/sim.json" >&2; exit 1; }

# The quick-start block, its example address and CA replaced.
awk '/<!-- quickstart -->/{f=1; next} /<!-- \/quickstart -->/{f=0} f' "$readme" |
  sed -n '/^```/,/^```/{/^```/d; p}' >"$work/steps.sh"
grep -q '^export PALWIZ_CLOUD=sim ' "$work/steps.sh" || { echo "README.md has no quick-start block with 'export PALWIZ_CLOUD=sim'" >&2; exit 1; }
sed -i "s|^export PALWIZ_CLOUD=sim .*|export PALWIZ_CLOUD=sim PALWIZ_SIM_URL=$url PALWIZ_SIM_CA=$work/ca.pem|" "$work/steps.sh"

echo "== the README's quick start with $bin"
if ! (cd "$work" && bash -euo pipefail -x "$work/steps.sh") >"$work/out" 2>&1; then
  cat "$work/out"
  echo "FAIL: a quick-start command failed" >&2
  exit 1
fi
cat "$work/out"
grep -q '"partnerId": "4977985"' "$work/out" || { echo "FAIL: the quick start did not end linked to 4977985" >&2; exit 1; }
echo "PASS: the quick start works with $bin"
