package sim

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PowerPlatform is the scenario data behind the Power Platform hosts
// (api.bap.microsoft.com, api.powerapps.com, api.flow.microsoft.com, the
// Dataverse organisations {org}.api.crm.dynamics.com), Power BI
// (api.powerbi.com) and Customer Insights (api.ci.ai.dynamics.com).
//
// Each directory's environments hold canvas apps, flows and a Dataverse
// organisation (model-driven apps, bots, solutions and their import jobs);
// Power BI workspaces and Customer Insights instances sit beside them. Every
// person is named by object ID in the directory the data belongs to; the
// services answer with names, UPNs and Dataverse systemuser IDs made from it.
type PowerPlatform struct {
	Settings PPSettings `json:"settings,omitempty"`
	Tenants  []PPTenant `json:"tenants"`
}

var orgRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Host names of the Power Platform services.
const (
	bapHost       = "api.bap.microsoft.com"
	powerAppsHost = "api.powerapps.com"
	flowHost      = "api.flow.microsoft.com"
	powerBIHost   = "api.powerbi.com"
	ciHost        = "api.ci.ai.dynamics.com"
	crmSuffix     = ".crm.dynamics.com"
)

// Token audiences each service accepts (the v1 resource: scope minus /.default).
var (
	powerAppsAudiences = []string{"https://service.powerapps.com/"}
	powerBIAudiences   = []string{"https://analysis.windows.net/powerbi/api"}
	ciAudiences        = []string{"https://api.ci.ai.dynamics.com"}
)

// pp is the simulator's live Power Platform state: a copy of the scenario's
// data that the mutating calls change. Its own lock keeps long list answers
// from holding up sign-in.
type pp struct {
	s   *Server
	set PPSettings
	dir map[string]dirEntry

	mu         sync.RWMutex
	tenants    map[string]*ppTenant // lower-case tenant ID
	envs       map[string]*ppEnv    // lower-case environment name
	orgs       map[string]*ppDV     // org domain name
	workspaces map[string]*pbiWorkspace
	created    time.Time

	flightMu  sync.Mutex
	inflight  map[string]int
	dvWindows map[string]*dvWindow // Dataverse service protection, per organisation and user

	// bufs recycles the buffers large list answers are written into.
	bufs sync.Pool
}

func (p *pp) getBuf() *bytes.Buffer {
	if b, ok := p.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (p *pp) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 8<<20 {
		p.bufs.Put(b)
	}
}

type ppTenant struct {
	id         string
	admins     map[string]bool
	envs       []*ppEnv
	workspaces []*pbiWorkspace
	ciKey      string
	ci         []CIInstance
}

type ppEnv struct {
	t       *ppTenant
	e       PPEnvironment
	admins  map[string]bool
	apps    []*ppApp
	appIdx  map[string]*ppApp
	flows   []*ppFlow
	flowIdx map[string]*ppFlow
	dv      *ppDV
	created time.Time
	// dbRefs is the app's databaseReferences for this environment, rendered once.
	dbRefs []byte
}

type ppApp struct {
	CanvasApp
	created, modified time.Time
	perms             []ppGrant // not the owner
	// stale is the app before its latest change, which readers see until
	// staleUntil (replication lag); nil when settled.
	stale      *ppApp
	staleUntil time.Time
	// json is the app's list answer, rendered once (cleared by every change).
	json atomic.Pointer[appJSON]
}

type ppFlow struct {
	CloudFlow
	created, modified time.Time
	perms             []ppGrant // not the creator
	stale             *ppFlow   // as ppApp.stale
	staleUntil        time.Time
	json              atomic.Pointer[[]byte]
}

// ppGrant is one role assignment and when it was made.
type ppGrant struct {
	PPPermission
	at time.Time
	by string
}

// handler adapts a method to http.Handler. Keeping the pp value in the
// registered handlers lets Server find it again (see Server.pp).
type ppHandler struct {
	p  *pp
	fn func(w http.ResponseWriter, r *http.Request)
}

func (h *ppHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.fn(w, r) }

func (s *Server) registerPowerPlatform() {
	p := newPP(s, s.sc)
	s.handle(bapHost, &ppHandler{p, p.serveBAP})
	s.handle(powerAppsHost, &ppHandler{p, p.servePowerApps})
	s.handle(flowHost, &ppHandler{p, p.serveFlow})
	s.handleSuffix(crmSuffix, &ppHandler{p, p.serveDataverse})
	s.handle(powerBIHost, &ppHandler{p, p.servePowerBI})
	s.handle(ciHost, &ppHandler{p, p.serveCI})
}

// pp returns the Power Platform state behind the registered handlers.
func (s *Server) pp() *pp {
	if h, ok := s.hosts[bapHost].(*ppHandler); ok {
		return h.p
	}
	return nil
}

