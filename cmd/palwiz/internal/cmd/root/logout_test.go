package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/logout"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdLogout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		all       bool
		format    output.Format
		wantErr   string
	}{
		{name: "this account", format: output.Table},
		{name: "all as json", cli: "--all -o json", all: true, format: output.JSON},
		{name: "xml", cli: "-o xml", wantErr: "not a format of this command"},
		{name: "argument", cli: "everything", wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *logout.Options
			err := cmdtest.Exec(f, logout.NewCmdLogout(f, func(_ context.Context, o *logout.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.All != tt.all || got.Format != tt.format {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}
