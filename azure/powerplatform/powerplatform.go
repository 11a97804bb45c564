// Package powerplatform talks to the Power Platform services palwiz reads
// and changes for attribution, each on its own azcore pipeline with its own
// token audience:
//
//   - BAP (api.bap.microsoft.com, https://service.powerapps.com/): the admin
//     list of environments, with each one's SKU and Dataverse URLs.
//   - Power Apps (api.powerapps.com, same audience): canvas apps with their
//     owner, their permissions, modifyAppOwner and modifyPermissions.
//   - Power Automate (api.flow.microsoft.com, https://service.flow.microsoft.com/):
//     cloud flows with their creator, their owners and modifyPermissions.
//   - Dataverse ({org}.api.crm.dynamics.com, the organisation's own audience):
//     model-driven apps, Copilot Studio bots, flows in solutions, managed
//     solutions, import jobs and systemusers; bot owner changes.
//   - Customer Insights - Data (api.ci.ai.dynamics.com): instances, with an
//     API Management subscription key.
//
// All of them are built on the shared client layer (azure/rest). Lists are
// followed page by page (nextLink with $skiptoken, @odata.nextLink with
// Prefer: odata.maxpagesize) and handed to a callback, so a caller never
// holds more than a page of the service's answer. Each type has one
// mapping from JSON: the canvas apps and flows (and Permission and
// Principal inside them), whose answers are large, are read by single-pass
// scanners, wherever they are decoded; the Dataverse rows by their json
// tags, through rest.Tagged in the lists and encoding/json in single reads
// (tests and fuzz targets hold each scanner to encoding/json); everything
// else by encoding/json. Failures are *rest.Error values carrying the
// service's code and request ID.
package powerplatform

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// Names the services' errors carry (rest.Error.Service).
const (
	ServiceBAP              = "Power Platform admin (BAP)"
	ServicePowerApps        = "Power Apps"
	ServiceFlow             = "Power Automate"
	ServiceDataverse        = "Dataverse"
	ServiceCustomerInsights = "Customer Insights"
)

// API versions palwiz uses.
const (
	BAPAPIVersion         = "2020-10-01"
	AppsAPIVersion        = "2016-11-01"
	AppPermissionsVersion = "2022-11-01"
	FlowAPIVersion        = "2016-11-01"
	DataverseAPIPath      = "/api/data/v9.2/"
	// AppsPageSize is the $top palwiz asks of the Power Apps lists. The
	// service gives up to 250, but a page of 250 canvas apps is ~1.6 MB, more
	// than the page buffers kept for reuse (1 MB): each such page was read
	// into a new buffer that doubled its way up (4 MB allocated, zeroed and
	// copied). Pages of 100 (~650 KB) reuse their buffers; the extra pages
	// stay within the scan's lower bound (docs/performance.md).
	AppsPageSize           = 100
	DataverseMaxPageSize   = 5000
	formattedValue         = "@OData.Community.Display.V1.FormattedValue"
	preferFormattedAndPage = `odata.include-annotations="OData.Community.Display.V1.FormattedValue",odata.maxpagesize=`
)

// Principal is a user, group or service principal as the services name it.
type Principal struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName,omitempty"`
	Email             string `json:"email,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	Type              string `json:"type,omitempty"`
	TenantID          string `json:"tenantId,omitempty"`
}

// Environment is a Power Platform environment from the BAP admin list.
type Environment struct {
	// Name is the environment ID (a GUID or Default-<tenant>).
	Name        string
	DisplayName string
	// SKU is properties.environmentSku: Production, Sandbox, Default, Developer, Trial, Teams…
	SKU       string
	IsDefault bool
	Location  string
	// State is the runtime state: Enabled or Disabled.
	State string
	// InstanceURL and InstanceAPIURL are the Dataverse organisation's URLs ("" without Dataverse).
	InstanceURL    string
	InstanceAPIURL string
	DomainName     string
	CreatedBy      Principal
}

// HasDataverse reports whether the environment has a Dataverse organisation.
func (e Environment) HasDataverse() bool { return e.InstanceAPIURL != "" || e.InstanceURL != "" }

// BAP lists environments as an administrator.
type BAP struct{ c *rest.Client }

// NewBAP returns a BAP client.
func NewBAP(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *BAP {
	return &BAP{c: rest.New(ServiceBAP, cloud.PowerAppsScope, cred, c, o)}
}

type bapEnvironment struct {
	Name       string `json:"name"`
	Location   string `json:"location"`
	Properties struct {
		DisplayName    string    `json:"displayName"`
		EnvironmentSku string    `json:"environmentSku"`
		IsDefault      bool      `json:"isDefault"`
		CreatedBy      Principal `json:"createdBy"`
		States         struct {
			Runtime struct {
				ID string `json:"id"`
			} `json:"runtime"`
		} `json:"states"`
		LinkedEnvironmentMetadata *struct {
			DomainName     string `json:"domainName"`
			InstanceURL    string `json:"instanceUrl"`
			InstanceAPIURL string `json:"instanceApiUrl"`
		} `json:"linkedEnvironmentMetadata"`
	} `json:"properties"`
}

func (b bapEnvironment) env() Environment {
	p := b.Properties
	e := Environment{Name: b.Name, DisplayName: p.DisplayName, SKU: p.EnvironmentSku, IsDefault: p.IsDefault, Location: b.Location,
		State: p.States.Runtime.ID, CreatedBy: p.CreatedBy}
	if e.SKU == "" && e.IsDefault {
		e.SKU = "Default"
	}
	if l := p.LinkedEnvironmentMetadata; l != nil {
		e.InstanceURL, e.InstanceAPIURL, e.DomainName = l.InstanceURL, l.InstanceAPIURL, l.DomainName
	}
	return e
}

// Environments lists every environment the caller administers (all pages).
func (b *BAP) Environments(ctx context.Context) ([]Environment, error) {
	u := "https://" + cloud.BAPHost + "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=" + BAPAPIVersion
	var out []Environment
	err := rest.Each(ctx, b.c, "list the Power Platform environments", u, nil, func(page []bapEnvironment) error {
		for _, e := range page {
			out = append(out, e.env())
		}
		return nil
	})
	return out, err
}

func envPath(provider, env string) string {
	return "/providers/" + provider + "/scopes/admin/environments/" + url.PathEscape(env)
}

func query(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q.Encode()
}

// parseTime reads the services' timestamps: RFC 3339 with up to nine
// fractional digits ("2019-05-08T01:30:30.5325744Z"), or the same without a
// zone, which the services mean as UTC. "" or anything else is the zero time.
func parseTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t
	}
	return time.Time{}
}

// sameID compares object IDs and GUIDs case-insensitively.
func sameID(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
