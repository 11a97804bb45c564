package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// indexOnly hides Memory's search: a keyring like macOS's, where palwiz can
// only check the keys its index lists.
type indexOnly struct{ m *Memory }

func (b indexOnly) Set(ctx context.Context, s, k, v string) error        { return b.m.Set(ctx, s, k, v) }
func (b indexOnly) Get(ctx context.Context, s, k string) (string, error) { return b.m.Get(ctx, s, k) }
func (b indexOnly) Delete(ctx context.Context, s, k string) error        { return b.m.Delete(ctx, s, k) }

// lockedKeyring is a Secret Service whose collection is locked: search still
// lists the items (as locked), every read, write and delete fails.
type lockedKeyring struct{ m *Memory }

var errLocked = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'")

func (b lockedKeyring) Set(context.Context, string, string, string) error   { return errLocked }
func (b lockedKeyring) Get(context.Context, string, string) (string, error) { return "", errLocked }
func (b lockedKeyring) Delete(context.Context, string, string) error        { return errLocked }
func (b lockedKeyring) Find(ctx context.Context, svc string) ([]Item, error) {
	items, err := b.m.Find(ctx, svc)
	for i := range items {
		items[i] = Item{Locked: true}
	}
	return items, err
}

func TestWipe(t *testing.T) {
	ctx := context.Background()
	fill := func(t *testing.T, m *Memory) {
		t.Helper()
		s := NewStore(m, "svc")
		if err := s.Save(ctx, "msal.user", msalLikeBlob(t, 3)); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "profile", `{"kind":"user"}`); err != nil {
			t.Fatal(err)
		}
		// Items the index does not list: a chunk of a write that raced, and
		// an item of an older palwiz.
		_ = m.Set(ctx, "svc", "msal.user.0badc0de.0", "AAAA")
		_ = m.Set(ctx, "svc", "secret.old", "x")
		// Another service's item is not palwiz's to delete.
		_ = m.Set(ctx, "other", "k", "v")
	}
	t.Run("search finds what the index misses", func(t *testing.T) {
		m := &Memory{}
		fill(t, m)
		// A damaged index.
		_ = m.Set(ctx, "svc", indexKey, "{not json")
		res, err := NewStore(m, "svc").Wipe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Searched || len(res.Left) != 0 || m.Len() != 1 {
			t.Fatalf("wipe: %+v, %d items left in the keyring", res, m.Len())
		}
		if _, err := m.Get(ctx, "other", "k"); err != nil {
			t.Fatal("the wipe deleted another service's item")
		}
	})
	t.Run("without search the index is checked and the rest reported", func(t *testing.T) {
		m := &Memory{}
		fill(t, m)
		res, err := NewStore(indexOnly{m}, "svc").Wipe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Searched || len(res.Left) != 0 {
			t.Fatalf("wipe: %+v", res)
		}
		// What the index never listed stays, and a searchable keyring finds it.
		a, _ := NewStore(m, "svc").Audit(ctx)
		if strings.Join(a.Items, ",") != "msal.user.0badc0de.0,secret.old" {
			t.Fatalf("left: %v", a.Items)
		}
	})
	t.Run("a locked collection is reported, not counted as wiped", func(t *testing.T) {
		m := &Memory{}
		fill(t, m)
		res, err := NewStore(lockedKeyring{m}, "svc").Wipe(ctx)
		if err == nil || !strings.Contains(err.Error(), "failed to unlock") {
			t.Fatalf("want the lock named in the error, got %v", err)
		}
		if res.Removed != 0 || len(res.Left) != m.Len()-1 || !res.Left[0].Locked {
			t.Fatalf("wipe: %+v (keyring holds %d)", res, m.Len())
		}
	})
	t.Run("a keyring that does not answer is an error", func(t *testing.T) {
		hung := &neverAnswers{release: make(chan struct{})}
		defer close(hung.release)
		res, err := NewStore(WithTimeout(hung, 30*time.Millisecond), "svc").Wipe(ctx)
		var te *TimeoutError
		if !errors.As(err, &te) || res.Removed != 0 {
			t.Fatalf("wipe: %+v, %v", res, err)
		}
	})
}

