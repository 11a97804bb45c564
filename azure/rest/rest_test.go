package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/palwiz/palwiz/azure/cloud"
)

// fakeCred hands out "tok" (or "tok+claims" when asked for claims) and
// records the token requests.
type fakeCred struct {
	reqs chan policy.TokenRequestOptions
}

func (f fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	select {
	case f.reqs <- o:
	default:
	}
	tok := "tok"
	if o.Claims != "" {
		tok += "+claims"
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func testClient(t *testing.T, h http.HandlerFunc, o Options) (*Client, *httptest.Server, chan policy.TokenRequestOptions) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	reqs := make(chan policy.TokenRequestOptions, 4)
	if o.RetryDelay == 0 {
		o.RetryDelay = time.Millisecond
	}
	c := New("Test service", "https://svc.example/.default", fakeCred{reqs}, &cloud.Cloud{HTTP: srv.Client()}, o)
	return c, srv, reqs
}

func TestEachFollowsBothNextLinkStyles(t *testing.T) {
	var srvURL string
	c, srv, reqs := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Prefer") != "odata.maxpagesize=2" {
			http.Error(w, "headers", http.StatusBadRequest)
			return
		}
		switch r.URL.Query().Get("page") {
		case "":
			fmt.Fprintf(w, `{"value":[{"n":1},{"n":2}],"nextLink":"%s/list?page=2"}`, srvURL)
		case "2":
			fmt.Fprintf(w, `{"value":[{"n":3}],"@odata.nextLink":"%s/list?page=3"}`, srvURL)
		default:
			fmt.Fprint(w, `{"value":[{"n":4}]}`)
		}
	}, Options{})
	srvURL = srv.URL
	var got []int
	pages := 0
	h := http.Header{"Prefer": {"odata.maxpagesize=2"}}
	err := Each(context.Background(), c, "list", srv.URL+"/list", h, func(page []struct{ N int }) error {
		pages++
		for _, x := range page {
			got = append(got, x.N)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 2 3 4]" || pages != 3 {
		t.Errorf("got %v in %d pages", got, pages)
	}
	if s := (<-reqs).Scopes; len(s) != 1 || s[0] != "https://svc.example/.default" {
		t.Errorf("token scopes %v", s)
	}
}

func TestEachRefusesForeignNextLink(t *testing.T) {
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[],"nextLink":"https://evil.example/steal"}`)
	}, Options{})
	err := Each(context.Background(), c, "list", srv.URL+"/list", nil, func([]struct{}) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "does not follow it") {
		t.Errorf("a next link to another host: %v", err)
	}
}

func TestCheckNext(t *testing.T) {
	start := mustURL(t, "https://api.flow.microsoft.com/providers/x?api-version=1")
	cases := []struct {
		next string
		ok   bool
	}{
		{"https://api.flow.microsoft.com/providers/x?api-version=1&%24skiptoken=abc", true},
		{"https://API.FLOW.microsoft.com/p2", true},
		{"http://api.flow.microsoft.com/p2", false},
		{"https://api.flow.microsoft.com.evil.example/p2", false},
		{"https://evil.example/p2", false},
		{"https://user:pw@api.flow.microsoft.com/p2", false},
		{"/providers/x?page=2", false},
		{"//evil.example/p2", false},
		{"https://api.flow.microsoft.com:444/p2", false},
		{"%zz", false},
	}
	for _, tc := range cases {
		if err := checkNext(start, tc.next); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.next, err, tc.ok)
		}
	}
}

func TestMalformedPageIsADecodeError(t *testing.T) {
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"n":1},`)
	}, Options{})
	err := Each(context.Background(), c, "list things", srv.URL, nil, func([]struct{ N int }) error { return nil })
	var de *DecodeError
	if !errors.As(err, &de) || de.Service != "Test service" || !strings.HasPrefix(err.Error(), "list things: the Test service answer is not the JSON") {
		t.Errorf("a truncated page: %T %v", err, err)
	}
	err = c.Do(context.Background(), Request{Op: "read it", URL: srv.URL}, &struct{}{})
	if !errors.As(err, &de) {
		t.Errorf("a truncated answer: %T %v", err, err)
	}
}

