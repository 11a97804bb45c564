package sim

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Azure Instance Metadata Service's managed identity endpoint, as a VM
// serves it at http://169.254.169.254/metadata/identity/oauth2/token: the
// machine palwiz runs on has the scenario's managed identities. It is plain
// HTTP: the simulator's API port answers plain-HTTP requests for the IMDS
// address (the simulated cloud's transport dials that port for every host),
// and the sign-in pages' origin serves the same path. Sources: Learn "How to
// use managed identities for Azure resources on an Azure VM to acquire an
// access token" (the request, the Metadata header, the identity selectors,
// the answer with numbers as strings, the error answers); MSAL Go
// apps/managedidentity (what it sends and reads).

const (
	imdsHost      = "169.254.169.254"
	imdsTokenPath = "/metadata/identity/oauth2/token"
	// managedIdentityLifetime is a managed identity token's lifetime (about
	// 24 hours at Entra) unless the scenario sets tokenLifetime.
	managedIdentityLifetime = 24 * time.Hour
)

func imdsFail(w http.ResponseWriter, status int, oauth, desc string) {
	writeJSON(w, status, map[string]string{"error": oauth, "error_description": desc})
}

// serveIMDS answers GET /metadata/identity/oauth2/token?api-version=…
// &resource=R[&client_id=|object_id=|principal_id=|msi_res_id=|mi_res_id=].
func (s *Server) serveIMDS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != imdsTokenPath {
		imdsFail(w, http.StatusNotFound, "not_found", "The simulated IMDS serves only "+imdsTokenPath+".")
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		imdsFail(w, http.StatusMethodNotAllowed, "invalid_request", "Method not allowed: use GET.")
		return
	case !strings.EqualFold(r.Header.Get("Metadata"), "true"):
		imdsFail(w, http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
		return
	case r.Header.Get("X-Forwarded-For") != "":
		imdsFail(w, http.StatusBadRequest, "invalid_request", "Requests through a proxy (X-Forwarded-For) are not allowed")
		return
	case q.Get("api-version") == "":
		imdsFail(w, http.StatusBadRequest, "invalid_request", "Required query variable 'api-version' is missing")
		return
	case q.Get("resource") == "":
		imdsFail(w, http.StatusBadRequest, "invalid_request", "Required audience parameter not specified")
		return
	}
	sp, refusal := s.managedIdentity(q.Get("client_id"), firstOf(q.Get("object_id"), q.Get("principal_id")), firstOf(q.Get("msi_res_id"), q.Get("mi_res_id")))
	if sp == nil {
		imdsFail(w, http.StatusBadRequest, "invalid_request", refusal)
		return
	}
	s.mu.Lock()
	t := s.st.tenant(sp.Tenant)
	s.mu.Unlock()
	target, err := parseResource(q.Get("resource"), t.ID)
	var se *scopeError
	if errors.As(err, &se) {
		imdsFail(w, http.StatusBadRequest, se.oauth, "AADSTS"+strconv.Itoa(se.code)+": "+se.msg)
		return
	}
	life := time.Duration(s.sc.Settings.TokenLifetime)
	if life <= 0 {
		life = managedIdentityLifetime
	}
	tok, now, iat := s.signAppToken(sp, t, target, "2", claimsRequest{}, life)
	secs := strconv.Itoa(int(life.Seconds()))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok, "client_id": sp.AppID, "expires_in": secs, "ext_expires_in": secs,
		"expires_on": strconv.FormatInt(now.Add(life).Unix(), 10), "not_before": strconv.FormatInt(iat, 10),
		"resource": q.Get("resource"), "token_type": "Bearer",
	})
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// managedIdentity picks the machine's identity a request names: by client
// ID, object ID or resource ID; with none named, the system-assigned one, or
// the only user-assigned one. Without one it returns IMDS's refusal.
func (s *Server) managedIdentity(clientID, objectID, resourceID string) (*ServicePrincipal, string) {
	var system *ServicePrincipal
	var user []*ServicePrincipal
	for i := range s.sc.ServicePrincipals {
		sp := &s.sc.ServicePrincipals[i]
		switch {
		case sp.ManagedIdentity == "":
			continue
		case clientID != "" && strings.EqualFold(sp.AppID, clientID),
			objectID != "" && strings.EqualFold(sp.ObjectID, objectID),
			resourceID != "" && strings.EqualFold(sp.ResourceID, resourceID):
			return sp, ""
		case sp.ManagedIdentity == "systemAssigned":
			system = sp
		default:
			user = append(user, sp)
		}
	}
	switch {
	case clientID != "" || objectID != "" || resourceID != "":
		return nil, "Identity not found"
	case system != nil:
		return system, ""
	case len(user) == 1:
		return user[0], ""
	case len(user) > 1:
		return nil, "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"
	}
	return nil, "Identity not found"
}
