package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"Sun, 22 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Sun, 22 Nov 2026 09:00:00 GMT", 0, true},
		{"99999999999", 24 * time.Hour, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.v != "" {
			h.Set("Retry-After", c.v)
		}
		got, ok := retryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("Retry-After %q = %s %v, want %s %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

// TestRetryingClient: Entra's 429 and 5xx answers are tried again, the
// request body re-sent, per Retry-After, within the policy's bounds.
func TestRetryingClient(t *testing.T) {
	var calls atomic.Int32
	var bodies []string
	answers := []func(w http.ResponseWriter){}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		n := int(calls.Add(1)) - 1
		if n < len(answers) {
			answers[n](w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	status := func(code int, retryAfter string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("x-ms-request-id", "req-9")
			w.WriteHeader(code)
		}
	}
	var waits []time.Duration
	rc := newRetryingClient(srv.Client(), RetryPolicy{MaxRetries: 3, MaxWait: 20 * time.Second, MaxTotal: 30 * time.Second})
	rc.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	post := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/t/oauth2/v2.0/token", strings.NewReader("grant_type=client_credentials"))
		resp, err := rc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	reset := func(a ...func(w http.ResponseWriter)) {
		calls.Store(0)
		answers, bodies, waits = a, nil, nil
	}

	reset(status(429, "2"), status(503, ""), status(500, ""))
	if resp := post(); resp.StatusCode != 200 || resp.Header.Get(retriesHeader) != "3" {
		t.Fatalf("after three retries: %d %q", resp.StatusCode, resp.Header.Get(retriesHeader))
	}
	if len(waits) != 3 || waits[0] != 2*time.Second || waits[1] != 2*time.Second || waits[2] != 4*time.Second {
		t.Fatalf("waits %v: Retry-After first, then the back-off of each attempt (1 s doubling)", waits)
	}
	for _, b := range bodies {
		if b != "grant_type=client_credentials" {
			t.Fatalf("a retry lost the body: %q", bodies)
		}
	}

	reset(status(503, ""), status(503, ""), status(503, ""), status(503, ""))
	resp := post()
	if resp.StatusCode != 503 || calls.Load() != 4 {
		t.Fatalf("bounded: %d after %d calls", resp.StatusCode, calls.Load())
	}
	se := serviceErrorOf(resp, errors.New("x"))
	if se.Retries != 3 || se.RequestID != "req-9" || !strings.Contains(se.Error(), "server error (HTTP 503) and palwiz tried again 3 times") {
		t.Fatalf("explained: %+v %s", se, se)
	}

	reset(status(429, "3600"))
	resp = post()
	if resp.StatusCode != 429 || calls.Load() != 1 || len(waits) != 0 {
		t.Fatalf("a wait beyond MaxWait is not waited: %d calls, waits %v", calls.Load(), waits)
	}
	se = serviceErrorOf(resp, errors.New("x"))
	if !strings.Contains(se.Error(), "asks to wait 1h0m0s") || !strings.Contains(se.Error(), "not a problem with your sign-in") {
		t.Fatalf("429 explained: %s", se)
	}

	reset(status(400, ""))
	if resp := post(); resp.StatusCode != 400 || calls.Load() != 1 {
		t.Fatal("a 400 is not retried")
	}

	// Cancelling ends a wait.
	reset(status(503, "5"))
	rc.sleep = sleepCtx
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := rc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// TestExplainServiceFailures: MSAL's error for a 5xx or 429 becomes a
// *ServiceError (not a sign-in problem), without MSAL's raw text.
func TestExplainServiceFailures(t *testing.T) {
	body := `{"error":"temporarily_unavailable","error_description":"AADSTS90033: A transient error has occurred."}`
	for _, code := range []int{429, 500, 502, 503, 504} {
		resp := &http.Response{StatusCode: code, Header: http.Header{retriesHeader: {"3"}}, Body: io.NopCloser(strings.NewReader(body))}
		err := explain(msalerrors.CallErr{Req: &http.Request{}, Resp: resp, Err: errors.New("http call(https://login.microsoftonline.com/x)(POST) error: reply status code was " + http.StatusText(code))}, "contoso", "silent")
		var se *ServiceError
		var ae *Error
		if !errors.As(err, &se) || errors.As(err, &ae) {
			t.Fatalf("%d: %T %v", code, err, err)
		}
		if strings.Contains(err.Error(), "http call") || strings.Contains(err.Error(), "palwiz login") {
			t.Fatalf("%d: raw or misleading: %s", code, err)
		}
	}
}
