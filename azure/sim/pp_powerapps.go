package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Power Apps (api.powerapps.com), admin scope:
//
//	GET  /providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps[?$top&$skiptoken&$expand=permissions($filter=maxAssignedTo('{oid}'))]
//	GET  …/apps/{app}
//	GET  …/apps/{app}/permissions
//	POST …/apps/{app}/modifyAppOwner     {"newAppOwner":"{oid}","roleForOldAppOwner":"CanView|CanEdit"}
//	POST …/apps/{app}/modifyPermissions  {"put":[{"properties":{"principal":{"id":…,"type":"User"},"roleName":"CanEdit"}}],"delete":[{"id":…}]}
//
// Lists page with a top-level nextLink carrying %24skiptoken.

var powerAppsAPIVersions = []string{"2016-11-01", "2017-08-01", "2020-06-01", "2021-02-01", "2022-11-01", "2023-06-01", "2025-04-01"}

var (
	makerAppsPathRE  = regexp.MustCompile(`^/providers/microsoft\.powerapps/apps(?:/([^/]+))?$`)
	appsPathRE       = regexp.MustCompile(`^/providers/microsoft\.powerapps/scopes/admin/environments/([^/]+)/apps(?:/([^/]+)(?:/(permissions|modifyappowner|modifypermissions))?)?$`)
	maxAssignedToRE  = regexp.MustCompile(`(?i)^permissions\(\$filter=maxAssignedTo\('([0-9a-fA-F-]{36})'\)\)$`)
	defaultAppsPage  = 250
	defaultPermsPage = 100
)

func (p *pp) servePowerApps(w http.ResponseWriter, r *http.Request) {
	c, done, ok := p.begin(w, r, powerAppsService, "")
	if !ok {
		return
	}
	defer done()
	lp := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	if mm := makerAppsPathRE.FindStringSubmatch(lp); mm != nil {
		if p.s.requireAPIVersion(w, r, powerAppsAPIVersions...) {
			p.serveMakerApps(w, r, c, mm[1])
		}
		return
	}
	m := appsPathRE.FindStringSubmatch(lp)
	if m == nil {
		writeJSON(w, http.StatusNotFound, armError("NotFound", "The simulator does not serve "+r.URL.Path+" on "+powerAppsHost+"."))
		return
	}
	if !p.s.requireAPIVersion(w, r, powerAppsAPIVersions...) {
		return
	}
	envName, appName, op := m[1], m[2], m[3]
	allowed := []string{}
	switch {
	case appName == "":
		allowed = []string{"$top", "$skiptoken", "$expand", "$filter"}
	case op == "permissions":
		allowed = []string{"$top", "$skiptoken", "$filter"}
	}
	if !rpQueryOK(w, r, allowed...) || !environmentFilterOK(w, r, envName) {
		return
	}
	e := p.adminEnv(w, c, envName, "EnvironmentNotFound")
	if e == nil {
		return
	}
	if appName == "" {
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "Use GET."))
			return
		}
		p.listApps(w, r, e)
		return
	}
	p.mu.RLock()
	a := e.appIdx[appName]
	p.mu.RUnlock()
	if a == nil {
		writeJSON(w, http.StatusNotFound, armError("AppNotFound", fmt.Sprintf("Could not find App '%s'.", appName)))
		return
	}
	switch {
	case op == "" && r.Method == http.MethodGet:
		p.mu.RLock()
		body := p.renderApp(e, p.appView(a), "")
		p.mu.RUnlock()
		writeJSON(w, http.StatusOK, body)
	case op == "permissions" && r.Method == http.MethodGet:
		p.listAppPermissions(w, r, e, a)
	case op == "modifyappowner" && r.Method == http.MethodPost:
		p.modifyAppOwner(w, r, c, e, a)
	case op == "modifypermissions" && r.Method == http.MethodPost:
		p.modifyAppPermissions(w, r, c, e, a)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The method is not allowed on this resource."))
	}
}

