package auth

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/palwiz/palwiz/azure/keyring"
)

// saveDelay batches keyring writes: a fleet run that refreshes tokens in
// hundreds of directories writes the cache once, not hundreds of times.
const saveDelay = 300 * time.Millisecond

// tokenCache is MSAL's cache accessor. The serialized cache lives in the
// keyring (compressed and chunked). MSAL keeps the cache in memory itself, so
// the keyring is read once per run and MSAL reloads it only when it changed
// behind MSAL's back (a logout). Writes are batched: MSAL asks to export after
// every token it gets from Entra ID, but the cache is serialized and written
// once the burst is over (and at exit), and only when it changed. When the
// keyring fails palwiz says so once and keeps tokens in memory.
type tokenCache struct {
	store *keyring.Store // nil: memory only
	name  string
	warn  func(error)

	mu     sync.Mutex
	loaded bool            // read from the keyring
	stale  bool            // MSAL's in-memory cache does not hold data yet
	data   []byte          // the cache as last loaded or written
	source cache.Marshaler // MSAL's cache, serialized when written
	dirty  bool            // MSAL's cache changed since data
	failed bool
	timer  *time.Timer

	saveMu sync.Mutex // one keyring write at a time
}

func newTokenCache(store *keyring.Store, name string, warn func(error)) *tokenCache {
	return &tokenCache{store: store, name: name, warn: warn, stale: true}
}

// Replace loads the cache into MSAL when MSAL does not already hold it.
func (c *tokenCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.loadLocked(ctx)
	}
	if !c.stale {
		return nil
	}
	c.stale = false
	if len(c.data) == 0 {
		return u.Unmarshal(nil)
	}
	return u.Unmarshal(c.data)
}

// loadLocked reads the cache from the keyring once (c.mu is held).
func (c *tokenCache) loadLocked(ctx context.Context) {
	c.loaded = true
	if c.store == nil || c.failed {
		return
	}
	b, err := c.store.Load(ctx, c.name)
	switch {
	case err == nil:
		c.data = b
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, keyring.ErrCorrupt):
	default:
		c.fail(err)
	}
}

// Export notes that MSAL's cache changed and schedules a keyring write.
// Serializing is left to the write: MSAL's Marshal takes its own read lock.
func (c *tokenCache) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.source, c.dirty = m, true
	if c.store != nil && !c.failed {
		if c.timer == nil {
			c.timer = time.AfterFunc(saveDelay, func() { _ = c.flush(context.Background()) })
		} else {
			c.timer.Reset(saveDelay)
		}
	}
	return nil
}

// flush writes the cache to the keyring if it changed since the last write.
func (c *tokenCache) flush(ctx context.Context) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	if !c.dirty || c.store == nil || c.failed || c.source == nil {
		c.mu.Unlock()
		return nil
	}
	src, prev := c.source, c.data
	c.dirty = false
	c.mu.Unlock()
	data, err := src.Marshal()
	if err != nil {
		return err
	}
	if bytes.Equal(data, prev) {
		return nil
	}
	c.mu.Lock()
	c.data = data
	c.mu.Unlock()
	// Merged with what is in the keyring now, under the keyring lock: a
	// palwiz that signed in at the same time keeps its tokens.
	err = c.store.Update(ctx, c.name, func(old []byte) ([]byte, error) {
		merged, err := mergeCache(old, data)
		if err != nil {
			merged = data // a copy palwiz cannot read is replaced
		}
		if bytes.Equal(merged, old) {
			return nil, keyring.ErrUnchanged
		}
		return merged, nil
	})
	if err != nil {
		c.mu.Lock()
		c.fail(err)
		c.mu.Unlock()
		return err
	}
	return nil
}

// fail switches to memory only; c.mu is held.
func (c *tokenCache) fail(err error) {
	c.failed = true
	if c.warn != nil {
		c.warn(err)
	}
}

// clear forgets the in-memory copy (after a logout); MSAL reloads it empty.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.data, c.loaded, c.stale, c.dirty, c.source = nil, true, true, false, nil
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
}
