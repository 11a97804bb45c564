// Package arm talks to Azure Resource Manager: the Management Partner
// (Partner Admin Link) API, written by hand on an azcore pipeline because its
// Go module is not on the module proxy, and the tenant list through armsubscriptions.
package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azcloud "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	"github.com/palwiz/palwiz/azure/cloud"
)

// APIVersion is the Management Partner API's only version.
const APIVersion = "2018-02-01"

const (
	moduleName    = "palwiz/arm"
	moduleVersion = "v0.1.0"
)

// Options tune the pipeline.
type Options struct {
	// MaxRetries on 408, 429 and 5xx answers (default 3); Retry-After is honoured.
	MaxRetries int32
	// TryTimeout bounds one attempt (default 30 s).
	TryTimeout time.Duration
	// RetryDelay is the first back-off when no Retry-After is given (default 800 ms).
	RetryDelay time.Duration
}

// Client calls ARM as one identity in one directory.
type Client struct {
	c    *azarm.Client
	cred azcore.TokenCredential
	opts *azarm.ClientOptions
}

// New builds a client on the cloud's HTTP transport.
func New(cred azcore.TokenCredential, c *cloud.Cloud, o Options) (*Client, error) {
	co := &azarm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud:     azcloud.AzurePublic,
		Transport: c.HTTP,
		Retry: policy.RetryOptions{
			MaxRetries: or(o.MaxRetries, 3),
			TryTimeout: orD(o.TryTimeout, 30*time.Second),
			RetryDelay: orD(o.RetryDelay, 800*time.Millisecond),
		},
		Telemetry: policy.TelemetryOptions{ApplicationID: "palwiz"},
	}}
	ac, err := azarm.NewClient(moduleName, moduleVersion, cred, co)
	if err != nil {
		return nil, fmt.Errorf("set up the ARM client: %w", err)
	}
	return &Client{c: ac, cred: cred, opts: co}, nil
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

// Link is a Partner Admin Link as the service describes it.
type Link struct {
	PartnerID   string    `json:"partnerId"`
	PartnerName string    `json:"partnerName,omitempty"`
	TenantID    string    `json:"tenantId"`
	ObjectID    string    `json:"objectId"`
	State       string    `json:"state"`
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"createdTime"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// Active reports whether l is a link in force: not nil, not soft-deleted
// (the service keeps a deleted link with State "Deleted").
func (l *Link) Active() bool { return l != nil && !strings.EqualFold(l.State, "Deleted") }

// flexInt decodes a number or a numeric string: the live service sends
// integers, the specification's examples strings.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*f = flexInt(n)
	return nil
}

type partnerResponse struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	ETag       flexInt `json:"etag"`
	Properties struct {
		PartnerID   string  `json:"partnerId"`
		PartnerName string  `json:"partnerName"`
		TenantID    string  `json:"tenantId"`
		ObjectID    string  `json:"objectId"`
		Version     flexInt `json:"version"`
		UpdatedTime string  `json:"updatedTime"`
		CreatedTime string  `json:"createdTime"`
		State       string  `json:"state"`
	} `json:"properties"`
}

// DecodeLink parses a PartnerResponse body (live or specification shape).
func DecodeLink(body []byte) (*Link, error) {
	var pr partnerResponse
	if err := json.Unmarshal(body, &pr); err != nil {
		return nil, &DecodeError{What: "Management Partner", Err: err}
	}
	p := pr.Properties
	if p.PartnerID == "" {
		p.PartnerID = pr.Name
	}
	if p.PartnerID == "" {
		return nil, errors.New("the Management Partner answer names no partner ID")
	}
	l := &Link{PartnerID: p.PartnerID, PartnerName: p.PartnerName, TenantID: p.TenantID, ObjectID: p.ObjectID,
		State: p.State, Version: int(p.Version)}
	if l.Version == 0 {
		l.Version = int(pr.ETag)
	}
	l.CreatedTime, _ = time.Parse(time.RFC3339Nano, p.CreatedTime)
	l.UpdatedTime, _ = time.Parse(time.RFC3339Nano, p.UpdatedTime)
	return l, nil
}

