package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/palwiz/palwiz/azure/cloud"
)

type fakeCred struct{ scopes chan []string }

func (f fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	select {
	case f.scopes <- o.Scopes:
	default:
	}
	return azcore.AccessToken{Token: "tok", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func testClient(t *testing.T, h http.HandlerFunc, o Options) (*Client, *httptest.Server, chan []string) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	scopes := make(chan []string, 1)
	o.RetryDelay = time.Millisecond
	c := New("Test service", "https://svc.example/.default", fakeCred{scopes}, &cloud.Cloud{HTTP: srv.Client()}, o)
	return c, srv, scopes
}

func TestEachFollowsBothNextLinkStyles(t *testing.T) {
	var srvURL string
	c, srv, scopes := testClient(t, func(w http.ResponseWriter, r *http.Request) {
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
	if s := <-scopes; len(s) != 1 || s[0] != "https://svc.example/.default" {
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

func TestErrorKeepsCodeAndRequestID(t *testing.T) {
	cases := []struct {
		name, body, header, wantCode, wantMsg string
		status                                int
	}{
		{"arm envelope", `{"error":{"code":"Forbidden","message":"No admin role."}}`, "x-ms-request-id", "Forbidden", "No admin role.", 403},
		{"dataverse", `{"error":{"code":"0x80040217","message":"bot With Id = x Does Not Exist"}}`, "REQ_ID", "0x80040217", "bot With Id = x Does Not Exist", 404},
		{"apim", `{"statusCode":401,"message":"Access denied due to missing subscription key."}`, "x-ms-request-id", "", "Access denied due to missing subscription key.", 401},
		{"power bi", `{"error":{"code":"ItemNotFound","message":"Dataset is not found"}}`, "RequestId", "ItemNotFound", "Dataset is not found", 404},
		{"no body", ``, "x-ms-correlation-request-id", "", "Bad Request", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(tc.header, "req-123")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}, Options{})
			_, err := c.Do(context.Background(), Request{Op: "read it", URL: srv.URL}, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not a *rest.Error: %v", err)
			}
			if e.Status != tc.status || e.Code != tc.wantCode || e.Message != tc.wantMsg || e.RequestID != "req-123" || e.Service != "Test service" {
				t.Errorf("got %+v", e)
			}
			if !strings.Contains(err.Error(), "read it: ") || !strings.Contains(err.Error(), "[request req-123]") {
				t.Errorf("message %q", err.Error())
			}
			if !IsStatus(err, tc.status) || IsStatus(err, 999) {
				t.Error("IsStatus")
			}
		})
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
	if _, err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL + "/throttled"}, &out); err != nil || !out.OK {
		t.Fatalf("throttled read: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("the retry did not wait for Retry-After: %v", time.Since(start))
	}
	n.Store(0)
	if _, err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL + "/broken"}, nil); !IsStatus(err, 500) || n.Load() != 3 {
		t.Errorf("a read on 500: %v after %d requests, want 3", err, n.Load())
	}
	n.Store(0)
	if _, err := c.Do(context.Background(), Request{Op: "write", Method: http.MethodPost, Write: true, URL: srv.URL + "/broken", Body: map[string]string{"a": "b"}}, nil); !IsStatus(err, 500) || n.Load() != 1 {
		t.Errorf("a write on 500: %v after %d requests, want 1", err, n.Load())
	}
	n.Store(0)
	if _, err := c.Do(context.Background(), Request{Op: "write", Method: http.MethodPost, Write: true, URL: srv.URL + "/throttled", Body: map[string]string{"a": "b"}}, nil); err != nil || n.Load() != 2 {
		t.Errorf("a throttled write: %v after %d requests, want 2", err, n.Load())
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
	if _, err := c.Do(context.Background(), Request{Op: "w", Method: http.MethodPatch, URL: srv.URL, Body: map[string]string{"newAppOwner": "x"}, OK: []int{204}}, nil); err != nil {
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
			if _, err := c.Do(context.Background(), Request{Op: "r", URL: srv.URL}, nil); err != nil {
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
