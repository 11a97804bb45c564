package keyring

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ChunkSize is the largest item a Store writes, in characters: under
// Windows' 2,560 bytes and macOS' command-line limit after go-keyring's own
// base64, with room for the service and key names.
const ChunkSize = 1800

// ErrCorrupt means a stored blob failed its checksum (for example a crash
// or another program changed one item); callers treat it as absent.
var ErrCorrupt = errors.New("the keyring copy is incomplete or damaged")

// indexKey is the item listing every key palwiz has written under a service,
// so that a full wipe can find them all and count them.
const indexKey = "palwiz.index"

// Store keeps named blobs under one keyring service.
type Store struct {
	backend Backend
	service string
}

// NewStore returns a store for the given service name (for example "palwiz").
func NewStore(b Backend, service string) *Store { return &Store{backend: b, service: service} }

// Service is the keyring service name.
func (s *Store) Service() string { return s.service }

// manifest is the item named after the blob: where its chunks are and how to
// check them. It is written after the chunks, so a crash before it leaves the
// previous blob intact.
type manifest struct {
	V      int    `json:"v"`
	Gen    string `json:"gen"`
	N      int    `json:"n"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

func chunkKey(name, gen string, i int) string { return fmt.Sprintf("%s.%s.%d", name, gen, i) }

// Load returns the blob, ErrNotFound when there is none, or ErrCorrupt.
func (s *Store) Load(ctx context.Context, name string) ([]byte, error) {
	raw, err := s.backend.Get(ctx, s.service, name)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil || m.V != 1 || m.N < 0 || m.N > 10000 {
		return nil, ErrCorrupt
	}
	var sb strings.Builder
	for i := 0; i < m.N; i++ {
		c, err := s.backend.Get(ctx, s.service, chunkKey(name, m.Gen, i))
		if errors.Is(err, ErrNotFound) {
			return nil, ErrCorrupt
		}
		if err != nil {
			return nil, err
		}
		sb.WriteString(c)
	}
	packed, err := base64.StdEncoding.DecodeString(sb.String())
	if err != nil {
		return nil, ErrCorrupt
	}
	sum := sha256.Sum256(packed)
	if hex.EncodeToString(sum[:]) != m.SHA256 {
		return nil, ErrCorrupt
	}
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(packed)), 64<<20))
	if err != nil || len(data) != m.Size {
		return nil, ErrCorrupt
	}
	return data, nil
}

// Save writes the blob: new chunks first, then the manifest that points at
// them, then the old chunks are removed.
func (s *Store) Save(ctx context.Context, name string, data []byte) error {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	packed := buf.Bytes()
	sum := sha256.Sum256(packed)
	enc := base64.StdEncoding.EncodeToString(packed)
	genb := make([]byte, 4)
	_, _ = rand.Read(genb)
	m := manifest{V: 1, Gen: hex.EncodeToString(genb), Size: len(data), SHA256: hex.EncodeToString(sum[:])}
	var chunks []string
	for len(enc) > 0 {
		n := min(ChunkSize, len(enc))
		chunks = append(chunks, enc[:n])
		enc = enc[n:]
	}
	m.N = len(chunks)
	old, _ := s.readManifest(ctx, name)
	var keys []string
	for i := range chunks {
		keys = append(keys, chunkKey(name, m.Gen, i))
	}
	if err := s.remember(ctx, append([]string{name}, keys...), nil); err != nil {
		return err
	}
	for i, c := range chunks {
		if err := s.backend.Set(ctx, s.service, keys[i], c); err != nil {
			s.removeKeys(ctx, keys)
			return fmt.Errorf("write to the keyring: %w", err)
		}
	}
	mb, _ := json.Marshal(m)
	if err := s.backend.Set(ctx, s.service, name, string(mb)); err != nil {
		s.removeKeys(ctx, keys)
		return fmt.Errorf("write to the keyring: %w", err)
	}
	if old != nil && old.Gen != m.Gen {
		var oldKeys []string
		for i := 0; i < old.N; i++ {
			oldKeys = append(oldKeys, chunkKey(name, old.Gen, i))
		}
		s.removeKeys(ctx, oldKeys)
	}
	return nil
}

func (s *Store) readManifest(ctx context.Context, name string) (*manifest, error) {
	raw, err := s.backend.Get(ctx, s.service, name)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, ErrCorrupt
	}
	return &m, nil
}

// removeKeys deletes items (best effort) and drops them from the index.
func (s *Store) removeKeys(ctx context.Context, keys []string) {
	for _, k := range keys {
		_ = s.backend.Delete(ctx, s.service, k)
	}
	_ = s.remember(ctx, nil, keys)
}

// Delete removes a blob and its chunks; it returns how many items it removed.
func (s *Store) Delete(ctx context.Context, name string) (int, error) {
	m, err := s.readManifest(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return 0, err
	}
	keys := []string{name}
	if m != nil {
		for i := 0; i < m.N; i++ {
			keys = append(keys, chunkKey(name, m.Gen, i))
		}
	}
	// Chunks of interrupted writes are in the index too.
	idx, _ := s.index(ctx)
	for _, k := range idx {
		if strings.HasPrefix(k, name+".") {
			keys = append(keys, k)
		}
	}
	n := 0
	var firstErr error
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		switch err := s.backend.Delete(ctx, s.service, k); {
		case err == nil:
			n++
		case errors.Is(err, ErrNotFound):
		default:
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	_ = s.remember(ctx, nil, keys)
	return n, firstErr
}

// Wipe deletes every item palwiz wrote under the service and reports how many.
func (s *Store) Wipe(ctx context.Context) (int, error) {
	keys, err := s.index(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return 0, err
	}
	n := 0
	var firstErr error
	for _, k := range keys {
		switch err := s.backend.Delete(ctx, s.service, k); {
		case err == nil:
			n++
		case errors.Is(err, ErrNotFound):
		default:
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	switch err := s.backend.Delete(ctx, s.service, indexKey); {
	case err == nil:
		n++
	case errors.Is(err, ErrNotFound):
	default:
		if firstErr == nil {
			firstErr = err
		}
	}
	return n, firstErr
}

// Put writes a small single-item value (it must fit one item) and records it.
func (s *Store) Put(ctx context.Context, key, value string) error {
	if err := s.remember(ctx, []string{key}, nil); err != nil {
		return err
	}
	return s.backend.Set(ctx, s.service, key, value)
}

// Get reads a single-item value.
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	return s.backend.Get(ctx, s.service, key)
}

// Remove deletes a single-item value; it reports whether it existed.
func (s *Store) Remove(ctx context.Context, key string) (bool, error) {
	err := s.backend.Delete(ctx, s.service, key)
	_ = s.remember(ctx, nil, []string{key})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) index(ctx context.Context) ([]string, error) {
	raw, err := s.backend.Get(ctx, s.service, indexKey)
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		return nil, ErrCorrupt
	}
	return keys, nil
}

// remember adds and drops keys in the index. The index is written before the
// items it lists, so a wipe finds even items of an interrupted write.
func (s *Store) remember(ctx context.Context, add, drop []string) error {
	keys, err := s.index(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return err
	}
	set := map[string]bool{}
	for _, k := range keys {
		set[k] = true
	}
	changed := false
	for _, k := range add {
		if !set[k] {
			set[k], changed = true, true
		}
	}
	for _, k := range drop {
		if set[k] {
			delete(set, k)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	b, _ := json.Marshal(out)
	if len(b) > ChunkSize {
		// Too many leftovers to list in one item: keep the newest names that fit.
		for len(b) > ChunkSize && len(out) > 0 {
			out = out[1:]
			b, _ = json.Marshal(out)
		}
	}
	return s.backend.Set(ctx, s.service, indexKey, string(b))
}
