package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// PPSettings tune the Power Platform hosts where the real services are
// undocumented or where tests need control. Zero values are the defaults.
type PPSettings struct {
	// EnvironmentsPageSize is how many environments one BAP page holds
	// (default: all of them in one page, as the documentation shows).
	EnvironmentsPageSize int `json:"environmentsPageSize,omitempty"`
	// AppsPageSize is the largest Power Apps page; $top asks for fewer (default 250).
	AppsPageSize int `json:"appsPageSize,omitempty"`
	// FlowsPageSize is the largest flow page; $top asks for fewer (default 50).
	FlowsPageSize int `json:"flowsPageSize,omitempty"`
	// DataverseMaxPageSize caps Prefer: odata.maxpagesize (default 5000, the service maximum).
	DataverseMaxPageSize int `json:"dataverseMaxPageSize,omitempty"`
	// PermissionsPageSize is how many permissions one page holds (default 100).
	PermissionsPageSize int `json:"permissionsPageSize,omitempty"`
	// IgnorePermissionsExpand makes the app list ignore
	// $expand=permissions($filter=maxAssignedTo('…')), whose answer shape is
	// not verified against the live service: clients must cope without it.
	IgnorePermissionsExpand bool `json:"ignorePermissionsExpand,omitempty"`
	// MaxConcurrent limits requests in flight per caller on a service:
	// "bap", "powerapps", "flow", "dataverse" (per organisation), "powerbi",
	// "ci". Over the limit the service answers 429 with Retry-After.
	// Dataverse defaults to 52 (its documented service protection limit).
	MaxConcurrent map[string]int `json:"maxConcurrent,omitempty"`
	// ServiceTime is how long each Power Platform request is held in flight
	// inside the service (after the scenario's latency), to exercise MaxConcurrent.
	ServiceTime Duration `json:"serviceTime,omitempty"`
	// Dataverse service protection, per user and organisation over a sliding
	// window: DataverseRequestLimit requests (default 6000) and
	// DataverseExecutionLimit of combined execution time (default 20m) per
	// DataverseWindow (default 5m, at least 1s). Each request is charged
	// DataverseExecutionTime (default: the time it took, ServiceTime included).
	DataverseRequestLimit   int      `json:"dataverseRequestLimit,omitempty"`
	DataverseExecutionLimit Duration `json:"dataverseExecutionLimit,omitempty"`
	DataverseWindow         Duration `json:"dataverseWindow,omitempty"`
	DataverseExecutionTime  Duration `json:"dataverseExecutionTime,omitempty"`
}

// PPTenant is one directory's Power Platform, Power BI and Customer Insights data.
type PPTenant struct {
	Tenant string `json:"tenant"`
	// Admins are the object IDs with the Power Platform administrator role
	// (users, or service principals registered as management apps). They
	// see every environment through the admin APIs.
	Admins       []string        `json:"admins,omitempty"`
	Environments []PPEnvironment `json:"environments,omitempty"`
	Workspaces   []PBIWorkspace  `json:"workspaces,omitempty"`
	// CISubscriptionKey is the Customer Insights API key
	// (Ocp-Apim-Subscription-Key); without one the CI API refuses every call.
	CISubscriptionKey string       `json:"ciSubscriptionKey,omitempty"`
	CIInstances       []CIInstance `json:"ciInstances,omitempty"`
}

// Environment SKUs (BAP properties.environmentSku).
const (
	SKUProduction = "Production"
	SKUSandbox    = "Sandbox"
	SKUDefault    = "Default"
	SKUDeveloper  = "Developer"
	SKUTrial      = "Trial"
	SKUTeams      = "Teams"
)

// PPEnvironment is a Power Platform environment.
type PPEnvironment struct {
	// ID is the environment name: a GUID, or Default-<tenant ID> for the default one.
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	// SKU is Production, Sandbox, Default, Developer, Trial or Teams.
	SKU    string `json:"sku"`
	Region string `json:"region,omitempty"`
	// Admins are environment admins: the admin APIs show them this environment.
	Admins    []string `json:"admins,omitempty"`
	CreatedBy string   `json:"createdBy,omitempty"`
	// Disabled environments answer with their runtime state Disabled.
	Disabled bool `json:"disabled,omitempty"`
	// Group is the environment group's ID (parentEnvironmentGroup), if any.
	Group string `json:"group,omitempty"`
	// BillingPolicy names the pay-as-you-go billing policy the environment
	// is linked to, if any ($expand=properties/billingPolicy shows it).
	BillingPolicy string      `json:"billingPolicy,omitempty"`
	Dataverse     *Dataverse  `json:"dataverse,omitempty"`
	CanvasApps    []CanvasApp `json:"canvasApps,omitempty"`
	Flows         []CloudFlow `json:"flows,omitempty"`
}

