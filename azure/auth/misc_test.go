package auth

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReadLine(t *testing.T) {
	ctx := context.Background()
	r := strings.NewReader("yes\r\nrest")
	if s, err := ReadLine(ctx, r, 100); s != "yes" || err != nil {
		t.Fatalf("%q %v", s, err)
	}
	// Nothing after the line was consumed.
	if s, err := ReadLine(ctx, r, 100); s != "rest" || err != nil {
		t.Fatalf("%q %v", s, err)
	}
	if _, err := ReadLine(ctx, r, 100); !errors.Is(err, io.EOF) {
		t.Fatalf("end of input: %v", err)
	}
	if s, _ := ReadLine(ctx, strings.NewReader(strings.Repeat("x", 50)), 10); s != strings.Repeat("x", 10) {
		t.Fatalf("limit: %q", s)
	}
	// A reader that never answers: cancelling ends the wait.
	pr, pw := io.Pipe()
	defer pw.Close()
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := ReadLine(cctx, pr, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestScrubEnv(t *testing.T) {
	in := []string{"HOME=/h", "PATH=/bin", "PALWIZ_CLIENT_SECRET=s", "PALWIZ_CERTIFICATE_PASSWORD=p", "PALWIZ_CERTIFICATE=/c.pfx",
		"PALWIZ_CI_SUBSCRIPTION_KEY=k", "AZURE_CLIENT_SECRET=s", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=t", "SYSTEM_ACCESSTOKEN=t",
		"AWS_SECRET_ACCESS_KEY=k", "GITHUB_TOKEN=t", "DISPLAY=:0", "DBUS_SESSION_BUS_ADDRESS=unix:path=/b", "PALWIZ_TENANT=t", "LANG=C"}
	got := strings.Join(ScrubEnv(in), " ")
	if got != "HOME=/h PATH=/bin DISPLAY=:0 DBUS_SESSION_BUS_ADDRESS=unix:path=/b PALWIZ_TENANT=t LANG=C" {
		t.Fatalf("scrubbed: %s", got)
	}
}

func TestEnvIdentity(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	e := EnvIdentityFrom(env(map[string]string{"PALWIZ_CLIENT_ID": " app ", "PALWIZ_TENANT": "contoso.onmicrosoft.com", "PALWIZ_CLIENT_SECRET": "s"}))
	if !e.Named() || !e.Complete() || e.ClientID != "app" {
		t.Fatalf("%+v", e)
	}
	e = EnvIdentityFrom(env(map[string]string{"PALWIZ_CLIENT_ID": "app", "PALWIZ_CERTIFICATE": "/c.pem"}))
	if !e.Named() || e.Complete() || e.missing() != "PALWIZ_TENANT" {
		t.Fatalf("%+v %q", e, e.missing())
	}
	e = EnvIdentityFrom(env(map[string]string{"PALWIZ_CLIENT_SECRET": "s", "PALWIZ_TENANT": "t"}))
	if e.Named() || e.Complete() {
		t.Fatalf("no client ID names nobody: %+v", e)
	}
}

// TestStoredProfileNeverFederated: a federated or managed identity sign-in
// exists for one run only; such a profile found in a keyring is not palwiz's
// and counts as no sign-in.
func TestStoredProfileNeverFederated(t *testing.T) {
	base := `{"kind":"servicePrincipal","clientId":"a","homeTenant":"t","tenant":"t","cloud":"public"`
	if parseProfile(base+`}`) == nil {
		t.Fatal("a stored service principal")
	}
	for _, extra := range []string{`,"federated":"github-actions"}`, `,"managedIdentity":"system"}`} {
		if p := parseProfile(base + extra); p != nil {
			t.Errorf("%s loaded: %+v", extra, p)
		}
	}
}
