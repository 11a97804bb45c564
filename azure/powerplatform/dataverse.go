package powerplatform

import (
	"context"
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

// Dataverse reads one organisation's Web API.
type Dataverse struct {
	c        *rest.Client
	base     string
	pageSize int
	header   http.Header
}

// NewDataverse returns a client for the organisation at instanceAPIURL
// (https://{org}.api.crm.dynamics.com). The token is asked for the
// organisation's own URL (instanceURL, or the API URL when that is empty).
// pageSize is the Prefer: odata.maxpagesize asked for (default and maximum 5000).
func NewDataverse(cred azcore.TokenCredential, c *cloud.Cloud, instanceURL, instanceAPIURL string, pageSize int, o rest.Options) (*Dataverse, error) {
	api := strings.TrimSuffix(instanceAPIURL, "/")
	if api == "" {
		api = strings.TrimSuffix(instanceURL, "/")
	}
	u, err := url.Parse(api)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the Dataverse URL %q is not an https:// URL", api)
	}
	scopeURL := instanceURL
	if scopeURL == "" {
		scopeURL = api
	}
	if pageSize <= 0 || pageSize > DataverseMaxPageSize {
		pageSize = DataverseMaxPageSize
	}
	h := http.Header{}
	h.Set("Prefer", preferFormattedAndPage+strconv.Itoa(pageSize))
	h.Set("OData-MaxVersion", "4.0")
	h.Set("OData-Version", "4.0")
	return &Dataverse{c: rest.New(ServiceDataverse, cloud.DataverseScope(scopeURL), cred, c, o), base: api + DataverseAPIPath, pageSize: pageSize, header: h}, nil
}

// Host is the organisation's API host name.
func (d *Dataverse) Host() string {
	u, _ := url.Parse(d.base)
	return u.Host
}

