package powerbi_test

import (
	"context"
	"strings"
	"testing"
)

// The report published with a dataset stays its publisher's: after a take
// over, the new owner's reports list says the report is not its own.
func TestReportsTellPublisherFromTakeOver(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	mine := func() map[string]bool {
		t.Helper()
		rs, err := c.Reports(ctx, salesGroup)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, r := range rs {
			if !r.IsFromPbix || r.DatasetID == "" || r.ID == "" || !strings.HasPrefix(r.WebURL, "https://app.powerbi.com/groups/") {
				t.Errorf("report %+v", r)
			}
			out[r.DatasetID] = r.IsOwnedByMe
		}
		return out
	}
	const pipeline, levels = "d1e5c0de-0000-4000-8000-000000000601", "d1e5c0de-0000-4000-8000-000000000605"
	before := mine()
	if len(before) != 3 || !before[pipeline] || before[targets] || before[levels] {
		t.Fatalf("before: %v (Sales Pipeline is the account's; Regional Targets and Service Levels were published by Megan)", before)
	}
	if err := c.TakeOver(ctx, salesGroup, targets); err != nil {
		t.Fatal(err)
	}
	d, err := c.Dataset(ctx, salesGroup, targets)
	if err != nil || d.ConfiguredBy != serviceUPN {
		t.Fatalf("after the take over: %+v %v", d, err)
	}
	if after := mine(); after[targets] {
		t.Error("a take over made the account the report's publisher")
	}
	if _, err := c.Reports(ctx, execGroup); err == nil {
		t.Error("the reports of a workspace the account is not in were listed")
	}
}
