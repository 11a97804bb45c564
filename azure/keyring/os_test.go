package keyring

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// requireOSKeyring runs the test against the real OS keyring when
// scripts/with-keyring.sh set it up; on CI its absence is a failure.
func requireOSKeyring(t *testing.T) Backend {
	t.Helper()
	if os.Getenv("PALWIZ_TEST_KEYRING") != "1" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the keyring tests against a real Secret Service: run them through scripts/with-keyring.sh (make test)")
		}
		t.Skip("no Secret Service set up: run `make test` (scripts/with-keyring.sh) to use GNOME Keyring under dbus-run-session")
	}
	return NewOS(5 * time.Second)
}

func TestOSKeyringStore(t *testing.T) {
	b := requireOSKeyring(t)
	ctx := context.Background()
	svc := "palwiz-test-" + t.Name()
	s := NewStore(b, svc)
	t.Cleanup(func() { _, _ = s.Wipe(ctx) })

	if _, err := s.Load(ctx, "msal.user"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty keyring: %v", err)
	}
	blob := msalLikeBlob(t, 6)
	if err := s.Save(ctx, "msal.user", blob); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "msal.user")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("round trip through the Secret Service: %v", err)
	}
	// A second store (another process) sees the same data.
	got, err = NewStore(NewOS(5*time.Second), svc).Load(ctx, "msal.user")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("another store: %v", err)
	}
	if err := s.Put(ctx, "profile", `{"kind":"user"}`); err != nil {
		t.Fatal(err)
	}
	res, err := s.Wipe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed < 3 || len(res.Left) != 0 || !res.Searched {
		t.Fatalf("wipe: %+v, want manifest, chunks, profile and index removed, found by search, nothing left", res)
	}
	if _, err := b.Get(ctx, svc, "profile"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("profile survived the wipe: %v", err)
	}
}

// TestOSKeyringSearch: the Secret Service's own search finds items palwiz's
// index does not list, and a wipe removes them.
func TestOSKeyringSearch(t *testing.T) {
	b := requireOSKeyring(t)
	ctx := context.Background()
	svc := "palwiz-test-" + t.Name()
	s := NewStore(b, svc)
	t.Cleanup(func() { _, _ = s.Wipe(ctx) })
	if err := s.Save(ctx, "msal.user", msalLikeBlob(t, 2)); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, svc, "msal.user.0badc0de.0", "orphan"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Searched || len(a.Orphans) != 1 || a.Orphans[0] != "msal.user.0badc0de.0" || len(a.Unindexed) != 1 {
		t.Fatalf("audit: %+v", a)
	}
	res, err := s.Wipe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Left) != 0 || !res.Searched || res.Removed != len(a.Items) {
		t.Fatalf("wipe: %+v after audit %+v", res, a)
	}
	if items, err := b.(Finder).Find(ctx, svc); err != nil || len(items) != 0 {
		t.Fatalf("after the wipe the keyring still has %v (%v)", items, err)
	}
}