// PPPermission is a role on an app or flow.
type PPPermission struct {
	// Principal is the object ID of a user, service principal or group.
	Principal string `json:"principal"`
	// Type is User (default) or Group.
	Type string `json:"type,omitempty"`
	// DisplayName names a group (users are named from the directory).
	DisplayName string `json:"displayName,omitempty"`
	// Role is CanEdit (co-owner) or CanView.
	Role string `json:"role"`
}

// CanvasApp is a Power Apps canvas app.
type CanvasApp struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Owner       string         `json:"owner"`
	CreatedBy   string         `json:"createdBy,omitempty"` // default: the owner
	Permissions []PPPermission `json:"permissions,omitempty"`
	CreatedTime string         `json:"createdTime,omitempty"`
	// Solution is the unique name of the Dataverse solution the app is in.
	Solution string `json:"solution,omitempty"`
}

// CloudFlow is a Power Automate cloud flow. A flow in a solution is also a
// Dataverse workflow (category 5) with the same ID.
type CloudFlow struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Creator     string `json:"creator"`
	// Owner is the primary owner of a flow in a solution (its Dataverse
	// workflow's ownerid, which an administrator can change); default: the creator.
	Owner       string         `json:"owner,omitempty"`
	Owners      []PPPermission `json:"owners,omitempty"`
	State       string         `json:"state,omitempty"` // Started (default), Stopped, Suspended
	CreatedTime string         `json:"createdTime,omitempty"`
	Solution    string         `json:"solution,omitempty"`
}

// Dataverse is an environment's Dataverse organisation.
type Dataverse struct {
	// Org is the organisation's domain name: https://{org}.crm.dynamics.com.
	Org             string           `json:"org"`
	ModelDrivenApps []ModelDrivenApp `json:"modelDrivenApps,omitempty"`
	Bots            []Bot            `json:"bots,omitempty"`
	Solutions       []Solution       `json:"solutions,omitempty"`
	// AbsentUsers are directory objects that are not users of this
	// organisation (every other object of the tenant is a systemuser).
	AbsentUsers []string `json:"absentUsers,omitempty"`
	// CustomerInsights: the organisation hosts a Customer Insights - Data
	// instance (Dataverse answers for its msdynci_customerprofile table).
	CustomerInsights bool `json:"customerInsights,omitempty"`
}

// ModelDrivenApp is a Dataverse appmodule. CreatedBy may be "SYSTEM".
type ModelDrivenApp struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	UniqueName string `json:"uniqueName"`
	CreatedBy  string `json:"createdBy"`
	Solution   string `json:"solution,omitempty"`
}

// Bot is a Copilot Studio (Power Virtual Agents) bot.
type Bot struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedBy string `json:"createdBy"`
	Owner     string `json:"owner,omitempty"` // default: the creator
	Solution  string `json:"solution,omitempty"`
}

// Solution is a Dataverse solution and its import history.
type Solution struct {
	ID           string `json:"id"`
	UniqueName   string `json:"uniqueName"`
	FriendlyName string `json:"friendlyName"`
	Version      string `json:"version,omitempty"`
	Managed      bool   `json:"managed,omitempty"`
	// Publisher is the publisher's friendly name ("Microsoft Corporation" marks Microsoft's own).
	Publisher string `json:"publisher,omitempty"`
	// Imports are the import jobs, in any order.
	Imports []SolutionImport `json:"imports,omitempty"`
}

// SolutionImport is one import job of a solution.
type SolutionImport struct {
	// By is the object ID of who ran the import, or "SYSTEM".
	By string `json:"by"`
	// CompletedOn is RFC 3339; empty means still running.
	CompletedOn string `json:"completedOn,omitempty"`
	Failed      bool   `json:"failed,omitempty"`
}

