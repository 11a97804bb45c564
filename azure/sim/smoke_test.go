package sim

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
)

func TestSmokeMSAL(t *testing.T) {
	sc, err := LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := cloud.NewSim(s.URL(), s.CAPEM(), cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := public.New(AzureCLIClientID, public.WithAuthority("https://login.microsoftonline.com/organizations"), public.WithHTTPClient(c.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dc, err := app.AcquireTokenByDeviceCode(ctx, []string{cloud.ARMScope})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(dc.Result.Message)
	go func() {
		time.Sleep(100 * time.Millisecond)
		if err := s.ApproveDeviceCode(dc.Result.UserCode, "pal-service@contoso.onmicrosoft.com", false); err != nil {
			t.Error(err)
		}
	}()
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Account.HomeAccountID, res.IDToken.TenantID)
	res2, err := app.AcquireTokenSilent(ctx, []string{cloud.ARMScope}, public.WithSilentAccount(res.Account), public.WithTenantID(res.IDToken.TenantID))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", "https://management.azure.com/providers/Microsoft.ManagementPartner/partners/4977985?api-version=2018-02-01", nil)
	req.Header.Set("Authorization", "Bearer "+res2.AccessToken)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(resp.Status, resp.Header)
	t.Log(s.Stats())
}
