package keyring

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
)

// WipeResult is what a wipe removed and what is still there afterwards.
type WipeResult struct {
	// Removed counts the items deleted.
	Removed int
	// Left lists the service's items still in the keyring after the wipe.
	Left []Item
	// Searched says Left comes from the keyring's own search by service;
	// otherwise palwiz could only check the keys its index listed.
	Searched bool
}

// Wipe deletes every item of the service, those palwiz's index lists and
// those the keyring's own search finds (a damaged index, an interrupted
// write), then looks again and reports what is left. The error says why
// something could not be deleted or checked (a locked collection, a keyring
// that does not answer).
func (s *Store) Wipe(ctx context.Context) (WipeResult, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return WipeResult{}, err
	}
	defer unlock()
	var res WipeResult
	var errs []error
	keys, ierr := s.index(ctx)
	if ierr != nil && !errors.Is(ierr, ErrNotFound) && !errors.Is(ierr, ErrCorrupt) {
		errs = append(errs, fmt.Errorf("read palwiz's index: %w", ierr))
	}
	found, searchable, ferr := s.search(ctx)
	if ferr != nil {
		errs = append(errs, fmt.Errorf("search the keyring: %w", ferr))
	}
	for _, it := range found {
		keys = append(keys, it.Key)
	}
	// The index last: if the wipe stops half-way, the index still lists what is left.
	n, derr := s.deleteKeys(ctx, append(keys, indexKey))
	res.Removed = n
	if derr != nil {
		errs = append(errs, derr)
	}
	res.Left, res.Searched, err = s.remaining(ctx, keys, searchable)
	if err != nil {
		errs = append(errs, fmt.Errorf("check what is left: %w", err))
	}
	return res, errors.Join(errs...)
}

// remaining lists the service's items now: by search where the keyring can
// be searched, otherwise by asking for each of keys.
func (s *Store) remaining(ctx context.Context, keys []string, searchable bool) ([]Item, bool, error) {
	if searchable {
		items, _, err := s.search(ctx)
		return items, true, err
	}
	var left []Item
	var errs []error
	seen := map[string]bool{}
	for _, k := range append(keys, indexKey) {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		switch _, err := s.backend.Get(ctx, s.service, k); {
		case errors.Is(err, ErrNotFound):
		case err == nil:
			left = append(left, Item{Key: k})
		default:
			left = append(left, Item{Key: k})
			errs = append(errs, err)
		}
	}
	return left, false, errors.Join(errs...)
}

// Audit is what a Store finds under its service, for checks and tests.
type Audit struct {
	// Items are the keys the keyring's search found (or the index lists,
	// where the keyring cannot be searched).
	Items []string
	// Orphans are chunks that no manifest points at: the leftovers of
	// writes that raced or stopped half-way.
	Orphans []string
	// Unindexed are items the index does not list.
	Unindexed []string
	// Searched says Items come from the keyring's own search.
	Searched bool
}

var chunkRE = regexp.MustCompile(`^(.+)\.([0-9a-f]{8})\.([0-9]+)$`)

// Audit lists the service's items and finds orphaned and unindexed ones.
func (s *Store) Audit(ctx context.Context) (Audit, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return Audit{}, err
	}
	defer unlock()
	var a Audit
	idx, err := s.index(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return a, fmt.Errorf("read palwiz's index: %w", err)
	}
	found, searchable, err := s.search(ctx)
	if err != nil {
		return a, err
	}
	a.Searched = searchable
	if searchable {
		for _, it := range found {
			a.Items = append(a.Items, it.Key)
		}
	} else {
		for _, k := range idx {
			if _, err := s.backend.Get(ctx, s.service, k); err == nil {
				a.Items = append(a.Items, k)
			}
		}
	}
	indexed := map[string]bool{indexKey: true}
	for _, k := range idx {
		indexed[k] = true
	}
	manifests := map[string]*manifest{}
	for _, k := range a.Items {
		if !indexed[k] {
			a.Unindexed = append(a.Unindexed, k)
		}
		m := chunkRE.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		name := m[1]
		mf, seen := manifests[name]
		if !seen {
			mf, _ = s.readManifest(ctx, name)
			manifests[name] = mf
		}
		var i int
		_, _ = fmt.Sscan(m[3], &i)
		if mf == nil || mf.Gen != m[2] || i >= mf.N {
			a.Orphans = append(a.Orphans, k)
		}
	}
	sort.Strings(a.Items)
	sort.Strings(a.Orphans)
	sort.Strings(a.Unindexed)
	return a, nil
}
