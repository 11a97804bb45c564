package sim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const armHost = "management.azure.com"

// armError is ARM's error envelope.
func armError(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

// palError is the Management Partner error body: the code and message are
// repeated at the top level, as the live service does.
func palError(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}, "code": code, "message": msg}
}

func (s *Server) tenantByID(id string) *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.tenant(id)
}

func (s *Server) registerARM() {
	s.handle(armHost, http.HandlerFunc(s.serveARM))
	s.handle("management.core.windows.net", http.HandlerFunc(s.serveARM))
}

func (s *Server) serveARM(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", newGUID())
	w.Header().Set("x-ms-correlation-request-id", newGUID())
	w.Header().Set("x-ms-routing-request-id", "SIMULATOR:"+time.Now().UTC().Format("20060102T150405Z")+":"+newGUID())
	if strings.EqualFold(strings.TrimSuffix(r.URL.Path, "/"), "/metadata/endpoints") {
		s.metadataEndpoints(w, r) // no token needed: clients read it to find the sign-in endpoint
		return
	}
	c, ok := s.authenticate(w, r, armService)
	if !ok {
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
	p := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	const pal = "/providers/microsoft.managementpartner"
	switch {
	case p == "/tenants":
		s.listTenants(w, r, c)
	case p == "/subscriptions":
		// palwiz needs no subscription; other clients (az login) list them.
		if s.requireAPIVersion(w, r, "2022-12-01", "2020-01-01", "2019-11-01", "2021-01-01", "2022-01-01", "2016-06-01") {
			writeJSON(w, http.StatusOK, map[string]any{"value": []any{}})
		}
	case p == pal+"/operations":
		s.palOperations(w, r)
	case p == pal+"/partners" || strings.HasPrefix(p, pal+"/partners/") && !strings.Contains(strings.TrimPrefix(p, pal+"/partners/"), "/"):
		id := ""
		if strings.HasPrefix(p, pal+"/partners/") {
			// Keep the partner ID as sent (it is digits; case does not matter).
			raw := strings.TrimSuffix(r.URL.Path, "/")
			id = raw[strings.LastIndex(raw, "/")+1:]
			if uid, err := url.PathUnescape(id); err == nil {
				id = uid
			}
		}
		s.palPartners(w, r, c, id)
	default:
		writeJSON(w, http.StatusNotFound, armError("InvalidResourceType", fmt.Sprintf("The resource type could not be found in the namespace for path '%s'.", r.URL.Path)))
	}
}

func (s *Server) requireAPIVersion(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		writeJSON(w, http.StatusBadRequest, armError("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
		return false
	}
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	writeJSON(w, http.StatusBadRequest, armError("NoRegisteredProviderFound", fmt.Sprintf("No registered resource provider found for API version '%s'. The supported api-versions are '%s'.", v, strings.Join(allowed, ", "))))
	return false
}

// linkBase is the origin for links in answers: the real host, or the
// loopback origin with /_host/ routing when the request came that way.
func linkBase(r *http.Request, host string) string {
	if o, ok := r.Context().Value(originKey{}).(string); ok && o != "" {
		return o + "/_host/" + host
	}
	return "https://" + host
}

type originKey struct{}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request, c *caller) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "Use GET."))
		return
	}
	if !s.requireAPIVersion(w, r, "2022-12-01", "2020-01-01", "2019-11-01", "2021-01-01", "2022-01-01") {
		return
	}
	var ts []*Tenant
	s.mu.Lock()
	if c.p.user != nil {
		ts = s.st.userTenants(c.p.user)
	} else if t := s.st.tenant(c.Tid); t != nil {
		ts = []*Tenant{t}
	}
	s.mu.Unlock()
	size := s.sc.Settings.TenantsPageSize
	if size <= 0 {
		size = 50
	}
	start := 0
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(ts) {
			writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
			return
		}
		start = n
	}
	end := min(start+size, len(ts))
	value := make([]map[string]any, 0, end-start)
	for _, t := range ts[start:end] {
		cat := t.Category
		if cat == "" {
			cat = "Home"
		}
		domains := t.Domains
		if len(domains) == 0 {
			domains = []string{t.DefaultDomain}
		}
		cc := t.CountryCode
		if cc == "" {
			cc = "US"
		}
		value = append(value, map[string]any{
			"id": "/tenants/" + t.ID, "tenantId": t.ID, "countryCode": cc, "displayName": t.DisplayName,
			"domains": domains, "tenantCategory": cat, "defaultDomain": t.DefaultDomain, "tenantType": "AAD",
		})
	}
	out := map[string]any{"value": value}
	if end < len(ts) {
		q := url.Values{"api-version": {r.URL.Query().Get("api-version")}, "$skiptoken": {strconv.Itoa(end)}}
		out["nextLink"] = linkBase(r, armHost) + "/tenants?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) palOperations(w http.ResponseWriter, r *http.Request) {
	if !s.requireAPIVersion(w, r, "2018-02-01") {
		return
	}
	op := func(verb, name, desc string) map[string]any {
		return map[string]any{"name": "Microsoft.ManagementPartner/partners/" + verb, "display": map[string]string{
			"provider": "Microsoft ManagementPartner", "resource": "ManagementPartner", "operation": name, "description": desc}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": []any{
		op("read", "Get ManagementPartner", "Read All ManagementPartner"),
		op("write", "Create ManagementPartner", "Create any ManagementPartner"),
		op("action", "Update ManagementPartner", "Update any ManagementPartner"),
		op("delete", "Delete ManagementPartner", "Delete any ManagementPartner"),
	}})
}

