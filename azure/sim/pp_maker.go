package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// The makers' (non-admin) routes: the environments the caller has a role in,
// and the canvas apps shared with the caller, optionally in one environment
// ($filter=environment eq '…', what the Power Apps portal and the PowerShell
// module send).
//
//	GET /providers/Microsoft.BusinessAppPlatform/environments[/{env}]
//	GET /providers/Microsoft.PowerApps/apps[?$filter=environment eq '{env}']
//	GET /providers/Microsoft.PowerApps/apps/{app}

var envFilterRE = regexp.MustCompile(`(?i)^environment eq '([^']+)'$`)

// rpQueryOK refuses a $ query option the resource provider does not take,
// in its error shape; it reports whether the query may go on.
func rpQueryOK(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	if bad := unsupportedOption(r.URL.Query(), allowed...); bad != "" {
		writeJSON(w, http.StatusBadRequest, armError("InvalidQueryParameter", fmt.Sprintf("The query parameter '%s' is not supported on %s.", bad, r.URL.Path)))
		return false
	}
	return true
}

// environmentFilter reads $filter=environment eq '…' ("" when absent); any
// other $filter is refused.
func environmentFilter(w http.ResponseWriter, r *http.Request) (string, bool) {
	f := strings.TrimSpace(r.URL.Query().Get("$filter"))
	if f == "" {
		return "", true
	}
	m := envFilterRE.FindStringSubmatch(f)
	if m == nil {
		writeJSON(w, http.StatusBadRequest, armError("InvalidFilter", fmt.Sprintf("The $filter '%s' is not supported: use environment eq '<environment name>'.", f)))
		return "", false
	}
	return m[1], true
}

// environmentFilterOK accepts a $filter on an admin route that names the
// route's own environment (the PowerShell module sends it).
func environmentFilterOK(w http.ResponseWriter, r *http.Request, env string) bool {
	f, ok := environmentFilter(w, r)
	if ok && f != "" && !strings.EqualFold(f, env) {
		writeJSON(w, http.StatusBadRequest, armError("InvalidFilter", fmt.Sprintf("The $filter names environment '%s', but the request is for '%s'.", f, env)))
		return false
	}
	return ok
}

// makerEnvs are the environments the caller has a role in: every member is
// an Environment Maker in the default environment; environment admins and
// creators in theirs; owners of apps and flows in those environments; a
// Power Platform administrator in all.
func (p *pp) makerEnvs(c *ppCaller) []*ppEnv {
	if c.t == nil {
		return nil
	}
	var out []*ppEnv
	for _, e := range c.t.envs {
		if c.isAdmin() || e.admins[c.oid()] || strings.EqualFold(e.e.CreatedBy, c.oid()) ||
			(e.e.SKU == SKUDefault && c.p.user != nil && !c.p.guest) || p.ownsIn(e, c.oid()) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].e.SKU == SKUDefault && out[j].e.SKU != SKUDefault })
	return out
}

// ownsIn reports whether oid owns, co-owns or created an app or flow in e.
func (p *pp) ownsIn(e *ppEnv, oid string) bool {
	for _, a := range e.apps {
		if p.appSharedWith(p.appView(a), oid) {
			return true
		}
	}
	for _, f := range e.flows {
		if strings.EqualFold(f.Creator, oid) {
			return true
		}
	}
	return false
}

// appSharedWith reports whether oid owns the app or holds a role on it.
func (p *pp) appSharedWith(a *ppApp, oid string) bool {
	if strings.EqualFold(a.Owner, oid) {
		return true
	}
	for _, g := range a.perms {
		if strings.EqualFold(g.Principal, oid) {
			return true
		}
	}
	return false
}

func (p *pp) serveMakerEnvironments(w http.ResponseWriter, r *http.Request, c *ppCaller, name string) {
	if !rpQueryOK(w, r, "$expand", "$top", "$skiptoken") || !p.s.requireAPIVersion(w, r, bapAPIVersions...) {
		return
	}
	exp, ok := bapExpand(w, r)
	if !ok {
		return
	}
	render := func(e *ppEnv) *bapEnv {
		b := p.renderEnv(e, exp)
		b.ID = "/providers/Microsoft.BusinessAppPlatform/environments/" + e.e.ID
		b.Type = "Microsoft.BusinessAppPlatform/environments"
		return b
	}
	p.mu.RLock()
	envs := p.makerEnvs(c)
	if name != "" {
		var body *bapEnv
		for _, e := range envs {
			if strings.EqualFold(e.e.ID, name) || (strings.EqualFold(name, "~default") && e.e.SKU == SKUDefault) {
				body = render(e)
			}
		}
		p.mu.RUnlock()
		if body == nil {
			writeJSON(w, http.StatusNotFound, armError("EnvironmentNotFound", fmt.Sprintf("The environment '%s' could not be found in the tenant '%s'.", name, c.Tid)))
			return
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	value := make([]*bapEnv, 0, len(envs))
	for _, e := range envs {
		value = append(value, render(e))
	}
	p.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

func (p *pp) serveMakerApps(w http.ResponseWriter, r *http.Request, c *ppCaller, appName string) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, armError("MethodNotAllowed", "Use GET."))
		return
	}
	allowed := []string{"$filter", "$top", "$skiptoken"}
	if appName != "" {
		allowed = []string{"$filter"}
	}
	if !rpQueryOK(w, r, allowed...) {
		return
	}
	envName, ok := environmentFilter(w, r)
	if !ok {
		return
	}
	render := func(e *ppEnv, a *ppApp) json.RawMessage {
		out := p.renderApp(e, a, "")
		out.ID = "/providers/Microsoft.PowerApps/apps/" + a.ID
		out.Type = "Microsoft.PowerApps/apps"
		b, _ := json.Marshal(out)
		return b
	}
	var items []json.RawMessage
	p.mu.RLock()
	if c.t != nil {
		for _, e := range c.t.envs {
			if envName != "" && !strings.EqualFold(e.e.ID, envName) {
				continue
			}
			for _, a := range e.apps {
				v := p.appView(a)
				if (appName == "" || strings.EqualFold(a.ID, appName)) && p.appSharedWith(v, c.oid()) {
					items = append(items, render(e, v))
				}
			}
		}
	}
	p.mu.RUnlock()
	if appName != "" {
		if len(items) == 0 {
			writeJSON(w, http.StatusNotFound, armError("AppNotFound", fmt.Sprintf("Could not find App '%s'.", appName)))
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(items[0])
		return
	}
	max := p.set.AppsPageSize
	if max <= 0 {
		max = defaultAppsPage
	}
	start, end, ok := pageBounds(r, len(items), max, max)
	if !ok {
		writeJSON(w, http.StatusBadRequest, armError("InvalidSkipToken", "The skip token is not valid."))
		return
	}
	out := map[string]any{"value": items[start:end]}
	if items == nil {
		out["value"] = []any{}
	}
	if end < len(items) {
		out["nextLink"] = nextLink(r, powerAppsHost, end)
	}
	writeJSON(w, http.StatusOK, out)
}
