package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/report"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/status"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/unlink"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/steps/attribution"
)

func TestNewCmdReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		format    string
		out       string
		fleet     cmdutil.FleetFlags
		products  int
		wantErr   string
	}{
		{name: "defaults", format: "md", fleet: cmdutil.FleetFlags{Concurrency: 64}},
		{name: "html to a file", cli: "--format html --out r.html", format: "html", out: "r.html", fleet: cmdutil.FleetFlags{Concurrency: 64}},
		{name: "-o json", cli: "-o json", format: "json", fleet: cmdutil.FleetFlags{Concurrency: 64}},
		{name: "same format twice", cli: "-o json --format JSON", format: "json", fleet: cmdutil.FleetFlags{Concurrency: 64}},
		{name: "fleet", cli: "--tenants-file t.csv --journal j --resume --concurrency 8 -p apps,flows", format: "md", products: 2,
			fleet: cmdutil.FleetFlags{TenantsFile: "t.csv", Journal: "j", Resume: true, Concurrency: 8}},
		{name: "formats disagree", cli: "--format md -o json", wantErr: "disagree"},
		{name: "pdf", cli: "--format pdf", wantErr: "use md, html or json"},
		{name: "csv", cli: "-o csv", wantErr: `"csv" is not a format of this command`},
		{name: "resume without journal", cli: "--all-tenants --resume", wantErr: "--resume needs --journal"},
		{name: "journal for one directory", cli: "--journal j", wantErr: "add --all-tenants or --tenants-file"},
		{name: "two scopes", cli: "--all-tenants --tenants-file t", wantErr: "cannot be used together"},
		{name: "tenant and file", cli: "--tenant x --tenants-file t", wantErr: "cannot be used together"},
		{name: "concurrency", cli: "--all-tenants --concurrency 1000", wantErr: "use 1 to 256"},
		{name: "product", cli: "-p spreadsheets", wantErr: "--product"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *report.Options
			err := cmdtest.Exec(f, report.NewCmdReport(f, func(_ context.Context, o *report.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Format != tt.format || got.Out != tt.out || got.Fleet != tt.fleet || len(got.Products) != tt.products {
				t.Fatalf("options %+v", *got)
			}
			if tt.products > 0 && got.Products[0] != attribution.CanvasApp {
				t.Errorf("products %v", got.Products)
			}
		})
	}
}

func TestNewCmdReportVerify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ cli, wantErr string }{{"r.html", ""}, {"", "takes one file"}, {"a b", "takes one file"}, {"r.json -o csv", "not a format"}} {
		f, _ := cmdtest.Factory(t, false, nil)
		var got *report.VerifyOptions
		err := cmdtest.Exec(f, report.NewCmdVerify(f, func(_ context.Context, o *report.VerifyOptions) error { got = o; return nil }), tt.cli)
		if cmdtest.CheckErr(t, err, tt.wantErr, true) {
			continue
		}
		if got.File != "r.html" {
			t.Errorf("%q: file %q", tt.cli, got.File)
		}
	}
}

func TestFleetFlagsOnStatusAndUnlink(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, false, nil)
	var st *status.Options
	err := cmdtest.Exec(f, status.NewCmdStatus(f, func(_ context.Context, o *status.Options) error { st = o; return nil }), "--tenants-file c.txt --journal j.jsonl")
	if err != nil || st.Fleet.TenantsFile != "c.txt" || st.Fleet.Journal != "j.jsonl" || !st.Fleet.On() {
		t.Fatalf("status: %v %+v", err, st)
	}
	for _, tt := range []struct {
		cli     string
		tty     bool
		wantErr string
	}{
		{cli: "--all-tenants", wantErr: "in every directory named: pass --yes"},
		{cli: "--tenants-file c.txt", wantErr: "pass --yes"},
		{cli: "--all-tenants --yes"},
		{cli: "--all-tenants", tty: true},
		{cli: "--all-tenants --tenant x --yes", wantErr: "cannot be used together"},
	} {
		f, _ := cmdtest.Factory(t, tt.tty, nil)
		var got *unlink.Options
		err := cmdtest.Exec(f, unlink.NewCmdUnlink(f, func(_ context.Context, o *unlink.Options) error { got = o; return nil }), tt.cli)
		if cmdtest.CheckErr(t, err, tt.wantErr, true) {
			continue
		}
		if !got.Fleet.On() {
			t.Errorf("%q: not a fleet run", tt.cli)
		}
	}
}
