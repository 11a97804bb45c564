package powerplatform_test

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// A solution-aware flow's primary owner is its workflow's ownerid: it can
// be changed (PATCH ownerid); its creator cannot.
func TestWorkflowOwner(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	dv, err := powerplatform.NewDataverse(f.cred, f.cloud, "https://contosoprod.crm.dynamics.com/", "https://contosoprod.api.crm.dynamics.com", 0, fast)
	if err != nil {
		t.Fatal(err)
	}
	const digest, route = "d1f0c0de-0000-4000-8000-000000000206", "d1f0c0de-0000-4000-8000-000000000207"
	svc, err := dv.UserByObjectID(ctx, serviceOID)
	if err != nil || svc == nil {
		t.Fatalf("the service account's systemuser: %+v %v", svc, err)
	}
	w, err := dv.GetWorkflow(ctx, digest)
	if err != nil || !powerplatform.SameID(w.Owner, svc.ID) || powerplatform.SameID(w.CreatedBy, svc.ID) || w.Name != "Weekly inspection digest" {
		t.Fatalf("owned, not created, by the service account: %+v %v", w, err)
	}
	before, err := dv.GetWorkflow(ctx, route)
	if err != nil || powerplatform.SameID(before.Owner, svc.ID) {
		t.Fatalf("before: %+v %v", before, err)
	}
	if err := dv.AssignWorkflow(ctx, route, svc.ID); err != nil {
		t.Fatal(err)
	}
	after, err := dv.GetWorkflow(ctx, route)
	if err != nil || !powerplatform.SameID(after.Owner, svc.ID) || after.CreatedBy != before.CreatedBy {
		t.Errorf("after: %+v %v (the owner changes, the creator stays)", after, err)
	}
	if err := dv.AssignWorkflow(ctx, "not-a-guid", svc.ID); err == nil {
		t.Error("a bad flow ID was sent")
	}
}
