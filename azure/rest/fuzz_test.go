package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/rest/resttest"
)

// Fuzz targets for what the client layer reads from the network. Their
// seeds are the inputs kept in testdata/fuzz/<target> (the services'
// documented shapes among them, and every input that once failed), plus
// the error shapes of TestErrorShapes; `go test` runs them all as
// regression tests, scripts/fuzz.sh runs the fuzzer.

// FuzzErrorBody: whatever a failed answer holds, it becomes an *Error with
// the status, a message, the request ID from the headers, and a Retry-After
// within bounds.
func FuzzErrorBody(f *testing.F) {
	for _, tc := range errorShapes {
		f.Add(tc.status, []byte(tc.body), tc.request, tc.header["Retry-After"])
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, requestID, retry string) {
		if status < 100 || status > 999 {
			return
		}
		h := http.Header{}
		h.Set("x-ms-request-id", requestID)
		h.Set("Retry-After", retry)
		resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}
		e := NewError("Test service", "read it", resp)
		if e.Status != status || e.Message == "" || !strings.HasPrefix(e.Error(), "read it: ") {
			t.Fatalf("%+v", e)
		}
		if requestID != "" && e.RequestID != h.Get("x-ms-request-id") {
			t.Fatalf("request ID %q, want %q", e.RequestID, h.Get("x-ms-request-id"))
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Fatalf("RetryAfter %v", e.RetryAfter)
		}
		var err error = e
		if !IsStatus(err, status) || Code(err) != e.Code {
			t.Fatal("IsStatus or Code disagree with the error")
		}
		again := NewError("Test service", "read it", &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))})
		if again.Code != e.Code || again.Message != e.Message || again.RequestID != e.RequestID {
			t.Fatalf("not deterministic: %+v %+v", e, again)
		}
	})
}

// FuzzRetryAfter: any Retry-After reads as a wait between 0 and a day; whole
// seconds and HTTP dates read as what they say.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v, ms string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		h.Set("retry-after-ms", ms)
		got := retryAfter(h, now)
		if got < 0 || got > maxRetryAfter {
			t.Fatalf("%q, %q: %v", v, ms, got)
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(ms), 10, 64); err == nil && n > 0 {
			return // the millisecond header wins
		}
		v = strings.TrimSpace(v)
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 86400 {
			if got != time.Duration(n)*time.Second {
				t.Fatalf("%q: %v, want %d s", v, got, n)
			}
		} else if d, err := http.ParseTime(v); err == nil && d.After(now) && d.Sub(now) <= maxRetryAfter && got != d.Sub(now) {
			t.Fatalf("%q: %v, want until %v", v, got, d)
		}
	})
}

// FuzzPage: a list page reads alike through the single-pass scanner
// (ScanPage) and through encoding/json (Page): the same next link and the
// same items, whenever encoding/json can read it and the two must agree
// (resttest.Comparable).
func FuzzPage(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		var items []string
		next, err := ScanPage(body, func(s *Scanner) error {
			at := s.i
			if err := s.Skip(); err != nil {
				return err
			}
			items = append(items, string(bytes.TrimSpace(s.b[at:s.i])))
			return nil
		})
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Fatalf("a non-syntax error: %v", err)
		}
		var page Page[json.RawMessage]
		if json.Unmarshal(body, &page) != nil || !resttest.Comparable(body, "value", "nextLink", "@odata.nextLink") {
			return
		}
		if err != nil {
			t.Fatalf("encoding/json reads %q, ScanPage fails: %v", body, err)
		}
		if next != page.Next() || len(items) != len(page.Value) {
			t.Fatalf("%q: scanned %d items and next %q; encoding/json %d and %q", body, len(items), next, len(page.Value), page.Next())
		}
		for i, raw := range page.Value {
			if string(bytes.TrimSpace(raw)) != items[i] {
				t.Fatalf("item %d: scanned %s, encoding/json %s", i, items[i], raw)
			}
		}
	})
}

// FuzzNextLink: a next link is followed only to the list's own scheme and
// host, never with credentials in it.
func FuzzNextLink(f *testing.F) {
	start, _ := url.Parse("https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01")
	f.Fuzz(func(t *testing.T, next string) {
		if checkNext(start, next) != nil {
			return
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Hostname(), "api.bap.microsoft.com") || u.Port() != "" || u.User != nil {
			t.Fatalf("followed %q (%+v)", next, u)
		}
		// What net/http would dial is the same host.
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil || !strings.EqualFold(req.URL.Host, "api.bap.microsoft.com") {
			t.Fatalf("followed %q, which net/http sends to %v (%v)", next, req, err)
		}
	})
}
