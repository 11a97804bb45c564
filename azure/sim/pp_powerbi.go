package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Power BI (api.powerbi.com), as a workspace member:
//
//	GET  /v1.0/myorg/groups[?$top&$skip]
//	GET  /v1.0/myorg/groups/{group}/datasets
//	GET  /v1.0/myorg/groups/{group}/datasets/{dataset}
//	POST /v1.0/myorg/groups/{group}/datasets/{dataset}/Default.TakeOver  → 200, configuredBy := the caller
//	GET  /v1.0/myorg/groups/{group}/reports  (one report per dataset, as publishing a .pbix makes:
//	     its creator is the publisher, so isOwnedByMe stays theirs after a take-over)
//
// configuredBy is the owner's UPN. For a service principal the live format
// is not documented; the simulator uses its application ID.

type pbiWorkspace struct {
	id, name string
	t        *ppTenant
	members  map[string]bool
	datasets []*pbiDataset
	idx      map[string]*pbiDataset
}

type pbiDataset struct {
	PBIDataset
	// configuredFirst is the owner the scenario gave, who published it
	// unless PublishedBy says otherwise (a take over changes ConfiguredBy only).
	configuredFirst string
	created         time.Time
	json            []byte // the rendered answer; cleared by a take over
	// stale is the dataset before its take-over, which readers see until
	// staleUntil (replication lag); nil when settled.
	stale      *pbiDataset
	staleUntil time.Time
}

func newWorkspace(w PBIWorkspace, t *ppTenant) *pbiWorkspace {
	out := &pbiWorkspace{id: strings.ToLower(w.ID), name: w.Name, t: t, members: lowerSet(w.Members), idx: map[string]*pbiDataset{}}
	for i, d := range w.Datasets {
		pd := &pbiDataset{PBIDataset: d, configuredFirst: d.ConfiguredBy, created: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)}
		out.datasets = append(out.datasets, pd)
		out.idx[strings.ToLower(d.ID)] = pd
	}
	return out
}

var (
	pbiPathRE    = regexp.MustCompile(`^/v1\.0/myorg/groups(?:/([0-9a-f-]{36})/datasets(?:/([0-9a-f-]{36})(/default\.takeover)?)?)?$`)
	pbiReportsRE = regexp.MustCompile(`^/v1\.0/myorg/groups/([0-9a-f-]{36})/reports$`)
)

func pbiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// pbiBadRequest is Power BI's answer to a query it does not take: an OData
// error with the offending option as the target.
func pbiBadRequest(w http.ResponseWriter, target, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "BadRequest", "message": "Bad Request",
		"details": []map[string]string{{"message": msg, "target": target}}}})
}

var pbiNameFilter = regexp.MustCompile(`(?i)^name eq '((?:[^']|'')*)'$`)

func (p *pp) servePowerBI(w http.ResponseWriter, r *http.Request) {
	c, done, ok := p.begin(w, r, powerBIService, "")
	if !ok {
		return
	}
	defer done()
	path := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	if m := pbiReportsRE.FindStringSubmatch(path); m != nil {
		if bad := unsupportedOption(r.URL.Query()); bad != "" {
			pbiBadRequest(w, bad, "Query option '"+bad+"' is not allowed on this resource.")
			return
		}
		p.listReports(w, r, c, m[1])
		return
	}
	m := pbiPathRE.FindStringSubmatch(path)
	if m == nil {
		pbiError(w, http.StatusNotFound, "NotFound", "The simulator does not serve "+r.URL.Path+" on "+powerBIHost+".")
		return
	}
	group, dataset, takeover := m[1], m[2], m[3] != ""
	allowed := []string{}
	if group == "" {
		allowed = []string{"$top", "$skip", "$filter"}
	}
	if bad := unsupportedOption(r.URL.Query(), allowed...); bad != "" {
		pbiBadRequest(w, bad, "Query option '"+bad+"' is not allowed on this resource.")
		return
	}
	base := "https://wabi-us-north-central-redirect.analysis.windows.net/v1.0/myorg/"
	if group == "" {
		if r.Method != http.MethodGet {
			pbiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET.")
			return
		}
		p.listGroups(w, r, c, base)
		return
	}
	p.mu.RLock()
	ws := p.workspaces[group]
	p.mu.RUnlock()
	if ws == nil || ws.t != c.t || !ws.members[c.oid()] {
		pbiError(w, http.StatusUnauthorized, "PowerBINotAuthorizedException", "The caller is not a member of workspace "+group+", or it does not exist.")
		return
	}
	if dataset == "" {
		if r.Method != http.MethodGet {
			pbiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET.")
			return
		}
		buf := p.getBuf()
		defer p.putBuf(buf)
		buf.WriteString(`{"@odata.context":`)
		writeJSONString(buf, base+"groups/"+ws.id+"/$metadata#datasets")
		buf.WriteString(`,"value":[`)
		p.mu.Lock() // renders are cached on the datasets
		for i, d := range ws.datasets {
			if i > 0 {
				buf.WriteByte(',')
			}
			d = p.datasetView(d)
			if d.json == nil {
				d.json, _ = json.Marshal(p.renderDataset(ws, d))
			}
			buf.Write(d.json)
		}
		p.mu.Unlock()
		buf.WriteString("]}")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes())
		return
	}
	p.mu.RLock()
	d := ws.idx[dataset]
	p.mu.RUnlock()
	if d == nil {
		pbiError(w, http.StatusNotFound, "ItemNotFound", fmt.Sprintf("Dataset %s is not found! please verify datasetId is correct and user have sufficient permissions.", dataset))
		return
	}
	switch {
	case takeover && r.Method == http.MethodPost:
		p.mu.Lock()
		p.datasetWritten(d)
		d.ConfiguredBy = c.oid()
		d.json = nil
		p.mu.Unlock()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case !takeover && r.Method == http.MethodGet:
		p.mu.RLock()
		body := p.renderDataset(ws, p.datasetView(d))
		p.mu.RUnlock()
		body["@odata.context"] = base + "groups/" + ws.id + "/$metadata#datasets/$entity"
		writeJSON(w, http.StatusOK, body)
	default:
		pbiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The method is not allowed on this resource.")
	}
}

