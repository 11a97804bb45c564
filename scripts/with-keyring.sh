#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring,
# so the keyring tests use a real Secret Service. Without dbus-run-session or
# gnome-keyring it runs the command as is (the keyring tests then say they were
# skipped; under CI=true they fail instead).
set -euo pipefail
# Keep Go's caches where they are: the keyring session gets its own HOME.
if command -v go >/dev/null; then
  export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}" GOPATH="${GOPATH:-$(go env GOPATH)}"
fi
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  mkdir -p "$home/.cache" "$home/.local/share/keyrings"
  chmod -R 700 "$home"
  export PALWIZ_TEST_KEYRING_HOME="$home"
  exec dbus-run-session -- bash -c '
    export HOME="$PALWIZ_TEST_KEYRING_HOME"
    printf "palwiz-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    export PALWIZ_TEST_KEYRING=1
    exec "$@"' with-keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2)
fi
exec "$@"