// PBIWorkspace is a Power BI workspace (group).
type PBIWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Members are the object IDs that see the workspace (and may take datasets over).
	Members  []string     `json:"members"`
	Datasets []PBIDataset `json:"datasets,omitempty"`
}

// PBIDataset is a Power BI dataset (semantic model).
type PBIDataset struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ConfiguredBy is the object ID of the owner; the API answers with its UPN.
	ConfiguredBy string `json:"configuredBy"`
	// PublishedBy is who published it from Power BI Desktop (default: the
	// owner). The report published with it stays theirs when someone takes
	// the dataset over.
	PublishedBy string `json:"publishedBy,omitempty"`
}

// CIInstance is a Dynamics 365 Customer Insights - Data instance.
type CIInstance struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"` // production, sandbox or trial
	Region string `json:"region,omitempty"`
	// Users are the object IDs with a role in the instance.
	Users []string `json:"users,omitempty"`
}

// systemAccount stands for Dataverse's SYSTEM user in scenario references.
const systemAccount = "SYSTEM"

func (p *PowerPlatform) validate(sc *Scenario) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("powerPlatform: "+format, args...))
	}
	dir := directoryOf(sc)
	for name, n := range p.Settings.MaxConcurrent {
		switch name {
		case "bap", "powerapps", "flow", "dataverse", "powerbi", "ci":
		default:
			bad("settings.maxConcurrent: %q is not bap, powerapps, flow, dataverse, powerbi or ci", name)
		}
		if n < 0 {
			bad("settings.maxConcurrent.%s is negative", name)
		}
	}
	seenTenant := map[string]bool{}
	ids := map[string]string{} // lower-case resource ID -> where it is used
	unique := func(id, what string) {
		k := strings.ToLower(id)
		if prev, ok := ids[k]; ok {
			bad("%s: id %s already used by %s", what, id, prev)
			return
		}
		ids[k] = what
	}
	orgs := map[string]bool{}
	for ti, t := range p.Tenants {
		tw := fmt.Sprintf("tenants[%d]", ti)
		tid := strings.ToLower(t.Tenant)
		if !IsGUID(t.Tenant) || !tenantKnown(sc, t.Tenant) {
			bad("%s: tenant %q is not a tenant of the scenario", tw, t.Tenant)
			continue
		}
		if seenTenant[tid] {
			bad("%s: tenant %s appears twice", tw, t.Tenant)
		}
		seenTenant[tid] = true
		ref := func(what, oid string, system bool) {
			if system && oid == systemAccount {
				return
			}
			if _, ok := dir[objKey(t.Tenant, oid)]; !ok {
				bad("%s: %q is not a user, guest or service principal of tenant %s", what, oid, t.Tenant)
			}
		}
		for i, a := range t.Admins {
			ref(fmt.Sprintf("%s.admins[%d]", tw, i), a, false)
		}
		defaults := 0
		for ei, e := range t.Environments {
			ew := fmt.Sprintf("%s.environments[%d] (%s)", tw, ei, e.DisplayName)
			switch {
			case e.SKU == SKUDefault:
				defaults++
				if !strings.EqualFold(e.ID, "Default-"+t.Tenant) {
					bad("%s: the default environment's id must be Default-%s", ew, t.Tenant)
				}
			case !IsGUID(e.ID):
				bad("%s: id %q is not a GUID", ew, e.ID)
			}
			switch e.SKU {
			case SKUProduction, SKUSandbox, SKUDefault, SKUDeveloper, SKUTrial, SKUTeams:
			default:
				bad("%s: sku %q is not Production, Sandbox, Default, Developer, Trial or Teams", ew, e.SKU)
			}
			if e.DisplayName == "" {
				bad("%s: displayName is required", ew)
			}
			unique(e.ID, ew)
			for i, a := range e.Admins {
				ref(fmt.Sprintf("%s.admins[%d]", ew, i), a, false)
			}
			if e.CreatedBy != "" {
				ref(ew+".createdBy", e.CreatedBy, true)
			}
			if e.Group != "" && !IsGUID(e.Group) {
				bad("%s: group %q is not a GUID", ew, e.Group)
			}
			solutions := map[string]bool{}
			if dv := e.Dataverse; dv != nil {
				if !orgRE.MatchString(dv.Org) {
					bad("%s: dataverse.org %q must be a lower-case DNS label", ew, dv.Org)
				}
				if orgs[dv.Org] {
					bad("%s: dataverse.org %q is used by another environment", ew, dv.Org)
				}
				orgs[dv.Org] = true
				for i, s := range dv.Solutions {
					sw := fmt.Sprintf("%s.dataverse.solutions[%d] (%s)", ew, i, s.UniqueName)
					guid(bad, sw, s.ID)
					unique(s.ID, sw)
					if s.UniqueName == "" || s.FriendlyName == "" {
						bad("%s: uniqueName and friendlyName are required", sw)
					}
					if solutions[strings.ToLower(s.UniqueName)] {
						bad("%s: duplicate uniqueName", sw)
					}
					solutions[strings.ToLower(s.UniqueName)] = true
					for j, im := range s.Imports {
						ref(fmt.Sprintf("%s.imports[%d].by", sw, j), im.By, true)
						if im.CompletedOn != "" {
							if _, err := time.Parse(time.RFC3339, im.CompletedOn); err != nil {
								bad("%s.imports[%d].completedOn %q is not RFC 3339", sw, j, im.CompletedOn)
							}
						}
					}
				}
				for i, a := range dv.ModelDrivenApps {
					aw := fmt.Sprintf("%s.dataverse.modelDrivenApps[%d] (%s)", ew, i, a.Name)
					guid(bad, aw, a.ID)
					unique(a.ID, aw)
					ref(aw+".createdBy", a.CreatedBy, true)
					if a.UniqueName == "" {
						bad("%s: uniqueName is required", aw)
					}
					solutionRef(bad, aw, a.Solution, solutions)
				}
				for i, b := range dv.Bots {
					bw := fmt.Sprintf("%s.dataverse.bots[%d] (%s)", ew, i, b.Name)
					guid(bad, bw, b.ID)
					unique(b.ID, bw)
					ref(bw+".createdBy", b.CreatedBy, true)
					if b.Owner != "" {
						ref(bw+".owner", b.Owner, true)
					}
					solutionRef(bad, bw, b.Solution, solutions)
				}
				for i, a := range dv.AbsentUsers {
					ref(fmt.Sprintf("%s.dataverse.absentUsers[%d]", ew, i), a, false)
				}
			}
			for i, a := range e.CanvasApps {
				aw := fmt.Sprintf("%s.canvasApps[%d] (%s)", ew, i, a.DisplayName)
				guid(bad, aw, a.ID)
				unique(a.ID, aw)
				ref(aw+".owner", a.Owner, false)
				if a.CreatedBy != "" {
					ref(aw+".createdBy", a.CreatedBy, false)
				}
				checkPermissions(bad, ref, aw, a.Permissions)
				solutionRef(bad, aw, a.Solution, solutions)
				timeRef(bad, aw, a.CreatedTime)
			}
			for i, f := range e.Flows {
				fw := fmt.Sprintf("%s.flows[%d] (%s)", ew, i, f.DisplayName)
				guid(bad, fw, f.ID)
				unique(f.ID, fw)
				ref(fw+".creator", f.Creator, false)
				if f.Owner != "" {
					ref(fw+".owner", f.Owner, false)
					if f.Solution == "" {
						bad("%s: only a flow in a solution has a primary owner of its own (owner)", fw)
					}
				}
				checkPermissions(bad, ref, fw, f.Owners)
				switch f.State {
				case "", "Started", "Stopped", "Suspended":
				default:
					bad("%s: state %q is not Started, Stopped or Suspended", fw, f.State)
				}
				solutionRef(bad, fw, f.Solution, solutions)
				if f.Solution != "" && e.Dataverse == nil {
					bad("%s: a flow in a solution needs the environment's Dataverse", fw)
				}
				timeRef(bad, fw, f.CreatedTime)
			}
		}
		if defaults > 1 {
			bad("%s: more than one default environment", tw)
		}
		for wi, w := range t.Workspaces {
			ww := fmt.Sprintf("%s.workspaces[%d] (%s)", tw, wi, w.Name)
			guid(bad, ww, w.ID)
			unique(w.ID, ww)
			for i, m := range w.Members {
				ref(fmt.Sprintf("%s.members[%d]", ww, i), m, false)
			}
			for i, d := range w.Datasets {
				dw := fmt.Sprintf("%s.datasets[%d] (%s)", ww, i, d.Name)
				guid(bad, dw, d.ID)
				unique(d.ID, dw)
				ref(dw+".configuredBy", d.ConfiguredBy, false)
				if d.PublishedBy != "" {
					ref(dw+".publishedBy", d.PublishedBy, false)
				}
			}
		}
		for i, in := range t.CIInstances {
			iw := fmt.Sprintf("%s.ciInstances[%d] (%s)", tw, i, in.Name)
			guid(bad, iw, in.ID)
			unique(in.ID, iw)
			switch in.Type {
			case "production", "sandbox", "trial":
			default:
				bad("%s: type %q is not production, sandbox or trial", iw, in.Type)
			}
			for j, u := range in.Users {
				ref(fmt.Sprintf("%s.users[%d]", iw, j), u, false)
			}
		}
	}
	return errors.Join(errs...)
}

