// Package rest is the plumbing the hand-written Power Platform, Dataverse,
// Power BI and Customer Insights clients share: an azcore pipeline with a
// bearer token for one scope, retries that honour Retry-After, a per-host
// limit on requests in flight, a typed error that keeps the service's code
// and request ID, and JSON paging decoded as a stream (no page is kept as raw
// JSON).
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/palwiz/palwiz/azure/cloud"
)

const moduleVersion = "v0.1.0"

// Options tune a client's pipeline.
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
}

// Client sends requests for one service and token scope.
type Client struct {
	service string
	pl      runtime.Pipeline
	retry   policy.RetryOptions
	// pages are reusable page buffers, per client rather than in a
	// package-level sync.Pool (which a scan's frequent collections empty).
	pages chan *bytes.Buffer
}

// Page buffers kept for reuse: at most keptPages, each at most keptPageCap.
const (
	keptPages   = 32
	keptPageCap = 1 << 20
)

func (c *Client) getPage() *bytes.Buffer {
	select {
	case b := <-c.pages:
		return b
	default:
		b := new(bytes.Buffer)
		b.Grow(64 << 10)
		return b
	}
}

func (c *Client) putPage(b *bytes.Buffer) {
	if b.Cap() > keptPageCap {
		return
	}
	select {
	case c.pages <- b:
	default:
	}
}

// New builds a client on the cloud's HTTP transport whose requests carry a
// bearer token for scope, obtained from cred.
func New(service, scope string, cred azcore.TokenCredential, c *cloud.Cloud, o Options) *Client {
	retry := policy.RetryOptions{
		MaxRetries:    or(o.MaxRetries, 4),
		TryTimeout:    orD(o.TryTimeout, 60*time.Second),
		RetryDelay:    orD(o.RetryDelay, 800*time.Millisecond),
		MaxRetryDelay: orD(o.MaxRetryDelay, 60*time.Second),
		StatusCodes:   []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}
	perRetry := []policy.Policy{runtime.NewBearerTokenPolicy(cred, []string{scope}, nil)}
	if o.Limiter != nil {
		perRetry = append(perRetry, &limitPolicy{l: o.Limiter})
	}
	if o.Counter != nil {
		perRetry = append(perRetry, countPolicy{o.Counter})
	}
	var transport policy.Transporter
	if c != nil && c.HTTP != nil {
		transport = c.HTTP
	}
	pl := runtime.NewPipeline("palwiz/"+strings.ToLower(strings.ReplaceAll(service, " ", "")), moduleVersion,
		runtime.PipelineOptions{PerRetry: perRetry},
		&policy.ClientOptions{Transport: transport, Retry: retry, Telemetry: policy.TelemetryOptions{ApplicationID: "palwiz"}})
	return &Client{service: service, pl: pl, retry: retry, pages: make(chan *bytes.Buffer, keptPages)}
}

func or(v, d int32) int32 {
	if v != 0 {
		return v
	}
	return d
}

func orD(v, d time.Duration) time.Duration {
	if v != 0 {
		return v
	}
	return d
}

type countPolicy struct{ n *atomic.Int64 }

func (p countPolicy) Do(req *policy.Request) (*http.Response, error) {
	p.n.Add(1)
	return req.Next()
}

// Limiter bounds the requests in flight per host name. Requests wait for a
// slot while a page of another list is in flight, so many paging chains
// share a service's allowance fairly.
type Limiter struct {
	mu     sync.Mutex
	def    int
	limits map[string]int
	sems   map[string]chan struct{}
}

// NewLimiter allows def requests in flight per host, or limits[host] for the
// hosts named there (a name starting with "." matches every host under it).
func NewLimiter(def int, limits map[string]int) *Limiter {
	if def <= 0 {
		def = 8
	}
	return &Limiter{def: def, limits: limits, sems: map[string]chan struct{}{}}
}

// Limit is the allowance for host.
func (l *Limiter) Limit(host string) int {
	host = strings.ToLower(host)
	if n, ok := l.limits[host]; ok && n > 0 {
		return n
	}
	for k, n := range l.limits {
		if strings.HasPrefix(k, ".") && strings.HasSuffix(host, k) && n > 0 {
			return n
		}
	}
	return l.def
}

