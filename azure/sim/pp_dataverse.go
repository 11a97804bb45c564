package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Dataverse ({org}.api.crm.dynamics.com and {org}.crm.dynamics.com), Web API
// /api/data/v9.0|v9.1|v9.2:
//
//	GET   appmodules | bots | workflows | solutions | importjobs | systemusers
//	      with $select, $filter (field eq|ne value [and …]), $orderby, $top,
//	      Prefer: odata.maxpagesize=N (≤ 5000) and
//	      odata.include-annotations="OData.Community.Display.V1.FormattedValue" (or "*");
//	      pages link with @odata.nextLink and a paging cookie in $skiptoken.
//	GET   {set}({id})
//	PATCH bots({id}) | workflows({id})  {"ownerid@odata.bind":"/systemusers({id})"} → 204
//	GET   WhoAmI
//	GET   EntityDefinitions(LogicalName='…')  a table's metadata, 404 when there is none
//
// Every caller must be a user of the organisation (systemuser with its Entra
// object ID); service protection answers 429 past 52 concurrent requests.

type dvKind int

const (
	dvString dvKind = iota
	dvGUID
	dvInt
	dvFloat
	dvBool
	dvTime
	dvLookup
)

type dvField struct {
	name   string
	kind   dvKind
	target string // lookups: systemuser, publisher or businessunit
	nav    string // lookups: the navigation property
}

type dvEntity struct {
	set, logical, key string
	fields            []dvField
	index             map[string]int
}

func newEntity(set, logical string, fields ...dvField) *dvEntity {
	e := &dvEntity{set: set, logical: logical, key: fields[0].name, fields: fields, index: map[string]int{}}
	for i, f := range fields {
		e.index[f.name] = i
	}
	return e
}

func fs(name string) dvField { return dvField{name: name, kind: dvString} }
func fg(name string) dvField { return dvField{name: name, kind: dvGUID} }
func fi(name string) dvField { return dvField{name: name, kind: dvInt} }
func fb(name string) dvField { return dvField{name: name, kind: dvBool} }
func ft(name string) dvField { return dvField{name: name, kind: dvTime} }
func fl(name, target, nav string) dvField {
	return dvField{name: name, kind: dvLookup, target: target, nav: nav}
}

var (
	entSystemUser = newEntity("systemusers", "systemuser", fg("systemuserid"), fs("fullname"), fs("domainname"), fs("internalemailaddress"),
		fg("azureactivedirectoryobjectid"), fg("applicationid"), fb("isdisabled"), fi("accessmode"), fb("islicensed"),
		fl("_businessunitid_value", "businessunit", "businessunitid"), ft("createdon"))
	entAppModule = newEntity("appmodules", "appmodule", fg("appmoduleid"), fs("name"), fs("uniquename"), fs("description"),
		fl("_createdby_value", "systemuser", "createdby"), fl("_modifiedby_value", "systemuser", "modifiedby"), ft("createdon"), ft("modifiedon"),
		ft("publishedon"), fb("ismanaged"), fg("solutionid"), fi("statecode"), fi("clienttype"), fs("appmoduleversion"), fi("componentstate"))
	entBot = newEntity("bots", "bot", fg("botid"), fs("name"), fs("schemaname"), fl("_createdby_value", "systemuser", "createdby"),
		fl("_modifiedby_value", "systemuser", "modifiedby"), fl("_ownerid_value", "systemuser", "ownerid"), fl("_owninguser_value", "systemuser", "owninguser"),
		fl("_owningbusinessunit_value", "businessunit", "owningbusinessunit"), ft("createdon"), ft("modifiedon"), ft("publishedon"), fi("statecode"),
		fi("statuscode"), fb("ismanaged"), fg("solutionid"), fi("language"), fi("authenticationmode"), fi("componentstate"))
	entWorkflow = newEntity("workflows", "workflow", fg("workflowid"), fg("workflowidunique"), fs("name"), fi("category"), fi("type"), fi("statecode"),
		fi("statuscode"), fs("primaryentity"), fl("_createdby_value", "systemuser", "createdby"), fl("_modifiedby_value", "systemuser", "modifiedby"),
		fl("_ownerid_value", "systemuser", "ownerid"), fb("ismanaged"), fg("solutionid"), ft("createdon"), ft("modifiedon"), fs("description"),
		fi("componentstate"), fg("resourceid"))
	entSolution = newEntity("solutions", "solution", fg("solutionid"), fs("uniquename"), fs("friendlyname"), fs("version"), fb("ismanaged"),
		fb("isvisible"), ft("installedon"), fl("_createdby_value", "systemuser", "createdby"), fl("_modifiedby_value", "systemuser", "modifiedby"),
		fl("_publisherid_value", "publisher", "publisherid"), ft("createdon"), ft("modifiedon"), fs("description"), fi("solutiontype"),
		fs("solutionpackageversion"))
	entImportJob = newEntity("importjobs", "importjob", fg("importjobid"), fs("name"), fs("solutionname"), fg("solutionid"), ft("startedon"),
		ft("completedon"), dvField{name: "progress", kind: dvFloat}, fl("_createdby_value", "systemuser", "createdby"), ft("createdon"))
	entPublisher    = newEntity("publishers", "publisher", fg("publisherid"), fs("friendlyname"), fs("uniquename"), fs("customizationprefix"))
	entBusinessUnit = newEntity("businessunits", "businessunit", fg("businessunitid"), fs("name"))
	dvEntities      = map[string]*dvEntity{}
)