func (p *pp) listApps(w http.ResponseWriter, r *http.Request, e *ppEnv) {
	forOID := ""
	if x := r.URL.Query().Get("$expand"); x != "" && !p.set.IgnorePermissionsExpand {
		mm := maxAssignedToRE.FindStringSubmatch(strings.TrimSpace(x))
		if mm == nil {
			writeJSON(w, http.StatusBadRequest, armError("InvalidAppFilterCombination",
				"Only $expand=permissions($filter=maxAssignedTo('<objectId>')) is supported on the app list."))
			return
		}
		forOID = strings.ToLower(mm[1])
	}
	max := p.set.AppsPageSize
	if max <= 0 {
		max = defaultAppsPage
	}
	p.mu.RLock()
	start, end, ok := pageBounds(r, len(e.apps), max, max)
	if !ok {
		p.mu.RUnlock()
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	buf := p.getBuf()
	defer p.putBuf(buf)
	size := 512
	for _, a := range e.apps[start:end] {
		if j := p.appView(a).json.Load(); j != nil {
			size += len(j.head) + len(j.tail) + 1
		}
	}
	buf.Grow(size)
	buf.WriteString(`{"value":[`)
	for i, a := range e.apps[start:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		a = p.appView(a)
		j := p.appJSON(e, a)
		buf.Write(j.head)
		if forOID != "" {
			buf.WriteString(`,"permissions":`)
			if strings.EqualFold(a.Owner, forOID) {
				buf.Write(j.owner)
			} else {
				var perms []*rpPermission
				for _, g := range a.perms {
					if strings.EqualFold(g.Principal, forOID) {
						perms = append(perms, p.renderAppPermission(e, a, g))
					}
				}
				if len(perms) == 0 {
					buf.WriteString(`[]`)
				} else {
					b, _ := json.Marshal(perms)
					buf.Write(b)
				}
			}
		}
		buf.Write(j.tail)
	}
	buf.WriteByte(']')
	p.mu.RUnlock()
	if end < len(e.apps) {
		buf.WriteString(`,"nextLink":`)
		writeJSONString(buf, nextLink(r, powerAppsHost, end))
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// appJSON is an app's list answer split where its properties end, so the
// permissions expansion can be put in, and the owner's own expansion.
type appJSON struct{ head, tail, owner []byte }

func (p *pp) appJSON(e *ppEnv, a *ppApp) *appJSON {
	if j := a.json.Load(); j != nil {
		return j
	}
	b, _ := json.Marshal(p.renderApp(e, a, ""))
	i := bytes.LastIndex(b, []byte(`},"appLocation":`))
	owner, _ := json.Marshal([]*rpPermission{p.renderAppPermission(e, a, ppGrant{PPPermission: PPPermission{Principal: a.Owner, Role: "Owner"}, at: a.created, by: a.Owner})})
	j := &appJSON{head: b[:i], tail: b[i:], owner: owner}
	a.json.Store(j)
	return j
}

type clientVersion struct {
	Major         int `json:"major"`
	Minor         int `json:"minor"`
	Build         int `json:"build"`
	Revision      int `json:"revision"`
	MajorRevision int `json:"majorRevision"`
	MinorRevision int `json:"minorRevision"`
}

type uriPair struct {
	Value         string `json:"value"`
	ReadonlyValue string `json:"readonlyValue,omitempty"`
}

type rpAppProps struct {
	AppVersion             string        `json:"appVersion"`
	LastDraftVersion       string        `json:"lastDraftVersion"`
	LifeCycleID            string        `json:"lifeCycleId"`
	Status                 string        `json:"status"`
	CreatedByClientVersion clientVersion `json:"createdByClientVersion"`
	MinClientVersion       clientVersion `json:"minClientVersion"`
	Owner                  bapPrincipal  `json:"owner"`
	CreatedBy              bapPrincipal  `json:"createdBy"`
	LastModifiedBy         bapPrincipal  `json:"lastModifiedBy"`
	LastPublishedBy        bapPrincipal  `json:"lastPublishedBy"`
	BackgroundColor        string        `json:"backgroundColor"`
	BackgroundImageURI     string        `json:"backgroundImageUri"`
	TeamsColorIconURL      string        `json:"teamsColorIconUrl"`
	TeamsOutlineIconURL    string        `json:"teamsOutlineIconUrl"`
	DisplayName            string        `json:"displayName"`
	Description            string        `json:"description"`
	CommitMessage          string        `json:"commitMessage"`
	Publisher              string        `json:"publisher"`
	AppUris                struct {
		DocumentURI    uriPair `json:"documentUri"`
		ImageUris      []any   `json:"imageUris"`
		AdditionalUris []any   `json:"additionalUris"`
	} `json:"appUris"`
	CreatedTime             string          `json:"createdTime"`
	LastModifiedTime        string          `json:"lastModifiedTime"`
	LastPublishTime         string          `json:"lastPublishTime"`
	SharedGroupsCount       int             `json:"sharedGroupsCount"`
	SharedUsersCount        int             `json:"sharedUsersCount"`
	AppOpenProtocolURI      string          `json:"appOpenProtocolUri"`
	AppOpenURI              string          `json:"appOpenUri"`
	AppPlayURI              string          `json:"appPlayUri"`
	AppPlayEmbeddedURI      string          `json:"appPlayEmbeddedUri"`
	AppPlayTeamsURI         string          `json:"appPlayTeamsUri"`
	ConnectionReferences    json.RawMessage `json:"connectionReferences"`
	AuthorizationReferences []any           `json:"authorizationReferences"`
	DatabaseReferences      json.RawMessage `json:"databaseReferences"`
	UserAppMetadata         json.RawMessage `json:"userAppMetadata"`
	IsFeaturedApp           bool            `json:"isFeaturedApp"`
	BypassConsent           bool            `json:"bypassConsent"`
	IsHeroApp               bool            `json:"isHeroApp"`
	Environment             struct {
		ID       string `json:"id"`
		Location string `json:"location"`
		Name     string `json:"name"`
	} `json:"environment"`
	AlmMode                        string          `json:"almMode"`
	PerformanceOptimizationEnabled bool            `json:"performanceOptimizationEnabled"`
	UnauthenticatedWebPackageHint  string          `json:"unauthenticatedWebPackageHint"`
	CanConsumeAppPass              bool            `json:"canConsumeAppPass"`
	EnableModernRuntimeMode        bool            `json:"enableModernRuntimeMode"`
	ExecutionRestrictions          json.RawMessage `json:"executionRestrictions"`
	AppPlanClassification          string          `json:"appPlanClassification"`
	UsesPremiumAPI                 bool            `json:"usesPremiumApi"`
	UsesOnlyGrandfatheredPremium   bool            `json:"usesOnlyGrandfatheredPremiumApis"`
	UsesCustomAPI                  bool            `json:"usesCustomApi"`
	UsesOnPremiseGateway           bool            `json:"usesOnPremiseGateway"`
	UsesPcfExternalServiceUsage    bool            `json:"usesPcfExternalServiceUsage"`
	IsCustomizable                 bool            `json:"isCustomizable"`
	AppPackageDetails              json.RawMessage `json:"appPackageDetails"`
	// Permissions is the $expand=permissions($filter=maxAssignedTo(…))
	// answer: the named principal's own role on the app, if any. Where the
	// live service puts it is not verified.
	Permissions *[]*rpPermission `json:"permissions,omitempty"`
}

type rpApp struct {
	Name                  string            `json:"name"`
	ID                    string            `json:"id"`
	Type                  string            `json:"type"`
	Tags                  map[string]string `json:"tags"`
	Properties            rpAppProps        `json:"properties"`
	AppLocation           string            `json:"appLocation"`
	AppType               string            `json:"appType"`
	IsAppComponentLibrary bool              `json:"isAppComponentLibrary"`
	LogicalName           string            `json:"logicalName,omitempty"`
}

var (
	appTags = map[string]string{
		"primaryDeviceWidth": "1366", "primaryDeviceHeight": "768", "supportsPortrait": "true", "supportsLandscape": "true",
		"primaryFormFactor": "Tablet", "publisherVersion": "3.25042.14", "minimumRequiredApiVersion": "2.2.0", "hasComponent": "false",
		"hasUnlockedComponent": "false", "isUnifiedRootApp": "false", "sienaVersion": "20250512T101510Z-3.25042.14.0",
		"showStatusBar": "false", "optimizedForTeamsMeeting": "false",
	}
	appClientVersion = clientVersion{Major: 3, Minor: 25042, Build: 14}
	rawEmptyObject   = json.RawMessage(`{}`)
	rawUserAppMeta   = json.RawMessage(`{"favorite":"NotSpecified","includeInAppsList":true}`)
	rawNoDBRefs      = json.RawMessage(`{}`)
)

func (p *pp) renderDBRefs(e *ppEnv) []byte {
	if e.dv == nil {
		return rawNoDBRefs
	}
	web, api := instanceURLs(e.dv.org)
	ref := map[string]any{"default.cds": map[string]any{
		"databaseDetails": map[string]any{
			"referenceType": "Environmental", "environmentName": "default.cds",
			"overrideValues": map[string]string{"status": "NotSpecified"},
			"linkedEnvironmentMetadata": map[string]any{
				"resourceId": e.dv.orgID, "friendlyName": e.e.DisplayName, "uniqueName": "unq" + strings.ReplaceAll(e.dv.orgID, "-", "")[:29],
				"domainName": e.dv.org, "version": "9.2.25041.00185", "instanceUrl": web, "instanceApiUrl": api,
				"baseLanguage": 1033, "instanceState": "Ready", "createdTime": e.created.Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"),
				"platformSku": "Standard",
			},
		},
		"dataSources": map[string]any{
			"Entities":  map[string]string{"entitySetName": "entities", "logicalName": "entity"},
			"Solutions": map[string]string{"entitySetName": "solutions", "logicalName": "solution"},
		},
	}}
	b, _ := json.Marshal(ref)
	return b
}

func (p *pp) renderApp(e *ppEnv, a *ppApp, forOID string) *rpApp {
	tid := e.t.id
	env := e.e.ID
	blob := "https://pafeblobprodus.blob.core.windows.net:443/" + strings.ReplaceAll(a.ID, "-", "")
	play := "https://apps.powerapps.com/play/e/" + env + "/a/" + a.ID + "?tenantId=" + tid
	out := &rpApp{
		Name: a.ID, ID: "/providers/Microsoft.PowerApps/scopes/admin/environments/" + env + "/apps/" + a.ID,
		Type: "Microsoft.PowerApps/scopes/admin/apps", Tags: appTags, AppLocation: e.e.Region, AppType: "ClassicCanvasApp",
	}
	pr := &out.Properties
	ver := a.modified.UTC().Format(time.RFC3339)
	pr.AppVersion, pr.LastDraftVersion, pr.LifeCycleID, pr.Status = ver, ver, "Published", "Ready"
	pr.CreatedByClientVersion, pr.MinClientVersion = appClientVersion, appClientVersion
	pr.Owner = p.principalOf(tid, a.Owner)
	creator := a.CreatedBy
	if creator == "" {
		creator = a.Owner
	}
	pr.CreatedBy = p.principalOf(tid, creator)
	pr.LastModifiedBy = pr.Owner
	pr.LastPublishedBy = pr.Owner
	pr.BackgroundColor = "RGBA(0,176,240,1)"
	pr.BackgroundImageURI = blob + "/logoSmallFile"
	pr.TeamsColorIconURL = blob + "/teamscoloricon.png"
	pr.TeamsOutlineIconURL = blob + "/teamsoutlineicon.png"
	pr.DisplayName = a.DisplayName
	pr.AppUris.DocumentURI = uriPair{Value: blob + "/document.msapp", ReadonlyValue: blob + "/document.msapp?readonly"}
	pr.AppUris.ImageUris, pr.AppUris.AdditionalUris = []any{}, []any{}
	pr.CreatedTime = isoTime(a.created)
	pr.LastModifiedTime = isoTime(a.modified)
	pr.LastPublishTime = shortTime(a.modified)
	for _, g := range a.perms {
		if strings.EqualFold(g.Type, "Group") {
			pr.SharedGroupsCount++
		} else {
			pr.SharedUsersCount++
		}
	}
	pr.AppOpenProtocolURI = "ms-apps:///providers/Microsoft.PowerApps/apps/" + a.ID
	pr.AppOpenURI = play + "&hint=" + stableGUID("hint", a.ID)
	pr.AppPlayURI = play
	pr.AppPlayEmbeddedURI = play + "&telemetryLocation=us"
	pr.AppPlayTeamsURI = play + "&source=teamstab"
	pr.ConnectionReferences = rawEmptyObject
	pr.AuthorizationReferences = []any{}
	pr.DatabaseReferences = e.dbRefs
	pr.UserAppMetadata = rawUserAppMeta
	pr.Environment.ID = "/providers/Microsoft.PowerApps/environments/" + env
	pr.Environment.Location = e.e.Region
	pr.Environment.Name = env
	pr.AlmMode = "Environment"
	if a.Solution != "" {
		pr.AlmMode = "Solution"
		// Apps in a solution carry their Dataverse canvasapp name.
		out.LogicalName = strings.ToLower(strings.SplitN(a.Solution, "_", 2)[0][:min(3, len(a.Solution))]) + "_" +
			strings.ToLower(strings.ReplaceAll(a.DisplayName, " ", "")) + "_" + strings.ReplaceAll(a.ID, "-", "")[:5]
	}
	pr.UnauthenticatedWebPackageHint = stableGUID("web", a.ID)
	pr.ExecutionRestrictions = json.RawMessage(`{"isTeamsOnly":false,"dataLossPreventionEvaluationResult":{"status":"Compliant","lastEvaluationDate":"` +
		isoTime(a.modified) + `","violations":[],"violationsByPolicy":[],"violationErrorMessage":"The app uses the following connectors: ."}}`)
	pr.AppPlanClassification = "Standard"
	pr.IsCustomizable = true
	pr.AppPackageDetails = json.RawMessage(`{"playerPackage":{"value":"` + blob + `/player.msapp","readonlyValue":"` + blob +
		`/player.msapp?readonly"},"webPackage":{"value":"` + blob + `/web","readonlyValue":"` + blob + `/web?readonly"},"unauthenticatedWebPackage":{"value":"` +
		blob + `/unauth"},"documentServerVersion":{"major":3,"minor":25042,"build":14,"revision":0,"majorRevision":0,"minorRevision":0},"appPackageResourcesKind":"Split","packagePropertiesJson":"{\"cdnUrl\":\"https://content.powerapps.com/resource/app\"}","id":"` +
		stableGUID("package", a.ID) + `"}`)
	if forOID != "" {
		perms := []*rpPermission{}
		if strings.EqualFold(a.Owner, forOID) {
			perms = append(perms, p.renderAppPermission(e, a, ppGrant{PPPermission: PPPermission{Principal: a.Owner, Role: "Owner"}, at: a.created, by: a.Owner}))
		} else {
			for _, g := range a.perms {
				if strings.EqualFold(g.Principal, forOID) {
					perms = append(perms, p.renderAppPermission(e, a, g))
				}
			}
		}
		pr.Permissions = &perms
	}
	return out
}

type rpPrincipal struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
	Type        string `json:"type"`
	TenantID    string `json:"tenantId,omitempty"`
}

type rpPermission struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Properties struct {
		RoleName                string      `json:"roleName"`
		Principal               rpPrincipal `json:"principal"`
		Scope                   string      `json:"scope"`
		NotifyShareTargetOption string      `json:"notifyShareTargetOption"`
		InviteGuestToTenant     bool        `json:"inviteGuestToTenant"`
		CreatedOn               string      `json:"createdOn"`
		CreatedBy               string      `json:"createdBy"`
	} `json:"properties"`
}

func (p *pp) renderAppPermission(e *ppEnv, a *ppApp, g ppGrant) *rpPermission {
	out := &rpPermission{Name: g.Principal, ID: "/providers/Microsoft.PowerApps/apps/" + a.ID + "/permissions/" + g.Principal,
		Type: "Microsoft.PowerApps/apps/permissions"}
	pr := &out.Properties
	pr.RoleName = g.Role
	if strings.EqualFold(g.Type, "Group") {
		pr.Principal = rpPrincipal{ID: g.Principal, DisplayName: g.DisplayName, Type: "Group", TenantID: e.t.id}
	} else {
		b := p.principalOf(e.t.id, g.Principal)
		pr.Principal = rpPrincipal{ID: b.ID, DisplayName: b.DisplayName, Email: b.Email, Type: b.Type, TenantID: e.t.id}
	}
	pr.Scope = "/providers/Microsoft.PowerApps/environments/" + e.e.ID + "/apps/" + a.ID
	pr.NotifyShareTargetOption = "NotSpecified"
	pr.CreatedOn = isoTime(g.at)
	pr.CreatedBy = g.by
	return out
}

func (p *pp) appGrants(a *ppApp) []ppGrant {
	out := make([]ppGrant, 0, len(a.perms)+1)
	out = append(out, ppGrant{PPPermission: PPPermission{Principal: a.Owner, Role: "Owner"}, at: a.created, by: a.Owner})
	return append(out, a.perms...)
}

func (p *pp) listAppPermissions(w http.ResponseWriter, r *http.Request, e *ppEnv, a *ppApp) {
	max := p.set.PermissionsPageSize
	if max <= 0 {
		max = defaultPermsPage
	}
	p.mu.RLock()
	gs := p.appGrants(p.appView(a))
	start, end, ok := pageBounds(r, len(gs), max, max)
	if !ok {
		p.mu.RUnlock()
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	value := make([]*rpPermission, 0, end-start)
	for _, g := range gs[start:end] {
		value = append(value, p.renderAppPermission(e, a, g))
	}
	p.mu.RUnlock()
	out := struct {
		Value    []*rpPermission `json:"value"`
		NextLink string          `json:"nextLink,omitempty"`
	}{Value: value}
	if end < len(gs) {
		out.NextLink = nextLink(r, powerAppsHost, end)
	}
	writeJSON(w, http.StatusOK, out)
}

// principalKnown reports whether oid is a user or service principal of the tenant.
func (p *pp) principalKnown(tenant, oid string) bool {
	_, ok := p.dir[objKey(tenant, oid)]
	return ok
}

func (p *pp) modifyAppOwner(w http.ResponseWriter, r *http.Request, c *ppCaller, e *ppEnv, a *ppApp) {
	var body struct {
		NewAppOwner        string `json:"newAppOwner"`
		RoleForOldAppOwner string `json:"roleForOldAppOwner"`
	}
	if err := readJSONBody(r, &body); err != nil || !IsGUID(body.NewAppOwner) {
		writeJSON(w, http.StatusBadRequest, armError("InvalidRequestContent", "The request body must be {\"newAppOwner\":\"<object ID>\",\"roleForOldAppOwner\":\"CanView|CanEdit\"}."))
		return
	}
	switch body.RoleForOldAppOwner {
	case "", "CanView", "CanViewWithShare", "CanEdit":
	default:
		writeJSON(w, http.StatusBadRequest, armError("InvalidRoleName", fmt.Sprintf("The role '%s' is not valid for the previous owner: use CanView, CanViewWithShare or CanEdit.", body.RoleForOldAppOwner)))
		return
	}
	if !p.principalKnown(e.t.id, body.NewAppOwner) {
		writeJSON(w, http.StatusBadRequest, armError("PrincipalNotFound", fmt.Sprintf("The principal '%s' was not found in the tenant.", body.NewAppOwner)))
		return
	}
	now := p.s.now().UTC()
	p.mu.Lock()
	old := a.Owner
	if !strings.EqualFold(old, body.NewAppOwner) {
		p.appWritten(a)
		a.Owner = strings.ToLower(body.NewAppOwner)
		kept := a.perms[:0]
		for _, g := range a.perms {
			if !strings.EqualFold(g.Principal, body.NewAppOwner) && !strings.EqualFold(g.Principal, old) {
				kept = append(kept, g)
			}
		}
		a.perms = kept
		if body.RoleForOldAppOwner != "" {
			a.perms = append(a.perms, ppGrant{PPPermission: PPPermission{Principal: old, Role: body.RoleForOldAppOwner}, at: now, by: c.Oid})
		}
		a.modified = now
		a.json.Store(nil)
	}
	resp := p.renderApp(e, a, "")
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

type modifyBody struct {
	Put []struct {
		Properties struct {
			RoleName  string `json:"roleName"`
			Principal struct {
				ID          string `json:"id"`
				Type        string `json:"type"`
				DisplayName string `json:"displayName"`
			} `json:"principal"`
		} `json:"properties"`
	} `json:"put"`
	Delete []struct {
		ID string `json:"id"`
	} `json:"delete"`
}

// applyModify changes grants as a modifyPermissions body says; it returns an
// error message for a bad body. owner is never changed.
func (p *pp) applyModify(tenant string, grants []ppGrant, owner string, body modifyBody, by string, now time.Time) ([]ppGrant, string) {
	for _, put := range body.Put {
		pr := put.Properties
		if !IsGUID(pr.Principal.ID) {
			return nil, "Each put needs properties.principal.id (an object ID)."
		}
		switch pr.RoleName {
		case "CanEdit", "CanView", "CanViewWithShare":
		default:
			return nil, fmt.Sprintf("The role '%s' is not valid: use CanView, CanViewWithShare or CanEdit.", pr.RoleName)
		}
		typ := pr.Principal.Type
		if typ == "" {
			typ = "User"
		}
		if typ != "Group" && !p.principalKnown(tenant, pr.Principal.ID) {
			return nil, fmt.Sprintf("The principal '%s' was not found in the tenant.", pr.Principal.ID)
		}
		if strings.EqualFold(pr.Principal.ID, owner) {
			continue // the owner keeps the Owner role
		}
		replaced := false
		for i := range grants {
			if strings.EqualFold(grants[i].Principal, pr.Principal.ID) {
				grants[i].Role, grants[i].at, grants[i].by = pr.RoleName, now, by
				replaced = true
			}
		}
		if !replaced {
			grants = append(grants, ppGrant{PPPermission: PPPermission{Principal: strings.ToLower(pr.Principal.ID), Type: typ, DisplayName: pr.Principal.DisplayName, Role: pr.RoleName}, at: now, by: by})
		}
	}
	for _, d := range body.Delete {
		id := d.ID[strings.LastIndex(d.ID, "/")+1:]
		kept := grants[:0]
		for _, g := range grants {
			if !strings.EqualFold(g.Principal, id) {
				kept = append(kept, g)
			}
		}
		grants = kept
	}
	return grants, ""
}

func (p *pp) modifyAppPermissions(w http.ResponseWriter, r *http.Request, c *ppCaller, e *ppEnv, a *ppApp) {
	var body modifyBody
	if err := readJSONBody(r, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, armError("InvalidRequestContent", "The request body is not valid JSON: "+err.Error()))
		return
	}
	p.mu.Lock()
	gs, msg := p.applyModify(e.t.id, append([]ppGrant(nil), a.perms...), a.Owner, body, c.Oid, p.s.now().UTC())
	if msg == "" {
		p.appWritten(a)
		a.perms = gs
		a.json.Store(nil)
	}
	p.mu.Unlock()
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, armError("InvalidRequestContent", msg))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// jsonDecoder reads a request body of at most 1 MB, refusing unknown shapes lazily.
func jsonDecoder(r *http.Request) *json.Decoder {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20))
}
