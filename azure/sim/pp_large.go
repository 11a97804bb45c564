package sim

import "fmt"

// Identities of the generated large scenario.
const (
	LargeTenantID     = "7c0ffee0-0000-4000-8000-00000000a11c"
	LargeTenantDomain = "tailspin.onmicrosoft.com"
	// LargeLinkedUPN and LargeLinkedObjectID are the dedicated, PAL-linked account.
	LargeLinkedUPN      = "pal-service@tailspin.onmicrosoft.com"
	LargeLinkedObjectID = "7c0ffee0-0001-4000-8000-000000000001"
	// LargeSPAppID and LargeSPSecret sign in the scanning service principal
	// (a Power Platform admin and member of every workspace).
	LargeSPAppID    = "7c0ffee0-0002-4000-8000-000000000002"
	LargeSPObjectID = "7c0ffee0-0003-4000-8000-000000000003"
	LargeSPSecret   = "sim-tailspin-scanner-secret"
	largeEmployees  = 24
)

// LargeMix is how the generated scenario splits each environment's resources.
var LargeMix = struct {
	CanvasApps, Flows, ModelDrivenApps, Bots, Solutions, Datasets float64
	// SolutionFlows is the share of flows that are in a solution (and so also Dataverse workflows).
	SolutionFlows float64
	// Linked is the share of resources the linked account owns or created.
	Linked float64
}{0.36, 0.44, 0.06, 0.06, 0.02, 0.06, 0.10, 0.5}

func largeID(kind, env, i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8000-%012x", 0x7c000000+kind, env, kind, i)
}

