package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/login"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
)

func TestNewCmdLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cli     string
		env     map[string]string
		want    login.Options
		wantErr string
		usage   bool
	}{
		{name: "device code", want: login.Options{}},
		{name: "browser in a directory", cli: "--browser --tenant contoso.onmicrosoft.com", want: login.Options{Browser: true, Tenant: "contoso.onmicrosoft.com"}},
		{name: "own public client", cli: "--client-id 11111111-2222-4333-8444-555555555555", want: login.Options{ClientID: "11111111-2222-4333-8444-555555555555"}},
		{name: "service principal", cli: "--service-principal --client-id e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 --tenant contoso.onmicrosoft.com --remember-secret",
			want: login.Options{ServicePrincipal: true, ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", Tenant: "contoso.onmicrosoft.com", RememberSecret: true}},
		{name: "service principal, client ID from the environment", cli: "--service-principal --tenant 2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002 --certificate spn.pem",
			env: map[string]string{"PALWIZ_CLIENT_ID": "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"}, want: login.Options{ServicePrincipal: true, ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501",
				Tenant: "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", Certificate: "spn.pem"}},
		{name: "client ID not a GUID", cli: "--service-principal --client-id e1a2 --tenant contoso.onmicrosoft.com", wantErr: "is a GUID", usage: true},
		{name: "directory neither GUID nor domain", cli: "--service-principal --client-id e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 --tenant contoso", wantErr: "or a domain such as", usage: true},
		{name: "create", cli: "--create-service-principal --partner-id 4977985 --name Delivery", want: login.Options{CreateSP: true, PartnerID: "4977985", SPName: "Delivery"}},
		{name: "create without partner ID", cli: "--create-service-principal", want: login.Options{CreateSP: true}},
		{name: "service principal without client ID", cli: "--service-principal --tenant t", wantErr: "--service-principal needs --client-id (or PALWIZ_CLIENT_ID)", usage: true},
		{name: "service principal without tenant", cli: "--service-principal --client-id x", wantErr: "--service-principal needs --tenant", usage: true},
		{name: "service principal in a browser", cli: "--service-principal --browser --client-id x --tenant t", wantErr: "--browser is for people", usage: true},
		{name: "certificate for a person", cli: "--certificate spn.pem", wantErr: "--certificate and --remember-secret are for --service-principal", usage: true},
		{name: "remember for a person", cli: "--remember-secret", wantErr: "are for --service-principal", usage: true},
		{name: "both service principal paths", cli: "--service-principal --create-service-principal --client-id x --tenant t", wantErr: "cannot be used together", usage: true},
		{name: "name without create", cli: "--name X", wantErr: "--name and --partner-id are for --create-service-principal", usage: true},
		{name: "partner ID without create", cli: "--partner-id 4977985", wantErr: "are for --create-service-principal", usage: true},
		{name: "bad partner ID", cli: "--create-service-principal --partner-id 49-77", wantErr: "is not a partner ID", usage: true},
		{name: "no secret flag", cli: "--service-principal --client-id x --tenant t --secret s", wantErr: "unknown flag: --secret", usage: true},
		{name: "md", cli: "-o md", wantErr: "not a format", usage: true},
		{name: "kind", cli: "--kind service-account", want: login.Options{Kind: cmdutil.KindFlag{Value: "service-account"}}},
		{name: "kind user in a browser", cli: "--kind user --browser", want: login.Options{Browser: true, Kind: cmdutil.KindFlag{Value: "user"}}},
		{name: "unknown kind", cli: "--kind guest", wantErr: `--kind "guest": use one of`, usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, tt.env)
			var got *login.Options
			err := cmdtest.Exec(f, login.NewCmdLogin(f, func(_ context.Context, o *login.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, tt.usage) {
				return
			}
			w := tt.want
			if got.Browser != w.Browser || got.Tenant != w.Tenant || got.ClientID != w.ClientID || got.ServicePrincipal != w.ServicePrincipal ||
				got.RememberSecret != w.RememberSecret || got.Certificate != w.Certificate || got.CreateSP != w.CreateSP ||
				got.PartnerID != w.PartnerID || got.SPName != w.SPName || got.Kind != w.Kind {
				t.Fatalf("options %+v, want %+v", *got, w)
			}
		})
	}
}
