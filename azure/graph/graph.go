// Package graph is the small part of Microsoft Graph palwiz uses: who the
// signed-in identity is in a directory, and creating a dedicated service
// principal (application, service principal, password).
package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

const base = "https://" + cloud.GraphHost + "/v1.0"

// Service is the name Graph errors carry (rest.Error.Service).
const Service = "Microsoft Graph"

// Client calls Microsoft Graph as one identity in one directory.
type Client struct{ c *rest.Client }

// New builds a Graph client on the cloud's transport, with the interactive
// defaults (rest.Options.Interactive).
func New(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *Client {
	return &Client{c: rest.New(Service, cloud.GraphScope, cred, c, o.Interactive())}
}

// get reads path into out.
func (c *Client) get(ctx context.Context, op, path string, out any) error {
	return c.c.Do(ctx, rest.Request{Op: op, URL: base + path}, out)
}

// create POSTs body to path and reads the created object into out (201).
// A create is not safe to repeat: it is retried only on 429.
func (c *Client) create(ctx context.Context, op, path string, body, out any) error {
	return c.c.Do(ctx, rest.Request{Op: op, Method: http.MethodPost, URL: base + path, Body: body, Write: true,
		OK: []int{http.StatusOK, http.StatusCreated}}, out)
}

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
	err := c.get(ctx, "read the signed-in user", "/me?$select=id,displayName,userPrincipalName,mail,userType,accountEnabled", &u)
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
	if err := c.get(ctx, "read the directory", "/organization?$select=id,displayName,verifiedDomains", &out); err != nil {
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
	if err := c.get(ctx, "read the service principal", "/servicePrincipals(appId='"+url.PathEscape(appID)+"')", &sp); err != nil {
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
	if err := c.create(ctx, "create the application", "/applications", map[string]any{"displayName": name, "signInAudience": "AzureADMyOrg"}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateServicePrincipal creates the application's service principal.
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string) (*ServicePrincipal, error) {
	var sp ServicePrincipal
	if err := c.create(ctx, "create the service principal", "/servicePrincipals", map[string]any{"appId": appID}, &sp); err != nil {
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
	if err := c.create(ctx, "add a client secret", "/applications/"+url.PathEscape(appObjectID)+"/addPassword", body, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
