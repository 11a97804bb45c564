package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

const graphHost = "graph.microsoft.com"

// graphState holds what Graph calls created: applications and their readiness.
type graphState struct {
	apps    []*graphApp
	spReady map[string]time.Time // tenant/appId -> usable for sign-in from
	pending []pendingSecret
}

type graphApp struct {
	id, appID, displayName, tenant string
}

func graphError(code, msg string) map[string]any {
	rid := newGUID()
	return map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]string{"request-id": rid, "client-request-id": rid, "date": time.Now().UTC().Format("2006-01-02T15:04:05")}}}
}

func (s *Server) registerGraph() { s.handle(graphHost, http.HandlerFunc(s.serveGraph)) }

var (
	spByAppIDPath = regexp.MustCompile(`^/v1\.0/serviceprincipals\(appid='([^']+)'\)$`)
	addPwdPath    = regexp.MustCompile(`^/v1\.0/applications/([^/]+)/addpassword$`)
	filterAppID   = regexp.MustCompile(`(?i)^appId eq '([^']+)'$`)
)

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("request-id", newGUID())
	c, ok := s.authenticate(w, r, graphService)
	if !ok {
		return
	}
	p := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	if r.Method == http.MethodGet {
		if bad := unsupportedOption(r.URL.Query(), "$select", "$filter", "$top", "$count"); bad != "" {
			writeJSON(w, http.StatusBadRequest, graphError("BadRequest", fmt.Sprintf("Query option '%s' is not supported by the simulator.", bad)))
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && p == "/v1.0/me":
		s.graphMe(w, r, c)
	case r.Method == http.MethodGet && p == "/v1.0/users":
		s.graphListUsers(w, r, c)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/v1.0/users/") && !strings.Contains(p[len("/v1.0/users/"):], "/"):
		s.graphGetUser(w, r, c, r.URL.Path[len("/v1.0/users/"):])
	case r.Method == http.MethodGet && p == "/v1.0/organization":
		t := s.tenantByID(c.Tid)
		if t == nil {
			writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", "The tenant was not found."))
			return
		}
		doms := []map[string]any{{"name": t.DefaultDomain, "isDefault": true, "isInitial": true, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"}}
		for _, d := range t.Domains {
			if !strings.EqualFold(d, t.DefaultDomain) {
				doms = append(doms, map[string]any{"name": d, "isDefault": false, "isInitial": false, "type": "Managed", "capabilities": "None"})
			}
		}
		org := map[string]any{"id": t.ID, "displayName": t.DisplayName, "verifiedDomains": doms, "countryLetterCode": orDefault(t.CountryCode, "US"),
			"tenantType": "AAD", "businessPhones": []any{}, "city": nil, "country": nil, "createdDateTime": "2019-04-02T10:11:12Z",
			"preferredLanguage": "en", "postalCode": nil, "state": nil, "street": nil, "technicalNotificationMails": []any{}}
		obj, err := graphSelect(org, r.URL.Query().Get("$select"), "organization", nil)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, graphError("BadRequest", err.Error()))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization", "value": []any{obj}})
	case r.Method == http.MethodGet && spByAppIDPath.MatchString(p):
		s.graphGetSP(w, c, spByAppIDPath.FindStringSubmatch(p)[1])
	case r.Method == http.MethodGet && p == "/v1.0/serviceprincipals":
		m := filterAppID.FindStringSubmatch(strings.TrimSpace(r.URL.Query().Get("$filter")))
		if m == nil {
			writeJSON(w, http.StatusBadRequest, graphError("Request_UnsupportedQuery", "The simulator supports only $filter=appId eq '...'."))
			return
		}
		s.graphListSP(w, c, m[1])
	case r.Method == http.MethodPost && p == "/v1.0/applications":
		s.graphCreateApp(w, r, c)
	case r.Method == http.MethodPost && p == "/v1.0/serviceprincipals":
		s.graphCreateSP(w, r, c)
	case r.Method == http.MethodPost && addPwdPath.MatchString(p):
		s.graphAddPassword(w, r, c, addPwdPath.FindStringSubmatch(p)[1])
	default:
		writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", fmt.Sprintf("Resource not found for the segment '%s'.", r.URL.Path)))
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (s *Server) graphMe(w http.ResponseWriter, r *http.Request, c *caller) {
	if c.IDType == "app" {
		writeJSON(w, http.StatusBadRequest, graphError("BadRequest", "/me request is only valid with delegated authentication flow."))
		return
	}
	if c.p.user == nil {
		writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", "The signed-in user has no object in this directory."))
		return
	}
	s.writeUser(w, r, c.p, "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
}

// graphUPN is the UPN a directory gives an object: guests get the #EXT# form.
func graphUPN(p principal) string {
	if !p.guest {
		return p.user.UserPrincipalName
	}
	return strings.ReplaceAll(p.user.UserPrincipalName, "@", "_") + "#EXT#@" + p.tenant.DefaultDomain
}

func spJSON(sp *ServicePrincipal) map[string]any {
	return map[string]any{"id": sp.ObjectID, "appId": sp.AppID, "displayName": sp.DisplayName,
		"accountEnabled": !sp.Disabled, "servicePrincipalType": "Application", "appOwnerOrganizationId": sp.Tenant}
}

func (s *Server) graphGetSP(w http.ResponseWriter, c *caller, appID string) {
	s.mu.Lock()
	sp := s.st.spsByApp[objKey(c.Tid, appID)]
	s.mu.Unlock()
	if sp == nil {
		writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", appID)))
		return
	}
	writeJSON(w, http.StatusOK, spJSON(sp))
}

func (s *Server) graphListSP(w http.ResponseWriter, c *caller, appID string) {
	s.mu.Lock()
	sp := s.st.spsByApp[objKey(c.Tid, appID)]
	s.mu.Unlock()
	value := []any{}
	if sp != nil {
		value = append(value, spJSON(sp))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

func (s *Server) graphAdminOnly(w http.ResponseWriter, c *caller) bool {
	if c.p.user != nil && c.p.user.Admin && !c.p.guest {
		return true
	}
	writeJSON(w, http.StatusForbidden, graphError("Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
	return false
}

func (s *Server) graphCreateApp(w http.ResponseWriter, r *http.Request, c *caller) {
	if !s.graphAdminOnly(w, c) {
		return
	}
	var body struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || strings.TrimSpace(body.DisplayName) == "" {
		writeJSON(w, http.StatusBadRequest, graphError("Request_BadRequest", "A displayName is required."))
		return
	}
	a := &graphApp{id: newGUID(), appID: newGUID(), displayName: body.DisplayName, tenant: c.Tid}
	s.mu.Lock()
	s.st.graph.apps = append(s.st.graph.apps, a)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": a.id, "appId": a.appID, "displayName": a.displayName,
		"signInAudience": "AzureADMyOrg", "createdDateTime": s.now().UTC().Format(time.RFC3339)})
}

func (s *Server) findApp(tenant, idOrAppID string) *graphApp {
	for _, a := range s.st.graph.apps {
		if strings.EqualFold(a.tenant, tenant) && (strings.EqualFold(a.id, idOrAppID) || strings.EqualFold(a.appID, idOrAppID)) {
			return a
		}
	}
	return nil
}

func (s *Server) graphCreateSP(w http.ResponseWriter, r *http.Request, c *caller) {
	if !s.graphAdminOnly(w, c) {
		return
	}
	var body struct {
		AppID string `json:"appId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.AppID == "" {
		writeJSON(w, http.StatusBadRequest, graphError("Request_BadRequest", "An appId is required."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.findApp(c.Tid, body.AppID)
	if a == nil {
		writeJSON(w, http.StatusBadRequest, graphError("Request_BadRequest", "The appId '"+body.AppID+"' of the service principal does not reference a valid application object."))
		return
	}
	if s.st.spsByApp[objKey(c.Tid, a.appID)] != nil {
		writeJSON(w, http.StatusConflict, graphError("Request_MultipleObjectsWithSameKeyValue", "The service principal already exists."))
		return
	}
	t := s.st.tenant(c.Tid)
	sp := &ServicePrincipal{Tenant: t.ID, AppID: a.appID, ObjectID: newGUID(), DisplayName: a.displayName}
	s.st.spsByApp[objKey(t.ID, sp.AppID)] = sp
	s.st.objects[objKey(t.ID, sp.ObjectID)] = principal{tenant: t, oid: sp.ObjectID, sp: sp}
	if s.st.graph.spReady == nil {
		s.st.graph.spReady = map[string]time.Time{}
	}
	s.st.graph.spReady[objKey(t.ID, sp.AppID)] = s.now().Add(s.sc.Settings.replication("entra"))
	writeJSON(w, http.StatusCreated, spJSON(sp))
}

func (s *Server) graphAddPassword(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	if !s.graphAdminOnly(w, c) {
		return
	}
	var body struct {
		PasswordCredential struct {
			DisplayName string `json:"displayName"`
			EndDateTime string `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.findApp(c.Tid, id)
	if a == nil {
		writeJSON(w, http.StatusNotFound, graphError("Request_ResourceNotFound", "The application '"+id+"' does not exist."))
		return
	}
	end := s.now().Add(365 * 24 * time.Hour).UTC()
	if t, err := time.Parse(time.RFC3339, body.PasswordCredential.EndDateTime); err == nil {
		end = t
	}
	secret := strings.NewReplacer("-", "~", "_", ".").Replace(randomToken(30))
	s.st.issued = append(s.st.issued, secret)
	// A new secret works for sign-in once Entra has replicated it.
	s.st.graph.pending = append(s.st.graph.pending, pendingSecret{tenant: c.Tid, appID: a.appID, secret: secret,
		usableFrom: s.now().Add(s.sc.Settings.replication("entra"))})
	writeJSON(w, http.StatusOK, map[string]any{"secretText": secret, "keyId": newGUID(), "hint": secret[:3],
		"displayName": body.PasswordCredential.DisplayName, "endDateTime": end.Format(time.RFC3339), "startDateTime": s.now().UTC().Format(time.RFC3339)})
}

// pendingSecret is a client secret added through Graph.
type pendingSecret struct {
	tenant, appID, secret string
	usableFrom            time.Time
}

// secretsFor returns the secrets added to an application through Graph that
// sign-in accepts at now.
func (g *graphState) secretsFor(tenant, appID string, now time.Time) []string {
	var out []string
	for _, p := range g.pending {
		if strings.EqualFold(p.tenant, tenant) && strings.EqualFold(p.appID, appID) && !now.Before(p.usableFrom) {
			out = append(out, p.secret)
		}
	}
	return out
}

// spReadyAt reports when a Graph-created service principal becomes usable.
func (g *graphState) spReadyAt(tenant, appID string) time.Time {
	return g.spReady[objKey(tenant, appID)]
}
