package sim

import (
	"net/http"
	"strings"
)

// The Power Platform services' token checks and refusals. BAP, Power Apps
// and Flow sit behind ARM-style front doors; Power BI, Dataverse and
// Customer Insights (API Management) each refuse in their own shape.

var (
	// The PowerShell module asks Flow for service.flow.microsoft.com, the CLI
	// for Microsoft 365 for management.azure.com; both are accepted in practice.
	flowAudiences = []string{"https://service.flow.microsoft.com/", "https://service.powerapps.com/", "https://management.azure.com/", "https://management.core.windows.net/"}

	bapService       = &service{name: "bap", appID: powerAppsAppID, audiences: powerAppsAudiences, refuse: armRefusal(powerAppsAudiences)}
	powerAppsService = &service{name: "powerapps", appID: powerAppsAppID, audiences: powerAppsAudiences, refuse: armRefusal(powerAppsAudiences)}
	flowService      = &service{name: "flow", appID: flowAppID, audiences: flowAudiences, refuse: armRefusal(flowAudiences)}
	powerBIService   = &service{name: "powerbi", appID: powerBIAppID, audiences: powerBIAudiences, refuse: powerBIRefusal}
	ciService        = &service{name: "ci", appID: ciAppID, audiences: ciAudiences, refuse: func(w http.ResponseWriter, _ *http.Request, f authFailure) {
		if f.kind == failChallenge {
			w.Header().Set("WWW-Authenticate", caeChallenge(ciAppID, f.claims))
		}
		apimError(w, http.StatusUnauthorized, "Unauthorized. Access token is missing or invalid.")
	}}
)

// pbiErrorBody is Power BI's error shape: a code, repeated in pbi.error, and
// no message.
func pbiErrorBody(code string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "pbi.error": map[string]any{
		"code": code, "parameters": map[string]any{}, "details": []any{}, "exceptionCulprit": 1}}}
}

// powerBIRefusal: an expired token is a 403 TokenExpired; any other refused
// token a 401.
func powerBIRefusal(w http.ResponseWriter, _ *http.Request, f authFailure) {
	switch f.kind {
	case failExpired:
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{
			"code": "TokenExpired", "message": "Access token has expired, resubmit with a new access token"}})
	case failChallenge:
		w.Header().Set("WWW-Authenticate", caeChallenge(powerBIAppID, f.claims))
		writeJSON(w, http.StatusUnauthorized, pbiErrorBody("TokenIssuedBeforeRevocationTimestamp"))
	default:
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, pbiErrorBody("PowerBINotAuthorizedException"))
	}
}

// dataverseService checks tokens for one organisation. Its 401 names the
// organisation's directory in authorization_uri and the organisation as
// resource_id (clients discover their authority this way), with no body.
func (p *pp) dataverseService(org string) *service {
	web, api := instanceURLs(org)
	return &service{name: "dataverse", appID: crmAppID, audiences: []string{strings.TrimSuffix(web, "/"), api},
		refuse: func(w http.ResponseWriter, _ *http.Request, f authFailure) {
			tenant := "common"
			p.mu.RLock()
			if dv := p.orgs[org]; dv != nil {
				tenant = dv.env.t.id
			}
			p.mu.RUnlock()
			if f.kind == failChallenge {
				w.Header().Set("WWW-Authenticate", caeChallenge(crmAppID, f.claims))
			} else {
				w.Header().Set("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/"+tenant+"/oauth2/authorize, resource_id="+web)
			}
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusUnauthorized)
		}}
}
