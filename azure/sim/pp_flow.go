package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Power Automate (api.flow.microsoft.com), admin scope:
//
//	GET  /providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows  (also …/flows)
//	GET  …/flows/{flow}
//	GET  …/flows/{flow}/permissions
//	POST …/flows/{flow}/modifyPermissions  {"put":[{"properties":{"principal":{"id":…,"type":"User"},"roleName":"CanEdit"}}]}
//
// modifyPermissions adds or removes co-owners; the creator (the Owner
// permission and properties.creator) never changes.

var (
	flowsPathRE     = regexp.MustCompile(`^/providers/microsoft\.processsimple/scopes/admin/environments/([^/]+)/(?:v2/)?flows(?:/([^/]+)(?:/(permissions|modifypermissions))?)?$`)
	defaultFlowPage = 50
)

func (p *pp) serveFlow(w http.ResponseWriter, r *http.Request) {
	c, done, ok := p.begin(w, r, flowService, "")
	if !ok {
		return
	}
	defer done()
	m := flowsPathRE.FindStringSubmatch(strings.ToLower(strings.TrimSuffix(r.URL.Path, "/")))
	if m == nil {
		writeJSON(w, http.StatusNotFound, armError("NotFound", "The simulator does not serve "+r.URL.Path+" on "+flowHost+"."))
		return
	}
	if !p.s.requireAPIVersion(w, r, "2016-11-01") {
		return
	}
	envName, flowName, op := m[1], m[2], m[3]
	allowed := []string{}
	if flowName == "" || op == "permissions" {
		allowed = []string{"$top", "$skiptoken"}
	}
	if !rpQueryOK(w, r, allowed...) {
		return
	}
	e := p.adminEnv(w, c, envName, "EnvironmentAccessDenied")
	if e == nil {
		return
	}
	if flowName == "" {
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "Use GET."))
			return
		}
		p.listFlows(w, r, e)
		return
	}
	p.mu.RLock()
	f := e.flowIdx[flowName]
	p.mu.RUnlock()
	if f == nil {
		writeJSON(w, http.StatusNotFound, armError("FlowNotFound", fmt.Sprintf("Could not find flow '%s'.", flowName)))
		return
	}
	switch {
	case op == "" && r.Method == http.MethodGet:
		p.mu.RLock()
		body := p.renderFlow(e, p.flowView(f))
		p.mu.RUnlock()
		writeJSON(w, http.StatusOK, body)
	case op == "permissions" && r.Method == http.MethodGet:
		p.listFlowPermissions(w, r, e, f)
	case op == "modifypermissions" && r.Method == http.MethodPost:
		var body modifyBody
		if err := readJSONBody(r, &body); err != nil {
			writeJSON(w, http.StatusBadRequest, armError("InvalidRequestContent", "The request body is not valid JSON: "+err.Error()))
			return
		}
		for _, d := range body.Delete {
			if strings.EqualFold(d.ID[strings.LastIndex(d.ID, "/")+1:], f.Creator) {
				writeJSON(w, http.StatusBadRequest, armError("CannotRemoveFlowCreator", "The creator of a flow cannot be removed from its owners."))
				return
			}
		}
		p.mu.Lock()
		gs, msg := p.applyModify(e.t.id, append([]ppGrant(nil), f.perms...), f.Creator, body, c.Oid, p.s.now().UTC())
		if msg == "" {
			p.flowWritten(f)
			f.perms = gs
			f.modified = p.s.now().UTC()
			f.json.Store(nil)
		}
		p.mu.Unlock()
		if msg != "" {
			writeJSON(w, http.StatusBadRequest, armError("InvalidRequestContent", msg))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The method is not allowed on this resource."))
	}
}

type flowEnvRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

type flowCreator struct {
	TenantID string `json:"tenantId"`
	ObjectID string `json:"objectId"`
	UserID   string `json:"userId"`
	UserType string `json:"userType"`
}

type flowItem struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Properties struct {
		APIID                string     `json:"apiId"`
		DisplayName          string     `json:"displayName"`
		State                string     `json:"state"`
		CreatedTime          string     `json:"createdTime"`
		LastModifiedTime     string     `json:"lastModifiedTime"`
		FlowSuspensionReason string     `json:"flowSuspensionReason"`
		Environment          flowEnvRef `json:"environment"`
		DefinitionSummary    struct {
			Triggers []any `json:"triggers"`
			Actions  []any `json:"actions"`
		} `json:"definitionSummary"`
		Creator                    flowCreator `json:"creator"`
		FlowFailureAlertSubscribed bool        `json:"flowFailureAlertSubscribed"`
		IsManaged                  bool        `json:"isManaged"`
		MachineDescriptionData     struct{}    `json:"machineDescriptionData"`
		FlowOpenAIData             struct {
			IsConsequential                bool `json:"isConsequential"`
			IsConsequentialFlagOverwritten bool `json:"isConsequentialFlagOverwritten"`
		} `json:"flowOpenAiData"`
		// WorkflowEntityID is the Dataverse workflowid of a flow in a solution.
		WorkflowEntityID string `json:"workflowEntityId,omitempty"`
	} `json:"properties"`
}

