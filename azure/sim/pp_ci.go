package sim

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Customer Insights - Data (api.ci.ai.dynamics.com), behind API Management:
//
//	GET /v1/instances            a bare JSON array of the instances the caller has a role in
//	GET /v1/instances/{id}
//
// Every call needs the tenant's Ocp-Apim-Subscription-Key besides the token.

var ciPathRE = regexp.MustCompile(`^/v1/instances(?:/([0-9a-f-]{36}))?$`)

func apimError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

func (p *pp) serveCI(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Ocp-Apim-Subscription-Key")
	if key == "" {
		w.Header().Set("x-ms-request-id", newGUID())
		apimError(w, http.StatusUnauthorized, "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.")
		return
	}
	c, done, ok := p.begin(w, r, ciService, "")
	if !ok {
		return
	}
	defer done()
	if c.t == nil || c.t.ciKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(c.t.ciKey)) != 1 {
		apimError(w, http.StatusUnauthorized, "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.")
		return
	}
	m := ciPathRE.FindStringSubmatch(strings.ToLower(strings.TrimSuffix(r.URL.Path, "/")))
	if m == nil || r.Method != http.MethodGet {
		apimError(w, http.StatusNotFound, "Resource not found")
		return
	}
	created := time.Date(2024, 11, 4, 10, 0, 0, 0, time.UTC)
	render := func(in CIInstance) map[string]any {
		region := in.Region
		if region == "" {
			region = "unitedstates"
		}
		return map[string]any{"instanceId": in.ID, "name": in.Name, "region": region, "instanceType": in.Type,
			"provisioningState": "Succeeded", "createdUtc": created.Format(time.RFC3339), "updatedUtc": created.Add(48 * time.Hour).Format(time.RFC3339)}
	}
	out := []map[string]any{}
	p.mu.RLock()
	for _, in := range c.t.ci {
		if !lowerSet(in.Users)[c.oid()] {
			continue
		}
		if m[1] != "" {
			if strings.EqualFold(in.ID, m[1]) {
				p.mu.RUnlock()
				writeJSON(w, http.StatusOK, render(in))
				return
			}
			continue
		}
		out = append(out, render(in))
	}
	p.mu.RUnlock()
	if m[1] != "" {
		apimError(w, http.StatusNotFound, "Instance "+m[1]+" was not found or the caller has no role in it.")
		return
	}
	writeJSON(w, http.StatusOK, out)
}
