package keyring

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// LockTimeout bounds how long a Store waits for another palwiz process to
// finish writing the keyring.
const LockTimeout = 20 * time.Second

// lockPoll is how often a waiting Store tries the file lock again.
const lockPoll = 5 * time.Millisecond

// LockError says another palwiz process held the keyring lock for too long.
type LockError struct {
	Path  string
	After time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("another palwiz process kept the keyring busy for %s (lock file %s)", e.After, e.Path)
}

// lock serializes changes to the store: within this process (a mutex) and,
// with a lock file, across processes (an advisory file lock on an empty file
// that holds nothing secret). Every change to the keyring runs under it, so
// two palwiz processes never interleave their read-modify-write of the index
// or a blob's chunks, which is what orphaned items.
func (s *Store) lock(ctx context.Context) (func(), error) {
	select {
	case s.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if s.lockPath == "" {
		return func() { <-s.mu }, nil
	}
	f, err := openLockFile(s.lockPath)
	if err != nil {
		<-s.mu
		return nil, err
	}
	deadline := time.Now().Add(s.lockTimeout())
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			<-s.mu
			return nil, fmt.Errorf("lock %s: %w", s.lockPath, err)
		}
		if ok {
			return func() {
				_ = unlockFile(f)
				f.Close()
				<-s.mu
			}, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			<-s.mu
			return nil, &LockError{Path: s.lockPath, After: s.lockTimeout()}
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			f.Close()
			<-s.mu
			return nil, ctx.Err()
		}
	}
}

func (s *Store) lockTimeout() time.Duration {
	if s.lockWait > 0 {
		return s.lockWait
	}
	return LockTimeout
}

func openLockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the keyring lock's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the keyring lock: %w", err)
	}
	return f, nil
}

// LockPath is where palwiz keeps the lock file for a keyring service: the
// per-user runtime directory when there is one (XDG_RUNTIME_DIR), else the
// user's cache directory. getenv reads the environment.
func LockPath(service string, getenv func(string) string) string {
	name := service + ".lock"
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "palwiz", name)
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "palwiz", name)
	}
	if d := getenv("LOCALAPPDATA"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "palwiz", name)
	}
	if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
		return filepath.Join(h, ".cache", "palwiz", name)
	}
	return ""
}