// Acquire waits for a slot on host; release gives it back.
func (l *Limiter) Acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	sem := l.sems[host]
	if sem == nil {
		sem = make(chan struct{}, l.Limit(host))
		l.sems[host] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type limitPolicy struct{ l *Limiter }

func (p *limitPolicy) Do(req *policy.Request) (*http.Response, error) {
	release, err := p.l.Acquire(req.Raw().Context(), req.Raw().URL.Host)
	if err != nil {
		return nil, err
	}
	defer release()
	return req.Next()
}

// Error is a failed call: what palwiz was doing, the service's code and
// message, the HTTP status and the request ID to quote to support.
type Error struct {
	Service   string
	Op        string
	Status    int
	Code      string
	Message   string
	RequestID string
	// RetryAfter is the service's Retry-After on a final 429 or 503.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Message
	var detail []string
	if e.Code != "" {
		detail = append(detail, e.Code)
	}
	if e.Status != 0 {
		detail = append(detail, "HTTP "+strconv.Itoa(e.Status))
	}
	if len(detail) > 0 {
		s += " (" + strings.Join(detail, ", ") + ")"
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// IsStatus reports whether err is an *Error with one of the statuses.
func IsStatus(err error, status ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range status {
		if e.Status == s {
			return true
		}
	}
	return false
}

// requestIDHeaders are where the services put their request IDs, best first.
var requestIDHeaders = []string{"x-ms-service-request-id", "REQ_ID", "RequestId", "x-ms-request-id", "x-ms-correlation-request-id", "request-id", "x-ms-client-request-id"}

// newError reads a failed answer's body (at most 64 KB) into an *Error.
func (c *Client) newError(op string, resp *http.Response) *Error {
	e := &Error{Service: c.service, Op: op, Status: resp.StatusCode}
	for _, h := range requestIDHeaders {
		if v := resp.Header.Get(h); v != "" {
			e.RequestID = v
			break
		}
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(ra); err == nil {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			Code       string `json:"code"`
			Message    string `json:"message"`
			StatusCode int    `json:"statusCode"`
		}
		if json.Unmarshal(b, &body) == nil {
			e.Code = first(body.Error.Code, body.Code)
			e.Message = first(body.Error.Message, body.Message)
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
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
	// Write marks a call that changes something: it is retried only on 429.
	Write bool
}

// Do sends the request. On success it decodes the JSON answer into out (when
// not nil) straight from the connection and returns the response headers.
func (c *Client) Do(ctx context.Context, r Request, out any) (http.Header, error) {
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
		if err := req.SetBody(streamingNopCloser(b), "application/json"); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Op, err)
		}
	}
	runtime.SkipBodyDownload(req)
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	defer resp.Body.Close()
	ok := r.OK
	if len(ok) == 0 {
		ok = []int{http.StatusOK}
	}
	if !runtime.HasStatusCode(resp, ok...) {
		return resp.Header, c.newError(r.Op, resp)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.Header, fmt.Errorf("%s: the %s answer is not the JSON palwiz expects: %w", r.Op, c.service, err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Header, nil
}

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

func streamingNopCloser(b []byte) io.ReadSeekCloser { return readSeekNopCloser{bytes.NewReader(b)} }

// Fetch sends the request and reads a successful answer's body into buf
// (reset first), for callers that scan it themselves.
func (c *Client) Fetch(ctx context.Context, r Request, buf *bytes.Buffer) (http.Header, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, r.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	raw := req.Raw()
	raw.Header.Set("Accept", "application/json")
	for k, v := range r.Header {
		raw.Header[k] = v
	}
	runtime.SkipBodyDownload(req)
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	defer resp.Body.Close()
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return resp.Header, c.newError(r.Op, resp)
	}
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n < maxPage {
		buf.Grow(int(n) + 1)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxPage)); err != nil {
		return resp.Header, fmt.Errorf("%s: read the answer: %w", r.Op, err)
	}
	return resp.Header, nil
}

// maxPage bounds one page of a list (the services send a few MB at most).
const maxPage = 256 << 20

// EachPage follows a list's next links from first like Each, handing every
// page's body to decode, which returns the next link ("" at the end). The
// body is only valid during the call.
func EachPage(ctx context.Context, c *Client, op, first string, header http.Header, decode func(body []byte) (next string, err error)) error {
	start, err := url.Parse(first)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for u, pages := first, 0; u != ""; pages++ {
		if pages >= 100000 {
			return fmt.Errorf("%s: the service returned more than 100000 pages; stopping", op)
		}
		// A buffer per page, not per list: only the pages in flight hold one.
		buf := c.getPage()
		_, err := c.Fetch(ctx, Request{Op: op, URL: u, Header: header}, buf)
		var next string
		if err == nil {
			next, err = decode(buf.Bytes())
			if isDecodeError(err) {
				err = fmt.Errorf("%s: the %s answer is not what palwiz expects: %w", op, c.service, err)
			}
		}
		c.putPage(buf)
		if err != nil {
			return err
		}
		u = next
		if u == "" {
			break
		}
		nu, err := url.Parse(u)
		if err != nil || !strings.EqualFold(nu.Host, start.Host) || nu.Scheme != start.Scheme {
			return fmt.Errorf("%s: the service's next link %q leaves %s; palwiz does not follow it", op, u, start.Host)
		}
	}
	return nil
}

// EachItems follows a list's pages like EachPage and hands fn each page's
// items, decoded by scan (m interns repeated strings across pages). fn must
// not keep the slice: it is reused for the next page.
func EachItems[T any](ctx context.Context, c *Client, op, first string, header http.Header,
	scan func(s *Scanner, item *T, m map[string]string) error, fn func([]T) error) error {
	m := map[string]string{}
	var page []T
	return EachPage(ctx, c, op, first, header, func(body []byte) (string, error) {
		page = page[:0]
		next, err := ScanPage(body, func(s *Scanner) error {
			var x T
			if err := scan(s, &x, m); err != nil {
				return err
			}
			page = append(page, x)
			return nil
		})
		if err != nil {
			return "", err
		}
		return next, fn(page)
	})
}

func isDecodeError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.Is(err, ErrSyntax) || errors.As(err, &se) || errors.As(err, &te)
}

// Page is one page of a list: the items and the link to the next page
// (nextLink on the resource providers, @odata.nextLink on OData services).
type Page[T any] struct {
	Value         []T    `json:"value"`
	NextLink      string `json:"nextLink"`
	ODataNextLink string `json:"@odata.nextLink"`
}

func (p *Page[T]) next() string { return first(p.ODataNextLink, p.NextLink) }

// Each follows a list's next links from first, calling fn with every page's
// items. Every page request carries header. A next link to another host is
// refused: it would receive this client's token. Each page is read into a
// pooled buffer and decoded from there; nothing of it is kept.
func Each[T any](ctx context.Context, c *Client, op, first string, header http.Header, fn func([]T) error) error {
	return EachPage(ctx, c, op, first, header, func(body []byte) (string, error) {
		var page Page[T]
		if err := json.Unmarshal(body, &page); err != nil {
			return "", err
		}
		return page.next(), fn(page.Value)
	})
}

// Service names the service the client talks to.
func (c *Client) Service() string { return c.service }
