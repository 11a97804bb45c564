//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd && !windows

package auth

import "errors"

// echoOff is not available here: palwiz reads no hidden secret on this
// platform (pass it in PALWIZ_CLIENT_SECRET or on standard input).
func echoOff(uintptr) (func(), error) {
	return nil, errors.New("hidden input is not supported on this platform")
}