func newPP(s *Server, sc *Scenario) *pp {
	now := s.now().UTC()
	p := &pp{s: s, dir: directoryOf(sc), tenants: map[string]*ppTenant{}, envs: map[string]*ppEnv{},
		orgs: map[string]*ppDV{}, workspaces: map[string]*pbiWorkspace{}, inflight: map[string]int{}, dvWindows: map[string]*dvWindow{},
		created: now.Add(-400 * 24 * time.Hour).Truncate(time.Second)}
	if sc.PowerPlatform == nil {
		return p
	}
	p.set = sc.PowerPlatform.Settings
	for ti := range sc.PowerPlatform.Tenants {
		st := &sc.PowerPlatform.Tenants[ti]
		t := &ppTenant{id: strings.ToLower(st.Tenant), admins: lowerSet(st.Admins), ciKey: st.CISubscriptionKey,
			ci: append([]CIInstance(nil), st.CIInstances...)}
		p.tenants[t.id] = t
		for ei := range st.Environments {
			se := st.Environments[ei]
			e := &ppEnv{t: t, e: se, admins: lowerSet(se.Admins), appIdx: map[string]*ppApp{}, flowIdx: map[string]*ppFlow{},
				created: p.created.Add(time.Duration(ei) * 24 * time.Hour)}
			e.e.CanvasApps, e.e.Flows, e.e.Dataverse = nil, nil, nil
			if e.e.Region == "" {
				e.e.Region = "unitedstates"
			}
			for i, a := range se.CanvasApps {
				pa := &ppApp{CanvasApp: a}
				pa.Permissions = nil
				pa.created = parseTimeOr(a.CreatedTime, e.created.Add(time.Duration(i+1)*time.Hour))
				pa.modified = pa.created.Add(3 * time.Hour)
				for _, g := range a.Permissions {
					pa.perms = append(pa.perms, ppGrant{PPPermission: g, at: pa.created.Add(time.Hour), by: a.Owner})
				}
				e.apps = append(e.apps, pa)
				e.appIdx[strings.ToLower(a.ID)] = pa
			}
			for i, f := range se.Flows {
				pf := &ppFlow{CloudFlow: f}
				pf.Owners = nil
				if pf.State == "" {
					pf.State = "Started"
				}
				pf.created = parseTimeOr(f.CreatedTime, e.created.Add(time.Duration(i+1)*time.Hour))
				pf.modified = pf.created.Add(2 * time.Hour)
				for _, g := range f.Owners {
					pf.perms = append(pf.perms, ppGrant{PPPermission: g, at: pf.created.Add(time.Hour), by: f.Creator})
				}
				e.flows = append(e.flows, pf)
				e.flowIdx[strings.ToLower(f.ID)] = pf
			}
			if se.Dataverse != nil {
				e.dv = newDataverse(p, e, se.Dataverse, se.Flows)
				p.orgs[e.dv.org] = e.dv
			}
			e.dbRefs = p.renderDBRefs(e)
			t.envs = append(t.envs, e)
			p.envs[strings.ToLower(se.ID)] = e
		}
		for wi := range st.Workspaces {
			w := newWorkspace(st.Workspaces[wi], t)
			t.workspaces = append(t.workspaces, w)
			p.workspaces[strings.ToLower(w.id)] = w
		}
	}
	return p
}

func lowerSet(v []string) map[string]bool {
	m := make(map[string]bool, len(v))
	for _, s := range v {
		m[strings.ToLower(s)] = true
	}
	return m
}

func parseTimeOr(s string, def time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	return def
}

// who is a directory object of tenant t as the services name it.
func (p *pp) who(tenant, oid string) dirEntry {
	if e, ok := p.dir[objKey(tenant, oid)]; ok {
		return e
	}
	return dirEntry{oid: oid, tenant: tenant, displayName: "Unknown user", upn: oid}
}

// ppCaller is the authenticated caller of a Power Platform request.
type ppCaller struct {
	*caller
	t *ppTenant // nil when the tenant has no Power Platform data
}

func (c *ppCaller) oid() string { return strings.ToLower(c.Oid) }

// isAdmin reports whether the caller is a Power Platform administrator of its tenant.
func (c *ppCaller) isAdmin() bool { return c.t != nil && c.t.admins[c.oid()] }

// canAdmin reports whether the admin APIs show the caller this environment.
func (c *ppCaller) canAdmin(e *ppEnv) bool {
	return e.t == c.t && (c.isAdmin() || e.admins[c.oid()])
}

