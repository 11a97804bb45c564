package powerplatform_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

const (
	contoso    = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	spApp      = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	spSecret   = "sim-contoso-spn-secret-1"
	serviceOID = "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"
	prodEnv    = "8c5e2a14-3f6b-4d8e-9a71-c0de0000e001"
	siteSurvey = "d1a0c0de-0000-4000-8000-000000000203"
	expenses   = "d1a0c0de-0000-4000-8000-000000000202"
	hrHelper   = "d1b0c0de-0000-4000-8000-000000000402"
)

type fixture struct {
	s     *sim.Server
	cloud *cloud.Cloud
	cred  azcore.TokenCredential
}

// start serves the demo (changed by edit) and signs Contoso's service
// principal (a Power Platform admin) in.
func start(t *testing.T, edit func(*sim.Scenario)) *fixture {
	t.Helper()
	w := simtest.Start(t, simtest.Options{Edit: edit})
	w.SignInSP(t, contoso, spApp, spSecret)
	return &fixture{s: w.Sim, cloud: w.Cloud, cred: w.Session.Credential(contoso)}
}

var fast = rest.Options{RetryDelay: time.Millisecond}

func TestEnvironments(t *testing.T) {
	f := start(t, func(sc *sim.Scenario) { sc.PowerPlatform.Settings.EnvironmentsPageSize = 1 })
	envs, err := powerplatform.NewBAP(f.cred, f.cloud, fast).Environments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 4 {
		t.Fatalf("%d environments over 1-item pages, want 4", len(envs))
	}
	byName := map[string]powerplatform.Environment{}
	for _, e := range envs {
		byName[e.DisplayName] = e
	}
	prod := byName["Contoso Production"]
	if prod.Name != prodEnv || prod.SKU != "Production" || prod.IsDefault || prod.State != "Enabled" ||
		prod.InstanceURL != "https://contosoprod.crm.dynamics.com/" || prod.InstanceAPIURL != "https://contosoprod.api.crm.dynamics.com" || !prod.HasDataverse() {
		t.Errorf("production: %+v", prod)
	}
	if d := byName["Contoso Ltd (default)"]; d.SKU != "Default" || !d.IsDefault || d.Name != "Default-"+contoso {
		t.Errorf("default: %+v", d)
	}
}