// DecodeError is an answer palwiz could not read (truncated or not JSON).
type DecodeError struct {
	What string
	Err  error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("the %s answer is not valid JSON (%v)", e.What, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Error is a failed ARM call: the service's code and message, the HTTP
// status and the request ID to quote to support.
type Error struct {
	Op        string
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Op, e.Message)
	if e.Code != "" {
		s += " (" + e.Code
		if e.Status != 0 {
			s += ", HTTP " + strconv.Itoa(e.Status)
		}
		s += ")"
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// Codes of the Management Partner API.
const (
	CodeNotFound       = "ManagementPartnerNotFound"
	CodePartnerInvalid = "PartnerIdInvalid"
)

// asError converts an azcore response error into *Error.
func asError(op string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &Error{Op: op, Status: re.StatusCode, Code: re.ErrorCode}
	if r := re.RawResponse; r != nil {
		e.RequestID = r.Header.Get("x-ms-request-id")
		if e.RequestID == "" {
			e.RequestID = r.Header.Get("x-ms-correlation-request-id")
		}
		if r.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			var body struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			if json.Unmarshal(b, &body) == nil {
				e.Code = firstNonEmpty(body.Error.Code, body.Code, e.Code)
				e.Message = firstNonEmpty(body.Error.Message, body.Message)
			}
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.Status)
	}
	if e.Message == "" {
		// A status with no standard text (a proxy's 499 or 520) and no body.
		e.Message = fmt.Sprintf("the service answered HTTP %d with no explanation", e.Status)
	}
	return e
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// IsNotLinked reports whether err is the service's "not linked" answer.
func IsNotLinked(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && e.Code == CodeNotFound
}

func (c *Client) do(ctx context.Context, op, method, partnerID string) ([]byte, error) {
	path := "/providers/Microsoft.ManagementPartner/partners"
	if partnerID != "" {
		path += "/" + url.PathEscape(partnerID)
	}
	req, err := runtime.NewRequest(ctx, method, runtime.JoinPaths(c.c.Endpoint(), path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", APIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := c.c.Pipeline().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, asError(op, runtime.NewResponseError(resp))
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return nil, fmt.Errorf("%s: read the answer: %w", op, err)
	}
	return b, nil
}

// GetLink reads the caller's link; it returns nil, nil when there is none.
func (c *Client) GetLink(ctx context.Context) (*Link, error) {
	b, err := c.do(ctx, "read the partner link", http.MethodGet, "")
	if IsNotLinked(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeLink(b)
}

// CreateLink links the caller to partnerID (PUT).
func (c *Client) CreateLink(ctx context.Context, partnerID string) (*Link, error) {
	b, err := c.do(ctx, "link partner ID "+partnerID, http.MethodPut, partnerID)
	if err != nil {
		return nil, err
	}
	return DecodeLink(b)
}

// UpdateLink moves the caller's existing link to partnerID (PATCH).
func (c *Client) UpdateLink(ctx context.Context, partnerID string) (*Link, error) {
	b, err := c.do(ctx, "move the link to partner ID "+partnerID, http.MethodPatch, partnerID)
	if err != nil {
		return nil, err
	}
	return DecodeLink(b)
}

// DeleteLink removes the caller's link to partnerID.
func (c *Client) DeleteLink(ctx context.Context, partnerID string) error {
	_, err := c.do(ctx, "remove the link to partner ID "+partnerID, http.MethodDelete, partnerID)
	return err
}

// Tenant is a directory the identity can reach.
type Tenant struct {
	ID            string   `json:"tenantId"`
	DisplayName   string   `json:"displayName"`
	DefaultDomain string   `json:"defaultDomain"`
	Domains       []string `json:"domains,omitempty"`
	Category      string   `json:"tenantCategory,omitempty"`
	CountryCode   string   `json:"countryCode,omitempty"`
}

// ListTenants returns every directory the identity reaches (all pages).
func (c *Client) ListTenants(ctx context.Context) ([]Tenant, error) {
	tc, err := armsubscriptions.NewTenantsClient(c.cred, c.opts)
	if err != nil {
		return nil, fmt.Errorf("set up the tenants client: %w", err)
	}
	var out []Tenant
	pager := tc.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, asError("list directories", err)
		}
		for _, t := range page.Value {
			if t == nil {
				continue
			}
			tt := Tenant{ID: deref(t.TenantID), DisplayName: deref(t.DisplayName), DefaultDomain: deref(t.DefaultDomain), CountryCode: deref(t.CountryCode)}
			if t.TenantCategory != nil {
				tt.Category = string(*t.TenantCategory)
			}
			for _, d := range t.Domains {
				if d != nil {
					tt.Domains = append(tt.Domains, *d)
				}
			}
			out = append(out, tt)
		}
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
