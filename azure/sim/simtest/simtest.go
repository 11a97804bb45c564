// Package simtest starts the simulated cloud for tests and signs identities
// in with palwiz's own sign-in code (MSAL Go over the simulator transport),
// so every package tests against the production configuration the same way.
package simtest

import (
	"context"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/sim"
)

// Identities of the demo scenario that tests use.
const (
	ContosoID     = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	NorthwindID   = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	WoodgroveID   = "4bae7f3c-9f5d-4e80-8c1b-00000000a004"
	FabrikamID    = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	ContosoSPApp  = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	ContosoSPObj  = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"
	ContosoSecret = "sim-contoso-spn-secret-1"
	ServiceUPN    = "pal-service@contoso.onmicrosoft.com"
	ServiceObj    = "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"
	AnaUPN        = "ana.lopez@fabrikam.example"
)

// Options shape a World.
type Options struct {
	// Scenario to serve (default: the embedded demo scenario).
	Scenario *sim.Scenario
	// Edit changes the scenario before the simulator starts.
	Edit func(*sim.Scenario)
	// Pages serves the sign-in pages on their own HTTP origin (off by default).
	Pages bool
	// Timeout bounds each HTTP request (default 60 s).
	Timeout time.Duration
}

// World is a running simulator, a cloud that reaches it, and a session with
// tokens in memory.
type World struct {
	Sim     *sim.Server
	Cloud   *cloud.Cloud
	Session *auth.Session
}

// Start serves the scenario until the test ends.
func Start(t testing.TB, o Options) *World {
	t.Helper()
	sc := o.Scenario
	if sc == nil {
		var err error
		if sc, err = sim.LoadScenario("demo", nil); err != nil {
			t.Fatal(err)
		}
	}
	if o.Edit != nil {
		o.Edit(sc)
	}
	so := sim.Options{Scenario: sc}
	if !o.Pages {
		so.PagesAddr = "off"
	}
	s, err := sim.Start(context.Background(), so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := cloud.NewSim(s.URL(), s.CAPEM(), cloud.Options{Timeout: o.Timeout})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := auth.Open(context.Background(), auth.Config{Cloud: c, CloudID: "sim:test"})
	if err != nil {
		t.Fatal(err)
	}
	return &World{Sim: s, Cloud: c, Session: sess}
}

// SignInSP signs a service principal in with a client secret.
func (w *World) SignInSP(t testing.TB, tenant, appID, secret string) {
	t.Helper()
	if _, err := w.Session.LoginServicePrincipal(context.Background(), tenant, appID, auth.SPCredential{Secret: secret}); err != nil {
		t.Fatal(err)
	}
}

// SignInContosoSP signs the demo's Contoso service principal in.
func (w *World) SignInContosoSP(t testing.TB) { w.SignInSP(t, ContosoID, ContosoSPApp, ContosoSecret) }

// SignIn signs a person in with a device code the simulator approves, then
// switches to tenant ("" = the home directory).
func (w *World) SignIn(t testing.TB, upn, tenant string) {
	t.Helper()
	ctx := context.Background()
	dc, err := w.Session.StartDeviceCode(ctx, "organizations", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sim.ApproveDeviceCode(dc.UserCode, upn, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Session.Wait(ctx, dc); err != nil {
		t.Fatal(err)
	}
	if tenant != "" {
		if err := w.Session.UseTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
	}
}