func init() {
	for _, e := range []*dvEntity{entSystemUser, entAppModule, entBot, entWorkflow, entSolution, entImportJob, entPublisher, entBusinessUnit} {
		dvEntities[e.set] = e
	}
}

// defaultSolutionID is the ID of Dataverse's "Active" (default) solution:
// components outside any solution of their own carry it.
const defaultSolutionID = "fd140aaf-4df4-11dd-bd17-0019b9312238"

type dvRow struct {
	vals []any
	etag int
	// prev is the record before its latest write, which readers see until
	// visibleAt (replication lag); nil when it is settled.
	prev      *dvRow
	visibleAt time.Time
}

// view is a record as a reader sees it now: during replication, the
// version before the latest write.
func (p *pp) view(row *dvRow, _ *dvEntity) *dvRow {
	if row.prev != nil && p.s.now().Before(row.visibleAt) {
		return row.prev
	}
	return row
}

type dvTable struct {
	ent  *dvEntity
	rows []*dvRow
	idx  map[string]*dvRow // lower-case key
}

func (t *dvTable) add(vals ...any) *dvRow {
	if len(vals) != len(t.ent.fields) {
		panic(fmt.Sprintf("sim: %s row has %d values for %d fields", t.ent.logical, len(vals), len(t.ent.fields)))
	}
	r := &dvRow{vals: vals, etag: 1000 + len(t.rows)}
	t.rows = append(t.rows, r)
	t.idx[strings.ToLower(vals[0].(string))] = r
	return r
}

// ppDV is one Dataverse organisation.
type ppDV struct {
	env        *ppEnv
	org, orgID string
	buID       string
	tables     map[string]*dvTable
	usersByOID map[string]string // lower-case Entra object ID -> systemuserid
	names      map[string]string // lower-case systemuser/publisher/business unit ID -> name
	solByName  map[string]*dvRow
	systemUser string
	// customerInsights: the organisation hosts a Customer Insights - Data
	// instance (it has the msdynci_customerprofile table).
	customerInsights bool
}

func (dv *ppDV) table(set string) *dvTable { return dv.tables[set] }

func (dv *ppDV) solutionManaged(name string) bool {
	if r := dv.solByName[strings.ToLower(name)]; r != nil {
		return r.vals[entSolution.index["ismanaged"]].(bool)
	}
	return false
}

// userID is the systemuserid of a scenario reference (object ID or SYSTEM).
func (dv *ppDV) userID(ref string) string {
	if ref == "" || ref == systemAccount {
		return dv.systemUser
	}
	if id, ok := dv.usersByOID[strings.ToLower(ref)]; ok {
		return id
	}
	return dv.systemUser
}

