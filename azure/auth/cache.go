package auth

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/palwiz/palwiz/azure/keyring"
)

// tokenCache is MSAL's cache accessor: the serialized cache lives in the
// keyring (compressed and chunked), with an in-memory copy so that the
// keyring is read once per run and written only when the cache changed. When
// the keyring fails it says so once and keeps tokens in memory for this run.
type tokenCache struct {
	store *keyring.Store // nil: memory only
	name  string
	warn  func(error)

	mu     sync.Mutex
	loaded bool
	data   []byte
	failed bool
}

func newTokenCache(store *keyring.Store, name string, warn func(error)) *tokenCache {
	return &tokenCache{store: store, name: name, warn: warn}
}

// Replace loads the cache into MSAL.
func (c *tokenCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.loaded = true
		if c.store != nil && !c.failed {
			b, err := c.store.Load(ctx, c.name)
			switch {
			case err == nil:
				c.data = b
			case errors.Is(err, keyring.ErrNotFound), errors.Is(err, keyring.ErrCorrupt):
			default:
				c.fail(err)
			}
		}
	}
	if len(c.data) == 0 {
		return u.Unmarshal(nil)
	}
	return u.Unmarshal(c.data)
}

// Export saves MSAL's cache when it changed.
func (c *tokenCache) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Equal(b, c.data) {
		return nil
	}
	c.data = b
	if c.store != nil && !c.failed {
		if err := c.store.Save(ctx, c.name, b); err != nil {
			c.fail(err)
		}
	}
	return nil
}

func (c *tokenCache) fail(err error) {
	c.failed = true
	if c.warn != nil {
		c.warn(err)
	}
}

// clear forgets the in-memory copy (after a logout).
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.data, c.loaded = nil, true
	c.mu.Unlock()
}