func (p *pp) renderFlow(e *ppEnv, f *ppFlow) *flowItem {
	out := &flowItem{Name: f.ID, ID: "/providers/Microsoft.ProcessSimple/environments/" + e.e.ID + "/flows/" + f.ID,
		Type: "Microsoft.ProcessSimple/environments/flows"}
	pr := &out.Properties
	pr.APIID = "/providers/Microsoft.PowerApps/apis/shared_logicflows"
	pr.DisplayName = f.DisplayName
	pr.State = f.State
	pr.CreatedTime = shortTime(f.created)
	pr.LastModifiedTime = shortTime(f.modified)
	pr.FlowSuspensionReason = "None"
	if f.State == "Suspended" {
		pr.FlowSuspensionReason = "CompanyDlpViolation"
	}
	pr.Environment = flowEnvRef{Name: e.e.ID, Type: "Microsoft.ProcessSimple/environments", ID: "/providers/Microsoft.ProcessSimple/environments/" + e.e.ID}
	pr.DefinitionSummary.Triggers, pr.DefinitionSummary.Actions = []any{}, []any{}
	pr.Creator = flowCreator{TenantID: e.t.id, ObjectID: f.Creator, UserID: f.Creator, UserType: "ActiveDirectory"}
	if f.Solution != "" && e.dv != nil {
		pr.IsManaged = e.dv.solutionManaged(f.Solution)
		pr.WorkflowEntityID = f.ID
	}
	return out
}

func (p *pp) listFlows(w http.ResponseWriter, r *http.Request, e *ppEnv) {
	max := p.set.FlowsPageSize
	if max <= 0 {
		max = defaultFlowPage
	}
	p.mu.RLock()
	start, end, ok := pageBounds(r, len(e.flows), max, max)
	if !ok {
		p.mu.RUnlock()
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	buf := p.getBuf()
	defer p.putBuf(buf)
	buf.Grow(512 + (end-start)*1200)
	buf.WriteString(`{"value":[`)
	for i, f := range e.flows[start:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(p.flowJSON(e, p.flowView(f)))
	}
	buf.WriteByte(']')
	p.mu.RUnlock()
	if end < len(e.flows) {
		buf.WriteString(`,"nextLink":`)
		writeJSONString(buf, nextLink(r, flowHost, end))
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

func (p *pp) flowJSON(e *ppEnv, f *ppFlow) []byte {
	if b := f.json.Load(); b != nil {
		return *b
	}
	b, _ := json.Marshal(p.renderFlow(e, f))
	f.json.Store(&b)
	return b
}

type flowPermission struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Properties struct {
		RoleName       string `json:"roleName"`
		PermissionType string `json:"permissionType"`
		Principal      struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"principal"`
	} `json:"properties"`
}

func (p *pp) listFlowPermissions(w http.ResponseWriter, r *http.Request, e *ppEnv, f *ppFlow) {
	max := p.set.PermissionsPageSize
	if max <= 0 {
		max = defaultPermsPage
	}
	p.mu.RLock()
	v := p.flowView(f)
	gs := append([]ppGrant{{PPPermission: PPPermission{Principal: v.Creator, Role: "Owner"}}}, v.perms...)
	start, end, ok := pageBounds(r, len(gs), max, max)
	if !ok {
		p.mu.RUnlock()
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	value := make([]flowPermission, 0, end-start)
	for _, g := range gs[start:end] {
		var fp flowPermission
		fp.Name = g.Principal
		fp.ID = "/providers/Microsoft.ProcessSimple/environments/" + e.e.ID + "/flows/" + f.ID + "/permissions/" + g.Principal
		fp.Type = "/providers/Microsoft.ProcessSimple/environments/flows/permissions"
		fp.Properties.RoleName = g.Role
		fp.Properties.PermissionType = "Principal"
		fp.Properties.Principal.ID = g.Principal
		fp.Properties.Principal.Type = "User"
		if strings.EqualFold(g.Type, "Group") {
			fp.Properties.Principal.Type = "Group"
		} else if d := p.who(e.t.id, g.Principal); d.sp {
			fp.Properties.Principal.Type = "ServicePrincipal"
		}
		value = append(value, fp)
	}
	p.mu.RUnlock()
	out := struct {
		Value    []flowPermission `json:"value"`
		NextLink string           `json:"nextLink,omitempty"`
	}{Value: value}
	if end < len(gs) {
		out.NextLink = nextLink(r, flowHost, end)
	}
	writeJSON(w, http.StatusOK, out)
}