func newDataverse(p *pp, e *ppEnv, d *Dataverse, flows []CloudFlow) *ppDV {
	dv := &ppDV{env: e, org: d.Org, orgID: stableGUID("org", d.Org), buID: stableGUID("bu", d.Org), tables: map[string]*dvTable{},
		usersByOID: map[string]string{}, names: map[string]string{}, solByName: map[string]*dvRow{}, customerInsights: d.CustomerInsights}
	for set, ent := range dvEntities {
		dv.tables[set] = &dvTable{ent: ent, idx: map[string]*dvRow{}}
	}
	dv.names[dv.buID] = d.Org
	dv.table("businessunits").add(dv.buID, d.Org)
	created := e.created.Add(10 * time.Minute)
	absent := lowerSet(d.AbsentUsers)
	users := dv.table("systemusers")
	dv.systemUser = stableGUID("systemuser", d.Org, systemAccount)
	users.add(dv.systemUser, "SYSTEM", "", "", nil, nil, false, 0, false, dv.buID, created)
	dv.names[dv.systemUser] = "SYSTEM"
	var oids []string
	for k, de := range p.dir {
		if strings.EqualFold(de.tenant, e.t.id) && !absent[strings.ToLower(de.oid)] {
			oids = append(oids, k)
		}
	}
	sort.Strings(oids)
	for _, k := range oids {
		de := p.dir[k]
		id := stableGUID("systemuser", d.Org, de.oid)
		dv.usersByOID[strings.ToLower(de.oid)] = id
		dv.names[id] = de.displayName
		var appID any
		access := 0
		domain := de.upn
		if de.sp {
			appID, access = de.appID, 4
			domain = "# " + de.displayName
		}
		users.add(id, de.displayName, domain, de.mail, strings.ToLower(de.oid), appID, false, access, !de.sp, dv.buID, created)
	}
	sols := dv.table("solutions")
	jobs := dv.table("importjobs")
	solIDs := map[string]string{}
	for _, s := range d.Solutions {
		pub := s.Publisher
		if pub == "" {
			pub = "Default Publisher for " + d.Org
		}
		pubID := stableGUID("publisher", d.Org, pub)
		if _, seen := dv.names[pubID]; !seen {
			prefix := strings.ToLower(strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					return r
				}
				return -1
			}, pub))
			dv.table("publishers").add(pubID, pub, strings.ReplaceAll(pub, " ", ""), prefix[:min(3, len(prefix))])
		}
		dv.names[pubID] = pub
		by := systemAccount
		installed := created
		for _, im := range s.Imports {
			if t := parseTimeOr(im.CompletedOn, time.Time{}); !t.IsZero() && !im.Failed && !t.Before(installed) {
				installed, by = t, im.By
			}
		}
		first := systemAccount
		if len(s.Imports) > 0 {
			first = s.Imports[0].By
		}
		ver := s.Version
		if ver == "" {
			ver = "1.0.0.0"
		}
		row := sols.add(strings.ToLower(s.ID), s.UniqueName, s.FriendlyName, ver, s.Managed, true, installed, dv.userID(first), dv.userID(by),
			pubID, created, installed, "", 0, "9.2")
		dv.solByName[strings.ToLower(s.UniqueName)] = row
		solIDs[strings.ToLower(s.UniqueName)] = strings.ToLower(s.ID)
		for j, im := range s.Imports {
			var completed any
			progress := 100.0
			end := parseTimeOr(im.CompletedOn, time.Time{})
			if !end.IsZero() {
				completed = end
			} else {
				end, progress = p.s.now().UTC(), 42.5
			}
			if im.Failed {
				progress = 37.5
			}
			jobs.add(stableGUID("importjob", d.Org, s.UniqueName, strconv.Itoa(j)), "Customizations", s.UniqueName, strings.ToLower(s.ID),
				end.Add(-3*time.Minute), completed, progress, dv.userID(im.By), end.Add(-3*time.Minute))
		}
	}
	solution := func(name string) (string, bool) {
		if name == "" {
			return defaultSolutionID, false
		}
		return solIDs[strings.ToLower(name)], dv.solutionManaged(name)
	}
	apps := dv.table("appmodules")
	for i, a := range d.ModelDrivenApps {
		sid, managed := solution(a.Solution)
		at := created.Add(time.Duration(i+1) * time.Hour)
		by := dv.userID(a.CreatedBy)
		apps.add(strings.ToLower(a.ID), a.Name, a.UniqueName, "", by, by, at, at.Add(time.Hour), at.Add(time.Hour), managed, sid, 0, 4, "1.0.0.0", 0)
	}
	bots := dv.table("bots")
	for i, b := range d.Bots {
		sid, managed := solution(b.Solution)
		at := created.Add(time.Duration(i+2) * time.Hour)
		by, owner := dv.userID(b.CreatedBy), dv.userID(b.CreatedBy)
		if b.Owner != "" {
			owner = dv.userID(b.Owner)
		}
		schema := "cr" + strings.ReplaceAll(b.ID, "-", "")[:3] + "_" + strings.ToLower(strings.ReplaceAll(b.Name, " ", ""))
		bots.add(strings.ToLower(b.ID), b.Name, schema, by, by, owner, owner, dv.buID, at, at.Add(time.Hour), at.Add(2*time.Hour), 0, 1, managed, sid, 1033, 2, 0)
	}
	wfs := dv.table("workflows")
	for _, f := range flows {
		if f.Solution == "" {
			continue
		}
		sid, managed := solution(f.Solution)
		at := parseTimeOr(f.CreatedTime, created.Add(time.Hour))
		by, owner := dv.userID(f.Creator), dv.userID(f.Creator)
		if f.Owner != "" {
			owner = dv.userID(f.Owner)
		}
		state, status := 1, 2
		if f.State == "Stopped" || f.State == "Suspended" {
			state, status = 0, 1
		}
		wfs.add(strings.ToLower(f.ID), stableGUID("wfunique", f.ID), f.DisplayName, 5, 1, state, status, "none", by, by, owner, managed, sid, at, at.Add(time.Hour), "", 0, stableGUID("wfresource", f.ID))
	}
	return dv
}