func guid(bad func(string, ...any), what, id string) {
	if !IsGUID(id) {
		bad("%s: id %q is not a GUID", what, id)
	}
}

func solutionRef(bad func(string, ...any), what, name string, solutions map[string]bool) {
	if name != "" && !solutions[strings.ToLower(name)] {
		bad("%s: solution %q is not a solution of the environment's Dataverse", what, name)
	}
}

func timeRef(bad func(string, ...any), what, ts string) {
	if ts == "" {
		return
	}
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		bad("%s: createdTime %q is not RFC 3339", what, ts)
	}
}

func checkPermissions(bad func(string, ...any), ref func(string, string, bool), what string, ps []PPPermission) {
	for i, p := range ps {
		pw := fmt.Sprintf("%s.permissions[%d]", what, i)
		switch p.Type {
		case "", "User":
			ref(pw+".principal", p.Principal, false)
		case "Group":
			if !IsGUID(p.Principal) {
				bad("%s: group %q is not a GUID", pw, p.Principal)
			}
		default:
			bad("%s: type %q is not User or Group", pw, p.Type)
		}
		switch p.Role {
		case "CanEdit", "CanView":
		default:
			bad("%s: role %q is not CanEdit or CanView", pw, p.Role)
		}
	}
}

func tenantKnown(sc *Scenario, id string) bool {
	for _, t := range sc.Tenants {
		if strings.EqualFold(t.ID, id) {
			return true
		}
	}
	return false
}

