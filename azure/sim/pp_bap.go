package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// BAP: GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments[/{name}]
// answers with the admin projection of the environments (list-environments.md;
// Terraform's fixtures). Environments are the Power Platform admins' (all) or
// an environment admin's (their own); anybody else gets 403.

var bapAPIVersions = []string{"2016-11-01", "2020-10-01", "2021-04-01", "2023-06-01"}

func (p *pp) serveBAP(w http.ResponseWriter, r *http.Request) {
	c, done, ok := p.begin(w, r, bapService, "")
	if !ok {
		return
	}
	defer done()
	path := strings.TrimSuffix(r.URL.Path, "/")
	lp := strings.ToLower(path)
	const base = "/providers/microsoft.businessappplatform/scopes/admin/environments"
	const makerBase = "/providers/microsoft.businessappplatform/environments"
	switch {
	case r.Method != http.MethodGet:
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The simulator serves only GET on environments."))
	case lp == makerBase:
		p.serveMakerEnvironments(w, r, c, "")
	case strings.HasPrefix(lp, makerBase+"/") && !strings.Contains(lp[len(makerBase)+1:], "/"):
		p.serveMakerEnvironments(w, r, c, path[len(makerBase)+1:])
	case !rpQueryOK(w, r, "$expand", "$top", "$skiptoken"):
	case lp == base:
		if !p.s.requireAPIVersion(w, r, bapAPIVersions...) {
			return
		}
		p.listEnvironments(w, r, c)
	case strings.HasPrefix(lp, base+"/") && !strings.Contains(lp[len(base)+1:], "/"):
		if !p.s.requireAPIVersion(w, r, bapAPIVersions...) {
			return
		}
		name := path[len(base)+1:]
		exp, ok := bapExpand(w, r)
		if !ok {
			return
		}
		p.mu.RLock()
		e := p.env(c, name)
		var body *bapEnv
		if e != nil && c.canAdmin(e) {
			body = p.renderEnv(e, exp)
		}
		p.mu.RUnlock()
		if body == nil {
			writeJSON(w, http.StatusNotFound, armError("EnvironmentNotFound", fmt.Sprintf("The environment '%s' could not be found in the tenant '%s'.", name, c.Tid)))
			return
		}
		writeJSON(w, http.StatusOK, body)
	default:
		writeJSON(w, http.StatusNotFound, armError("NotFound", "The simulator does not serve "+r.URL.Path+" on "+bapHost+"."))
	}
}

// bapExpands are the $expand values the environments take (applied).
var bapExpands = map[string]bool{"properties.capacity": true, "properties.addons": true, "properties.billingpolicy": true, "properties.copilotpolicies": true}

// bapExpand reads $expand (properties.x or properties/x); a value it does not
// apply is refused.
func bapExpand(w http.ResponseWriter, r *http.Request) (map[string]bool, bool) {
	m := map[string]bool{}
	for _, x := range strings.Split(r.URL.Query().Get("$expand"), ",") {
		x = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(x, "/", ".")))
		if x == "" {
			continue
		}
		if !bapExpands[x] {
			writeJSON(w, http.StatusBadRequest, armError("InvalidExpandQueryOption", fmt.Sprintf("The $expand value '%s' is not supported: use properties.capacity, properties.addons, properties.billingPolicy or properties.copilotPolicies.", x)))
			return nil, false
		}
		m[x] = true
	}
	return m, true
}

