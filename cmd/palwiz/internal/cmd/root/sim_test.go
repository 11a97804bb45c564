package root

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
)

func TestNewCmdSim(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name":"x","tenants":[{"id":"nope"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cli        string
		listen, scenario string
		format           output.Format
		wantErr          string
	}{
		{name: "defaults", listen: "127.0.0.1:0", scenario: "demo", format: output.Table},
		{name: "json, fixed address", cli: "-o json --listen 127.0.0.1:8443 --ca-out " + filepath.Join(dir, "ca.pem"), listen: "127.0.0.1:8443", scenario: "demo", format: output.JSON},
		{name: "scenario file", cli: "--scenario " + bad, listen: "127.0.0.1:0", scenario: bad, format: output.Table},
		{name: "csv", cli: "-o csv", wantErr: "use table or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *sim.Options
			err := cmdtest.Exec(f, sim.NewCmdSim(f, func(_ context.Context, o *sim.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Listen != tt.listen || got.Scenario != tt.scenario || got.Format != tt.format {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}
