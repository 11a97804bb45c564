package powerbi

import (
	"context"
	"net/url"

	"github.com/palwiz/palwiz/azure/rest"
)

// Report is a workspace's report. A report published from Power BI Desktop
// (IsFromPbix) is created with its dataset by the account that published
// both; IsOwnedByMe says whether that is the caller.
type Report struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DatasetID   string `json:"datasetId"`
	IsFromPbix  bool   `json:"isFromPbix"`
	IsOwnedByMe bool   `json:"isOwnedByMe"`
	WebURL      string `json:"webUrl"`
}

// Reports lists a workspace's reports (GET groups/{id}/reports; not paged).
func (c *Client) Reports(ctx context.Context, groupID string) ([]Report, error) {
	var page struct {
		Value []Report `json:"value"`
	}
	u := base + "/groups/" + url.PathEscape(groupID) + "/reports"
	if err := c.c.Do(ctx, rest.Request{Op: "list the reports of workspace " + groupID, URL: u}, &page); err != nil {
		return nil, err
	}
	return page.Value, nil
}
