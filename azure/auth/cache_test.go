package auth

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palwiz/palwiz/azure/keyring"
)

// fakeMSAL stands in for MSAL's cache manager.
type fakeMSAL struct {
	data       []byte
	unmarshals atomic.Int32
	marshals   atomic.Int32
}

func (f *fakeMSAL) Unmarshal(b []byte) error {
	f.unmarshals.Add(1)
	f.data = append([]byte(nil), b...)
	return nil
}

func (f *fakeMSAL) Marshal() ([]byte, error) {
	f.marshals.Add(1)
	return append([]byte(nil), f.data...), nil
}

func TestTokenCacheReadsOnceAndWritesOnChange(t *testing.T) {
	ctx := context.Background()
	mem := &keyring.Memory{}
	store := keyring.NewStore(mem, "svc")
	if err := store.Save(ctx, "msal.user", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	writesBefore := mem.Writes
	c := newTokenCache(store, "msal.user", nil)
	m := &fakeMSAL{}
	for i := 0; i < 5; i++ {
		if err := c.Replace(ctx, m, hintsR); err != nil {
			t.Fatal(err)
		}
	}
	if string(m.data) != `{"v":1}` || m.unmarshals.Load() != 1 {
		t.Fatalf("MSAL loaded %q %d times, want the stored cache once", m.data, m.unmarshals.Load())
	}
	// A burst of exports (a fleet run refreshing many directories) is
	// serialized and written once.
	for i := 0; i < 50; i++ {
		m.data = []byte(`{"v":2}`)
		_ = c.Export(ctx, m, hintsE)
	}
	if err := c.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if m.marshals.Load() != 1 {
		t.Fatalf("serialized %d times for one write", m.marshals.Load())
	}
	got, _ := store.Load(ctx, "msal.user")
	if string(got) != `{"v":2}` {
		t.Fatalf("keyring holds %q", got)
	}
	writes := mem.Writes
	// An export with nothing new writes nothing.
	_ = c.Export(ctx, m, hintsE)
	_ = c.flush(ctx)
	if mem.Writes != writes {
		t.Fatalf("an unchanged cache was written again (%d writes)", mem.Writes-writes)
	}
	if writes == writesBefore {
		t.Fatal("the changed cache was never written")
	}
}

type brokenKeyring struct{ keyring.Memory }

func (b *brokenKeyring) Get(context.Context, string, string) (string, error) {
	return "", errors.New("org.freedesktop.secrets was not provided by any .service files")
}

func TestTokenCacheWarnsOnceAndKeepsTokensInMemory(t *testing.T) {
	ctx := context.Background()
	var warnings []string
	c := newTokenCache(keyring.NewStore(&brokenKeyring{}, "svc"), "msal.user", func(err error) { warnings = append(warnings, err.Error()) })
	m := &fakeMSAL{}
	for i := 0; i < 3; i++ {
		if err := c.Replace(ctx, m, hintsR); err != nil {
			t.Fatal(err)
		}
	}
	m.data = []byte(`{"tokens":1}`)
	_ = c.Export(ctx, m, hintsE)
	_ = c.flush(ctx)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "org.freedesktop.secrets") {
		t.Fatalf("warnings: %q", warnings)
	}
	// MSAL's own copy still has the tokens for this run.
	if string(m.data) != `{"tokens":1}` {
		t.Fatal("tokens lost")
	}
}

func TestSessionSaysOnceWhenTheKeyringIsUnusable(t *testing.T) {
	var notes []string
	s, err := Open(context.Background(), Config{Cloud: testCloud(), CloudID: "public",
		Store: keyring.NewStore(&brokenKeyring{}, "svc"), Warn: func(n string) { notes = append(notes, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Persistent() {
		t.Fatal("a broken keyring must not count as persistent")
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "memory for this run only") || !strings.Contains(notes[0], "nothing is written to disk") {
		t.Fatalf("notice: %q", notes)
	}
}
