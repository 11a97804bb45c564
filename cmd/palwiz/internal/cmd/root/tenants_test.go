package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/tenants"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdTenants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli, use string
		format         output.Format
		wantErr        string
	}{
		{name: "list", format: output.Table},
		{name: "csv", cli: "-o csv", format: output.CSV},
		{name: "use", cli: "--use northwind.onmicrosoft.com", use: "northwind.onmicrosoft.com", format: output.Table},
		{name: "use empty", cli: "--use ''", wantErr: "--use needs a directory"},
		{name: "md", cli: "-o md", wantErr: "not a format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *tenants.Options
			err := cmdtest.Exec(f, tenants.NewCmdTenants(f, func(_ context.Context, o *tenants.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Use != tt.use || got.Format != tt.format {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}
