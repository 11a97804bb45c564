package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/status"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		format    output.Format
		tenant    string
		all       bool
		wantErr   string
		usage     bool
	}{
		{name: "defaults", format: output.Table},
		{name: "tenant", cli: "--tenant 'Contoso Ltd'", format: output.Table, tenant: "Contoso Ltd"},
		{name: "all tenants csv", cli: "--all-tenants -o csv", format: output.CSV, all: true},
		{name: "json", cli: "--output=json", format: output.JSON},
		{name: "format case", cli: "-o JSON", format: output.JSON},
		{name: "both scopes", cli: "--tenant x --all-tenants", wantErr: "cannot be used together", usage: true},
		{name: "md", cli: "-o md", wantErr: `"md" is not a format of this command`, usage: true},
		{name: "xml", cli: "-o xml", wantErr: `use table, json or csv`, usage: true},
		{name: "tenant without value", cli: "--tenant", wantErr: "flag needs an argument: --tenant", usage: true},
		{name: "argument", cli: "contoso", wantErr: "takes no arguments", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *status.Options
			err := cmdtest.Exec(f, status.NewCmdStatus(f, func(_ context.Context, o *status.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, tt.usage) {
				return
			}
			if got.Format != tt.format || got.Tenant.Value != tt.tenant || got.Fleet.AllTenants != tt.all {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}
