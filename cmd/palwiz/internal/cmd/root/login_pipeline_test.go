package root

import (
	"context"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/login"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
)

// TestNewCmdLoginPipeline: --federated and --managed-identity [CLIENT_ID]
// parse, and refuse the flags that would name another identity.
func TestNewCmdLoginPipeline(t *testing.T) {
	t.Parallel()
	const app = "5a6b7c8d-9e0f-4a1b-8c2d-c0de00000711"
	tests := []struct {
		name      string
		cli       string
		federated bool
		managed   string
		wantErr   string
	}{
		{name: "federated", cli: "--federated", federated: true},
		{name: "system-assigned", cli: "--managed-identity", managed: "system"},
		{name: "user-assigned with a space", cli: "--managed-identity " + app, managed: app},
		{name: "user-assigned with =", cli: "--managed-identity=" + app, managed: app},
		{name: "resource ID", cli: "--managed-identity /subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deploy",
			managed: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deploy"},
		{name: "both", cli: "--federated --managed-identity", wantErr: "cannot be used together"},
		{name: "federated with a directory", cli: "--federated --tenant contoso.onmicrosoft.com", wantErr: "set AZURE_CLIENT_ID and AZURE_TENANT_ID"},
		{name: "federated with a client ID", cli: "--federated --client-id " + app, wantErr: "--federated cannot be used with --client-id"},
		{name: "managed identity as a service principal", cli: "--managed-identity --service-principal", wantErr: "--managed-identity cannot be used with --service-principal"},
		{name: "federated in a browser", cli: "--federated --browser", wantErr: "cannot be used with --browser"},
		{name: "empty managed identity", cli: "--managed-identity=", wantErr: "takes a user-assigned identity's client ID"},
		{name: "two arguments", cli: "--managed-identity a b", wantErr: "takes no arguments"},
		{name: "an argument without the flag", cli: app, wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := cmdtest.Factory(t, false, nil)
			var got *login.Options
			err := cmdtest.Exec(f, login.NewCmdLogin(f, func(_ context.Context, o *login.Options) error { got = o; return nil }), tt.cli)
			if cmdtest.CheckErr(t, err, tt.wantErr, tt.wantErr != "") {
				return
			}
			if got.Federated != tt.federated || got.ManagedIdentity != tt.managed {
				t.Fatalf("federated %v, managed identity %q; want %v, %q", got.Federated, got.ManagedIdentity, tt.federated, tt.managed)
			}
		})
	}
}
