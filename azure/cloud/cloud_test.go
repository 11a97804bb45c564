package cloud

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

func testCA(t testing.TB, cn string, isCA bool) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestIsSimCA(t *testing.T) {
	ca := testCA(t, simCAName, true)
	cases := []struct {
		name string
		b    []byte
		want bool
	}{
		{"the simulator's CA", ca, true},
		{"another CA", testCA(t, "Corporate Root", true), false},
		{"not a CA", testCA(t, simCAName, false), false},
		{"with more after it", append(append([]byte{}, ca...), ca...), false},
		{"a password file", []byte("root:x:0:0:root:/root:/bin/bash\n"), false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		if got := IsSimCA(c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestReadSimCA(t *testing.T) {
	ctx := context.Background()
	if _, err := ReadSimCA(ctx, "", "ca.pem"); err == nil || !strings.Contains(err.Error(), "PALWIZ_SIM_URL") {
		t.Fatalf("no address: %v", err)
	}
	if _, err := ReadSimCA(ctx, "https://127.0.0.1:1", ""); err == nil || !strings.Contains(err.Error(), "PALWIZ_SIM_CA") {
		t.Fatalf("no CA: %v", err)
	}
	if _, err := ReadSimCA(ctx, "https://127.0.0.1:1", "/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("/dev/zero: %v", err)
	}
}

// FuzzSimURL: PALWIZ_SIM_URL comes from the environment. Anything that is
// not an https origin is refused with a message naming it; what is
// accepted dials a host and port.
func FuzzSimURL(f *testing.F) {
	for _, s := range []string{"https://127.0.0.1:8443", "https://127.0.0.1:8443/", "https://[::1]:1", "http://127.0.0.1:1", "127.0.0.1:1",
		"https://", "https://h", "https://user:pw@127.0.0.1:1/x?y#z", "%", "https://127.0.0.1:99999"} {
		f.Add(s)
	}
	ca := testCA(f, simCAName, true)
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := NewSim(raw, ca, Options{})
		if err != nil {
			if !strings.Contains(err.Error(), "https://HOST:PORT") && !strings.Contains(err.Error(), "CA") {
				t.Fatalf("refusal does not explain itself: %v", err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || u.Scheme != "https" || u.Host == "" || !c.IsSim() || c.HTTP == nil {
			t.Fatalf("accepted %q", raw)
		}
	})
}

// simCloud is a simulator (a small scenario) and the cloud that reaches it.
func simCloud(t *testing.T) *Cloud {
	t.Helper()
	s, err := sim.Start(context.Background(), sim.Options{Scenario: sim.LargeScenario(1, 10), PagesAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := NewSim(s.URL(), s.CAPEM(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The hosts palwiz reads long lists from (Power Apps, Flow) are reached
// over HTTP/1.1 (no HTTP/2 framing and window updates for hundreds of
// megabytes); the rest over HTTP/2, through the same client.
func TestListHostsSpeakHTTP1(t *testing.T) {
	ctx := context.Background()
	c := simCloud(t)
	cases := []struct {
		url   string
		proto string
	}{
		{"https://" + PowerAppsHost + "/providers/Microsoft.PowerApps/scopes/admin/apps", "HTTP/1.1"},
		{"https://" + FlowHost + "/providers/Microsoft.ProcessSimple/scopes/admin/flows", "HTTP/1.1"},
		{"https://" + PowerBIHost + "/v1.0/myorg/groups", "HTTP/2.0"},
		{"https://org1.api.crm.dynamics.com/api/data/v9.2/appmodules", "HTTP/2.0"},
		{"https://" + ARMHost + "/tenants?api-version=2022-12-01", "HTTP/2.0"},
		{"https://" + LoginHost + "/organizations/v2.0/.well-known/openid-configuration", "HTTP/2.0"},
		{"https://" + GraphHost + "/v1.0/me", "HTTP/2.0"},
	}
	for _, tc := range cases {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		_ = resp.Body.Close()
		if resp.Proto != tc.proto {
			t.Errorf("%s: answered over %s, want %s", tc.url, resp.Proto, tc.proto)
		}
	}
}

func TestIsListHost(t *testing.T) {
	for host, want := range map[string]bool{
		PowerAppsHost: true, FlowHost: true, PowerBIHost: false,
		"org1.crm.dynamics.com": false, "org1.api.crm4.dynamics.com": false,
		ARMHost: false, LoginHost: false, GraphHost: false, BAPHost: false, CIHost: false,
		"crm.dynamics.com.evil.example": false,
	} {
		if got := IsListHost(host); got != want {
			t.Errorf("IsListHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// Requests started together to a host palwiz has no connection to share
// the one connection the first of them opens (net/http alone dials once
// per request and, over HTTP/2, closes all but one of them).
func TestOneConnectionPerNewHost(t *testing.T) {
	ctx := context.Background()
	c := simCloud(t)
	tr := c.HTTP.Transport.(*transport)
	var mu sync.Mutex
	dials := map[string]int{}
	dial := tr.h2.DialContext
	tr.h2.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials[addr]++
		mu.Unlock()
		return dial(ctx, network, addr)
	}
	hosts := []string{"org1.api.crm.dynamics.com", "org2.api.crm.dynamics.com", ARMHost}
	var wg sync.WaitGroup
	for range 8 {
		for _, h := range hosts {
			wg.Go(func() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+h+"/", nil)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := c.HTTP.Do(req)
				if err != nil {
					t.Errorf("%s: %v", h, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			})
		}
	}
	wg.Wait()
	for _, h := range hosts {
		if n := dials[h+":443"]; n != 1 {
			t.Errorf("%s: %d connections for 8 requests at once, want 1 (all: %v)", h, n, dials)
		}
	}
}

// A request to a host another request is still connecting to waits without
// dialling, gives up with its own context, and goes on (dials) once the
// first one is through.
func TestWaitForFirstConnection(t *testing.T) {
	tr := newTransport(baseTransport())
	var dials atomic.Int32
	tr.h2.DialContext = func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("no network in this test")
	}
	up := make(chan struct{})
	tr.opened[hostKey{"https", "example.test"}] = up // another request is opening it
	get := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://example.test/", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.RoundTrip(req)
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- get(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("it did not wait for the first connection: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := dials.Load(); n != 0 {
		t.Fatalf("%d dials while waiting, want none", n)
	}
	close(up) // the first request is through
	if err := get(context.Background()); err == nil || dials.Load() != 1 {
		t.Fatalf("after the first connection: %v, %d dials, want the dial's error and 1 dial", err, dials.Load())
	}
}