// pbiOwner is how Power BI names an owner in configuredBy.
func (p *pp) pbiOwner(tenant, oid string) string {
	d := p.who(tenant, oid)
	if d.sp {
		return d.appID
	}
	return d.upn
}

func (p *pp) renderDataset(ws *pbiWorkspace, d *pbiDataset) map[string]any {
	return map[string]any{
		"id": d.ID, "name": d.Name, "webUrl": "https://app.powerbi.com/groups/" + ws.id + "/datasets/" + d.ID,
		"addRowsAPIEnabled": false, "configuredBy": p.pbiOwner(ws.t.id, d.ConfiguredBy), "isRefreshable": true,
		"isEffectiveIdentityRequired": false, "isEffectiveIdentityRolesRequired": false, "isOnPremGatewayRequired": false,
		"targetStorageMode": "Abf", "createdDate": d.created.Format("2006-01-02T15:04:05.000Z"),
		"createReportEmbedURL": "https://app.powerbi.com/reportEmbed?config=" + d.ID,
		"qnaEmbedURL":          "https://app.powerbi.com/qnaEmbed?groupId=" + ws.id,
		"upstreamDatasets":     []any{}, "users": []any{},
	}
}

func (p *pp) listGroups(w http.ResponseWriter, r *http.Request, c *ppCaller, base string) {
	q := r.URL.Query()
	top, skip := 5000, 0
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			pbiError(w, http.StatusBadRequest, "InvalidRequest", "$top must be between 1 and 5000.")
			return
		}
		top = n
	}
	if v := q.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			pbiError(w, http.StatusBadRequest, "InvalidRequest", "$skip must be a non-negative integer.")
			return
		}
		skip = n
	}
	name, byName := "", false
	if f := strings.TrimSpace(q.Get("$filter")); f != "" {
		m := pbiNameFilter.FindStringSubmatch(f)
		if m == nil {
			pbiBadRequest(w, "$filter", "The simulator applies only $filter=name eq '<workspace name>' to groups, not '"+f+"'.")
			return
		}
		name, byName = strings.ReplaceAll(m[1], "''", "'"), true
	}
	var mine []*pbiWorkspace
	p.mu.RLock()
	if c.t != nil {
		for _, ws := range c.t.workspaces {
			if ws.members[c.oid()] && (!byName || strings.EqualFold(ws.name, name)) {
				mine = append(mine, ws)
			}
		}
	}
	p.mu.RUnlock()
	value := []map[string]any{}
	for i := skip; i < len(mine) && i < skip+top; i++ {
		value = append(value, map[string]any{"id": mine[i].id, "isReadOnly": false, "isOnDedicatedCapacity": false,
			"type": "Workspace", "name": mine[i].name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": base + "$metadata#groups", "@odata.count": len(mine), "value": value})
}

// listReports answers GET groups/{group}/reports: the report each dataset
// was published with, created by its publisher.
func (p *pp) listReports(w http.ResponseWriter, r *http.Request, c *ppCaller, group string) {
	if r.Method != http.MethodGet {
		pbiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET.")
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	ws := p.workspaces[group]
	if ws == nil || ws.t != c.t || !ws.members[c.oid()] {
		pbiError(w, http.StatusUnauthorized, "PowerBINotAuthorizedException", "The caller is not a member of workspace "+group+", or it does not exist.")
		return
	}
	value := make([]map[string]any, 0, len(ws.datasets))
	for _, d := range ws.datasets {
		id := stableGUID("report", d.ID)
		publisher := d.PublishedBy
		if publisher == "" {
			publisher = d.configuredFirst
		}
		value = append(value, map[string]any{
			"id": id, "reportType": "PowerBIReport", "name": d.Name,
			"webUrl":     "https://app.powerbi.com/groups/" + ws.id + "/reports/" + id,
			"embedUrl":   "https://app.powerbi.com/reportEmbed?reportId=" + id + "&groupId=" + ws.id,
			"isFromPbix": true, "isOwnedByMe": strings.EqualFold(publisher, c.oid()),
			"datasetId": d.ID, "datasetWorkspaceId": ws.id, "users": []any{}, "subscriptions": []any{},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://wabi-us-north-central-redirect.analysis.windows.net/v1.0/myorg/groups/" + ws.id + "/$metadata#reports", "value": value})
}