// begin authenticates the request for a service, applies its concurrency
// limit and service time, and sets the request ID headers. done must be
// called when the answer is written.
func (p *pp) begin(w http.ResponseWriter, r *http.Request, svc *service, limitKey string) (c *ppCaller, done func(), ok bool) {
	rid := newGUID()
	service := svc.name
	switch service {
	case "dataverse":
		w.Header().Set("REQ_ID", rid)
		w.Header().Set("x-ms-service-request-id", rid)
		w.Header().Set("OData-Version", "4.0")
	case "powerbi":
		w.Header().Set("RequestId", rid)
	default:
		w.Header().Set("x-ms-request-id", rid)
		w.Header().Set("x-ms-correlation-request-id", newGUID())
	}
	cl, ok := p.s.authenticate(w, r, svc)
	if !ok {
		return nil, nil, false
	}
	c = &ppCaller{caller: cl}
	p.mu.RLock()
	c.t = p.tenants[strings.ToLower(cl.Tid)]
	p.mu.RUnlock()
	key := service + "|" + limitKey + "|" + c.oid()
	limit, set := p.set.MaxConcurrent[service]
	if !set && service == "dataverse" {
		limit = dvDefaultConcurrent
	}
	p.flightMu.Lock()
	if limit > 0 && p.inflight[key] >= limit {
		p.flightMu.Unlock()
		if service == "dataverse" {
			w.Header().Set("Retry-After", "1")
			dvLimitError(w, dvLimitConcurrency, fmt.Sprintf("Number of concurrent requests exceeded the limit of %d.", limit))
		} else {
			p.s.throttle(w, r.Host, 1, false)
		}
		return nil, nil, false
	}
	p.inflight[key]++
	p.flightMu.Unlock()
	var charge func(time.Duration)
	if service == "dataverse" {
		if charge, ok = p.dvAdmit(w, limitKey+"|"+c.oid()); !ok {
			p.flightMu.Lock()
			p.inflight[key]--
			p.flightMu.Unlock()
			return nil, nil, false
		}
	}
	start := time.Now()
	done = func() {
		p.flightMu.Lock()
		p.inflight[key]--
		p.flightMu.Unlock()
		if charge != nil {
			charge(time.Since(start))
		}
	}
	if d := time.Duration(p.set.ServiceTime); d > 0 && !sleepCtx(r.Context(), d) {
		done()
		return nil, nil, false
	}
	return c, done, true
}

// Paging tokens are opaque to clients; the simulator's carry an offset.
func encodeSkip(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"nextMarker":"` + strconv.Itoa(n) + `"}`))
}

func decodeSkip(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSuffix(strings.TrimPrefix(string(b), `{"nextMarker":"`), `"}`)
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// pageBounds applies $top (capped by max) and $skiptoken to a list of n items.
func pageBounds(r *http.Request, n, def, max int) (start, end int, ok bool) {
	size := def
	if size <= 0 || size > max {
		size = max
	}
	if t := r.URL.Query().Get("$top"); t != "" {
		v, err := strconv.Atoi(t)
		if err != nil || v <= 0 {
			return 0, 0, false
		}
		size = min(v, max)
	}
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		v, good := decodeSkip(tok)
		if !good || v > n {
			return 0, 0, false
		}
		start = v
	}
	return start, min(start+size, n), true
}

// nextLink is the absolute URL of the page after end, keeping the query.
func nextLink(r *http.Request, host string, end int) string {
	q := r.URL.Query()
	q.Set("$skiptoken", encodeSkip(end))
	return linkBase(r, host) + r.URL.EscapedPath() + "?" + q.Encode()
}

// stableGUID derives a GUID from parts (version-5 style), for IDs the
// scenario does not name, such as Dataverse systemuser IDs.
func stableGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.ToLower(strings.Join(parts, "|"))))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func shortTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func readJSONBody(r *http.Request, v any) error {
	dec := jsonDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// sortedEnvs lists a tenant's environments the caller may see through the admin APIs.
func (p *pp) adminEnvs(c *ppCaller) []*ppEnv {
	if c.t == nil {
		return nil
	}
	var out []*ppEnv
	for _, e := range c.t.envs {
		if c.canAdmin(e) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].e.SKU == SKUDefault && out[j].e.SKU != SKUDefault })
	return out
}

// env finds an environment of the caller's tenant; "~default" is the default one.
// adminEnv finds the environment an admin-scope request names and checks
// that the caller may administer it; otherwise it answers the request itself
// (notFound is the service's code for an unknown environment) and returns nil.
func (p *pp) adminEnv(w http.ResponseWriter, c *ppCaller, name, notFound string) *ppEnv {
	p.mu.RLock()
	e := p.env(c, name)
	p.mu.RUnlock()
	if e == nil {
		writeJSON(w, http.StatusNotFound, armError(notFound, fmt.Sprintf("Access to the environment '%s' is denied.", name)))
		return nil
	}
	if !c.canAdmin(e) {
		writeJSON(w, http.StatusForbidden, armError("Forbidden", fmt.Sprintf("The caller with object id '%s' does not have permission for the admin scope of environment '%s'.", c.Oid, e.e.ID)))
		return nil
	}
	return e
}

func (p *pp) env(c *ppCaller, name string) *ppEnv {
	if c.t == nil {
		return nil
	}
	if strings.EqualFold(name, "~default") {
		for _, e := range c.t.envs {
			if e.e.SKU == SKUDefault {
				return e
			}
		}
		return nil
	}
	e := p.envs[strings.ToLower(name)]
	if e == nil || e.t != c.t {
		return nil
	}
	return e
}

// Warm renders every list answer the simulator caches (apps, flows), so a
// benchmark measures the client rather than the simulator's first rendering.
func (s *Server) Warm() {
	p := s.pp()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.envs {
		for _, a := range e.apps {
			p.appJSON(e, a)
		}
		for _, f := range e.flows {
			p.flowJSON(e, f)
		}
	}
	for _, ws := range p.workspaces {
		for _, d := range ws.datasets {
			if d.json == nil {
				d.json, _ = json.Marshal(p.renderDataset(ws, d))
			}
		}
	}
}