func TestAppsExpandAndFallback(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		f := start(t, func(sc *sim.Scenario) {
			sc.PowerPlatform.Settings.AppsPageSize = 2
			sc.PowerPlatform.Settings.IgnorePermissionsExpand = ignore
		})
		pa := powerplatform.NewPowerApps(f.cred, f.cloud, fast)
		var apps []powerplatform.App
		pages := 0
		err := pa.Apps(context.Background(), prodEnv, serviceOID, func(page []powerplatform.App) error {
			pages++
			apps = append(apps, page...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 5 || pages != 3 {
			t.Fatalf("%d apps in %d pages, want 5 in 3", len(apps), pages)
		}
		for _, a := range apps {
			if a.PermissionsExpanded == ignore {
				t.Errorf("ignore=%v: app %s expanded=%v", ignore, a.DisplayName, a.PermissionsExpanded)
			}
			if a.Name == expenses && !ignore && (len(a.Permissions) != 1 || a.Permissions[0].RoleName != "CanEdit" || a.Permissions[0].Principal.ID != serviceOID) {
				t.Errorf("Expense Claims' expanded permission: %+v", a.Permissions)
			}
			if a.Name == siteSurvey && (a.Owner.UserPrincipalName != "adele.vance@contoso.onmicrosoft.com" || a.Owner.DisplayName != "Adele Vance") {
				t.Errorf("Site Survey's owner: %+v", a.Owner)
			}
		}
	}
}

func TestAppOwnerAndShare(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	pa := powerplatform.NewPowerApps(f.cred, f.cloud, fast)
	roles := func() map[string]string {
		ps, err := pa.Permissions(ctx, prodEnv, siteSurvey)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, p := range ps {
			m[p.Principal.ID] = p.RoleName
		}
		return m
	}
	if err := pa.Share(ctx, prodEnv, siteSurvey, serviceOID, "User", powerplatform.RoleCanEdit); err != nil {
		t.Fatal(err)
	}
	if r := roles(); r[serviceOID] != "CanEdit" {
		t.Errorf("after Share: %v", r)
	}
	if err := pa.SetOwner(ctx, prodEnv, siteSurvey, serviceOID, powerplatform.RoleCanView); err != nil {
		t.Fatal(err)
	}
	if r := roles(); r[serviceOID] != "Owner" || r["2b3c4d5e-6f70-4b81-9ca2-c0de00000312"] != "CanView" {
		t.Errorf("after SetOwner: %v", r)
	}
	err := pa.SetOwner(ctx, prodEnv, siteSurvey, "00000000-0000-4000-8000-000000000000", "")
	var re *rest.Error
	if !errors.As(err, &re) || re.Status != 400 || re.Code != "PrincipalNotFound" || re.RequestID == "" || re.Service != "Power Apps" {
		t.Errorf("an unknown new owner: %#v", err)
	}
}

func TestFlows(t *testing.T) {
	f := start(t, func(sc *sim.Scenario) { sc.PowerPlatform.Settings.FlowsPageSize = 2 })
	ctx := context.Background()
	fl := powerplatform.NewFlows(f.cred, f.cloud, fast)
	var flows []powerplatform.Flow
	if err := fl.List(ctx, prodEnv, func(p []powerplatform.Flow) error { flows = append(flows, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(flows) != 7 {
		t.Fatalf("%d flows", len(flows))
	}
	const escalate, adele = "d1f0c0de-0000-4000-8000-000000000203", "2b3c4d5e-6f70-4b81-9ca2-c0de00000312"
	if err := fl.AddOwner(ctx, prodEnv, escalate, serviceOID, "User"); err != nil {
		t.Fatal(err)
	}
	got, err := fl.Get(ctx, prodEnv, escalate)
	if err != nil || got.Creator != adele || got.DisplayName != "Escalate overdue surveys" {
		t.Errorf("after AddOwner: %+v %v", got, err)
	}
	ps, err := fl.Permissions(ctx, prodEnv, escalate)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, p := range ps {
		roles[p.Principal.ID] = p.RoleName
	}
	if roles[adele] != "Owner" || roles[serviceOID] != "CanEdit" {
		t.Errorf("owners %v", roles)
	}
}

func TestDataverse(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	var requests atomic.Int64
	o := fast
	o.Counter = &requests
	dv, err := powerplatform.NewDataverse(f.cred, f.cloud, "https://contosoprod.crm.dynamics.com/", "https://contosoprod.api.crm.dynamics.com", 1, o)
	if err != nil {
		t.Fatal(err)
	}
	u, err := dv.UserByObjectID(ctx, serviceOID)
	if err != nil || u == nil || u.FullName != "PAL Service Account (Fabrikam)" || u.DomainName != "pal-service@contoso.onmicrosoft.com" {
		t.Fatalf("linked user: %+v %v", u, err)
	}
	none, err := dv.UserByObjectID(ctx, "00000000-0000-4000-8000-000000000000")
	if err != nil || none != nil {
		t.Errorf("an unknown object: %+v %v", none, err)
	}
	requests.Store(0)
	var apps []powerplatform.AppModule
	if err := dv.AppModules(ctx, func(p []powerplatform.AppModule) error { apps = append(apps, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(apps) != 4 || requests.Load() != 4 {
		t.Errorf("%d apps in %d requests at one a page", len(apps), requests.Load())
	}
	for _, a := range apps {
		if a.CreatedByName == "" || a.CreatedBy == "" {
			t.Errorf("no creator or formatted value: %+v", a)
		}
	}
	var jobs []powerplatform.ImportJob
	if err := dv.ImportJobs(ctx, func(p []powerplatform.ImportJob) error { jobs = append(jobs, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(jobs); i++ {
		if jobs[i].Completed().After(jobs[i-1].Completed()) {
			t.Fatalf("import jobs are not newest first: %v then %v", jobs[i-1].CompletedOn, jobs[i].CompletedOn)
		}
	}
	failed := 0
	for _, j := range jobs {
		if !j.Succeeded() {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed import jobs, want ContosoReporting's one", failed)
	}
	var sols []powerplatform.Solution
	if err := dv.ManagedSolutions(ctx, func(p []powerplatform.Solution) error { sols = append(sols, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(sols) != 5 {
		t.Errorf("%d managed solutions, want 5 (the unmanaged ones left out)", len(sols))
	}
	if err := dv.AssignBot(ctx, hrHelper, u.ID); err != nil {
		t.Fatal(err)
	}
	b, err := dv.GetBot(ctx, hrHelper)
	if err != nil || b.Owner != u.ID || b.OwnerName != u.FullName || b.CreatedBy == u.ID {
		t.Errorf("after AssignBot: %+v %v", b, err)
	}
	if _, err := powerplatform.NewDataverse(f.cred, f.cloud, "", "http://plain.example", 0, o); err == nil {
		t.Error("an http:// organisation URL was accepted")
	}
}

// A throttled page is retried after Retry-After and the list completes.
func TestThrottleIsRetried(t *testing.T) {
	f := start(t, nil)
	if err := f.s.AddFault(sim.Fault{Host: "api.flow.microsoft.com", Kind: "throttle", RetryAfter: 1, Times: 1}); err != nil {
		t.Fatal(err)
	}
	var n int
	err := powerplatform.NewFlows(f.cred, f.cloud, fast).List(context.Background(), prodEnv, func(p []powerplatform.Flow) error { n += len(p); return nil })
	if err != nil || n != 7 {
		t.Errorf("%d flows, %v", n, err)
	}
	if got := f.s.Stats()["api.flow.microsoft.com"]; got != 2 {
		t.Errorf("%d flow requests, want 2 (throttled, then retried)", got)
	}
}

func TestCustomerInsights(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	if _, err := powerplatform.NewCustomerInsights(f.cred, f.cloud, "", fast).Instances(ctx); !errors.Is(err, powerplatform.ErrNoSubscriptionKey) {
		t.Errorf("no key: %v", err)
	}
	_, err := powerplatform.NewCustomerInsights(f.cred, f.cloud, "wrong", fast).Instances(ctx)
	if !rest.IsStatus(err, 401) || !strings.Contains(err.Error(), "invalid subscription key") {
		t.Errorf("a wrong key: %v", err)
	}
	// The service principal has no role in either instance.
	ins, err := powerplatform.NewCustomerInsights(f.cred, f.cloud, "sim-contoso-ci-key-1", fast).Instances(ctx)
	if err != nil || len(ins) != 0 {
		t.Errorf("instances %+v %v", ins, err)
	}
}
