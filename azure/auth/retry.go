package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// RetryPolicy bounds how palwiz retries Entra ID's throttling (429) and
// server errors (500, 502, 503, 504).
type RetryPolicy struct {
	// MaxRetries per request (default 3).
	MaxRetries int
	// MaxWait is the longest single wait (default 20 s): a Retry-After
	// beyond it is not waited out; palwiz reports it instead.
	MaxWait time.Duration
	// MaxTotal bounds all the waits of one request (default 45 s).
	MaxTotal time.Duration
	// FirstDelay is the first back-off when Entra ID names no Retry-After
	// (default 1 s, doubling).
	FirstDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 3
	}
	if p.MaxWait == 0 {
		p.MaxWait = 20 * time.Second
	}
	if p.MaxTotal == 0 {
		p.MaxTotal = 45 * time.Second
	}
	if p.FirstDelay == 0 {
		p.FirstDelay = time.Second
	}
	return p
}

// retriesHeader carries how many retries palwiz made on the response it
// hands to MSAL, so that the explanation can say so.
const retriesHeader = "X-Palwiz-Retries"

// retryingClient is the HTTP client MSAL uses: every answer of Entra ID that
// is 429 or a server error is tried again per Retry-After, within the
// policy's bounds, before MSAL sees it.
type retryingClient struct {
	c      *http.Client
	policy RetryPolicy
	// sleep waits d or until ctx ends (tests make it instant).
	sleep func(ctx context.Context, d time.Duration) error
}

func newRetryingClient(c *http.Client, p RetryPolicy) *retryingClient {
	if c == nil {
		c = http.DefaultClient
	}
	return &retryingClient{c: c, policy: p.withDefaults(), sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CloseIdleConnections implements MSAL's HTTPClient.
func (r *retryingClient) CloseIdleConnections() { r.c.CloseIdleConnections() }

// Do sends req, again after a 429 or server error while the policy allows.
func (r *retryingClient) Do(req *http.Request) (*http.Response, error) {
	getBody := req.GetBody
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.Body, _ = getBody()
	}
	waited := time.Duration(0)
	for attempt := 0; ; attempt++ {
		resp, err := r.c.Do(req)
		if err != nil || !retryable(resp.StatusCode) || attempt >= r.policy.MaxRetries {
			return mark(resp, attempt), err
		}
		d, ok := retryAfter(resp.Header, time.Now())
		if !ok {
			d = r.policy.FirstDelay << attempt
		}
		if d > r.policy.MaxWait || waited+d > r.policy.MaxTotal {
			return mark(resp, attempt), nil
		}
		// Drain and close: the connection is reused for the next try.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := r.sleep(req.Context(), d); err != nil {
			return nil, err
		}
		waited += d
		if getBody != nil {
			body, err := getBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func mark(resp *http.Response, retries int) *http.Response {
	if resp != nil && retries > 0 {
		resp.Header.Set(retriesHeader, strconv.Itoa(retries))
	}
	return resp
}

func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter reads Retry-After: delay-seconds or an HTTP-date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// ServiceError is Entra ID failing on its side (a server error) or
// throttling palwiz (429), after palwiz retried as the policy allows. It is
// not a sign-in problem: signing in again does not help.
type ServiceError struct {
	Status     int
	Retries    int
	RetryAfter time.Duration
	RequestID  string
	Err        error
}

func (e *ServiceError) Error() string {
	tries := "palwiz did not retry"
	switch {
	case e.Retries == 1:
		tries = "palwiz tried again once"
	case e.Retries > 1:
		tries = fmt.Sprintf("palwiz tried again %d times", e.Retries)
	}
	var s string
	if e.Status == http.StatusTooManyRequests {
		s = fmt.Sprintf("Entra ID (Microsoft's sign-in service) is limiting requests from this computer (HTTP 429) and %s", tries)
		if e.RetryAfter > 0 {
			s += fmt.Sprintf("; it asks to wait %s", e.RetryAfter.Round(time.Second))
		}
		s += ". This is not a problem with your sign-in: wait a minute, then run the command again"
	} else {
		s = fmt.Sprintf("Entra ID (Microsoft's sign-in service) had a server error (HTTP %d) and %s. This is not a problem with your sign-in: run the command again in a few minutes; if it persists, check the Azure status page (https://azure.status.microsoft)", e.Status, tries)
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

func (e *ServiceError) Unwrap() error { return e.Err }

// asServiceError turns MSAL's error for a 429 or server error answer into
// a *ServiceError.
func asServiceError(err error) (*ServiceError, bool) {
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp == nil || !retryable(ce.Resp.StatusCode) {
		return nil, false
	}
	return serviceErrorOf(ce.Resp, err), true
}

func serviceErrorOf(resp *http.Response, err error) *ServiceError {
	e := &ServiceError{Status: resp.StatusCode, Err: err}
	e.Retries, _ = strconv.Atoi(resp.Header.Get(retriesHeader))
	e.RetryAfter, _ = retryAfter(resp.Header, time.Now())
	for _, h := range []string{"x-ms-request-id", "client-request-id", "x-ms-correlation-request-id"} {
		if v := resp.Header.Get(h); v != "" {
			e.RequestID = v
			break
		}
	}
	return e
}