// dirEntry is a directory object as the Power Platform services show it.
type dirEntry struct {
	oid, tenant, displayName string
	upn                      string // the directory's UPN (guests: the #EXT# form)
	mail                     string
	appID                    string // service principals
	sp                       bool
}

// directoryOf indexes a scenario's users, guests and service principals by tenant/oid.
func directoryOf(sc *Scenario) map[string]dirEntry {
	domains := map[string]string{}
	for _, t := range sc.Tenants {
		domains[strings.ToLower(t.ID)] = t.DefaultDomain
	}
	out := map[string]dirEntry{}
	for _, u := range sc.Users {
		out[objKey(u.HomeTenant, u.ObjectID)] = dirEntry{oid: u.ObjectID, tenant: u.HomeTenant, displayName: u.DisplayName,
			upn: u.UserPrincipalName, mail: u.UserPrincipalName}
		for _, g := range u.Guests {
			ext := strings.ReplaceAll(u.UserPrincipalName, "@", "_") + "#EXT#@" + domains[strings.ToLower(g.Tenant)]
			out[objKey(g.Tenant, g.ObjectID)] = dirEntry{oid: g.ObjectID, tenant: g.Tenant, displayName: u.DisplayName,
				upn: ext, mail: u.UserPrincipalName}
		}
	}
	for _, sp := range sc.ServicePrincipals {
		out[objKey(sp.Tenant, sp.ObjectID)] = dirEntry{oid: sp.ObjectID, tenant: sp.Tenant, displayName: sp.DisplayName,
			appID: sp.AppID, sp: true}
	}
	return out
}