func (p *pp) listEnvironments(w http.ResponseWriter, r *http.Request, c *ppCaller) {
	if !c.isAdmin() && !p.anyEnvAdmin(c) {
		writeJSON(w, http.StatusForbidden, armError("Forbidden",
			fmt.Sprintf("The caller with object id '%s' is not a Power Platform administrator and administers no environment in this tenant.", c.Oid)))
		return
	}
	exp, ok := bapExpand(w, r)
	if !ok {
		return
	}
	p.mu.RLock()
	envs := p.adminEnvs(c)
	size := p.set.EnvironmentsPageSize
	if size <= 0 {
		size = len(envs) + 1
	}
	start, end, ok := pageBounds(r, len(envs), size, size)
	if !ok {
		p.mu.RUnlock()
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	value := make([]*bapEnv, 0, end-start)
	for _, e := range envs[start:end] {
		value = append(value, p.renderEnv(e, exp))
	}
	p.mu.RUnlock()
	out := struct {
		Value    []*bapEnv `json:"value"`
		NextLink string    `json:"nextLink,omitempty"`
	}{Value: value}
	if end < len(envs) {
		out.NextLink = nextLink(r, bapHost, end)
	}
	writeJSON(w, http.StatusOK, out)
}

func (p *pp) anyEnvAdmin(c *ppCaller) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.adminEnvs(c)) > 0
}

type idOnly struct {
	ID string `json:"id"`
}

