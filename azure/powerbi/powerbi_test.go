package powerbi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/cloud"
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

// Datasets are read by their json tags with rest.Tagged (the list) and with
// encoding/json (Dataset): both read the Power BI swagger's example and the
// simulator's answer alike.
func TestDatasetDecodings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "specs", "powerplatform", "powerbi_datasets_in_group_example.json"))
	if err != nil {
		t.Fatalf("%v: the example comes from testdata/specs at the repository root", err)
	}
	var ex struct {
		Responses struct {
			OK struct {
				Body rest.Page[json.RawMessage] `json:"body"`
			} `json:"200"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, serviceUPN, "")
	raw := rest.New(powerbi.Service, cloud.PowerBIScope, w.Session.Credential(contoso), w.Cloud, rest.Options{})
	var buf bytes.Buffer
	if err := raw.Fetch(context.Background(), rest.Request{Op: "fetch", URL: "https://api.powerbi.com/v1.0/myorg/groups/" + salesGroup + "/datasets"}, &buf); err != nil {
		t.Fatal(err)
	}
	var answer rest.Page[json.RawMessage]
	if err := json.Unmarshal(buf.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Value) < 2 {
		t.Fatalf("the simulator answered %d datasets", len(answer.Value))
	}
	items := append(ex.Responses.OK.Body.Value, answer.Value...)
	scan, err := rest.Tagged[powerbi.Dataset]()
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		var want, got powerbi.Dataset
		if err := json.Unmarshal(it, &want); err != nil {
			t.Fatal(err)
		}
		if err := scan(rest.NewScanner(it), &got, map[string]string{}); err != nil || got != want || got.ID == "" || got.ConfiguredBy == "" {
			t.Errorf("%s:\nTagged        %+v (%v)\nencoding/json %+v", it, got, err, want)
		}
		if i == 0 && got != (powerbi.Dataset{ID: "cfafbeb1-8037-4d0c-896e-a46fb27ff229", Name: "SalesMarketing", ConfiguredBy: "john@contoso.com"}) {
			t.Errorf("the example reads as %+v", got)
		}
	}
}