// Reads are retried on 5xx and 429 (honouring Retry-After); writes only on
// 429, which says the request was not processed.
func TestRetries(t *testing.T) {
	var n atomic.Int32
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch k := n.Add(1); {
		case r.URL.Path == "/throttled" && k == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case r.URL.Path == "/broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			fmt.Fprint(w, `{"ok":true}`)
		}
	}, Options{MaxRetries: 2})
	start := time.Now()
	var out struct{ OK bool }
	if err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL + "/throttled"}, &out); err != nil || !out.OK {
		t.Fatalf("throttled read: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("the retry did not wait for Retry-After: %v", time.Since(start))
	}
	n.Store(0)
	if err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL + "/broken"}, nil); !IsStatus(err, 500) || n.Load() != 3 {
		t.Errorf("a read on 500: %v after %d requests, want 3", err, n.Load())
	}
	n.Store(0)
	if err := c.Do(context.Background(), Request{Op: "write", Method: http.MethodPost, Write: true, URL: srv.URL + "/broken", Body: map[string]string{"a": "b"}}, nil); !IsStatus(err, 500) || n.Load() != 1 {
		t.Errorf("a write on 500: %v after %d requests, want 1", err, n.Load())
	}
	n.Store(0)
	if err := c.Do(context.Background(), Request{Op: "write", Method: http.MethodPost, Write: true, URL: srv.URL + "/throttled", Body: map[string]string{"a": "b"}}, nil); err != nil || n.Load() != 2 {
		t.Errorf("a throttled write: %v after %d requests, want 2", err, n.Load())
	}
}

// A Retry-After given as an HTTP date is honoured by the retries: the wait is
// until that date (not the exponential back-off, set here to 30 s), and a
// date beyond MaxRetryDelay ends the retries with the wait in the error.
func TestRetryAfterHTTPDate(t *testing.T) {
	var n atomic.Int32
	var until atomic.Value
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 || r.URL.Path == "/far" {
			w.Header().Set("Retry-After", until.Load().(time.Time).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}, Options{RetryDelay: 30 * time.Second, MaxRetries: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The date is whole seconds: 2 s ahead waits between 1 and 2 s.
	until.Store(time.Now().Add(2 * time.Second))
	start := time.Now()
	if err := c.Do(ctx, Request{Op: "read", URL: srv.URL + "/near"}, nil); err != nil {
		t.Fatalf("a read throttled until a date: %v", err)
	}
	if d := time.Since(start); n.Load() != 2 || d < 900*time.Millisecond || d > 5*time.Second {
		t.Errorf("%d requests in %v: want 2, the second after the date", n.Load(), d)
	}
	n.Store(0)
	until.Store(time.Now().Add(time.Hour))
	err := c.Do(ctx, Request{Op: "read", URL: srv.URL + "/far"}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Status != 429 || e.Code != "0x80072322" || n.Load() != 1 {
		t.Fatalf("a read throttled for an hour: %v after %d requests", err, n.Load())
	}
	if e.RetryAfter < 58*time.Minute || e.RetryAfter > time.Hour {
		t.Errorf("RetryAfter %v, want about an hour", e.RetryAfter)
	}
}

// Every call carries one client request ID (the same on its retries) and
// palwiz's user agent; an error keeps the ID it sent.
func TestRequestIDAndUserAgent(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	var n atomic.Int32
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("x-ms-client-request-id"))
		mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "palwiz ") || !strings.Contains(r.Header.Get("User-Agent"), " azsdk-go-testservice/") {
			http.Error(w, "user agent "+r.Header.Get("User-Agent"), http.StatusBadRequest)
			return
		}
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusConflict)
	}, Options{MaxRetries: 1})
	err := c.Do(context.Background(), Request{Op: "first", URL: srv.URL}, nil)
	err2 := c.Do(context.Background(), Request{Op: "second", URL: srv.URL}, nil)
	if len(ids) != 3 || ids[0] == "" || ids[0] != ids[1] || ids[2] == ids[0] {
		t.Fatalf("client request IDs %q: want one per call, kept across its retries", ids)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 || e.ClientRequestID != ids[0] || !strings.Contains(err.Error(), "[client request "+ids[0]+"]") {
		t.Errorf("first call: %v", err)
	}
	if !IsStatus(err2, http.StatusConflict) {
		t.Errorf("second call: %v", err2)
	}
}