type bapPrincipal struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	Email             string `json:"email,omitempty"`
	Type              string `json:"type"`
	TenantID          string `json:"tenantId,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
}

type bapLinked struct {
	ResourceID                string `json:"resourceId"`
	FriendlyName              string `json:"friendlyName"`
	UniqueName                string `json:"uniqueName"`
	DomainName                string `json:"domainName"`
	Version                   string `json:"version"`
	InstanceURL               string `json:"instanceUrl"`
	InstanceAPIURL            string `json:"instanceApiUrl"`
	BaseLanguage              int    `json:"baseLanguage"`
	InstanceState             string `json:"instanceState"`
	CreatedTime               string `json:"createdTime"`
	BackgroundOperationsState string `json:"backgroundOperationsState"`
	ScaleGroup                string `json:"scaleGroup"`
	PlatformSku               string `json:"platformSku"`
	SchemaType                string `json:"schemaType"`
}

type bapOp struct {
	Type   idOnly     `json:"type"`
	Reason *bapReason `json:"reason,omitempty"`
}

type bapReason struct {
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

type bapEnvProps struct {
	TenantID               string            `json:"tenantId"`
	AzureRegion            string            `json:"azureRegion"`
	DisplayName            string            `json:"displayName"`
	Description            string            `json:"description"`
	CreatedTime            string            `json:"createdTime"`
	CreatedBy              bapPrincipal      `json:"createdBy"`
	LastModifiedTime       string            `json:"lastModifiedTime"`
	UsedBy                 *bapPrincipal     `json:"usedBy,omitempty"`
	ParentEnvironmentGroup *idOnly           `json:"parentEnvironmentGroup,omitempty"`
	BillingPolicy          json.RawMessage   `json:"billingPolicy,omitempty"`
	ProvisioningState      string            `json:"provisioningState"`
	CreationType           string            `json:"creationType"`
	EnvironmentSku         string            `json:"environmentSku"`
	IsDefault              bool              `json:"isDefault"`
	ClientUris             map[string]string `json:"clientUris"`
	RuntimeEndpoints       map[string]string `json:"runtimeEndpoints"`
	DatabaseType           string            `json:"databaseType"`
	// LinkedEnvironmentMetadata is null for an environment without Dataverse.
	LinkedEnvironmentMetadata *bapLinked      `json:"linkedEnvironmentMetadata"`
	TrialScenarioType         string          `json:"trialScenarioType"`
	NotificationMetadata      json.RawMessage `json:"notificationMetadata"`
	RetentionPeriod           string          `json:"retentionPeriod"`
	States                    struct {
		Management idOnly `json:"management"`
		Runtime    struct {
			RuntimeReasonCode string       `json:"runtimeReasonCode"`
			RequestedBy       bapPrincipal `json:"requestedBy"`
			ID                string       `json:"id"`
		} `json:"runtime"`
	} `json:"states"`
	UpdateCadence                  idOnly          `json:"updateCadence"`
	BingChatEnabled                bool            `json:"bingChatEnabled"`
	M365Enabled                    bool            `json:"m365Enabled"`
	CopilotPolicies                json.RawMessage `json:"copilotPolicies,omitempty"`
	Capacity                       json.RawMessage `json:"capacity,omitempty"`
	Addons                         json.RawMessage `json:"addons,omitempty"`
	RetentionDetails               json.RawMessage `json:"retentionDetails"`
	ProtectionStatus               json.RawMessage `json:"protectionStatus"`
	Cluster                        json.RawMessage `json:"cluster"`
	ConnectedGroups                []any           `json:"connectedGroups"`
	LifecycleOperationsEnforcement struct {
		AllowedOperations    []bapOp `json:"allowedOperations"`
		DisallowedOperations []bapOp `json:"disallowedOperations"`
	} `json:"lifecycleOperationsEnforcement"`
	GovernanceConfiguration json.RawMessage `json:"governanceConfiguration"`
}

type bapEnv struct {
	ID         string      `json:"id"`
	Type       string      `json:"type"`
	Location   string      `json:"location"`
	Name       string      `json:"name"`
	Properties bapEnvProps `json:"properties"`
}

var (
	rawNotification = json.RawMessage(`{"state":"NotSpecified","branding":"NotSpecific"}`)
	rawProtection   = json.RawMessage(`{"keyManagedBy":"Microsoft"}`)
	rawGovernance   = json.RawMessage(`{"protectionLevel":"Basic"}`)
	rawCopilot      = json.RawMessage(`{"crossGeoCopilotDataMovementEnabled":true,"crossBoundaryCopilotDataMovementEnabled":true}`)
)

// regionInfo maps a location to the per-geo endpoints the services advertise.
func regionInfo(loc string) (azure, geo, flowGeo string) {
	switch loc {
	case "europe":
		return "northeurope", "EU", "emea"
	case "unitedkingdom":
		return "uksouth", "UK", "unitedkingdom"
	default:
		return "westus", "US", "unitedstates"
	}
}

func (p *pp) principalOf(tenant, oid string) bapPrincipal {
	if oid == "" || oid == systemAccount {
		return bapPrincipal{ID: "SYSTEM", DisplayName: "SYSTEM", Type: "NotSpecified"}
	}
	d := p.who(tenant, oid)
	if d.sp {
		return bapPrincipal{ID: d.oid, DisplayName: d.displayName, Type: "ServicePrincipal", TenantID: tenant}
	}
	return bapPrincipal{ID: d.oid, DisplayName: d.displayName, Email: d.mail, Type: "User", TenantID: tenant, UserPrincipalName: d.upn}
}

func instanceURLs(org string) (web, api string) {
	return "https://" + org + crmSuffix + "/", "https://" + org + ".api" + crmSuffix
}

func (p *pp) renderEnv(e *ppEnv, expand map[string]bool) *bapEnv {
	loc := e.e.Region
	azure, geo, flowGeo := regionInfo(loc)
	name := e.e.ID
	b := &bapEnv{ID: "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/" + name,
		Type: "Microsoft.BusinessAppPlatform/scopes/environments", Location: loc, Name: name}
	pr := &b.Properties
	pr.TenantID = e.t.id
	pr.AzureRegion = azure
	pr.DisplayName = e.e.DisplayName
	pr.CreatedTime = isoTime(e.created)
	pr.LastModifiedTime = isoTime(e.created.Add(36 * time.Hour))
	pr.CreatedBy = p.principalOf(e.t.id, e.e.CreatedBy)
	pr.ProvisioningState = "Succeeded"
	pr.EnvironmentSku = e.e.SKU
	pr.IsDefault = e.e.SKU == SKUDefault
	pr.CreationType = "User"
	switch e.e.SKU {
	case SKUDefault:
		pr.CreationType = "DefaultTenant"
	case SKUDeveloper:
		pr.CreationType = "Developer"
		if e.e.CreatedBy != "" {
			u := p.principalOf(e.t.id, e.e.CreatedBy)
			u.DisplayName, u.Email = "", ""
			pr.UsedBy = &u
		}
	}
	if e.e.Group != "" {
		pr.ParentEnvironmentGroup = &idOnly{ID: strings.ToLower(e.e.Group)}
	}
	if expand["properties.billingpolicy"] && e.e.BillingPolicy != "" {
		pr.BillingPolicy = p.renderBillingPolicy(e, loc)
	}
	if expand["properties.copilotpolicies"] {
		pr.CopilotPolicies = rawCopilot
	}
	if expand["properties.capacity"] {
		pr.Capacity = p.renderCapacity(e)
	}
	if expand["properties.addons"] {
		pr.Addons = json.RawMessage(`[]`)
	}
	pr.ClientUris = map[string]string{
		"admin": "https://admin.powerplatform.microsoft.com/environments/environment/" + name + "/hub",
		"maker": "https://make.powerapps.com/environments/" + name + "/home",
	}
	cluster := map[string]string{"US": "us-il102", "EU": "eu-il109", "UK": "uk-il104"}[geo]
	region := strings.ToLower(loc)
	pr.RuntimeEndpoints = map[string]string{
		"microsoft.BusinessAppPlatform": "https://" + region + ".api.bap.microsoft.com",
		"microsoft.CommonDataModel":     "https://" + region + ".api.cds.microsoft.com",
		"microsoft.PowerApps":           "https://" + region + ".api.powerapps.com",
		"microsoft.PowerAppsAdvisor":    "https://" + region + ".api.advisor.powerapps.com",
		"microsoft.PowerVirtualAgents":  "https://powervamg." + cluster + ".gateway.prod.island.powerapps.com",
		"microsoft.ApiManagement":       "https://management." + strings.ToUpper(region) + ".azure-apihub.net",
		"microsoft.Flow":                "https://" + flowGeo + ".api.flow.microsoft.com",
	}
	pr.DatabaseType = "None"
	if dv := e.dv; dv != nil {
		pr.DatabaseType = "CommonDataService"
		web, api := instanceURLs(dv.org)
		pr.LinkedEnvironmentMetadata = &bapLinked{ResourceID: dv.orgID, FriendlyName: e.e.DisplayName,
			UniqueName: "unq" + strings.ReplaceAll(dv.orgID, "-", "")[:29], DomainName: dv.org, Version: "9.2.25041.00185",
			InstanceURL: web, InstanceAPIURL: api, BaseLanguage: 1033, InstanceState: "Ready",
			CreatedTime: e.created.Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"), BackgroundOperationsState: "Enabled",
			ScaleGroup: geo + "CRMLIVESG" + fmt.Sprint(600+len(dv.org)), PlatformSku: "Standard", SchemaType: "Standard"}
	}
	pr.TrialScenarioType = "None"
	pr.NotificationMetadata = rawNotification
	pr.RetentionPeriod = "P7D"
	pr.States.Management.ID = "Ready"
	pr.States.Runtime.ID = "Enabled"
	if e.e.Disabled {
		pr.States.Runtime.ID = "Disabled"
	}
	pr.States.Runtime.RuntimeReasonCode = "NotSpecified"
	pr.States.Runtime.RequestedBy = bapPrincipal{DisplayName: "SYSTEM", Type: "NotSpecified"}
	pr.UpdateCadence.ID = "Frequent"
	pr.BingChatEnabled = true
	pr.M365Enabled = false
	pr.RetentionDetails = json.RawMessage(`{"retentionPeriod":"P7D","backupsAvailableFromDateTime":"` + isoTime(p.s.now().Add(-7*24*time.Hour)) + `"}`)
	pr.ProtectionStatus = rawProtection
	pr.Cluster = json.RawMessage(`{"category":"Prod","number":"` + cluster[len(cluster)-3:] + `","uriSuffix":"` + cluster + `.gateway.prod.island","geoShortName":"` + geo + `","environment":"Prod"}`)
	pr.ConnectedGroups = []any{}
	pr.LifecycleOperationsEnforcement.AllowedOperations = []bapOp{{Type: idOnly{"Backup"}}, {Type: idOnly{"Edit"}}}
	pr.LifecycleOperationsEnforcement.DisallowedOperations = []bapOp{}
	if e.e.SKU == SKUDefault {
		pr.LifecycleOperationsEnforcement.DisallowedOperations = []bapOp{
			{Type: idOnly{"Delete"}, Reason: &bapReason{Message: "Delete cannot be performed on environment of type Default.", Type: "EnvironmentSku"}},
		}
	} else if e.dv == nil {
		pr.LifecycleOperationsEnforcement.DisallowedOperations = []bapOp{
			{Type: idOnly{"Provision"}, Reason: &bapReason{Message: "Provision cannot be performed because there is no linked CDS instance or the CDS instance version is not supported.", Type: "CdsLink"}},
		}
	}
	pr.GovernanceConfiguration = rawGovernance
	return b
}

func (p *pp) renderBillingPolicy(e *ppEnv, loc string) json.RawMessage {
	id := stableGUID("billing", e.t.id, e.e.BillingPolicy)
	sub := stableGUID("subscription", e.t.id)
	by := map[string]string{"id": "SYSTEM", "type": "NotSpecified"}
	if len(e.t.admins) > 0 {
		for a := range e.t.admins {
			if d := p.who(e.t.id, a); !d.sp {
				by = map[string]string{"id": d.oid, "type": "User"}
				break
			}
		}
	}
	payg := map[string]string{"payAsYouGoState": "Enabled"}
	when := isoTime(e.created.Add(24 * time.Hour))
	b, _ := json.Marshal(map[string]any{
		"id": id, "name": e.e.BillingPolicy, "type": "TenantOwned", "status": "Enabled", "location": loc,
		"powerAutomatePolicy": map[string]string{"cloudFlowRunsPayAsYouGoState": "Enabled", "desktopFlowUnattendedRunsPayAsYouGoState": "Enabled", "desktopFlowAttendedRunsPayAsYouGoState": "Enabled"},
		"powerAppsPolicy":     payg, "storagePolicy": payg, "powerPlatformRequestsPolicy": payg, "powerPagesPolicy": payg, "powerVirtualAgentPolicy": payg,
		"billingInstrument": map[string]string{"subscriptionId": sub, "resourceGroup": "rg-power-platform", "location": loc,
			"id":                 "/subscriptions/" + sub + "/resourceGroups/rg-power-platform/providers/Microsoft.PowerPlatform/accounts/" + strings.ToLower(strings.ReplaceAll(e.e.BillingPolicy, " ", "-")),
			"provisioningStatus": "Succeeded"},
		"createdOn": when, "createdBy": by, "lastModifiedOn": when, "lastModifiedBy": by,
	})
	return b
}

// renderCapacity is the environment's Dataverse storage use ($expand=properties.capacity).
func (p *pp) renderCapacity(e *ppEnv) json.RawMessage {
	if e.dv == nil {
		return json.RawMessage(`[]`)
	}
	n := 0
	for _, t := range e.dv.tables {
		n += len(t.rows)
	}
	when := isoTime(p.s.now().Add(-6 * time.Hour).Truncate(time.Hour))
	b, _ := json.Marshal([]map[string]any{
		{"capacityType": "Database", "actualConsumption": 512.25 + float64(n)/8, "ratedConsumption": 512.25 + float64(n)/8, "capacityUnit": "MB", "updatedOn": when},
		{"capacityType": "File", "actualConsumption": 96.5, "ratedConsumption": 96.5, "capacityUnit": "MB", "updatedOn": when},
		{"capacityType": "Log", "actualConsumption": 0, "ratedConsumption": 0, "capacityUnit": "MB", "updatedOn": when},
	})
	return b
}
