package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

// fleetWithAttribution adds to sim.FleetScenario(n) a Power Platform of the
// demo's size to every directory (two environments, a Dataverse
// organisation, a Power BI workspace: 37 resources), administered by the
// consultant's object there, so that reports over the fleet are complete.
func fleetWithAttribution(sc *sim.Scenario) {
	u := sc.Users[0]
	objectIn := map[string]string{u.HomeTenant: u.ObjectID}
	for _, g := range u.Guests {
		objectIn[g.Tenant] = g.ObjectID
	}
	id := func(kind, t, i int) string { return fmt.Sprintf("%08x-%04x-4000-8000-%012x", 0xf1ee0000+kind, t, i) }
	pp := &sim.PowerPlatform{}
	for ti, t := range sc.Tenants {
		me := objectIn[t.ID]
		other := id(9, ti, 0) // a colleague in the customer's directory, not the consultant
		sc.Users = append(sc.Users, sim.User{ObjectID: other, UserPrincipalName: fmt.Sprintf("maker@%s", t.DefaultDomain),
			DisplayName: fmt.Sprintf("Maker %03d", ti), HomeTenant: t.ID})
		owner := func(i int) string {
			if i%2 == 0 {
				return me
			}
			return other
		}
		pt := sim.PPTenant{Tenant: t.ID, Admins: []string{me}}
		def := sim.PPEnvironment{ID: "Default-" + t.ID, DisplayName: t.DisplayName + " (default)", SKU: sim.SKUDefault, Region: "europe"}
		prod := sim.PPEnvironment{ID: id(1, ti, 1), DisplayName: t.DisplayName + " Production", SKU: sim.SKUProduction, Region: "europe"}
		test := sim.PPEnvironment{ID: id(1, ti, 2), DisplayName: t.DisplayName + " UAT", SKU: sim.SKUSandbox, Region: "europe"}
		for i := 0; i < 3; i++ {
			def.CanvasApps = append(def.CanvasApps, sim.CanvasApp{ID: id(2, ti, i), DisplayName: fmt.Sprintf("Team app %d", i), Owner: owner(i)})
			test.CanvasApps = append(test.CanvasApps, sim.CanvasApp{ID: id(2, ti, 10+i), DisplayName: fmt.Sprintf("Test app %d", i), Owner: owner(i)})
		}
		for i := 0; i < 6; i++ {
			prod.CanvasApps = append(prod.CanvasApps, sim.CanvasApp{ID: id(2, ti, 20+i), DisplayName: fmt.Sprintf("Field app %d", i), Owner: owner(i)})
			prod.Flows = append(prod.Flows, sim.CloudFlow{ID: id(3, ti, i), DisplayName: fmt.Sprintf("Approval flow %d", i), Creator: owner(i)})
		}
		dv := &sim.Dataverse{Org: fmt.Sprintf("fleet%03d", ti)}
		for i := 0; i < 3; i++ {
			dv.ModelDrivenApps = append(dv.ModelDrivenApps, sim.ModelDrivenApp{ID: id(4, ti, i), Name: fmt.Sprintf("Case app %d", i), UniqueName: fmt.Sprintf("fl_case%d", i), CreatedBy: owner(i)})
			dv.Bots = append(dv.Bots, sim.Bot{ID: id(5, ti, i), Name: fmt.Sprintf("Helpdesk bot %d", i), CreatedBy: owner(i)})
			dv.Solutions = append(dv.Solutions, sim.Solution{ID: id(6, ti, i), UniqueName: fmt.Sprintf("FleetSolution%d", i), FriendlyName: fmt.Sprintf("Fleet solution %d", i),
				Version: "1.0.0.0", Managed: true, Publisher: "Fabrikam", Imports: []sim.SolutionImport{{By: owner(i), CompletedOn: "2025-04-10T10:00:00Z"}}})
		}
		prod.Dataverse = dv
		pt.Environments = []sim.PPEnvironment{def, prod, test}
		ws := sim.PBIWorkspace{ID: id(7, ti, 0), Name: t.DisplayName + " reports", Members: []string{me}}
		for i := 0; i < 4; i++ {
			ws.Datasets = append(ws.Datasets, sim.PBIDataset{ID: id(8, ti, i), Name: fmt.Sprintf("Sales %d", i), ConfiguredBy: owner(i)})
		}
		pt.Workspaces = []sim.PBIWorkspace{ws}
		pp.Tenants = append(pp.Tenants, pt)
	}
	sc.PowerPlatform = pp
}

// TestReportFleetComplete: a report over a fleet whose every directory can
// be read in full is complete, with every resource in it, and exits 0.
func TestReportFleetComplete(t *testing.T) {
	t.Parallel()
	const n = 5
	h := fleetHarness(t, n, 0, fleetWithAttribution)
	r := h.run("report", "--all-tenants", "--format", "json")
	mustCode(t, r, 0)
	if !containsAll(r.stdout, `"complete": 5`, `"incomplete": 0`, `"failed": 0`, `"name": "Field app 5"`) {
		t.Fatalf("the report is not complete:\n%.3000s", r.stdout)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// BenchmarkReportFleet: `palwiz report --all-tenants --format html` over 50
// directories of the demo's size (37 resources each), in process against
// the simulator, cold (every directory needs its tokens first).
func BenchmarkReportFleet(b *testing.B) {
	const n = 50
	for _, latency := range []time.Duration{0, 30 * time.Millisecond} {
		b.Run(fmt.Sprintf("%d-directories-latency-%v", n, latency), func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				b.StopTimer()
				h := fleetHarness(b, n, latency, fleetWithAttribution)
				out := b.TempDir() + "/fleet.html"
				b.StartTimer()
				start := time.Now()
				r := h.run("report", "--all-tenants", "--format", "html", "--out", out)
				worst = max(worst, time.Since(start))
				if r.code != 0 {
					b.Fatalf("report: exit %d: %s", r.code, r.stderr)
				}
			}
			b.ReportMetric(worst.Seconds(), "worst-s")
		})
	}
}