// LargeScenario generates a tenant for benchmarks: envs environments (the
// first is the Default one, the next three Sandbox, the fifth Developer, the
// rest Production), each with about resourcesPerEnv resources split as
// LargeMix says, half of them owned by the linked account, plus one Power BI
// workspace per environment. It is valid and deterministic.
func LargeScenario(envs, resourcesPerEnv int) *Scenario {
	sc := &Scenario{
		Name:        "large",
		Description: fmt.Sprintf("Generated: %d environments with about %d resources each.", envs, resourcesPerEnv),
		Partners:    []Partner{{ID: "4977985", Name: "Fabrikam Consulting (Seattle)", Kind: "location"}},
		Tenants:     []Tenant{{ID: LargeTenantID, DisplayName: "Tailspin Toys", DefaultDomain: LargeTenantDomain, CountryCode: "US"}},
		Users: []User{{ObjectID: LargeLinkedObjectID, UserPrincipalName: LargeLinkedUPN, DisplayName: "PAL Service Account",
			HomeTenant: LargeTenantID}},
		ServicePrincipals: []ServicePrincipal{{Tenant: LargeTenantID, AppID: LargeSPAppID, ObjectID: LargeSPObjectID,
			DisplayName: "Tailspin inventory scanner", Secrets: []string{LargeSPSecret}}},
		Links: []Link{{Tenant: LargeTenantID, ObjectID: LargeLinkedObjectID, PartnerID: "4977985"}},
	}
	employees := make([]string, largeEmployees)
	for i := range employees {
		employees[i] = largeID(0x10, 0, i)
		sc.Users = append(sc.Users, User{ObjectID: employees[i], UserPrincipalName: fmt.Sprintf("maker%02d@%s", i, LargeTenantDomain),
			DisplayName: fmt.Sprintf("Maker %02d", i), HomeTenant: LargeTenantID})
	}
	owner := func(i int) string {
		// Every other resource is the linked account's; the rest rotate over the employees.
		if float64(i%100) < LargeMix.Linked*100 {
			return LargeLinkedObjectID
		}
		return employees[i%len(employees)]
	}
	count := func(share float64) int { return int(float64(resourcesPerEnv)*share + 0.5) }
	t := PPTenant{Tenant: LargeTenantID, Admins: []string{LargeSPObjectID, LargeLinkedObjectID}}
	for e := 0; e < envs; e++ {
		env := PPEnvironment{ID: largeID(1, e, 0), DisplayName: fmt.Sprintf("Tailspin %02d", e), SKU: SKUProduction, Region: "unitedstates"}
		switch {
		case e == 0:
			env.ID, env.SKU, env.DisplayName = "Default-"+LargeTenantID, SKUDefault, "Tailspin Toys (default)"
		case e <= 3:
			env.SKU = SKUSandbox
		case e == 4:
			env.SKU = SKUDeveloper
		}
		dv := &Dataverse{Org: fmt.Sprintf("tailspin%02d", e)}
		nSol := count(LargeMix.Solutions)
		for i := 0; i < nSol; i++ {
			by := owner(i)
			s := Solution{ID: largeID(2, e, i), UniqueName: fmt.Sprintf("TailspinSolution%03d", i), FriendlyName: fmt.Sprintf("Tailspin solution %d", i),
				Version: "1.0.0.0", Managed: true, Publisher: "Tailspin",
				Imports: []SolutionImport{
					{By: employees[i%len(employees)], CompletedOn: "2025-01-10T10:00:00Z"},
					{By: by, CompletedOn: "2025-04-10T10:00:00Z"},
				}}
			dv.Solutions = append(dv.Solutions, s)
		}
		for i := 0; i < count(LargeMix.ModelDrivenApps); i++ {
			dv.ModelDrivenApps = append(dv.ModelDrivenApps, ModelDrivenApp{ID: largeID(3, e, i), Name: fmt.Sprintf("Model-driven app %d", i),
				UniqueName: fmt.Sprintf("tt_app%d", i), CreatedBy: owner(i)})
		}
		for i := 0; i < count(LargeMix.Bots); i++ {
			dv.Bots = append(dv.Bots, Bot{ID: largeID(4, e, i), Name: fmt.Sprintf("Copilot %d", i), CreatedBy: owner(i)})
		}
		env.Dataverse = dv
		for i := 0; i < count(LargeMix.CanvasApps); i++ {
			a := CanvasApp{ID: largeID(5, e, i), DisplayName: fmt.Sprintf("Canvas app %d", i), Owner: owner(i)}
			if i%7 == 3 && a.Owner != LargeLinkedObjectID {
				a.Permissions = []PPPermission{{Principal: LargeLinkedObjectID, Role: "CanEdit"}}
			}
			env.CanvasApps = append(env.CanvasApps, a)
		}
		nFlows := count(LargeMix.Flows)
		nSolFlows := int(float64(nFlows) * LargeMix.SolutionFlows)
		for i := 0; i < nFlows; i++ {
			f := CloudFlow{ID: largeID(6, e, i), DisplayName: fmt.Sprintf("Flow %d", i), Creator: owner(i)}
			if i < nSolFlows && nSol > 0 {
				f.Solution = dv.Solutions[i%nSol].UniqueName
			}
			env.Flows = append(env.Flows, f)
		}
		t.Environments = append(t.Environments, env)
		ws := PBIWorkspace{ID: largeID(7, e, 0), Name: fmt.Sprintf("Tailspin reports %02d", e), Members: []string{LargeSPObjectID, LargeLinkedObjectID}}
		for i := 0; i < count(LargeMix.Datasets); i++ {
			ws.Datasets = append(ws.Datasets, PBIDataset{ID: largeID(8, e, i), Name: fmt.Sprintf("Dataset %d", i), ConfiguredBy: owner(i)})
		}
		t.Workspaces = append(t.Workspaces, ws)
	}
	sc.PowerPlatform = &PowerPlatform{Tenants: []PPTenant{t}}
	return sc
}

// LargeResourceCount is how many resources LargeScenario(envs, perEnv) holds.
func LargeResourceCount(sc *Scenario) int {
	n := 0
	if sc.PowerPlatform == nil {
		return 0
	}
	for _, t := range sc.PowerPlatform.Tenants {
		for _, e := range t.Environments {
			n += len(e.CanvasApps) + len(e.Flows)
			if e.Dataverse != nil {
				n += len(e.Dataverse.ModelDrivenApps) + len(e.Dataverse.Bots) + len(e.Dataverse.Solutions)
			}
		}
		for _, w := range t.Workspaces {
			n += len(w.Datasets)
		}
		n += len(t.CIInstances)
	}
	return n
}
