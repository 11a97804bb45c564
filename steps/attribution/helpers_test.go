package attribution

import (
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

// Demo scenario identities the attribution tests use.
const (
	demoContoso    = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	demoNorthwind  = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	demoServiceUPN = "pal-service@contoso.onmicrosoft.com"
	demoServiceOID = "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"
	demoAdminUPN   = "it-admin@contoso.onmicrosoft.com"
	demoMeganOID   = "1a2b3c4d-5e6f-4a70-8b91-c0de00000311"
	demoSPApp      = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	demoSPSecret   = "sim-contoso-spn-secret-1"
	demoAnaUPN     = "ana.lopez@fabrikam.example"
	demoCIKey      = "sim-contoso-ci-key-1"
)

// ppSim starts the demo scenario (changed by edit) and returns it with a
// steps environment whose session is not signed in yet.
func ppSim(t testing.TB, edit func(*sim.Scenario)) (*sim.Server, *steps.Env) {
	t.Helper()
	sc, err := sim.LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	return ppSimWith(t, sc)
}

func ppSimWith(t testing.TB, sc *sim.Scenario) (*sim.Server, *steps.Env) {
	t.Helper()
	w := simtest.Start(t, simtest.Options{Scenario: sc})
	return w.Sim, &steps.Env{Cloud: w.Cloud, Session: w.Session}
}

// ppSignIn signs a person in with a device code the simulator approves, in
// tenant ("" = home).
func ppSignIn(t testing.TB, s *sim.Server, env *steps.Env, upn, tenant string) {
	t.Helper()
	(&simtest.World{Sim: s, Cloud: env.Cloud, Session: env.Session}).SignIn(t, upn, tenant)
}

// ppSignInSP signs a service principal in.
func ppSignInSP(t testing.TB, env *steps.Env, tenant, appID, secret string) {
	t.Helper()
	(&simtest.World{Cloud: env.Cloud, Session: env.Session}).SignInSP(t, tenant, appID, secret)
}

// fastRetry keeps retries quick in tests (Retry-After is still honoured).
var fastRetry = rest.Options{MaxRetries: 1, RetryDelay: time.Millisecond}
