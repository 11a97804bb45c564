//go:build windows

package keyring

import (
	"context"
	"strings"

	"github.com/danieljoos/wincred"
)

const usesDBus = false

// findItems lists Credential Manager's generic credentials named
// "service:key", the target names go-keyring writes.
func findItems(_ context.Context, service string) ([]Item, error) {
	creds, err := wincred.FilteredList(service + ":*")
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, c := range creds {
		if key, ok := strings.CutPrefix(c.TargetName, service+":"); ok {
			out = append(out, Item{Key: key})
		}
	}
	return out, nil
}
