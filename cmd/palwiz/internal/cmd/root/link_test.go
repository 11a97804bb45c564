package root

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/link"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

func TestNewCmdLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cli     string
		want    link.Options
		wantErr string
		usage   bool
	}{
		{name: "partner ID", cli: "--partner-id 4977985", want: link.Options{PartnerID: "4977985", Format: output.Table}},
		{name: "spaces trimmed", cli: "--partner-id ' 4977985 '", want: link.Options{PartnerID: "4977985", Format: output.Table}},
		{name: "short ID warns", cli: "--partner-id 12345", want: link.Options{PartnerID: "12345", Format: output.Table,
			Warning: "12345 has 5 digits; Partner Location IDs have 7. " + steps.LocationIDExplainer}},
		{name: "force and tenant", cli: "--partner-id 4977986 --force --tenant contoso.onmicrosoft.com -o json",
			want: link.Options{PartnerID: "4977986", Force: true, Format: output.JSON, Tenant: cmdutil.TenantFlag{Value: "contoso.onmicrosoft.com"}}},
		{name: "yes", cli: "--partner-id 4977985 --yes", want: link.Options{PartnerID: "4977985", Yes: true, Format: output.Table}},
		{name: "-y with all tenants", cli: "--partner-id 4977985 -y --all-tenants", want: link.Options{PartnerID: "4977985", Yes: true, Fleet: cmdutil.FleetFlags{AllTenants: true}, Format: output.Table}},
		{name: "all tenants as csv", cli: "--partner-id 4977985 --all-tenants -o csv", want: link.Options{PartnerID: "4977985", Fleet: cmdutil.FleetFlags{AllTenants: true}, Format: output.CSV}},
		{name: "no partner ID", cli: "", wantErr: "No partner ID given: pass --partner-id with your Partner Location ID (usually 7 digits)", usage: true},
		{name: "letters", cli: "--partner-id 12ab", wantErr: `"12ab" is not a partner ID`, usage: true},
		{name: "tenant and all tenants", cli: "--partner-id 4977985 --tenant x --all-tenants", wantErr: "--tenant, --all-tenants and --tenants-file cannot be used together", usage: true},
		{name: "markdown is not offered", cli: "--partner-id 4977985 -o md", wantErr: `--output "md" is not a format of this command: use table, json or csv`, usage: true},
		{name: "arguments", cli: "4977985", wantErr: "palwiz link takes no arguments", usage: true},
		{name: "unknown flag", cli: "--partner 4977985", wantErr: "unknown flag: --partner", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *link.Options
			cmd := link.NewCmdLink(f, func(_ context.Context, o *link.Options) error { got = o; return nil })
			err := cmdtest.Exec(f, cmd, tt.cli)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if cmdutil.IsUsage(err) != tt.usage {
					t.Fatalf("usage error: %v, want %v", cmdutil.IsUsage(err), tt.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.PartnerID != tt.want.PartnerID || got.Warning != tt.want.Warning || got.Force != tt.want.Force ||
				got.Fleet.AllTenants != tt.want.Fleet.AllTenants || got.Yes != tt.want.Yes || got.Format != tt.want.Format || got.Tenant != tt.want.Tenant {
				t.Fatalf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}
