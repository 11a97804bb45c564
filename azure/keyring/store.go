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
	"time"
)

// ChunkSize is the largest item a Store writes, in characters: under
// Windows' 2,560 bytes and macOS' command-line limit after go-keyring's own
// base64, with room for the service and key names.
const ChunkSize = 1800

// maxBlob bounds a decompressed blob: a damaged or hostile manifest cannot
// make palwiz inflate without limit.
const maxBlob = 64 << 20

// maxChunks bounds the chunks a manifest may name.
const maxChunks = 10000

// ErrCorrupt means a stored blob failed its checksum (for example a crash
// or another program changed one item); callers treat it as absent.
var ErrCorrupt = errors.New("the keyring copy is incomplete or damaged")

// indexKey is the item listing every key palwiz has written under a service,
// so that a full wipe can find them all and count them where the keyring
// cannot be searched.
const indexKey = "palwiz.index"

// Store keeps named blobs under one keyring service. Every change runs under
// a lock (see WithLockFile), so concurrent palwiz processes never leave an
// item that nothing points to.
type Store struct {
	backend  Backend
	service  string
	lockPath string
	lockWait time.Duration
	mu       chan struct{} // the in-process lock; a channel so waiting can be cancelled
}

// NewStore returns a store for the given service name (for example "palwiz").
func NewStore(b Backend, service string) *Store {
	return &Store{backend: b, service: service, mu: make(chan struct{}, 1)}
}

// WithLockFile makes every change also hold an advisory lock on the file at
// path (created empty, 0600), shared by every palwiz process. "" keeps the
// lock within this process.
func (s *Store) WithLockFile(path string) *Store {
	s.lockPath = path
	return s
}

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

// parseManifest reads a manifest item; anything that is not one is ErrCorrupt.
func parseManifest(raw string) (*manifest, error) {
	var m manifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil || m.V != 1 || m.N < 0 || m.N > maxChunks || m.Gen == "" || strings.ContainsAny(m.Gen, ".\x00") {
		return nil, ErrCorrupt
	}
	return &m, nil
}

// Load returns the blob, ErrNotFound when there is none, or ErrCorrupt.
func (s *Store) Load(ctx context.Context, name string) ([]byte, error) {
	b, err := s.load(ctx, name)
	if !errors.Is(err, ErrCorrupt) {
		return b, err
	}
	// Another process may have replaced the chunks between the manifest and
	// the chunks read: read again while no one writes.
	unlock, lerr := s.lock(ctx)
	if lerr != nil {
		return nil, err
	}
	defer unlock()
	return s.load(ctx, name)
}

func (s *Store) load(ctx context.Context, name string) ([]byte, error) {
	raw, err := s.backend.Get(ctx, s.service, name)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(raw)
	if err != nil {
		return nil, err
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
	return unpack(sb.String(), m)
}

// unpack checks and inflates the joined chunks of a manifest.
func unpack(enc string, m *manifest) ([]byte, error) {
	packed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, ErrCorrupt
	}
	sum := sha256.Sum256(packed)
	if hex.EncodeToString(sum[:]) != m.SHA256 {
		return nil, ErrCorrupt
	}
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(packed)), maxBlob+1))
	if err != nil || len(data) != m.Size {
		return nil, ErrCorrupt
	}
	return data, nil
}

// pack compresses data and splits it into chunks under a new generation.
func pack(data []byte) (manifest, []string) {
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
	return m, chunks
}

// Save writes the blob: new chunks first, then the manifest that points at
// them, then the old chunks are removed.
func (s *Store) Save(ctx context.Context, name string, data []byte) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.save(ctx, name, data)
}

