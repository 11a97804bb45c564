package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
)

// failingKeyring fails every call, as a stopped keyring daemon does.
type failingKeyring struct{ err error }

func (f failingKeyring) Set(context.Context, string, string, string) error { return f.err }
func (f failingKeyring) Get(context.Context, string, string) (string, error) {
	return "", f.err
}
func (f failingKeyring) Delete(context.Context, string, string) error { return f.err }
func (f failingKeyring) Find(context.Context, string) ([]keyring.Item, error) {
	return nil, f.err
}

// lockedKeyring is a Secret Service whose collection is locked: it lists
// palwiz's items (as locked) and refuses every read, write and delete.
type lockedKeyring struct{ m *keyring.Memory }

var errLocked = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'")

func (l lockedKeyring) Set(context.Context, string, string, string) error { return errLocked }
func (l lockedKeyring) Get(context.Context, string, string) (string, error) {
	return "", errLocked
}
func (l lockedKeyring) Delete(context.Context, string, string) error { return errLocked }
func (l lockedKeyring) Find(ctx context.Context, svc string) ([]keyring.Item, error) {
	items, err := l.m.Find(ctx, svc)
	for i := range items {
		items[i].Locked = true
	}
	return items, err
}

// TestLogoutTellsTheTruth: logout checks the keyring after deleting and
// exits non-zero, with what is left and why, when the keyring is stopped,
// locked or silent; items outside palwiz's index are found and removed.
func TestLogoutTellsTheTruth(t *testing.T) {
	signedIn := func(t *testing.T) *harness {
		h := newHarness(t, nil)
		mustCode(t, h.runIn(contosoSecret+"\n", "login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--remember-secret"), 0)
		mustCode(t, h.run("status"), 0)
		return h
	}
	t.Run("stopped keyring daemon", func(t *testing.T) {
		h := signedIn(t)
		r := h.runWith(failingKeyring{errors.New("The name org.freedesktop.secrets was not provided by any .service files")}, nil, "", "logout", "--all")
		mustCode(t, r, 1)
		if strings.Contains(r.stdout, "removed 0 keyring items.") && !strings.Contains(r.stderr, "not complete") || !strings.Contains(r.stderr, "org.freedesktop.secrets") {
			t.Fatalf("stdout %q\nstderr %q", r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "nothing of it is left") {
			t.Fatal("logout claimed success")
		}
	})
	t.Run("locked collection", func(t *testing.T) {
		h := signedIn(t)
		n := h.kr.Len()
		r := h.runWith(lockedKeyring{h.kr}, nil, "", "logout", "--all", "-o", "json")
		mustCode(t, r, 1)
		var out struct {
			RemovedItems int
			Left         []string
			Verified     bool
		}
		_ = json.Unmarshal([]byte(r.stdout), &out)
		if out.Verified || out.RemovedItems != 0 || len(out.Left) != n || !strings.Contains(out.Left[0], "locked keyring") {
			t.Fatalf("json: %s", r.stdout)
		}
		if !strings.Contains(r.stderr, "keyring is locked: unlock it") {
			t.Fatalf("stderr: %s", r.stderr)
		}
		// Plain logout too.
		r = h.runWith(lockedKeyring{h.kr}, nil, "", "logout")
		mustCode(t, r, 1)
		if !strings.Contains(r.stderr, "not complete") {
			t.Fatalf("logout: %s", r.stderr)
		}
	})
	t.Run("keyring that does not answer", func(t *testing.T) {
		h := signedIn(t)
		hung := hungKeyring{release: make(chan struct{})}
		defer close(hung.release)
		r := h.runWith(keyring.WithTimeout(hung, 200*time.Millisecond), nil, "", "logout", "--all")
		mustCode(t, r, 1)
		if !strings.Contains(r.stderr, "did not answer") {
			t.Fatalf("stderr: %s", r.stderr)
		}
	})
	t.Run("items outside the index", func(t *testing.T) {
		h := signedIn(t)
		ctx := context.Background()
		// A chunk of a write that raced, and a damaged index.
		_ = h.kr.Set(ctx, "palwiz-sim", "msal.app.0badc0de.0", "orphan")
		_ = h.kr.Set(ctx, "palwiz-sim", "palwiz.index", "[")
		r := h.run("logout", "--all")
		mustCode(t, r, 0)
		if h.kr.Len() != 0 || !strings.Contains(r.stdout, "Checked by a search of the keyring: nothing of it is left") {
			t.Fatalf("%d items left; %s", h.kr.Len(), r.stdout)
		}
	})
	t.Run("one account, checked", func(t *testing.T) {
		h := newHarness(t, nil)
		mustCode(t, h.signInAs(anaUPN), 0)
		mustCode(t, h.signInAs(serviceUPN), 0)
		r := h.run("logout")
		mustCode(t, r, 0)
		if !strings.Contains(r.stdout, "Signed out PAL Service Account (Fabrikam) ("+serviceUPN+")") || !strings.Contains(r.stdout, "nothing of it is left") {
			t.Fatalf("logout: %s", r.stdout)
		}
		data, err := keyring.NewStore(h.kr, "palwiz-sim").Load(context.Background(), "msal.user")
		if err != nil || strings.Contains(string(data), "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101") || !strings.Contains(string(data), "8f3e9c1a") && !strings.Contains(string(data), fabrikamID) {
			t.Fatalf("the cache after logout (%v): the account must be gone and Ana's tokens kept", err)
		}
	})
}
