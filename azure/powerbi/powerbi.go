// Package powerbi reads Power BI workspaces and datasets and takes datasets
// over, as a workspace member (api.powerbi.com, token audience
// https://analysis.windows.net/powerbi/api), on an azcore pipeline. It uses
// the member APIs, not the admin ones, whose limits (a few calls a minute per
// tenant) do not suit an interactive scan.
package powerbi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// GroupsPageSize is the $top palwiz asks for when listing workspaces.
const GroupsPageSize = 5000

// Service is the name Power BI errors carry (rest.Error.Service).
const Service = "Power BI"

// Client calls the Power BI REST API.
type Client struct{ c *rest.Client }

// New returns a Power BI client.
func New(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *Client {
	return &Client{c: rest.New(Service, cloud.PowerBIScope, cred, c, o)}
}

// Group is a workspace.
type Group struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	IsReadOnly bool   `json:"isReadOnly"`
}

// Dataset is a dataset (semantic model). ConfiguredBy is its owner: the UPN
// of whoever published it or last took it over.
type Dataset struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ConfiguredBy string `json:"configuredBy" rest:"intern"`
	WebURL       string `json:"webUrl"`
}

const base = "https://" + cloud.PowerBIHost + "/v1.0/myorg"

// Groups lists the workspaces the caller is a member of, a page ($top/$skip) at a time.
func (c *Client) Groups(ctx context.Context, fn func([]Group) error) error {
	for skip := 0; ; skip += GroupsPageSize {
		var page struct {
			Value []Group `json:"value"`
		}
		u := base + "/groups?" + url.Values{"$top": {strconv.Itoa(GroupsPageSize)}, "$skip": {strconv.Itoa(skip)}}.Encode()
		if err := c.c.Do(ctx, rest.Request{Op: "list the Power BI workspaces", URL: u}, &page); err != nil {
			return err
		}
		if err := fn(page.Value); err != nil {
			return err
		}
		if len(page.Value) < GroupsPageSize {
			return nil
		}
	}
}

// Datasets lists a workspace's datasets (the API does not page them, but a
// next link would be followed).
func (c *Client) Datasets(ctx context.Context, groupID string) ([]Dataset, error) {
	op := "list the datasets of workspace " + groupID
	scan, err := rest.Tagged[Dataset]()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []Dataset
	err = rest.EachItems(ctx, c.c, op, base+"/groups/"+url.PathEscape(groupID)+"/datasets", nil, scan, func(page []Dataset) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// Dataset reads one dataset.
func (c *Client) Dataset(ctx context.Context, groupID, datasetID string) (Dataset, error) {
	var d Dataset
	err := c.c.Do(ctx, rest.Request{Op: "read dataset " + datasetID,
		URL: base + "/groups/" + url.PathEscape(groupID) + "/datasets/" + url.PathEscape(datasetID)}, &d)
	return d, err
}

// TakeOver makes the caller the dataset's owner (Default.TakeOver): it
// always goes to whoever is signed in.
func (c *Client) TakeOver(ctx context.Context, groupID, datasetID string) error {
	return c.c.Do(ctx, rest.Request{Op: "take over dataset " + datasetID, Method: http.MethodPost, Write: true,
		URL: base + "/groups/" + url.PathEscape(groupID) + "/datasets/" + url.PathEscape(datasetID) + "/Default.TakeOver"}, nil)
}
