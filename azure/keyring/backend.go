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
	"os"
	"sort"
	"strings"
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

// Finder is a Backend that can list the items of a service by its own
// search, not through palwiz's index. It returns ErrNoSearch when it cannot.
type Finder interface {
	Find(ctx context.Context, service string) ([]Item, error)
}

// Item is a keyring item found by search.
type Item struct {
	// Key is the item's name within the service ("" when a locked keyring
	// does not show it).
	Key string
	// Locked says the item is in a locked collection: it cannot be read or
	// deleted until the keyring is unlocked.
	Locked bool
}

// TimeoutError says the keyring did not answer in time.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the OS keyring did not answer within %s", e.After)
}

// OS is the operating system's keyring through go-keyring: the Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows. Its
// calls have no timeout of their own: wrap it with WithTimeout (NewOS does).
//
// On Linux and the BSDs the Secret Service is reached over the D-Bus session
// bus. When DBUS_SESSION_BUS_ADDRESS names no bus, OS reports ErrNoSessionBus
// without calling D-Bus at all: godbus would otherwise run dbus-launch, which
// starts a dbus-daemon (and through it a keyring daemon) that outlives palwiz.
type OS struct {
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
}

// NewOS returns the OS keyring with a timeout on every call (default 3 s).
func NewOS(timeout time.Duration) Backend { return WithTimeout(OS{}, timeout) }

// NewOSWithEnv is NewOS reading the session bus address through getenv.
func NewOSWithEnv(timeout time.Duration, getenv func(string) string) Backend {
	return WithTimeout(OS{Getenv: getenv}, timeout)
}

// ErrNoSessionBus says there is no D-Bus session bus to find a Secret Service on.
var ErrNoSessionBus = errors.New("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set, so there is no Secret Service to keep tokens in")

// ErrNoSearch says the keyring cannot list the items of a service (macOS's
// Keychain through go-keyring): palwiz then relies on its own index.
var ErrNoSearch = errors.New("this keyring cannot be searched by service")

func (o OS) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

// usable reports ErrNoSessionBus where the keyring lives on D-Bus and no bus is named.
func (o OS) usable() error {
	if !usesDBus {
		return nil
	}
	switch addr := strings.TrimSpace(o.getenv("DBUS_SESSION_BUS_ADDRESS")); addr {
	case "", "autolaunch:":
		return ErrNoSessionBus
	}
	return nil
}

// Set writes an item.
func (o OS) Set(_ context.Context, service, key, value string) error {
	if err := o.usable(); err != nil {
		return err
	}
	return mapErr(gokeyring.Set(service, key, value))
}

// Get reads an item.
func (o OS) Get(_ context.Context, service, key string) (string, error) {
	if err := o.usable(); err != nil {
		return "", err
	}
	v, err := gokeyring.Get(service, key)
	return v, mapErr(err)
}

// Delete removes an item.
func (o OS) Delete(_ context.Context, service, key string) error {
	if err := o.usable(); err != nil {
		return err
	}
	return mapErr(gokeyring.Delete(service, key))
}

// Find lists every item of service by the keyring's own search (Secret
// Service attributes, Credential Manager target names), so that items
// palwiz's index does not list are found too.
func (o OS) Find(ctx context.Context, service string) ([]Item, error) {
	if err := o.usable(); err != nil {
		return nil, err
	}
	return findItems(ctx, service)
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

// timeoutBackend bounds every call of another backend: a session bus without
// a Secret Service, or a locked keyring waiting on a prompt nobody sees, must
// not hang palwiz. After one timeout every later call fails at once.
type timeoutBackend struct {
	b     Backend
	after time.Duration

	mu     sync.Mutex
	broken error
}

// WithTimeout bounds each call of b (default 3 s).
func WithTimeout(b Backend, after time.Duration) Backend {
	if after <= 0 {
		after = 3 * time.Second
	}
	return &timeoutBackend{b: b, after: after}
}

func (t *timeoutBackend) call(ctx context.Context, f func() error) error {
	t.mu.Lock()
	broken := t.broken
	t.mu.Unlock()
	if broken != nil {
		return broken
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(t.after)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		err := &TimeoutError{After: t.after}
		t.mu.Lock()
		t.broken = err
		t.mu.Unlock()
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *timeoutBackend) Set(ctx context.Context, service, key, value string) error {
	return t.call(ctx, func() error { return t.b.Set(ctx, service, key, value) })
}

func (t *timeoutBackend) Get(ctx context.Context, service, key string) (string, error) {
	var v string
	err := t.call(ctx, func() error {
		var err error
		v, err = t.b.Get(ctx, service, key)
		return err
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

func (t *timeoutBackend) Delete(ctx context.Context, service, key string) error {
	return t.call(ctx, func() error { return t.b.Delete(ctx, service, key) })
}

func (t *timeoutBackend) Find(ctx context.Context, service string) ([]Item, error) {
	f, ok := t.b.(Finder)
	if !ok {
		return nil, ErrNoSearch
	}
	var items []Item
	err := t.call(ctx, func() error {
		var err error
		items, err = f.Find(ctx, service)
		return err
	})
	return items, err
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

// Find lists the items of service.
func (m *Memory) Find(_ context.Context, service string) ([]Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Item
	for k := range m.items {
		if svc, key, ok := strings.Cut(k, "\x00"); ok && svc == service {
			out = append(out, Item{Key: key})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
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
