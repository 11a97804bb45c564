package auth

import (
	"context"
	"encoding/json"
	"fmt"
)

// Sections of MSAL's serialized cache (the cross-MSAL JSON "contract").
const (
	sectionAccessToken  = "AccessToken"
	sectionRefreshToken = "RefreshToken"
	sectionIDToken      = "IdToken"
	sectionAccount      = "Account"
)

var cacheSections = []string{sectionAccessToken, sectionRefreshToken, sectionIDToken, sectionAccount}

// cacheEntry is what palwiz looks at in one entry of MSAL's cache.
type cacheEntry struct {
	Section       string `json:"-"`
	HomeAccountID string `json:"home_account_id"`
	Environment   string `json:"environment"`
	Realm         string `json:"realm"`
	ClientID      string `json:"client_id"`
	Secret        string `json:"secret"`
}

// editCache removes the entries drop picks from a serialized MSAL cache and
// returns the new cache and how many entries it removed. Sections and fields
// palwiz does not know are kept as they are.
func editCache(data []byte, drop func(cacheEntry) bool) ([]byte, int, error) {
	if len(data) == 0 {
		return data, 0, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, 0, fmt.Errorf("the token cache is not JSON: %w", err)
	}
	removed := 0
	for _, sec := range cacheSections {
		raw, ok := top[sec]
		if !ok {
			continue
		}
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, 0, fmt.Errorf("the token cache's %s section is not a JSON object: %w", sec, err)
		}
		n := 0
		for k, v := range entries {
			var e cacheEntry
			if json.Unmarshal(v, &e) != nil {
				continue
			}
			e.Section = sec
			if drop(e) {
				delete(entries, k)
				n++
			}
		}
		if n == 0 {
			continue
		}
		removed += n
		b, err := json.Marshal(entries)
		if err != nil {
			return nil, 0, err
		}
		top[sec] = b
	}
	if removed == 0 {
		return data, 0, nil
	}
	out, err := json.Marshal(top)
	return out, removed, err
}

// cacheHolds reports whether a serialized cache has an entry pick likes.
func cacheHolds(data []byte, pick func(cacheEntry) bool) (bool, error) {
	_, n, err := editCache(data, pick)
	return n > 0, err
}

// drop removes entries from the cache, in MSAL's copy (which reloads it on
// its next call) and in the keyring's, at once.
func (c *tokenCache) drop(ctx context.Context, pick func(cacheEntry) bool) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	cur, err := c.currentLocked(ctx)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	edited, n, err := editCache(cur, pick)
	if err != nil || n == 0 {
		c.mu.Unlock()
		return err
	}
	c.data, c.stale, c.dirty = edited, true, false
	store, failed := c.store, c.failed
	c.mu.Unlock()
	if store == nil || failed {
		return nil
	}
	if err := store.Save(ctx, c.name, edited); err != nil {
		c.mu.Lock()
		c.fail(err)
		c.mu.Unlock()
	}
	return nil
}

// currentLocked is the cache as MSAL holds it now (c.mu is held).
func (c *tokenCache) currentLocked(ctx context.Context) ([]byte, error) {
	if c.dirty && c.source != nil {
		return c.source.Marshal()
	}
	if !c.loaded {
		c.loadLocked(ctx)
	}
	return c.data, nil
}

// mergeCache returns the entries of both serialized caches, ours winning
// where both have one: what another palwiz process wrote since this one
// loaded the cache stays. Removals go through editCache and are written
// directly, so a merge never brings back what palwiz removed on purpose.
func mergeCache(stored, ours []byte) ([]byte, error) {
	if len(stored) == 0 {
		return ours, nil
	}
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(stored, &a); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(ours, &b); err != nil {
		return nil, err
	}
	for sec, ov := range b {
		sv, ok := a[sec]
		if !ok {
			a[sec] = ov
			continue
		}
		var sm, om map[string]json.RawMessage
		if json.Unmarshal(sv, &sm) != nil || json.Unmarshal(ov, &om) != nil || sm == nil {
			a[sec] = ov
			continue
		}
		for k, v := range om {
			sm[k] = v
		}
		m, err := json.Marshal(sm)
		if err != nil {
			return nil, err
		}
		a[sec] = m
	}
	return json.Marshal(a)
}