const (
	msgNotLinked  = "This user or service principal is not linked with a Partner ID"
	msgInvalidID  = "The Partner ID is not valid"
	msgForeign    = "The user does not have an account in this tenant, work with the administrator to add the account. If you are a CSP partner logged in the customer tenant, you will not be able to link the Partner ID"
	msgLinkExists = "The user or service principal is already linked with a Partner ID. Use PATCH to update it"
)

func (s *Server) palPartners(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	if !s.requireAPIVersion(w, r, "2018-02-01") {
		return
	}
	w.Header().Set("x-ms-ratelimit-remaining-tenant-writes", "1199")
	if c.p.user == nil && c.p.sp == nil {
		writeJSON(w, http.StatusForbidden, palError("UserNotFoundInTenant", msgForeign))
		return
	}
	key := objKey(c.Tid, c.Oid)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.links[key]
	active := rec != nil && rec.active
	now := s.now().UTC()
	switch r.Method {
	case http.MethodGet:
		// Reads come from a replica: right after a write they may see the
		// state before it (settings.replication.arm).
		view := s.linkView(rec)
		if view == nil || !view.active || (id != "" && id != view.partnerID) {
			writeJSON(w, http.StatusNotFound, palError("ManagementPartnerNotFound", msgNotLinked))
			return
		}
		writeJSON(w, http.StatusOK, s.partnerResponse(c, view, id == ""))
	case http.MethodPut:
		if !s.validPartnerLocked(id) {
			writeJSON(w, http.StatusBadRequest, palError("PartnerIdInvalid", msgInvalidID))
			return
		}
		if active {
			switch s.sc.Settings.PutOnExisting {
			case "ok":
				writeJSON(w, http.StatusOK, s.partnerResponse(c, rec, false))
			case "badrequest":
				writeJSON(w, http.StatusBadRequest, palError("BadRequest", msgLinkExists))
			default:
				writeJSON(w, http.StatusConflict, palError("Conflict", msgLinkExists))
			}
			return
		}
		existed := rec != nil
		if rec == nil {
			rec = &linkRecord{created: now}
			s.st.links[key] = rec
		}
		s.linkWritten(rec, existed)
		rec.partnerID, rec.active, rec.updated = id, true, now
		rec.version++
		writeJSON(w, http.StatusOK, s.partnerResponse(c, rec, false))
	case http.MethodPatch:
		if !active {
			writeJSON(w, http.StatusNotFound, palError("ManagementPartnerNotFound", msgNotLinked))
			return
		}
		if !s.validPartnerLocked(id) {
			writeJSON(w, http.StatusBadRequest, palError("PartnerIdInvalid", msgInvalidID))
			return
		}
		s.linkWritten(rec, true)
		rec.partnerID, rec.updated = id, now
		rec.version++
		writeJSON(w, http.StatusOK, s.partnerResponse(c, rec, false))
	case http.MethodDelete:
		if active && (id == "" || id == rec.partnerID) {
			s.linkWritten(rec, true)
			rec.active, rec.updated = false, now
			rec.version++
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The method is not allowed on this resource."))
	}
}

func (s *Server) validPartnerLocked(id string) bool {
	p, ok := s.st.partners[id]
	return ok && p.Kind != "global"
}

func (s *Server) partnerResponse(c *caller, rec *linkRecord, noID bool) map[string]any {
	id := "/providers/microsoft.managementpartner/partners/" + strings.ToLower(rec.partnerID)
	if noID {
		id = "/providers/microsoft.managementpartner/partners"
	}
	props := map[string]any{
		"partnerId":   rec.partnerID,
		"tenantId":    c.Tid,
		"objectId":    c.Oid,
		"version":     rec.version,
		"updatedTime": rec.updated.Format(time.RFC3339Nano),
		"createdTime": rec.created.Format(time.RFC3339Nano),
		"state":       map[bool]string{true: "Active", false: "Deleted"}[rec.active],
	}
	if p, ok := s.st.partners[rec.partnerID]; ok && p.Name != "" {
		props["partnerName"] = p.Name
	}
	return map[string]any{"id": id, "type": "Microsoft.ManagementPartner/partners", "name": rec.partnerID, "etag": rec.version, "properties": props}
}

// LinkOf returns the partner ID an object is actively linked to ("" if none).
func (s *Server) LinkOf(tenant, objectID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.st.links[objKey(tenant, objectID)]; rec != nil && rec.active {
		return rec.partnerID
	}
	return ""
}

// Identities is what `palwiz sim` prints: who can sign in, and with what.
type Identities struct {
	Scenario          string         `json:"scenario"`
	Users             []IdentityUser `json:"users"`
	ServicePrincipals []IdentitySP   `json:"servicePrincipals"`
	Partners          []Partner      `json:"partners"`
	Tenants           []IdentityTen  `json:"tenants"`
	Demo              *DemoRoles     `json:"demo,omitempty"`
}

// IdentityUser is a person who can sign in on the sign-in page.
type IdentityUser struct {
	UPN         string   `json:"userPrincipalName"`
	DisplayName string   `json:"displayName"`
	HomeTenant  string   `json:"homeTenant"`
	GuestIn     []string `json:"guestIn,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// IdentitySP is a service principal with its test secret.
type IdentitySP struct {
	DisplayName string `json:"displayName"`
	Tenant      string `json:"tenant"`
	ClientID    string `json:"clientId"`
	Secret      string `json:"secret,omitempty"`
	Certificate bool   `json:"certificate,omitempty"`
	// FederatedCredentials are the pipeline tokens it accepts (workload identity federation).
	FederatedCredentials []FederatedCredential `json:"federatedCredentials,omitempty"`
	// ManagedIdentity is "systemAssigned" or "userAssigned" for an identity of the simulated machine (IMDS).
	ManagedIdentity string `json:"managedIdentity,omitempty"`
	Note            string `json:"note,omitempty"`
}

// IdentityTen is a directory with its sign-in demands.
type IdentityTen struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Domain      string `json:"domain"`
	RequireMFA  bool   `json:"requireMFA,omitempty"`
}

// Identities lists the scenario's sign-in identities and test credentials.
func (s *Server) Identities() Identities { return ScenarioIdentities(s.sc) }

// ScenarioIdentities lists a scenario's sign-in identities and test credentials.
func ScenarioIdentities(sc *Scenario) Identities {
	out := Identities{Scenario: sc.Name, Partners: append([]Partner(nil), sc.Partners...), Demo: sc.Demo}
	for _, t := range sc.Tenants {
		out.Tenants = append(out.Tenants, IdentityTen{ID: t.ID, DisplayName: t.DisplayName, Domain: t.DefaultDomain, RequireMFA: t.RequireMFA})
	}
	for _, u := range sc.Users {
		iu := IdentityUser{UPN: u.UserPrincipalName, DisplayName: u.DisplayName, HomeTenant: u.HomeTenant, Note: u.Note}
		for _, g := range u.Guests {
			iu.GuestIn = append(iu.GuestIn, g.Tenant)
		}
		out.Users = append(out.Users, iu)
	}
	for _, sp := range sc.ServicePrincipals {
		isp := IdentitySP{DisplayName: sp.DisplayName, Tenant: sp.Tenant, ClientID: sp.AppID, Certificate: len(sp.Certificates) > 0, Note: sp.Note,
			FederatedCredentials: sp.FederatedCredentials, ManagedIdentity: sp.ManagedIdentity}
		if len(sp.Secrets) > 0 {
			isp.Secret = sp.Secrets[0]
		}
		out.ServicePrincipals = append(out.ServicePrincipals, isp)
	}
	sort.SliceStable(out.Partners, func(i, j int) bool { return out.Partners[i].ID < out.Partners[j].ID })
	return out
}

// metadataEndpoints answers ARM's cloud metadata, which `az cloud register
// --endpoint-resource-manager` and ARM_CLOUD_METADATA_URL read: the object
// of api-version 2015-01-01, or the list of clouds of later versions. On the
// loopback origin it names the loopback origin as the resource manager and
// the sign-in endpoint, so a client configured with only that address
// stays on the simulator.
func (s *Server) metadataEndpoints(w http.ResponseWriter, r *http.Request) {
	arm, login := "https://"+armHost+"/", "https://"+loginHost+"/"
	if o, ok := r.Context().Value(originKey{}).(string); ok && o != "" {
		arm, login = o+"/", o+"/"
	}
	auth := map[string]any{"loginEndpoint": login, "audiences": []string{"https://management.core.windows.net/", "https://management.azure.com/"},
		"tenant": "common", "identityProvider": "AAD"}
	switch v := r.URL.Query().Get("api-version"); v {
	case "2015-01-01", "":
		writeJSON(w, http.StatusOK, map[string]any{"galleryEndpoint": "https://gallery.azure.com/", "graphEndpoint": "https://graph.windows.net/",
			"portalEndpoint": "https://portal.azure.com/", "authentication": auth})
	case "2019-05-01", "2020-06-01", "2022-09-01":
		writeJSON(w, http.StatusOK, []map[string]any{{
			"name": "AzureCloud", "resourceManager": arm, "authentication": auth, "portal": "https://portal.azure.com",
			"graph": "https://graph.windows.net/", "graphAudience": "https://graph.windows.net/", "microsoftGraphResourceId": "https://graph.microsoft.com/",
			"gallery": "https://gallery.azure.com/", "batch": "https://batch.core.windows.net/", "sqlManagement": "https://management.core.windows.net:8443/",
			"media": "https://rest.media.azure.net", "activeDirectoryDataLake": "https://datalake.azure.net/",
			"vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
			"suffixes": map[string]any{"acrLoginServer": "azurecr.io", "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
				"azureDataLakeStoreFileSystem": "azuredatalakestore.net", "keyVaultDns": "vault.azure.net", "sqlServerHostname": "database.windows.net",
				"storage": "core.windows.net"},
		}})
	default:
		writeJSON(w, http.StatusBadRequest, armError("InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '2015-01-01,2019-05-01,2020-06-01,2022-09-01'.", v)))
	}
}
