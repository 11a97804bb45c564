package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
)

// hungKeyring never answers, like a session bus whose Secret Service is stuck.
type hungKeyring struct{ release chan struct{} }

func (h hungKeyring) Set(context.Context, string, string, string) error { <-h.release; return nil }
func (h hungKeyring) Get(context.Context, string, string) (string, error) {
	<-h.release
	return "", nil
}
func (h hungKeyring) Delete(context.Context, string, string) error { <-h.release; return nil }

func TestKeyringThatNeverAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	hung := hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	r := h.start(context.Background(), runSpec{stdin: contosoSecret, kr: keyring.WithTimeout(hung, 300*time.Millisecond)},
		"login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID)
	out, errb := r.out, r.err
	code := <-r.done
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"did not answer within 300ms", "memory for this run only"} {
		if !strings.Contains(errb.String(), want) {
			t.Fatalf("stderr lacks %q: %s", want, errb.String())
		}
	}
	if strings.Count(errb.String(), "Note:") != 1 {
		t.Fatalf("the keyring notice should show once: %s", errb.String())
	}
	if !strings.Contains(out.String(), "in memory only") {
		t.Fatalf("login should say the tokens will not last: %s", out.String())
	}
}