func TestWriteSendsJSON(t *testing.T) {
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || body["newAppOwner"] != "x" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}, Options{})
	if err := c.Do(context.Background(), Request{Op: "w", Method: http.MethodPatch, URL: srv.URL, Body: map[string]string{"newAppOwner": "x"}, OK: []int{204}}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
}

// The limiter keeps at most the host's allowance in flight.
func TestLimiterBoundsInFlight(t *testing.T) {
	var cur, peak atomic.Int32
	lim := NewLimiter(3, nil)
	c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		fmt.Fprint(w, `{}`)
	}, Options{Limiter: lim})
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if err := c.Do(context.Background(), Request{Op: "r", URL: srv.URL}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 3 {
		t.Errorf("peak in flight %d, want 3", p)
	}
	if got := NewLimiter(8, map[string]int{".crm.dynamics.com": 16, "api.bap.microsoft.com": 4}); got.Limit("org1.api.crm.dynamics.com") != 16 ||
		got.Limit("API.BAP.microsoft.com") != 4 || got.Limit("api.powerbi.com") != 8 {
		t.Error("Limit does not resolve hosts and suffixes")
	}
	ctx, cancel := context.WithCancel(context.Background())
	one := NewLimiter(1, nil)
	release, _ := one.Acquire(ctx, "h")
	cancel()
	if _, err := one.Acquire(ctx, "h"); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting on a cancelled context: %v", err)
	}
	release()
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Requests go out through the cloud's HTTP client, so its proxy settings
// hold: here an HTTPS proxy that tunnels (CONNECT) to the service, as
// HTTPS_PROXY makes cloud.NewPublic's client do.
func TestThroughTheCloudsProxy(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"ok":true}`) }))
	t.Cleanup(srv.Close)
	var tunnels atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		tunnels.Add(1)
		upstream, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		// The client's first TLS bytes may already sit in the server's
		// buffer: read through it, not around it.
		go func() { _, _ = io.Copy(upstream, brw); upstream.Close() }()
		_, _ = io.Copy(conn, upstream)
		conn.Close()
	}))
	t.Cleanup(proxy.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(mustURL(t, proxy.URL))
	c := New("Test service", "https://svc.example/.default", fakeCred{}, &cloud.Cloud{HTTP: &http.Client{Transport: tr}}, Options{})
	var out struct{ OK bool }
	if err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL}, &out); err != nil || !out.OK {
		t.Fatalf("through the proxy: %v", err)
	}
	if tunnels.Load() != 1 {
		t.Errorf("%d tunnels through the proxy, want 1", tunnels.Load())
	}
}

func TestInteractiveDefaults(t *testing.T) {
	if o := (Options{}).Interactive().retry(); o.MaxRetries != 3 || o.TryTimeout != 30*time.Second || o.RetryDelay != 800*time.Millisecond {
		t.Errorf("interactive defaults %+v", o)
	}
	if o := (Options{MaxRetries: -1, TryTimeout: time.Second}).Interactive().retry(); o.MaxRetries != -1 || o.TryTimeout != time.Second {
		t.Errorf("the caller's settings lost: %+v", o)
	}
	if o := (Options{}).retry(); o.MaxRetries != 4 || o.TryTimeout != time.Minute || o.MaxRetryDelay != time.Minute {
		t.Errorf("list defaults %+v", o)
	}
}
