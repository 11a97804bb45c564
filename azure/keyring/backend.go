// Package keyring keeps palwiz's secrets in the OS keyring: a Backend per
// platform (go-keyring, with a timeout on every call), and a Store that splits
// a blob into compressed items small enough for Windows (2,560 bytes) and
// macOS (about 3 KB), written so that a crash between items never leaves a
// blob that loads wrong.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// ErrNotFound means the item does not exist.
var ErrNotFound = errors.New("not found in the keyring")

// ErrTooBig means the backend refused the item's size.
var ErrTooBig = errors.New("item too big for the keyring")

// Backend stores small string items by (service, key).
type Backend interface {
	Set(ctx context.Context, service, key, value string) error
	Get(ctx context.Context, service, key string) (string, error)
	Delete(ctx context.Context, service, key string) error
}

// TimeoutError says the keyring did not answer in time.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the OS keyring did not answer within %s", e.After)
}

// OS is the operating system's keyring through go-keyring: the Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows.
type OS struct {
	// Timeout bounds each call (default 3 s): a session bus without a
	// Secret Service, or a locked keyring waiting for a prompt, must not hang palwiz.
	Timeout time.Duration

	mu     sync.Mutex
	broken error // after a timeout every later call fails at once
}

func (o *OS) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 3 * time.Second
}

func (o *OS) call(ctx context.Context, f func() error) error {
	o.mu.Lock()
	broken := o.broken
	o.mu.Unlock()
	if broken != nil {
		return broken
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(o.timeout())
	defer t.Stop()
	select {
	case err := <-done:
		return mapErr(err)
	case <-t.C:
		err := &TimeoutError{After: o.timeout()}
		o.mu.Lock()
		o.broken = err
		o.mu.Unlock()
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: %v", ErrTooBig, err)
	}
	return err
}

// Set writes an item.
func (o *OS) Set(ctx context.Context, service, key, value string) error {
	return o.call(ctx, func() error { return gokeyring.Set(service, key, value) })
}

// Get reads an item.
func (o *OS) Get(ctx context.Context, service, key string) (string, error) {
	var v string
	err := o.call(ctx, func() error {
		var err error
		v, err = gokeyring.Get(service, key)
		return err
	})
	return v, err
}

// Delete removes an item.
func (o *OS) Delete(ctx context.Context, service, key string) error {
	return o.call(ctx, func() error { return gokeyring.Delete(service, key) })
}

// Memory is an in-process keyring: for --ephemeral runs and for tests. With
// MaxItem set it refuses items over that many bytes, like Windows' and
// macOS' keyrings do.
type Memory struct {
	// MaxItem is the largest value accepted, in bytes (0 = no limit).
	MaxItem int
	// Limit, when set, decides whether an item fits (service, key, value); it
	// overrides MaxItem. See MacOSLimit.
	Limit func(service, key, value string) bool

	mu    sync.Mutex
	items map[string]string
	// Writes counts Set calls, for tests.
	Writes int
}

// WindowsMaxItem is Credential Manager's largest blob (CRED_MAX_CREDENTIAL_BLOB_SIZE).
const WindowsMaxItem = 2560

// MacOSLimit mirrors go-keyring on macOS: the value is base64-encoded behind a
// prefix and the whole `security` command line must stay under 4096 bytes.
func MacOSLimit(service, key, value string) bool {
	enc := len("go-keyring-base64:") + (len(value)+2)/3*4
	line := len("add-generic-password -U -s '' -a '' -w '' \n") + len(service) + len(key) + enc
	return line < 4096
}

func memKey(service, key string) string { return service + "\x00" + key }

// Set writes an item.
func (m *Memory) Set(_ context.Context, service, key, value string) error {
	if m.Limit != nil && !m.Limit(service, key, value) || m.Limit == nil && m.MaxItem > 0 && len(value) > m.MaxItem {
		return fmt.Errorf("%w: %d bytes", ErrTooBig, len(value))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[memKey(service, key)] = value
	m.Writes++
	return nil
}

// Get reads an item.
func (m *Memory) Get(_ context.Context, service, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[memKey(service, key)]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Delete removes an item.
func (m *Memory) Delete(_ context.Context, service, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey(service, key)
	if _, ok := m.items[k]; !ok {
		return ErrNotFound
	}
	delete(m.items, k)
	return nil
}

// Len is the number of items held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Values returns every stored value, for tests that look for leaked secrets.
func (m *Memory) Values() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, v := range m.items {
		out = append(out, v)
	}
	return out
}
