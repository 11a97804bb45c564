// Package rest is the one HTTP client layer palwiz's Azure clients share:
// ARM and Management Partner, Microsoft Graph, BAP, Power Apps, Power
// Automate, Dataverse, Power BI and Customer Insights. It builds an azcore
// pipeline per service family (a bearer token for the family's scope, a
// per-host limit on requests in flight, retries that honour Retry-After as
// seconds or as an HTTP date, a client request ID, palwiz's user agent, and
// the cloud's transport with its proxy settings), reads every service's
// error shape into one *Error, and decodes JSON lists page by page (no page
// is kept as raw JSON).
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/palwiz/palwiz/azure/cloud"
)

const moduleVersion = "v0.1.0"

// Options tune a client's pipeline. The zero value is palwiz's default.
type Options struct {
	// MaxRetries on 408, 429 and 5xx answers to reads (default 4). Writes
	// are retried only on 429, which says the request was not processed.
	MaxRetries int32
	// TryTimeout bounds one attempt (default 60 s).
	TryTimeout time.Duration
	// RetryDelay is the first back-off when no Retry-After is given (default 800 ms).
	RetryDelay time.Duration
	// MaxRetryDelay caps a back-off; a longer Retry-After ends the retries (default 60 s).
	MaxRetryDelay time.Duration
	// Limiter bounds requests in flight per host; nil means no bound.
	Limiter *Limiter
	// Counter, when set, counts the requests sent (every attempt).
	Counter *atomic.Int64
	// Authorization replaces the bearer token policy's default handling:
	// OnRequest chooses the token request, OnChallenge answers a 401's
	// WWW-Authenticate challenge that azcore does not handle itself (it
	// handles continuous access evaluation's insufficient_claims).
	Authorization policy.AuthorizationHandler
}

// Interactive is o tuned for the services a command waits on for one
// answer (ARM, Graph): 3 retries and 30 s a try unless o says otherwise,
// where a long list's defaults are 4 and 60 s.
func (o Options) Interactive() Options {
	o.MaxRetries = orDefault(o.MaxRetries, 3)
	o.TryTimeout = orDefault(o.TryTimeout, 30*time.Second)
	return o
}

func (o Options) retry() policy.RetryOptions {
	return policy.RetryOptions{
		MaxRetries:    orDefault(o.MaxRetries, 4),
		TryTimeout:    orDefault(o.TryTimeout, 60*time.Second),
		RetryDelay:    orDefault(o.RetryDelay, 800*time.Millisecond),
		MaxRetryDelay: orDefault(o.MaxRetryDelay, 60*time.Second),
		StatusCodes:   []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}
}

// orDefault is v, or d when v is the zero value.
func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// Client sends requests for one service and token scope.
type Client struct {
	service string
	pl      runtime.Pipeline
	retry   policy.RetryOptions
	// pages are reusable page buffers, per client rather than in a
	// package-level sync.Pool (which a scan's frequent collections empty).
	pages chan *bytes.Buffer
	// windows are reusable buffers pages are streamed through.
	windows chan []byte
}

// New builds the pipeline of one service family: requests carry a bearer
// token for scope (the family's audience) from cred, and go out through the
// cloud's HTTP client (its proxy settings and, for the simulator, its dialler).
func New(service, scope string, cred azcore.TokenCredential, c *cloud.Cloud, o Options) *Client {
	retry := o.retry()
	perRetry := []policy.Policy{runtime.NewBearerTokenPolicy(cred, []string{scope}, &policy.BearerTokenOptions{AuthorizationHandler: o.Authorization})}
	if o.Limiter != nil {
		perRetry = append(perRetry, &limitPolicy{l: o.Limiter})
	}
	if o.Counter != nil {
		perRetry = append(perRetry, countPolicy{o.Counter})
	}
	// Last before the transport: the retry policy sees Retry-After as palwiz reads it.
	perRetry = append(perRetry, policyFunc(normalizeRetryAfter))
	var transport policy.Transporter
	if c != nil && c.HTTP != nil {
		transport = c.HTTP
	}
	// The user agent reads "palwiz azsdk-go-<service>/<version> (<go>; <os>)".
	pl := runtime.NewPipeline(productName(service), moduleVersion,
		runtime.PipelineOptions{PerCall: []policy.Policy{runtime.NewRequestIDPolicy()}, PerRetry: perRetry},
		&policy.ClientOptions{Transport: transport, Retry: retry, Telemetry: policy.TelemetryOptions{ApplicationID: "palwiz"}})
	return &Client{service: service, pl: pl, retry: retry, pages: make(chan *bytes.Buffer, keptPages), windows: make(chan []byte, keptPages)}
}

