package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/unlink"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdUnlink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli string
		tty       bool
		env       map[string]string
		yes       bool
		format    output.Format
		wantErr   string
	}{
		{name: "asks at a terminal", tty: true, format: output.Table},
		{name: "yes without a terminal", cli: "--yes -o json", yes: true, format: output.JSON},
		{name: "-y", cli: "-y --tenant contoso.onmicrosoft.com", yes: true, format: output.Table},
		{name: "no terminal to ask on", wantErr: "pass --yes to confirm when palwiz cannot ask"},
		{name: "--no-prompt at a terminal", cli: "--no-prompt", tty: true, wantErr: "pass --yes"},
		{name: "CI at a terminal", tty: true, env: map[string]string{"CI": "true"}, wantErr: "pass --yes"},
		{name: "md", cli: "--yes -o md", wantErr: `"md" is not a format`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, tt.tty, tt.env)
			var got *unlink.Options
			err := cmdtest.Exec(f, unlink.NewCmdUnlink(f, func(_ context.Context, o *unlink.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Yes != tt.yes || got.Format != tt.format {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}
