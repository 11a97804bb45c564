// Package arm talks to Azure Resource Manager: the Management Partner
// (Partner Admin Link) API and the list of tenants, on the shared client
// layer (azure/rest) with ARM's token audience.
package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// API versions: the Management Partner API's only one, and the tenant list's.
const (
	APIVersion        = "2018-02-01"
	TenantsAPIVersion = "2022-12-01"
)

// Service is the name ARM errors carry (rest.Error.Service).
const Service = "Azure Resource Manager"

// Client calls ARM as one identity in one directory.
type Client struct{ c *rest.Client }

// New builds a client on the cloud's HTTP transport, with the interactive
// defaults (rest.Options.Interactive).
func New(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *Client {
	return &Client{c: rest.New(Service, cloud.ARMScope, cred, c, o.Interactive())}
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

// link reads a PartnerResponse (live or specification shape).
func (pr *partnerResponse) link() (*Link, error) {
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

// DecodeLink parses a PartnerResponse body (live or specification shape).
func DecodeLink(body []byte) (*Link, error) {
	var pr partnerResponse
	if err := json.Unmarshal(body, &pr); err != nil {
		return nil, &rest.DecodeError{Service: Service, Op: "read the partner link", Err: err}
	}
	return pr.link()
}

// Codes of the Management Partner API.
const (
	CodeNotFound       = "ManagementPartnerNotFound"
	CodePartnerInvalid = "PartnerIdInvalid"
)

// IsNotLinked reports whether err is the service's "not linked" answer.
func IsNotLinked(err error) bool {
	return rest.IsStatus(err, http.StatusNotFound) && rest.Code(err) == CodeNotFound
}

// partner calls the Management Partner API and reads the link it answers
// with (nil for DELETE, which answers with no body).
func (c *Client) partner(ctx context.Context, op, method, partnerID string) (*Link, error) {
	u := "https://" + cloud.ARMHost + "/providers/Microsoft.ManagementPartner/partners"
	if partnerID != "" {
		u += "/" + url.PathEscape(partnerID)
	}
	// Not marked Write: every call here is idempotent (PUT and PATCH set the
	// link to one partner ID, DELETE removes it), so a lost answer is retried
	// like a read, and steps reads the link again after any failed write.
	r := rest.Request{Op: op, Method: method, URL: u + "?api-version=" + APIVersion}
	if method == http.MethodDelete {
		return nil, c.c.Do(ctx, r, nil)
	}
	var pr partnerResponse
	if err := c.c.Do(ctx, r, &pr); err != nil {
		return nil, err
	}
	return pr.link()
}

// GetLink reads the caller's link; it returns nil, nil when there is none.
func (c *Client) GetLink(ctx context.Context) (*Link, error) {
	l, err := c.partner(ctx, "read the partner link", http.MethodGet, "")
	if IsNotLinked(err) {
		return nil, nil
	}
	return l, err
}

// CreateLink links the caller to partnerID (PUT).
func (c *Client) CreateLink(ctx context.Context, partnerID string) (*Link, error) {
	return c.partner(ctx, "link partner ID "+partnerID, http.MethodPut, partnerID)
}

// UpdateLink moves the caller's existing link to partnerID (PATCH).
func (c *Client) UpdateLink(ctx context.Context, partnerID string) (*Link, error) {
	return c.partner(ctx, "move the link to partner ID "+partnerID, http.MethodPatch, partnerID)
}

// DeleteLink removes the caller's link to partnerID.
func (c *Client) DeleteLink(ctx context.Context, partnerID string) error {
	_, err := c.partner(ctx, "remove the link to partner ID "+partnerID, http.MethodDelete, partnerID)
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
	var out []Tenant
	u := "https://" + cloud.ARMHost + "/tenants?api-version=" + TenantsAPIVersion
	err := rest.Each(ctx, c.c, "list directories", u, nil, func(page []Tenant) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}