// productName turns a service's name into a user-agent product token
// ("Power Platform admin (BAP)" → "powerplatformadminbap").
func productName(service string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1
	}, service)
}

// Service names the service the client talks to.
func (c *Client) Service() string { return c.service }

type policyFunc func(*policy.Request) (*http.Response, error)

func (f policyFunc) Do(req *policy.Request) (*http.Response, error) { return f(req) }

// normalizeRetryAfter restates a Retry-After the service sent (seconds or an
// HTTP date in any of its three forms) as retry-after-ms, which azcore's
// retry policy reads first, so the wait is what palwiz's own parser reads.
func normalizeRetryAfter(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp == nil || resp.Header.Get("Retry-After") == "" {
		return resp, err
	}
	if d := retryAfter(resp.Header, time.Now()); d > 0 {
		resp.Header.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	}
	return resp, nil
}

type countPolicy struct{ n *atomic.Int64 }

func (p countPolicy) Do(req *policy.Request) (*http.Response, error) {
	p.n.Add(1)
	return req.Next()
}

// Request describes one call.
type Request struct {
	// Op says what palwiz was doing, for errors ("list flows in Contoso Production").
	Op     string
	Method string
	URL    string
	Header http.Header
	// Body is sent as JSON when not nil.
	Body any
	// OK are the success statuses (default 200).
	OK []int
	// Write marks a call that is not safe to repeat (it changes something and
	// a repeat could change it twice): it is retried only on 429, which says
	// the request was not processed.
	Write bool
}

// send builds and sends r; on an unexpected status it returns the *Error.
// The caller closes the response body.
func (c *Client) send(ctx context.Context, r Request) (*http.Response, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	if r.Write {
		ro := c.retry
		ro.StatusCodes = []int{http.StatusTooManyRequests}
		ctx = policy.WithRetryOptions(ctx, ro)
	}
	req, err := runtime.NewRequest(ctx, r.Method, r.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	raw := req.Raw()
	raw.Header.Set("Accept", "application/json")
	for k, v := range r.Header {
		raw.Header[k] = v
	}
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode the request: %w", r.Op, err)
		}
		if err := req.SetBody(readSeekNopCloser{bytes.NewReader(b)}, "application/json"); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Op, err)
		}
	}
	runtime.SkipBodyDownload(req)
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	ok := r.OK
	if len(ok) == 0 {
		ok = []int{http.StatusOK}
	}
	if !runtime.HasStatusCode(resp, ok...) {
		defer resp.Body.Close()
		return nil, NewError(c.service, r.Op, resp)
	}
	return resp, nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

// Do sends the request. On success it decodes the JSON answer into out (when
// not nil and the answer has a body) straight from the connection.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return &DecodeError{Service: c.service, Op: r.Op, Err: err}
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return nil
}

// Fetch sends a GET and reads a successful answer's body into buf (reset
// first), for callers that scan it themselves.
func (c *Client) Fetch(ctx context.Context, r Request, buf *bytes.Buffer) error {
	r.Method, r.Body, r.Write = http.MethodGet, nil, false
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n < maxPage {
		buf.Grow(int(n) + 1)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxPage)); err != nil {
		return fmt.Errorf("%s: read the answer: %w", r.Op, err)
	}
	return nil
}

// stream sends a GET and hands a successful answer's body (at most maxPage
// bytes of it) to read as it arrives. A malformed body gives a
// *DecodeError, a broken connection the read error.
func (c *Client) stream(ctx context.Context, r Request, read func(io.Reader) error) error {
	r.Method, r.Body, r.Write = http.MethodGet, nil, false
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	err = read(io.LimitReader(resp.Body, maxPage))
	var re *ReadError
	switch {
	case err == nil:
		// Drain a little so the connection can carry the next request.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil
	case errors.As(err, &re):
		return fmt.Errorf("%s: %w", r.Op, err)
	case isDecodeError(err):
		return &DecodeError{Service: c.service, Op: r.Op, Err: err}
	}
	return err
}
