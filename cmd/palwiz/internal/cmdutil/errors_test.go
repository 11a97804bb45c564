package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// TestExitCode is the exit code table every command follows.
func TestExitCode(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"ok", context.Background(), nil, ExitOK},
		{"anything else", context.Background(), errors.New("boom"), ExitError},
		{"flag error", context.Background(), FlagErrorf("--x: bad"), ExitUsage},
		{"wrapped flag error", context.Background(), fmt.Errorf("context: %w", FlagErrorf("bad")), ExitUsage},
		{"unsupported output", context.Background(), &output.UnsupportedError{Value: "xml", Allowed: output.Data}, ExitUsage},
		{"partner ID", context.Background(), &steps.PartnerIDError{Input: "12ab", Err: steps.ErrPartnerIDNotDigits}, ExitUsage},
		{"unknown directory", context.Background(), &steps.UnknownTenantError{Query: "nosuch"}, ExitUsage},
		{"unknown directory at sign-in", context.Background(), &auth.Error{Reason: auth.ReasonUnknownTenant}, ExitUsage},
		{"not signed in", context.Background(), auth.ErrNotSignedIn, ExitAuth},
		{"MFA", context.Background(), fmt.Errorf("read: %w", &auth.Error{Reason: auth.ReasonMFARequired}), ExitAuth},
		{"refused secret", context.Background(), &auth.Error{Reason: auth.ReasonBadSecret}, ExitAuth},
		{"some directories", context.Background(), &PartialError{Failed: 1, Total: 4, What: "directories"}, ExitPartial},
		{"all directories", context.Background(), &PartialError{Failed: 4, Total: 4, What: "directories"}, ExitError},
		{"parts of a check", context.Background(), &PartialError{Failed: 3, What: "check"}, ExitPartial},
		{"cancelled question", context.Background(), ErrCancel, ExitCancelled},
		{"cancelled context", context.Background(), context.Canceled, ExitCancelled},
		{"Ctrl-C during a request", cancelled, errors.New("read tcp: use of closed connection"), ExitCancelled},
		{"silent", context.Background(), &SilentError{Code: ExitUsage}, ExitUsage},
	} {
		if got := ExitCode(c.ctx, c.err); got != c.want {
			t.Errorf("%s: exit code %d, want %d", c.name, got, c.want)
		}
	}
}

func TestMutuallyExclusive(t *testing.T) {
	t.Parallel()
	if err := MutuallyExclusive("x", true, false, false); err != nil {
		t.Fatal(err)
	}
	if err := MutuallyExclusive("only one", true, true); err == nil || !IsUsage(err) || err.Error() != "only one" {
		t.Fatalf("%v", err)
	}
}
