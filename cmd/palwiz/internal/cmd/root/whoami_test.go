package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/whoami"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdWhoami(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		format    output.Format
		kind      string
		wantErr   string
	}{
		{name: "kind", cli: "--kind service-account", format: output.Table, kind: "service-account"},
		{name: "kind in capitals", cli: "--kind Service-Principal -o json", format: output.JSON, kind: "service-principal"},
		{name: "unknown kind", cli: "--kind robot", wantErr: `--kind "robot": use one of service-account, service-principal, user`},
		{name: "table", format: output.Table},
		{name: "json", cli: "-o json", format: output.JSON},
		{name: "csv", cli: "-o csv", format: output.CSV},
		{name: "xml", cli: "-o xml", wantErr: `--output "xml" is not a format of this command: use table, json or csv`},
		{name: "argument", cli: "me", wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *whoami.Options
			err := cmdtest.Exec(f, whoami.NewCmdWhoami(f, func(_ context.Context, o *whoami.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Format != tt.format || got.Kind.Value != tt.kind {
				t.Fatalf("format %s, want %s", got.Format, tt.format)
			}
		})
	}
}
