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

// Fuzz targets for what the client layer reads from the network. `go test`
// runs their seeds (and the inputs kept in testdata/fuzz) as regression
// tests; scripts/fuzz.sh runs the fuzzer.

// FuzzErrorBody: whatever a failed answer holds, it becomes an *Error with
// the status, a message, the request ID from the headers, and a Retry-After
// within bounds.
func FuzzErrorBody(f *testing.F) {
	for _, tc := range errorShapes {
		f.Add(tc.status, []byte(tc.body), tc.request, tc.header["Retry-After"])
	}
	for _, s := range []string{``, `not json`, `{"code":"Conflict"}`, `{"error":null,"code":7}`, `{"error":"text"}`, `{"error":[1]}`,
		`{"error":{"message":{"value":{"value":"x"}}}}`, `{"error":{"pbi.error":{"details":[{"detail":null}]}}}`, `{"error":{"innerError":"x"}}`} {
		f.Add(400, []byte(s), "req-1", "")
	}
	f.Add(429, []byte(`{}`), "", "Sun, 06 Nov 1994 08:49:37 GMT")
	f.Add(503, []byte(`{}`), "", "99999999999999999999")
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
	for _, s := range []string{"1", "120", "0", "-1", " 7 ", "soon", "Sun, 01 Mar 2026 10:01:30 GMT", "Sunday, 01-Mar-26 10:00:10 GMT",
		"Sun Mar  1 10:00:20 2026", "Mon, 01 Mar 2026 10:01:30 GMT", "Sun, 01 Mar 2026 10:01:30 UTC", "1e3", "99999999999999999999", "18446744073709551616"} {
		f.Add(s, "")
	}
	f.Add("9", "1500")
	f.Add("", "-3")
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
	for _, s := range []string{
		`{"value":[{"name":"a"},{"name":"b"}],"nextLink":"https://h/p?%24skiptoken=2"}`,
		`{"@odata.context":"x","value":[],"@odata.nextLink":"https://org.api.crm.dynamics.com/api/data/v9.2/bots?$skiptoken=%3Ccookie%20pagenumber=%222%22/%3E"}`,
		`{"value":[1,"x",null,{"a":[{}]}],"nextLink":"a","@odata.nextLink":"b"}`,
		`{"value":null,"nextLink":null}`, `{"Value":[1]}`, `{"value":[1],"value":[2]}`, `{}`, `null`, `[]`, `{"value":{}}`,
	} {
		f.Add([]byte(s))
	}
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
	for _, s := range []string{"https://api.bap.microsoft.com/p?$skiptoken=2", "https://API.bap.microsoft.com/p", "http://api.bap.microsoft.com/p",
		"https://evil.example/p", "https://api.bap.microsoft.com.evil.example/", "//evil.example", "/relative", "https://u@api.bap.microsoft.com/",
		"https://api.bap.microsoft.com:8443/", "https://api.bap.microsoft.com%2f@evil.example/", "\x00", "%"} {
		f.Add(s)
	}
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