var (
	dvPathRE    = regexp.MustCompile(`^/api/data/v9\.[012]/([A-Za-z_]+)(?:\(([0-9a-fA-F-]{36})\))?$`)
	whoAmIRE    = regexp.MustCompile(`(?i)^/api/data/v9\.[012]/whoami(\(\))?$`)
	entityDefRE = regexp.MustCompile(`(?i)^/api/data/v9\.[012]/EntityDefinitions\(LogicalName='([A-Za-z0-9_]+)'\)$`)
	maxPageRE   = regexp.MustCompile(`(?i)odata\.maxpagesize=(\d+)`)
	annotRE     = regexp.MustCompile(`(?i)odata\.include-annotations="([^"]*)"`)
	cookieRE    = regexp.MustCompile(`pagingcookie="([^"]*)"`)
	pageNoRE    = regexp.MustCompile(`pagenumber="(\d+)"`)
	cookieLast  = regexp.MustCompile(`last="\{([0-9A-Fa-f-]{36})\}"`)
	bindRE      = regexp.MustCompile(`(?i)^/?systemusers\(([0-9a-fA-F-]{36})\)$`)
)

func dvError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (p *pp) serveDataverse(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	org := strings.TrimSuffix(strings.TrimSuffix(host, crmSuffix), ".api")
	c, done, ok := p.begin(w, r, p.dataverseService(org), org)
	if !ok {
		return
	}
	defer done()
	p.mu.RLock()
	dv := p.orgs[org]
	p.mu.RUnlock()
	if dv == nil || dv.env.t != c.t {
		dvError(w, http.StatusNotFound, "0x80040217", fmt.Sprintf("The organization '%s' does not exist in this tenant.", org))
		return
	}
	p.mu.RLock()
	me, member := dv.usersByOID[c.oid()]
	p.mu.RUnlock()
	if !member {
		dvError(w, http.StatusForbidden, "0x80072560", "The user is not a member of the organization.")
		return
	}
	if whoAmIRE.MatchString(r.URL.Path) {
		base := linkBase(r, host) + "/api/data/v9.2/"
		writeJSON(w, http.StatusOK, map[string]string{"@odata.context": base + "$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
			"BusinessUnitId": dv.buID, "UserId": me, "OrganizationId": dv.orgID})
		return
	}
	if d := entityDefRE.FindStringSubmatch(r.URL.Path); d != nil && r.Method == http.MethodGet {
		dv.entityDefinition(w, r, host, strings.ToLower(d[1]))
		return
	}
	m := dvPathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		dvError(w, http.StatusNotFound, "0x8006088a", fmt.Sprintf("Resource not found for the segment '%s'.", strings.TrimPrefix(r.URL.Path, "/api/data/")))
		return
	}
	set, id := strings.ToLower(m[1]), strings.ToLower(m[2])
	ent := dvEntities[set]
	if ent == nil {
		dvError(w, http.StatusNotFound, "0x8006088a", fmt.Sprintf("Resource not found for the segment '%s'.", m[1]))
		return
	}
	switch {
	case r.Method == http.MethodGet && id == "":
		p.dvList(w, r, dv, ent)
	case r.Method == http.MethodGet:
		p.dvGet(w, r, dv, ent, id)
	case r.Method == http.MethodPatch && (set == "bots" || set == "workflows"):
		p.dvAssign(w, r, c, dv, ent, id)
	default:
		dvError(w, http.StatusMethodNotAllowed, "0x80060888", fmt.Sprintf("The HTTP method %s is not supported on %s in the simulator.", r.Method, set))
	}
}