// TestConcurrentWritersLeaveNoOrphans: twenty stores (twenty palwiz
// processes) save the token cache and the profile at once, sharing one
// keyring and one lock file. Every chunk left belongs to the manifest in
// place and the index lists every item.
func TestConcurrentWritersLeaveNoOrphans(t *testing.T) {
	ctx := context.Background()
	lock := filepath.Join(t.TempDir(), "palwiz", "svc.lock")
	for round := 0; round < 3; round++ {
		m := &Memory{}
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := NewStore(m, "svc").WithLockFile(lock)
				for j := 0; j < 3; j++ {
					if err := s.Save(ctx, "msal.user", msalLikeBlob(t, 2+(i+j)%3)); err != nil {
						t.Error(err)
					}
					if err := s.Put(ctx, "profile", fmt.Sprintf(`{"n":%d}`, i)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		a, err := NewStore(m, "svc").Audit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Orphans) != 0 || len(a.Unindexed) != 0 {
			t.Fatalf("round %d: %d orphaned chunks %v, %d unindexed items %v", round, len(a.Orphans), a.Orphans, len(a.Unindexed), a.Unindexed)
		}
		if _, err := NewStore(m, "svc").Load(ctx, "msal.user"); err != nil {
			t.Fatalf("round %d: the cache does not load: %v", round, err)
		}
	}
	if fi, err := os.Stat(lock); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v %v", fi, err)
	}
}

func TestLockWaitsAndGivesUp(t *testing.T) {
	ctx := context.Background()
	lock := filepath.Join(t.TempDir(), "svc.lock")
	m := &Memory{}
	holder := NewStore(m, "svc").WithLockFile(lock)
	unlock, err := holder.lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other := NewStore(m, "svc").WithLockFile(lock)
	other.lockWait = 50 * time.Millisecond
	var le *LockError
	if err := other.Put(ctx, "k", "v"); !errors.As(err, &le) || !strings.Contains(err.Error(), "another palwiz process") {
		t.Fatalf("want a LockError, got %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	other.lockWait = time.Minute
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := other.Put(cctx, "k", "v"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait: %v", err)
	}
	unlock()
	if err := other.Put(ctx, "k", "v"); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
}

func TestLockPath(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		env  func(string) string
		want string
	}{
		{env("XDG_RUNTIME_DIR", "/run/user/1000", "HOME", "/home/a"), "/run/user/1000/palwiz/palwiz.lock"},
		{env("XDG_CACHE_HOME", "/c", "HOME", "/home/a"), "/c/palwiz/palwiz.lock"},
		{env("HOME", "/home/a"), "/home/a/.cache/palwiz/palwiz.lock"},
		{env("XDG_RUNTIME_DIR", "relative", "HOME", "/home/a"), "/home/a/.cache/palwiz/palwiz.lock"},
		{env(), ""},
	}
	for _, c := range cases {
		if got := LockPath("palwiz", c.env); filepath.ToSlash(got) != c.want {
			t.Errorf("LockPath = %q, want %q", got, c.want)
		}
	}
}

// TestNoSessionBusNoDBus: without DBUS_SESSION_BUS_ADDRESS the OS keyring
// says so and never reaches godbus, which would run dbus-launch (here a
// stand-in that leaves a mark) and leave daemons behind.
func TestNoSessionBusNoDBus(t *testing.T) {
	if !usesDBus {
		t.Skip("this platform's keyring is not on D-Bus")
	}
	dir := t.TempDir()
	mark := filepath.Join(dir, "dbus-launch-ran")
	script := "#!/bin/sh\necho ran > '" + mark + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", dir) // no bus socket here either
	ctx := context.Background()
	for _, b := range []Backend{OS{}, NewOS(time.Second), NewOSWithEnv(time.Second, func(string) string { return "" })} {
		if _, err := b.Get(ctx, "palwiz-test", "k"); !errors.Is(err, ErrNoSessionBus) {
			t.Fatalf("Get: %v", err)
		}
		if err := b.Set(ctx, "palwiz-test", "k", "v"); !errors.Is(err, ErrNoSessionBus) {
			t.Fatalf("Set: %v", err)
		}
		if err := b.Delete(ctx, "palwiz-test", "k"); !errors.Is(err, ErrNoSessionBus) {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := b.(Finder).Find(ctx, "palwiz-test"); !errors.Is(err, ErrNoSessionBus) {
			t.Fatalf("Find: %v", err)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("dbus-launch was run")
	}
	if !strings.Contains(ErrNoSessionBus.Error(), "DBUS_SESSION_BUS_ADDRESS") {
		t.Fatal("the note must name the variable")
	}
}
