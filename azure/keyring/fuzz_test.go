package keyring

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzStore: whatever is in the keyring under palwiz's service (another
// program's items, a damaged manifest, chunks or index), loading, deleting,
// auditing and wiping never panic, a load returns only what a checksum
// vouches for, and a wipe leaves nothing. The seeds are in
// testdata/fuzz/FuzzStore (a real manifest and its chunk among them).
func FuzzStore(f *testing.F) {
	f.Add(`{"v":1,"gen":"0a1b2c3d","n":1,"size":2,"sha256":"x"}`, "qgUA", "", `["c","c.0a1b2c3d.0"]`)
	f.Add(`{"v":1,"gen":"0a1b2c3d","n":10000,"size":1,"sha256":""}`, "", "", `[]`)
	f.Add(`{"v":2}`, "", "", `{}`)
	f.Fuzz(func(t *testing.T, man, chunk0, chunk1, index string) {
		ctx := context.Background()
		m := &Memory{}
		s := NewStore(m, "svc")
		gen := "0a1b2c3d"
		if pm, err := parseManifest(man); err == nil {
			gen = pm.Gen
		}
		_ = m.Set(ctx, "svc", "c", man)
		_ = m.Set(ctx, "svc", chunkKey("c", gen, 0), chunk0)
		_ = m.Set(ctx, "svc", chunkKey("c", gen, 1), chunk1)
		_ = m.Set(ctx, "svc", indexKey, index)
		data, err := s.Load(ctx, "c")
		if err == nil {
			// What loaded must survive a save and load unchanged.
			if serr := s.Save(ctx, "c2", data); serr != nil {
				t.Fatal(serr)
			}
			again, lerr := s.Load(ctx, "c2")
			if lerr != nil || !bytes.Equal(again, data) {
				t.Fatalf("round trip: %v", lerr)
			}
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
			t.Fatalf("load: %v", err)
		}
		if _, err := s.Audit(ctx); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("audit: %v", err)
		}
		if _, err := s.Delete(ctx, "c"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		res, err := s.Wipe(ctx)
		if err != nil || len(res.Left) != 0 || m.Len() != 0 {
			t.Fatalf("wipe: %+v, %v, %d items left", res, err, m.Len())
		}
	})
}

// FuzzIndex: the index item is JSON from the keyring; any content parses or
// is ErrCorrupt, and remembering keys on top of it keeps it under one item.
func FuzzIndex(f *testing.F) {
	f.Add(`["msal.user","msal.user.0a1b2c3d.0","profile"]`, "secret.x")
	f.Add(`null`, "")
	f.Add(`[1,2]`, "k")
	f.Fuzz(func(t *testing.T, raw, add string) {
		keys, err := parseIndex(raw)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
		_ = keys
		ctx := context.Background()
		m := &Memory{}
		_ = m.Set(ctx, "svc", indexKey, raw)
		s := NewStore(m, "svc")
		if err := s.remember(ctx, []string{add}, nil); err != nil {
			t.Fatal(err)
		}
		v, _ := m.Get(ctx, "svc", indexKey)
		if len(v) > ChunkSize {
			t.Fatalf("index of %d bytes", len(v))
		}
	})
}