// entityDefinition answers a table's metadata: the tables the simulator
// serves, and msdynci_customerprofile where Customer Insights - Data lives.
func (dv *ppDV) entityDefinition(w http.ResponseWriter, r *http.Request, host, logical string) {
	set := ""
	for _, e := range dvEntities {
		if e.logical == logical {
			set = e.set
		}
	}
	if logical == "msdynci_customerprofile" && dv.customerInsights {
		set = "msdynci_customerprofiles"
	}
	if set == "" {
		dvError(w, http.StatusNotFound, "0x80040217", fmt.Sprintf("Could not find an entity with name %s.", logical))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": linkBase(r, host) + "/api/data/v9.2/$metadata#EntityDefinitions(LogicalName)/$entity",
		"LogicalName": logical, "EntitySetName": set, "MetadataId": stableGUID("entity", dv.org, logical)})
}

// dvAssign changes a record's owner: {"ownerid@odata.bind":"/systemusers(…)"}.
func (p *pp) dvAssign(w http.ResponseWriter, r *http.Request, c *ppCaller, dv *ppDV, ent *dvEntity, id string) {
	var body map[string]json.RawMessage
	if err := readJSONBody(r, &body); err != nil {
		dvError(w, http.StatusBadRequest, "0x80048d19", "Error identified in Payload provided by the user for Entity :'"+ent.set+"': "+err.Error())
		return
	}
	var bind string
	for k, v := range body {
		if !strings.EqualFold(k, "ownerid@odata.bind") {
			dvError(w, http.StatusBadRequest, "0x80048d19", fmt.Sprintf("The simulator changes only ownerid on %s; the property '%s' is not supported.", ent.set, k))
			return
		}
		_ = json.Unmarshal(v, &bind)
	}
	mm := bindRE.FindStringSubmatch(strings.TrimSpace(bind))
	if mm == nil {
		dvError(w, http.StatusBadRequest, "0x80048d19", `ownerid@odata.bind must be "/systemusers(<systemuserid>)".`)
		return
	}
	newOwner := strings.ToLower(mm[1])
	p.mu.Lock()
	defer p.mu.Unlock()
	row := dv.table(ent.set).idx[id]
	if row == nil {
		dvError(w, http.StatusNotFound, "0x80040217", fmt.Sprintf("%s With Id = %s Does Not Exist", ent.logical, id))
		return
	}
	if dv.table("systemusers").idx[newOwner] == nil {
		dvError(w, http.StatusNotFound, "0x80040217", fmt.Sprintf("systemuser With Id = %s Does Not Exist", newOwner))
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && im != "*" && im != fmt.Sprintf(`W/"%d"`, row.etag) {
		dvError(w, http.StatusPreconditionFailed, "0x80060882", "The version of the existing record doesn't match the RowVersion property provided.")
		return
	}
	p.rowWritten(row)
	row.vals[ent.index["_ownerid_value"]] = newOwner
	if i, ok := ent.index["_owninguser_value"]; ok {
		row.vals[i] = newOwner
	}
	row.vals[ent.index["_modifiedby_value"]] = dv.usersByOID[c.oid()]
	row.vals[ent.index["modifiedon"]] = p.s.now().UTC()
	row.etag++
	w.Header().Set("OData-EntityId", "https://"+dv.org+".api"+crmSuffix+"/api/data/v9.2/"+ent.set+"("+id+")")
	w.WriteHeader(http.StatusNoContent)
}

type dvAnnotations struct{ formatted bool }

func annotations(r *http.Request) dvAnnotations {
	for _, pref := range r.Header.Values("Prefer") {
		if m := annotRE.FindStringSubmatch(pref); m != nil {
			v := strings.ToLower(m[1])
			return dvAnnotations{formatted: v == "*" || strings.Contains(v, "formattedvalue") || v == "odata.community.display.v1.*"}
		}
	}
	return dvAnnotations{}
}

// dvGet answers one record, with $select and $expand.
func (p *pp) dvGet(w http.ResponseWriter, r *http.Request, dv *ppDV, ent *dvEntity, id string) {
	q, err := parseDVQuery(ent, r.URL.Query(), true)
	if err != nil {
		dvError(w, http.StatusBadRequest, "0x80060888", err.Error())
		return
	}
	var buf bytes.Buffer
	p.mu.RLock()
	row := dv.table(ent.set).idx[id]
	if row != nil {
		buf.WriteString(`{"@odata.context":`)
		writeJSONString(&buf, linkBase(r, r.Host)+"/api/data/v9.2/$metadata#"+ent.set+"("+q.context(ent)+")/$entity")
		buf.WriteByte(',')
		dv.renderFields(&buf, ent, p.view(row, ent), q.sel, q.expand, annotations(r))
		buf.WriteByte('}')
	}
	p.mu.RUnlock()
	if row == nil {
		dvError(w, http.StatusNotFound, "0x80040217", fmt.Sprintf("%s With Id = %s Does Not Exist", ent.logical, id))
		return
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// dvCountLimit is the most @odata.count reports.
const dvCountLimit = 5000

func (p *pp) dvList(w http.ResponseWriter, r *http.Request, dv *ppDV, ent *dvEntity) {
	if fx := fetchXMLParam(r.URL.Query()); fx != "" {
		p.dvFetch(w, r, dv, ent, fx)
		return
	}
	q, err := parseDVQuery(ent, r.URL.Query(), false)
	if err != nil {
		dvError(w, http.StatusBadRequest, "0x80060888", err.Error())
		return
	}
	max := p.set.DataverseMaxPageSize
	if max <= 0 {
		max = 5000
	}
	pageSize, asked := max, false
	for _, pref := range r.Header.Values("Prefer") {
		if m := maxPageRE.FindStringSubmatch(pref); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n > 0 {
				pageSize, asked = min(n, max), true
			}
		}
	}
	ann := annotations(r)
	afterID, pageNo := "", 1
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		var ok bool
		if afterID, pageNo, ok = parseSkipCookie(tok); !ok {
			dvError(w, http.StatusBadRequest, "0x80040203", "Invalid paging cookie.")
			return
		}
	}
	buf := p.getBuf()
	defer p.putBuf(buf)
	p.mu.RLock()
	rows := q.rows(dv.table(ent.set), func(r *dvRow) *dvRow { return p.view(r, ent) })
	total := len(rows)
	if q.top >= 0 && q.top < len(rows) {
		rows = rows[:q.top]
	}
	start := 0
	if afterID != "" {
		start = -1
		for i, row := range rows {
			if strings.EqualFold(row.vals[0].(string), afterID) {
				start = i + 1
				break
			}
		}
		if start < 0 {
			p.mu.RUnlock()
			dvError(w, http.StatusBadRequest, "0x80040203", "The paging cookie names a record that is no longer in the result.")
			return
		}
	}
	end := min(start+pageSize, len(rows))
	if q.top >= 0 {
		end = len(rows) // $top answers in one page
	}
	buf.Grow(1024 + (end-start)*(64+48*len(q.sel)))
	buf.WriteString(`{"@odata.context":`)
	writeJSONString(buf, linkBase(r, r.Host)+"/api/data/v9.2/$metadata#"+ent.set+"("+q.context(ent)+")")
	if q.count {
		buf.WriteString(`,"@odata.count":`)
		buf.WriteString(strconv.Itoa(min(total, dvCountLimit)))
		if total > dvCountLimit {
			buf.WriteString(`,"@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded":true`)
		}
	}
	buf.WriteString(`,"value":[`)
	for i, row := range rows[start:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('{')
		dv.renderFields(buf, ent, row, q.sel, q.expand, ann)
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	if end < len(rows) {
		last := rows[end-1].vals[0].(string)
		first := rows[start].vals[0].(string)
		inner := fmt.Sprintf(`<cookie page="%d"><%s last="{%s}" first="{%s}" /></cookie>`, pageNo, ent.key, strings.ToUpper(last), strings.ToUpper(first))
		cookie := fmt.Sprintf(`<cookie pagenumber="%d" pagingcookie="%s" istracking="False" />`, pageNo+1, url.QueryEscape(url.QueryEscape(inner)))
		nq := url.Values{}
		for k, v := range r.URL.Query() {
			if k != "$skiptoken" {
				nq[k] = v
			}
		}
		nq.Set("$skiptoken", cookie)
		buf.WriteString(`,"@odata.nextLink":`)
		writeJSONString(buf, linkBase(r, r.Host)+r.URL.EscapedPath()+"?"+nq.Encode())
	}
	buf.WriteByte('}')
	p.mu.RUnlock()
	var applied []string
	if asked {
		applied = append(applied, "odata.maxpagesize="+strconv.Itoa(pageSize))
	}
	if ann.formatted {
		for _, pref := range r.Header.Values("Prefer") {
			if m := annotRE.FindStringSubmatch(pref); m != nil {
				applied = append(applied, m[0])
			}
		}
	}
	if len(applied) > 0 {
		w.Header().Set("Preference-Applied", strings.Join(applied, ","))
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// parseSkipCookie reads the record a $skiptoken paging cookie ends at, and
// the page number it asks for.
func parseSkipCookie(tok string) (afterID string, page int, ok bool) {
	cm := cookieRE.FindStringSubmatch(tok)
	pm := pageNoRE.FindStringSubmatch(tok)
	if cm == nil || pm == nil {
		return "", 0, false
	}
	inner, _ := url.QueryUnescape(cm[1])
	inner, _ = url.QueryUnescape(inner)
	lm := cookieLast.FindStringSubmatch(inner)
	if lm == nil {
		return "", 0, false
	}
	page, _ = strconv.Atoi(pm[1])
	return strings.ToLower(lm[1]), page, true
}

// renderFields writes one record's fields (without the braces) as the Web
// API does, with the lookups' annotations when formatted values were asked
// for, and the expanded lookups inline.
func (dv *ppDV) renderFields(buf *bytes.Buffer, ent *dvEntity, row *dvRow, sel []int, expand []dvExpand, ann dvAnnotations) {
	buf.WriteString(`"@odata.etag":`)
	writeJSONString(buf, `W/"`+strconv.Itoa(row.etag)+`"`)
	for _, i := range sel {
		f := ent.fields[i]
		v := row.vals[i]
		if ann.formatted && v != nil {
			switch f.kind {
			case dvLookup:
				writeKey(buf, f.name+"@OData.Community.Display.V1.FormattedValue")
				writeJSONString(buf, dv.names[strings.ToLower(v.(string))])
				writeKey(buf, f.name+"@Microsoft.Dynamics.CRM.associatednavigationproperty")
				writeJSONString(buf, f.nav)
				writeKey(buf, f.name+"@Microsoft.Dynamics.CRM.lookuplogicalname")
				writeJSONString(buf, f.target)
			case dvBool:
				writeKey(buf, f.name+"@OData.Community.Display.V1.FormattedValue")
				writeJSONString(buf, map[bool]string{true: "Yes", false: "No"}[v.(bool)])
			case dvTime:
				writeKey(buf, f.name+"@OData.Community.Display.V1.FormattedValue")
				writeJSONString(buf, v.(time.Time).UTC().Format("1/2/2006 3:04 PM"))
			}
		}
		writeKey(buf, f.name)
		writeValue(buf, v)
	}
	for _, ex := range expand {
		writeKey(buf, ex.nav)
		var target *dvRow
		if id, ok := row.vals[ex.field].(string); ok {
			target = dv.table(ex.target.set).idx[strings.ToLower(id)]
		}
		if target == nil {
			buf.WriteString("null")
			continue
		}
		buf.WriteByte('{')
		dv.renderFields(buf, ex.target, target, ex.sel, nil, ann)
		buf.WriteByte('}')
	}
}

func writeValue(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		writeJSONString(buf, x)
	case int:
		buf.WriteString(strconv.Itoa(x))
	case float64:
		if x == math.Trunc(x) {
			buf.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
		} else {
			buf.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		}
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case time.Time:
		writeJSONString(buf, x.UTC().Format("2006-01-02T15:04:05Z"))
	}
}

func writeKey(buf *bytes.Buffer, k string) {
	buf.WriteByte(',')
	writeJSONString(buf, k)
	buf.WriteByte(':')
}

func writeJSONString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			buf.Write(b)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}
