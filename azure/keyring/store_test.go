package keyring

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// msalLikeBlob is a token-cache-sized blob: JSON around random base64 tokens
// (random so compression cannot hide the size).
func msalLikeBlob(t *testing.T, tokens int) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"AccessToken":{`)
	for i := 0; i < tokens; i++ {
		raw := make([]byte, 2200)
		if _, err := rand.Read(raw); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `"k%d":{"secret":"%s","target":"https://management.core.windows.net//.default"},`, i, base64.RawURLEncoding.EncodeToString(raw))
	}
	b.WriteString(`"end":{}}}`)
	return b.Bytes()
}

func TestStoreRoundTripUnderPlatformLimits(t *testing.T) {
	cases := []struct {
		name string
		b    *Memory
	}{
		{"windows 2560 bytes", &Memory{MaxItem: WindowsMaxItem}},
		{"macOS command line", &Memory{Limit: MacOSLimit}},
		{"linux unlimited", &Memory{}},
	}
	for _, c := range cases {
		for _, tokens := range []int{0, 1, 3, 12} {
			t.Run(fmt.Sprintf("%s/%d tokens", c.name, tokens), func(t *testing.T) {
				ctx := context.Background()
				s := NewStore(c.b, "palwiz-test")
				blob := msalLikeBlob(t, tokens)
				if err := s.Save(ctx, "msal.user", blob); err != nil {
					t.Fatalf("save %d bytes: %v", len(blob), err)
				}
				got, err := s.Load(ctx, "msal.user")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, blob) {
					t.Fatalf("round trip changed the blob (%d → %d bytes)", len(blob), len(got))
				}
				for _, v := range c.b.Values() {
					if c.b.MaxItem > 0 && len(v) > c.b.MaxItem {
						t.Fatalf("item of %d bytes exceeds the limit", len(v))
					}
				}
			})
		}
	}
}

func TestChunkSizeFitsBothPlatforms(t *testing.T) {
	v := strings.Repeat("A", ChunkSize)
	long := "msal.user.0123abcd.999"
	if !MacOSLimit("palwiz-sim", long, v) {
		t.Fatal("a full chunk does not fit macOS's command line")
	}
	if len(v) > WindowsMaxItem {
		t.Fatal("a full chunk does not fit Windows' credential blob")
	}
}

func TestSaveReplacesAndRemovesOldChunks(t *testing.T) {
	ctx := context.Background()
	m := &Memory{}
	s := NewStore(m, "svc")
	if err := s.Save(ctx, "c", msalLikeBlob(t, 6)); err != nil {
		t.Fatal(err)
	}
	first := m.Len()
	small := []byte(`{"AccessToken":{}}`)
	if err := s.Save(ctx, "c", small); err != nil {
		t.Fatal(err)
	}
	// manifest + 1 chunk + index
	if m.Len() != 3 {
		t.Fatalf("after a smaller save %d items remain (was %d): old chunks leaked", m.Len(), first)
	}
	got, err := s.Load(ctx, "c")
	if err != nil || !bytes.Equal(got, small) {
		t.Fatalf("load after replace: %q, %v", got, err)
	}
}

// failingAfter fails every Set after n successful ones: a crash or a full
// keyring in the middle of a save.
type failingAfter struct {
	*Memory
	n int32
}

func (f *failingAfter) Set(ctx context.Context, service, key, value string) error {
	if atomic.AddInt32(&f.n, -1) < 0 {
		return errors.New("simulated crash")
	}
	return f.Memory.Set(ctx, service, key, value)
}

// TestInterruptedSaveNeverLoadsWrong writes version A, then interrupts the
// write of version B after every possible number of items: the store must
// load A or B exactly, never a mix.
func TestInterruptedSaveNeverLoadsWrong(t *testing.T) {
	ctx := context.Background()
	a, b := msalLikeBlob(t, 4), msalLikeBlob(t, 5)
	for n := int32(0); n < 20; n++ {
		m := &Memory{}
		if err := NewStore(m, "svc").Save(ctx, "c", a); err != nil {
			t.Fatal(err)
		}
		f := &failingAfter{Memory: m, n: n}
		err := NewStore(f, "svc").Save(ctx, "c", b)
		got, lerr := NewStore(m, "svc").Load(ctx, "c")
		if lerr != nil {
			t.Fatalf("after %d items: load failed: %v", n, lerr)
		}
		switch {
		case bytes.Equal(got, b):
			if err != nil {
				t.Fatalf("after %d items: save reported %v but B is in place", n, err)
			}
		case bytes.Equal(got, a):
			if err == nil {
				t.Fatalf("after %d items: save reported success but A is still there", n)
			}
		default:
			t.Fatalf("after %d items: loaded neither A nor B", n)
		}
	}
}

func TestCorruptChunkIsDetected(t *testing.T) {
	ctx := context.Background()
	m := &Memory{}
	s := NewStore(m, "svc")
	if err := s.Save(ctx, "c", msalLikeBlob(t, 3)); err != nil {
		t.Fatal(err)
	}
	raw, _ := m.Get(ctx, "svc", "c")
	gen := strings.Split(strings.Split(raw, `"gen":"`)[1], `"`)[0]
	if err := m.Set(ctx, "svc", "c."+gen+".0", "AAAA"+strings.Repeat("B", 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "c"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a changed chunk must be reported as ErrCorrupt, got %v", err)
	}
	if _, err := s.Load(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}
}

func TestWipeRemovesEverythingAndCounts(t *testing.T) {
	ctx := context.Background()
	m := &Memory{}
	s := NewStore(m, "svc")
	_ = s.Save(ctx, "msal.user", msalLikeBlob(t, 3))
	_ = s.Save(ctx, "msal.app", msalLikeBlob(t, 1))
	_ = s.Put(ctx, "profile", `{"kind":"user"}`)
	// An interrupted save leaves orphan chunks; the index still lists them.
	f := &failingAfter{Memory: m, n: 2}
	_ = NewStore(f, "svc").Save(ctx, "msal.user", msalLikeBlob(t, 8))
	total := m.Len()
	res, err := s.Wipe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 || len(res.Left) != 0 {
		t.Fatalf("%d items left after wipe (reported %v)", m.Len(), res.Left)
	}
	if res.Removed != total {
		t.Fatalf("wipe counted %d, removed %d", res.Removed, total)
	}
}

// neverAnswers is a keyring whose calls block until released (a D-Bus
// session with no Secret Service behind an autolaunch, a prompt nobody sees).
type neverAnswers struct {
	calls   atomic.Int32
	release chan struct{}
}

func (n *neverAnswers) wait() error                                       { n.calls.Add(1); <-n.release; return nil }
func (n *neverAnswers) Set(context.Context, string, string, string) error { return n.wait() }
func (n *neverAnswers) Get(context.Context, string, string) (string, error) {
	return "", n.wait()
}
func (n *neverAnswers) Delete(context.Context, string, string) error { return n.wait() }

func TestTimeoutGivesUpAndStaysBroken(t *testing.T) {
	hung := &neverAnswers{release: make(chan struct{})}
	defer close(hung.release)
	b := WithTimeout(hung, 50*time.Millisecond)
	ctx := context.Background()
	_, err := b.Get(ctx, "svc", "k")
	var te *TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("want a TimeoutError, got %v", err)
	}
	// Later calls fail at once, without asking the hung keyring again.
	if err := b.Set(ctx, "svc", "k", "v"); !errors.As(err, &te) {
		t.Fatalf("second call: %v", err)
	}
	if _, err := b.Get(ctx, "svc", "k"); !errors.As(err, &te) {
		t.Fatalf("third call: %v", err)
	}
	if n := hung.calls.Load(); n != 1 {
		t.Fatalf("the hung keyring was called %d times, want 1", n)
	}
}
