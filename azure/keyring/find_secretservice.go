//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"context"
	"fmt"

	dbus "github.com/godbus/dbus/v5"
)

// usesDBus: go-keyring reaches the Secret Service over the session bus here.
const usesDBus = true

const (
	secretsName    = "org.freedesktop.secrets"
	secretsPath    = dbus.ObjectPath("/org/freedesktop/secrets")
	secretsService = "org.freedesktop.Secret.Service"
)

// findItems asks the Secret Service for every item whose "service"
// attribute is service, in every collection, locked or not. go-keyring
// writes items with the attributes {service, username}; username is the key.
func findItems(ctx context.Context, service string) ([]Item, error) {
	conn, err := dbus.SessionBus()
	if err != nil {
		return nil, err
	}
	var unlocked, locked []dbus.ObjectPath
	call := conn.Object(secretsName, secretsPath).CallWithContext(ctx, secretsService+".SearchItems", 0, map[string]string{"service": service})
	if err := call.Store(&unlocked, &locked); err != nil {
		return nil, fmt.Errorf("search the Secret Service: %w", err)
	}
	out := make([]Item, 0, len(unlocked)+len(locked))
	for _, p := range unlocked {
		out = append(out, Item{Key: itemKey(ctx, conn, p)})
	}
	for _, p := range locked {
		out = append(out, Item{Key: itemKey(ctx, conn, p), Locked: true})
	}
	return out, nil
}

// itemKey reads an item's username attribute ("" when the keyring does not say).
func itemKey(ctx context.Context, conn *dbus.Conn, p dbus.ObjectPath) string {
	var v dbus.Variant
	err := conn.Object(secretsName, p).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.Secret.Item", "Attributes").Store(&v)
	if err != nil {
		return ""
	}
	attrs, ok := v.Value().(map[string]string)
	if !ok {
		return ""
	}
	return attrs["username"]
}