func (d *Dataverse) url(set string, q url.Values) string {
	s := d.base + set
	if len(q) > 0 {
		// Dataverse reads OData options with literal $, spaces as %20.
		s += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	return s
}

// list follows a query's pages and hands fn a page at a time (fn must not
// keep the slice). Rows are read by their json tags in one pass (rest.Tagged).
func list[T any](ctx context.Context, d *Dataverse, op, set string, q url.Values, fn func([]T) error) error {
	scan, err := rest.Tagged[T]()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return rest.EachItems(ctx, d.c, op, d.url(set, q), d.header, scan, fn)
}

// SystemUser is a user of the organisation.
type SystemUser struct {
	ID            string `json:"systemuserid"`
	FullName      string `json:"fullname"`
	DomainName    string `json:"domainname"`
	ObjectID      string `json:"azureactivedirectoryobjectid"`
	ApplicationID string `json:"applicationid"`
	IsDisabled    bool   `json:"isdisabled"`
}

// Users lists the organisation's users, a page at a time.
func (d *Dataverse) Users(ctx context.Context, fn func([]SystemUser) error) error {
	q := url.Values{"$select": {"systemuserid,fullname,domainname,azureactivedirectoryobjectid,applicationid,isdisabled"}}
	return list(ctx, d, "list the Dataverse users", "systemusers", q, fn)
}

// UserByObjectID finds the organisation's user for an Entra object ID; it
// returns nil, nil when there is none.
func (d *Dataverse) UserByObjectID(ctx context.Context, objectID string) (*SystemUser, error) {
	if !isGUID(objectID) {
		return nil, fmt.Errorf("%q is not an object ID", objectID)
	}
	q := url.Values{"$select": {"systemuserid,fullname,domainname,azureactivedirectoryobjectid,applicationid,isdisabled"},
		"$filter": {"azureactivedirectoryobjectid eq " + objectID}}
	var found *SystemUser
	err := list[SystemUser](ctx, d, "find the Dataverse user of object "+objectID, "systemusers", q, func(page []SystemUser) error {
		if len(page) > 0 && found == nil {
			u := page[0]
			found = &u
		}
		return nil
	})
	return found, err
}

// AppModule is a model-driven app. CreatedBy is the systemuser that created it.
type AppModule struct {
	ID            string `json:"appmoduleid"`
	Name          string `json:"name"`
	UniqueName    string `json:"uniquename"`
	CreatedBy     string `json:"_createdby_value" rest:"intern"`
	CreatedByName string `json:"_createdby_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	IsManaged     bool   `json:"ismanaged"`
	SolutionID    string `json:"solutionid" rest:"intern"`
}

// AppModules lists the model-driven apps, a page at a time.
func (d *Dataverse) AppModules(ctx context.Context, fn func([]AppModule) error) error {
	q := url.Values{"$select": {"appmoduleid,name,uniquename,_createdby_value,ismanaged,solutionid"}}
	return list(ctx, d, "list the model-driven apps", "appmodules", q, fn)
}

// Bot is a Copilot Studio bot.
type Bot struct {
	ID            string `json:"botid"`
	Name          string `json:"name"`
	CreatedBy     string `json:"_createdby_value" rest:"intern"`
	CreatedByName string `json:"_createdby_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	Owner         string `json:"_ownerid_value" rest:"intern"`
	OwnerName     string `json:"_ownerid_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	IsManaged     bool   `json:"ismanaged"`
	SolutionID    string `json:"solutionid" rest:"intern"`
}

const botSelect = "botid,name,_createdby_value,_ownerid_value,ismanaged,solutionid"

// Bots lists the Copilot Studio bots, a page at a time.
func (d *Dataverse) Bots(ctx context.Context, fn func([]Bot) error) error {
	return list(ctx, d, "list the Copilot Studio bots", "bots", url.Values{"$select": {botSelect}}, fn)
}

// GetBot reads one bot.
func (d *Dataverse) GetBot(ctx context.Context, id string) (Bot, error) {
	var b Bot
	err := d.c.Do(ctx, rest.Request{Op: "read bot " + id, URL: d.url("bots("+id+")", url.Values{"$select": {botSelect}}), Header: d.header}, &b)
	return b, err
}

// AssignBot makes a systemuser the bot's owner (the Assign message). The
// creator does not change.
func (d *Dataverse) AssignBot(ctx context.Context, botID, systemUserID string) error {
	if !isGUID(botID) || !isGUID(systemUserID) {
		return errors.New("a bot and a systemuser are named by GUIDs")
	}
	return d.assign(ctx, "change the owner of bot "+botID, "bots("+botID+")", systemUserID)
}

// assign makes a systemuser the owner of a record (entity set and key,
// "bots(…)"): a PATCH of ownerid, not safe to repeat.
func (d *Dataverse) assign(ctx context.Context, op, record, systemUserID string) error {
	h := http.Header{}
	h.Set("If-Match", "*")
	h.Set("OData-MaxVersion", "4.0")
	h.Set("OData-Version", "4.0")
	return d.c.Do(ctx, rest.Request{Op: op, Method: http.MethodPatch, Write: true, URL: d.url(record, nil), Header: h,
		OK: []int{http.StatusNoContent, http.StatusOK}, Body: map[string]string{"ownerid@odata.bind": "/systemusers(" + systemUserID + ")"}}, nil)
}

// Workflow is a cloud flow stored in Dataverse (workflow, category 5): the
// flows in solutions.
type Workflow struct {
	ID            string `json:"workflowid"`
	Name          string `json:"name"`
	CreatedBy     string `json:"_createdby_value" rest:"intern"`
	CreatedByName string `json:"_createdby_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	Owner         string `json:"_ownerid_value" rest:"intern"`
	OwnerName     string `json:"_ownerid_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	IsManaged     bool   `json:"ismanaged"`
	SolutionID    string `json:"solutionid" rest:"intern"`
	StateCode     int    `json:"statecode"`
}

// CloudFlows lists the organisation's cloud flows (category 5), a page at a time.
func (d *Dataverse) CloudFlows(ctx context.Context, fn func([]Workflow) error) error {
	q := url.Values{"$select": {"workflowid,name,_createdby_value,_ownerid_value,ismanaged,solutionid,statecode"}, "$filter": {"category eq 5"}}
	return list(ctx, d, "list the flows stored in Dataverse", "workflows", q, fn)
}

// Solution is a solution of the organisation.
type Solution struct {
	ID            string `json:"solutionid"`
	UniqueName    string `json:"uniquename"`
	FriendlyName  string `json:"friendlyname"`
	Version       string `json:"version"`
	IsManaged     bool   `json:"ismanaged"`
	InstalledOn   string `json:"installedon"`
	CreatedBy     string `json:"_createdby_value" rest:"intern"`
	CreatedByName string `json:"_createdby_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
	Publisher     string `json:"_publisherid_value" rest:"intern"`
	PublisherName string `json:"_publisherid_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
}

// ManagedSolutions lists the visible managed solutions, a page at a time.
func (d *Dataverse) ManagedSolutions(ctx context.Context, fn func([]Solution) error) error {
	q := url.Values{"$select": {"solutionid,uniquename,friendlyname,version,ismanaged,installedon,_createdby_value,_publisherid_value"},
		"$filter": {"ismanaged eq true and isvisible eq true"}}
	return list(ctx, d, "list the managed solutions", "solutions", q, fn)
}

// ImportJob is one solution import: CreatedBy is who ran it.
type ImportJob struct {
	ID            string  `json:"importjobid"`
	SolutionName  string  `json:"solutionname" rest:"intern"`
	SolutionID    string  `json:"solutionid" rest:"intern"`
	StartedOn     string  `json:"startedon"`
	CompletedOn   string  `json:"completedon"`
	Progress      float64 `json:"progress"`
	CreatedBy     string  `json:"_createdby_value" rest:"intern"`
	CreatedByName string  `json:"_createdby_value@OData.Community.Display.V1.FormattedValue" rest:"intern"`
}

// Completed is when the job ended (zero while it runs).
func (j ImportJob) Completed() time.Time { return parseTime(j.CompletedOn) }

// Succeeded reports whether the import finished: it completed at 100%.
// (The job's data XML holds the detailed result; palwiz does not read it.)
func (j ImportJob) Succeeded() bool { return !j.Completed().IsZero() && j.Progress >= 100 }

// ImportJobs lists the import jobs, most recently completed first, a page at a time.
func (d *Dataverse) ImportJobs(ctx context.Context, fn func([]ImportJob) error) error {
	q := url.Values{"$select": {"importjobid,solutionname,solutionid,startedon,completedon,progress,_createdby_value"}, "$orderby": {"completedon desc"}}
	return list(ctx, d, "list the solution import jobs", "importjobs", q, fn)
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// SameID compares object IDs and GUIDs as the services do (case-insensitively).
func SameID(a, b string) bool { return sameID(a, b) }

// CustomerInsightsTable is the Dataverse table Customer Insights - Data
// writes its unified customer profiles to ("Dataverse APIs for Customer
// Insights - Data"); an organisation that has it hosts an instance.
const CustomerInsightsTable = "msdynci_customerprofile"

// HasTable reports whether the organisation has the table with this logical
// name, from its metadata (EntityDefinitions); no row of it is read.
func (d *Dataverse) HasTable(ctx context.Context, logicalName string) (bool, error) {
	for _, r := range logicalName {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false, fmt.Errorf("%q is not a table's logical name", logicalName)
		}
	}
	var def struct {
		LogicalName string `json:"LogicalName"`
	}
	err := d.c.Do(ctx, rest.Request{Op: "look for the " + logicalName + " table",
		URL: d.url("EntityDefinitions(LogicalName='"+logicalName+"')", url.Values{"$select": {"LogicalName"}}), Header: d.header}, &def)
	if rest.IsStatus(err, http.StatusNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.EqualFold(def.LogicalName, logicalName), nil
}