func (s *Store) save(ctx context.Context, name string, data []byte) error {
	m, chunks := pack(data)
	old, _ := s.readManifest(ctx, name)
	keys := make([]string, len(chunks))
	for i := range chunks {
		keys[i] = chunkKey(name, m.Gen, i)
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

// ErrUnchanged, returned by an Update's change, leaves the blob as it is.
var ErrUnchanged = errors.New("unchanged")

// Update reads the blob, hands it to change (nil when there is none or it
// is damaged) and writes what change returns (nil deletes the blob; the
// error ErrUnchanged leaves it), all under the lock: no other palwiz process
// writes the blob in between.
func (s *Store) Update(ctx context.Context, name string, change func(old []byte) ([]byte, error)) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	old, err := s.load(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return err
	}
	data, err := change(old)
	if errors.Is(err, ErrUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if data == nil {
		_, err := s.deleteBlob(ctx, name)
		return err
	}
	return s.save(ctx, name, data)
}

func (s *Store) readManifest(ctx context.Context, name string) (*manifest, error) {
	raw, err := s.backend.Get(ctx, s.service, name)
	if err != nil {
		return nil, err
	}
	return parseManifest(raw)
}

// removeKeys deletes items (best effort) and drops them from the index.
func (s *Store) removeKeys(ctx context.Context, keys []string) {
	for _, k := range keys {
		_ = s.backend.Delete(ctx, s.service, k)
	}
	_ = s.remember(ctx, nil, keys)
}

// Delete removes a blob and its chunks, also chunks of interrupted writes
// (found through the index and, where the keyring can be searched, by
// search); it returns how many items it removed.
func (s *Store) Delete(ctx context.Context, name string) (int, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	return s.deleteBlob(ctx, name)
}

func (s *Store) deleteBlob(ctx context.Context, name string) (int, error) {
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
	idx, _ := s.index(ctx)
	found, _, _ := s.search(ctx)
	for _, it := range found {
		idx = append(idx, it.Key)
	}
	for _, k := range idx {
		if isChunkOf(k, name) {
			keys = append(keys, k)
		}
	}
	n, err := s.deleteKeys(ctx, keys)
	_ = s.remember(ctx, nil, keys)
	return n, err
}

// isChunkOf reports whether key is a chunk key of blob name ("name.gen.i").
func isChunkOf(key, name string) bool {
	rest, ok := strings.CutPrefix(key, name+".")
	if !ok {
		return false
	}
	gen, i, ok := strings.Cut(rest, ".")
	return ok && gen != "" && i != "" && strings.Trim(i, "0123456789") == "" && !strings.Contains(i, ".")
}

// deleteKeys deletes each key once; missing items do not count.
func (s *Store) deleteKeys(ctx context.Context, keys []string) (int, error) {
	n := 0
	var errs []error
	seen := map[string]bool{}
	for _, k := range keys {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		switch err := s.backend.Delete(ctx, s.service, k); {
		case err == nil:
			n++
		case errors.Is(err, ErrNotFound):
		default:
			errs = append(errs, fmt.Errorf("delete %s: %w", k, err))
		}
	}
	return n, errors.Join(errs...)
}

// search lists the service's items by the keyring's own search; searchable
// is false where the keyring cannot be searched (then palwiz has its index).
func (s *Store) search(ctx context.Context) (items []Item, searchable bool, err error) {
	f, ok := s.backend.(Finder)
	if !ok {
		return nil, false, nil
	}
	items, err = f.Find(ctx, s.service)
	if errors.Is(err, ErrNoSearch) {
		return nil, false, nil
	}
	return items, true, err
}

// Put writes a small single-item value (it must fit one item) and records it.
func (s *Store) Put(ctx context.Context, key, value string) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
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
	unlock, err := s.lock(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	err = s.backend.Delete(ctx, s.service, key)
	_ = s.remember(ctx, nil, []string{key})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// parseIndex reads the index item: a JSON list of keys.
func parseIndex(raw string) ([]string, error) {
	var keys []string
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		return nil, ErrCorrupt
	}
	return keys, nil
}

func (s *Store) index(ctx context.Context) ([]string, error) {
	raw, err := s.backend.Get(ctx, s.service, indexKey)
	if err != nil {
		return nil, err
	}
	return parseIndex(raw)
}

// remember adds and drops keys in the index. The index is written before the
// items it lists, so a wipe finds even items of an interrupted write. The
// caller holds the lock.
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
	// Too many leftovers to list in one item: keep the names that fit (a
	// searchable keyring finds the others anyway).
	for len(b) > ChunkSize && len(out) > 0 {
		out = out[1:]
		b, _ = json.Marshal(out)
	}
	return s.backend.Set(ctx, s.service, indexKey, string(b))
}
