package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/wizard"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
)

func TestNewCmdDemo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cli  string
		accessible bool
		wantErr    string
	}{
		{name: "demo"},
		{name: "accessible", cli: "--accessible", accessible: true},
		{name: "no data to print", cli: "-o json", wantErr: "this command prints no data"},
		{name: "unknown scenario", cli: "--scenario nosuch", wantErr: "no embedded scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *wizard.DemoOptions
			err := cmdtest.Exec(f, wizard.NewCmdDemo(f, func(_ context.Context, o *wizard.DemoOptions) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Scenario == nil || got.Scenario.Name != "demo" || got.Config.Accessible != tt.accessible {
				t.Fatalf("options %+v", *got)
			}
		})
	}
}

// The demo's accounts come from the scenario's demo roles, not from names.
func TestDemoOptionsFromScenario(t *testing.T) {
	t.Parallel()
	sc, err := sim.LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Demo = &sim.DemoRoles{ServiceAccount: "it-admin@contoso.onmicrosoft.com", PersonalAccount: "ana.lopez@fabrikam.example",
		PartnerID: "4977986", ServicePrincipal: "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601"}
	s, err := sim.Start(context.Background(), sim.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := wizard.Demo(s)
	if d.ApproveAs != "it-admin@contoso.onmicrosoft.com" || d.PersonalAs != "ana.lopez@fabrikam.example" || d.PartnerID != "4977986" {
		t.Fatalf("demo accounts %+v", d)
	}
	if d.ServicePrincipal == nil || d.ServicePrincipal.ClientID != "a3c4d5e6-f708-4192-a3b4-c5d6e7f80601" || d.ServicePrincipal.Tenant != "northwind.onmicrosoft.com" {
		t.Fatalf("demo service principal %+v", d.ServicePrincipal)
	}
}
