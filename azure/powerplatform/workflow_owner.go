package powerplatform

import (
	"context"
	"errors"
	"net/url"

	"github.com/palwiz/palwiz/azure/rest"
)

const workflowSelect = "workflowid,name,_createdby_value,_ownerid_value,ismanaged,solutionid,statecode"

// GetWorkflow reads one flow stored in Dataverse.
func (d *Dataverse) GetWorkflow(ctx context.Context, id string) (Workflow, error) {
	var w Workflow
	err := d.c.Do(ctx, rest.Request{Op: "read flow " + id, URL: d.url("workflows("+id+")", url.Values{"$select": {workflowSelect}}), Header: d.header}, &w)
	return w, err
}

// AssignWorkflow makes a systemuser (a user or a service principal's
// application user) the primary owner of a solution-aware flow: the
// documented PATCH of ownerid. The creator does not change; Power Automate
// keeps the previous owner as a co-owner.
func (d *Dataverse) AssignWorkflow(ctx context.Context, workflowID, systemUserID string) error {
	if !isGUID(workflowID) || !isGUID(systemUserID) {
		return errors.New("a flow and a systemuser are named by GUIDs")
	}
	return d.assign(ctx, "change the owner of flow "+workflowID, "workflows("+workflowID+")", systemUserID)
}
