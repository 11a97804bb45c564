package powerbi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

const (
	contoso    = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	salesGroup = "d1e0c0de-0000-4000-8000-000000000601"
	targets    = "d1e5c0de-0000-4000-8000-000000000602"
	serviceUPN = "pal-service@contoso.onmicrosoft.com"
	execGroup  = "d1e0c0de-0000-4000-8000-000000000603"
)

// client signs the demo's dedicated service account in (a device code the
// simulator approves) and returns a Power BI client for it.
func client(t *testing.T) *powerbi.Client {
	t.Helper()
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, serviceUPN, "")
	return powerbi.New(w.Session.Credential(contoso), w.Cloud, rest.Options{RetryDelay: time.Millisecond})
}

func TestWorkspacesDatasetsTakeOver(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	var groups []powerbi.Group
	if err := c.Groups(ctx, func(p []powerbi.Group) error { groups = append(groups, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("workspaces %+v, want the two the account is a member of", groups)
	}
	ds, err := c.Datasets(ctx, salesGroup)
	if err != nil || len(ds) != 3 {
		t.Fatalf("datasets %+v %v", ds, err)
	}
	before, err := c.Dataset(ctx, salesGroup, targets)
	if err != nil || before.ConfiguredBy != "megan.bowen@contoso.onmicrosoft.com" {
		t.Fatalf("before: %+v %v", before, err)
	}
	if err := c.TakeOver(ctx, salesGroup, targets); err != nil {
		t.Fatal(err)
	}
	after, err := c.Dataset(ctx, salesGroup, targets)
	if err != nil || after.ConfiguredBy != serviceUPN {
		t.Errorf("after TakeOver: %+v %v", after, err)
	}
	_, err = c.Datasets(ctx, execGroup)
	var re *rest.Error
	if !errors.As(err, &re) || re.Status != 401 || re.Code != "PowerBINotAuthorizedException" || re.RequestID == "" {
		t.Errorf("a workspace the account is not in: %#v", err)
	}
}
