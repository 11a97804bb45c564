// Package graph is the small part of Microsoft Graph palwiz uses: who the
// signed-in identity is in a directory, and creating a dedicated service
// principal (application, service principal, password).
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/palwiz/palwiz/azure/cloud"
)

const base = "https://" + cloud.GraphHost + "/v1.0"

// Client calls Microsoft Graph as one identity in one directory.
type Client struct{ pl runtime.Pipeline }

// New builds a Graph client on the cloud's transport.
func New(cred azcore.TokenCredential, c *cloud.Cloud) *Client {
	opts := &policy.ClientOptions{Transport: c.HTTP, Retry: policy.RetryOptions{MaxRetries: 3, TryTimeout: 30 * time.Second},
		Telemetry: policy.TelemetryOptions{ApplicationID: "palwiz"}}
	bearer := runtime.NewBearerTokenPolicy(cred, []string{cloud.GraphScope}, nil)
	pl := runtime.NewPipeline("palwiz/graph", "v0.1.0", runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}}, opts)
	return &Client{pl: pl}
}

// Error is a failed Graph call.
type Error struct {
	Op      string
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (%s, HTTP %d)", e.Op, e.Message, e.Code, e.Status)
}

// IsStatus reports whether err is a Graph error with that HTTP status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

func (c *Client) call(ctx context.Context, op, method, path string, body, out any) error {
	req, err := runtime.NewRequest(ctx, method, base+path)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		b, _ := json.Marshal(body)
		if err := req.SetBody(streamingNopCloser(b), "application/json"); err != nil {
			return err
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", op, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Op: op, Status: resp.StatusCode}
		var eb struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &eb) == nil {
			e.Code, e.Message = eb.Error.Code, eb.Error.Message
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: the answer is not valid JSON: %w", op, err)
		}
	}
	return nil
}

func streamingNopCloser(b []byte) io.ReadSeekCloser { return nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// User is a person's object in a directory.
type User struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	UserType          string `json:"userType"`
	AccountEnabled    *bool  `json:"accountEnabled,omitempty"`
}

// Me returns the signed-in person as the directory sees them.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	err := c.call(ctx, "read the signed-in user", http.MethodGet, "/me?$select=id,displayName,userPrincipalName,mail,userType,accountEnabled", nil, &u)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Organization is the directory itself.
type Organization struct {
	ID              string `json:"id"`
	DisplayName     string `json:"displayName"`
	VerifiedDomains []struct {
		Name      string `json:"name"`
		IsDefault bool   `json:"isDefault"`
	} `json:"verifiedDomains"`
}

// DefaultDomain is the directory's default domain.
func (o *Organization) DefaultDomain() string {
	for _, d := range o.VerifiedDomains {
		if d.IsDefault {
			return d.Name
		}
	}
	if len(o.VerifiedDomains) > 0 {
		return o.VerifiedDomains[0].Name
	}
	return ""
}

// Organization reads the directory's name and domains.
func (c *Client) Organization(ctx context.Context) (*Organization, error) {
	var out struct {
		Value []Organization `json:"value"`
	}
	if err := c.call(ctx, "read the directory", http.MethodGet, "/organization?$select=id,displayName,verifiedDomains", nil, &out); err != nil {
		return nil, err
	}
	if len(out.Value) == 0 {
		return nil, errors.New("read the directory: Graph returned no organization")
	}
	return &out.Value[0], nil
}

// ServicePrincipal is an application's identity in the directory.
type ServicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
}

// ServicePrincipalByAppID looks a service principal up by its app ID.
func (c *Client) ServicePrincipalByAppID(ctx context.Context, appID string) (*ServicePrincipal, error) {
	var sp ServicePrincipal
	if err := c.call(ctx, "read the service principal", http.MethodGet, "/servicePrincipals(appId='"+url.PathEscape(appID)+"')", nil, &sp); err != nil {
		return nil, err
	}
	return &sp, nil
}

// Application is an app registration.
type Application struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
}

// CreateApplication registers an application.
func (c *Client) CreateApplication(ctx context.Context, name string) (*Application, error) {
	var a Application
	if err := c.call(ctx, "create the application", http.MethodPost, "/applications", map[string]any{"displayName": name, "signInAudience": "AzureADMyOrg"}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateServicePrincipal creates the application's service principal.
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string) (*ServicePrincipal, error) {
	var sp ServicePrincipal
	if err := c.call(ctx, "create the service principal", http.MethodPost, "/servicePrincipals", map[string]any{"appId": appID}, &sp); err != nil {
		return nil, err
	}
	return &sp, nil
}

// Password is a new client secret; SecretText is shown once and never stored by palwiz.
type Password struct {
	SecretText  string    `json:"secretText"`
	KeyID       string    `json:"keyId"`
	EndDateTime time.Time `json:"endDateTime"`
}

// AddPassword adds a client secret to the application (object ID).
func (c *Client) AddPassword(ctx context.Context, appObjectID, name string, end time.Time) (*Password, error) {
	var p Password
	body := map[string]any{"passwordCredential": map[string]any{"displayName": name, "endDateTime": end.UTC().Format(time.RFC3339)}}
	if err := c.call(ctx, "add a client secret", http.MethodPost, "/applications/"+url.PathEscape(appObjectID)+"/addPassword", body, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
