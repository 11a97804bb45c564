//go:build !windows && !linux && !netbsd && !openbsd && !(dragonfly && cgo) && !(freebsd && cgo)

package keyring

import "context"

const usesDBus = false

// findItems: go-keyring offers no way to list the Keychain's items of a
// service on macOS, so palwiz relies on its index there.
func findItems(context.Context, string) ([]Item, error) { return nil, ErrNoSearch }
