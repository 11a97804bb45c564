package root

import (
	"context"
	"slices"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/attribution"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	attr "github.com/palwiz/palwiz/steps/attribution"
)

func TestNewCmdCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		format    output.Format
		scan      attr.ScanOptions
		tenant    string

		linkedObject, linkedUPN string
		wantErr                 string
	}{
		{name: "everything", format: output.Table},
		{name: "products and environments", cli: "--product canvas-app,flow -p datasets -e 'Contoso Production' --environment ' Contoso Sales '",
			format: output.Table, scan: attr.ScanOptions{Products: []attr.Product{attr.CanvasApp, attr.CloudFlow, attr.Dataset},
				Environments: []string{"Contoso Production", "Contoso Sales"}}},
		{name: "markdown, production only", cli: "-o md --production-only --tenant contoso.onmicrosoft.com", format: output.Markdown,
			scan: attr.ScanOptions{SkipNonProduction: true}, tenant: "contoso.onmicrosoft.com"},
		{name: "another identity", cli: "--linked-object-id 5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101 --linked-upn pal@contoso.example -o csv", format: output.CSV,
			linkedObject: "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", linkedUPN: "pal@contoso.example"},
		{name: "unknown product", cli: "--product sharepoint", wantErr: `--product: "sharepoint" is not a product`},
		{name: "UPN alone", cli: "--linked-upn a@b.example", wantErr: "--linked-upn needs --linked-object-id"},
		{name: "object ID not a GUID", cli: "--linked-object-id pal-service", wantErr: "is not an object ID"},
		{name: "yaml", cli: "-o yaml", wantErr: "use table, json, csv or md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *attribution.CheckOptions
			err := cmdtest.Exec(f, attribution.NewCmdCheck(f, func(_ context.Context, o *attribution.CheckOptions) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Format != tt.format || !slices.Equal(got.Scan.Products, tt.scan.Products) || !slices.Equal(got.Scan.Environments, tt.scan.Environments) ||
				got.Scan.SkipNonProduction != tt.scan.SkipNonProduction || got.Flags.LinkedObjectID != tt.linkedObject ||
				got.Flags.LinkedUPN != tt.linkedUPN || got.Flags.Tenant.Value != tt.tenant || got.Scan.FlowCoOwners {
				t.Fatalf("options %+v %+v", got.Format, got.Scan)
			}
		})
	}
}

func TestNewCmdFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli  string
		tty        bool
		apply, yes bool
		fix        attr.FixOptions
		delivered  bool
		format     output.Format
		wantErr    string
	}{
		{name: "plan", format: output.Table, fix: attr.FixOptions{CanvasApp: attr.CanvasCoOwner, PreviousOwnerRole: "CanEdit"}},
		{name: "plan as csv", cli: "-o csv", format: output.CSV, fix: attr.FixOptions{CanvasApp: attr.CanvasCoOwner, PreviousOwnerRole: "CanEdit"}},
		{name: "apply at a terminal", cli: "--apply", tty: true, apply: true, format: output.Table, fix: attr.FixOptions{CanvasApp: attr.CanvasCoOwner, PreviousOwnerRole: "CanEdit"}},
		{name: "apply with yes", cli: "--apply --yes --canvas owner --previous-owner CanView --delivered 'publisher=Fabrikam Consulting' --delivered 'Visit Booking'", apply: true, yes: true, format: output.Table,
			fix: attr.FixOptions{CanvasApp: attr.CanvasOwner, PreviousOwnerRole: "CanView"}, delivered: true},
		{name: "deprecated --include-default still parses", cli: "--include-default", format: output.Table, fix: attr.FixOptions{CanvasApp: attr.CanvasCoOwner, PreviousOwnerRole: "CanEdit"}},
		{name: "bad delivered mark", cli: "--delivered 'publisher='", wantErr: "--delivered"},
		{name: "apply without a terminal", cli: "--apply", wantErr: "pass --yes to confirm when palwiz cannot ask"},
		{name: "bad canvas fix", cli: "--canvas steal", wantErr: "use --canvas co-owner|owner"},
		{name: "bad previous role", cli: "--canvas owner --previous-owner Owner", wantErr: "CanEdit|CanView"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, tt.tty, nil)
			var got *attribution.FixOptions
			err := cmdtest.Exec(f, attribution.NewCmdFix(f, func(_ context.Context, o *attribution.FixOptions) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Apply != tt.apply || got.Yes != tt.yes || got.Format != tt.format || got.Fix.CanvasApp != tt.fix.CanvasApp ||
				got.Fix.PreviousOwnerRole != tt.fix.PreviousOwnerRole || got.Fix.Delivered.Empty() == tt.delivered || !got.Scan.FlowCoOwners {
				t.Fatalf("options apply=%v yes=%v %s %+v", got.Apply, got.Yes, got.Format, got.Fix)
			}
		})
	}
}
