package sim

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// resourceApp is an API the simulated Entra ID issues tokens for: exactly the
// services the simulator serves. A scope or v1 resource naming anything else
// is refused (AADSTS500011), as Entra refuses a resource it does not know.
type resourceApp struct {
	name  string
	appID string
	// uris are the identifier URIs (compared case-insensitively, without a
	// trailing slash); hostRE, when set, matches a family of hosts instead
	// (every Dataverse organisation).
	uris   []string
	hostRE *regexp.Regexp
	// scopes are the delegated permissions; granted are those a first-party
	// client gets with /.default (the token's scp).
	scopes  []string
	granted []string
	// roles are the application permissions a service principal may hold.
	roles []string
}

// Well-known resource application IDs.
const (
	armAppID       = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	graphAppID     = "00000003-0000-0000-c000-000000000000"
	powerAppsAppID = "475226c6-020e-4fb2-8a90-7a972cbfc1d4"
	flowAppID      = "7df0a125-d3be-4c96-aa54-591f83ff541c"
	powerBIAppID   = "00000009-0000-0000-c000-000000000000"
	crmAppID       = "00000007-0000-0000-c000-000000000000"
	ciAppID        = "0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff"
)

var (
	resARM = &resourceApp{name: "Windows Azure Service Management API", appID: armAppID,
		uris:   []string{"https://management.core.windows.net/", "https://management.azure.com/"},
		scopes: []string{"user_impersonation"}, granted: []string{"user_impersonation"}}
	resGraph = &resourceApp{name: "Microsoft Graph", appID: graphAppID,
		uris: []string{"https://graph.microsoft.com", "https://graph.microsoft.com/", "https://canary.graph.microsoft.com"},
		scopes: []string{"User.Read", "User.Read.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.AccessAsUser.All",
			"Application.Read.All", "Application.ReadWrite.All", "Organization.Read.All", "openid", "profile", "email", "offline_access"},
		granted: []string{"Application.ReadWrite.All", "Directory.AccessAsUser.All", "User.Read", "User.Read.All"},
		roles:   []string{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All", "User.Read.All", "Organization.Read.All"}}
	resPowerApps = &resourceApp{name: "PowerApps Service", appID: powerAppsAppID, uris: []string{"https://service.powerapps.com/"},
		scopes: []string{"User"}, granted: []string{"User"}}
	resFlow = &resourceApp{name: "Microsoft Flow Service", appID: flowAppID, uris: []string{"https://service.flow.microsoft.com/"},
		scopes: []string{"User", "Flows.Read.All", "Flows.Manage.All", "Activity.Read.All"}, granted: []string{"User"}}
	resPowerBI = &resourceApp{name: "Power BI Service", appID: powerBIAppID, uris: []string{"https://analysis.windows.net/powerbi/api"},
		scopes:  []string{"Dataset.Read.All", "Dataset.ReadWrite.All", "Workspace.Read.All", "Workspace.ReadWrite.All", "Tenant.Read.All", "Tenant.ReadWrite.All", "user_impersonation"},
		granted: []string{"user_impersonation"}, roles: []string{"Tenant.Read.All", "Tenant.ReadWrite.All"}}
	resCRM = &resourceApp{name: "Dataverse", appID: crmAppID, hostRE: regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}(\.api)?\.crm[0-9]{0,2}\.dynamics\.com$`),
		scopes: []string{"user_impersonation"}, granted: []string{"user_impersonation"}}
	resCI = &resourceApp{name: "Dynamics 365 AI for Customer Insights", appID: ciAppID, uris: []string{"https://api.ci.ai.dynamics.com"},
		scopes: []string{"user_impersonation"}, granted: []string{"user_impersonation"}, roles: []string{"CustomerInsights.Api.All"}}

	resourceApps = []*resourceApp{resARM, resGraph, resPowerApps, resFlow, resPowerBI, resCRM, resCI}
)

// oidcScopes are the OpenID Connect scopes MSAL adds to every request.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// findResource resolves a v1 resource or v2 scope prefix (an identifier URI
// or an application ID) to the API it names.
func findResource(res string) *resourceApp {
	key := strings.TrimSuffix(strings.ToLower(res), "/")
	if key == "" {
		return nil
	}
	for _, r := range resourceApps {
		if strings.EqualFold(key, r.appID) {
			return r
		}
		for _, u := range r.uris {
			if key == strings.TrimSuffix(strings.ToLower(u), "/") {
				return r
			}
		}
		if r.hostRE != nil {
			if u, err := url.Parse(key); err == nil && u.Scheme == "https" && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && r.hostRE.MatchString(u.Host) {
				return r
			}
		}
	}
	return nil
}

// hasScope reports whether perm is one of the resource's delegated permissions.
func (r *resourceApp) hasScope(perm string) bool {
	for _, s := range r.scopes {
		if strings.EqualFold(s, perm) {
			return true
		}
	}
	return false
}

// hasRole reports whether role is one of the resource's application permissions.
func (r *resourceApp) hasRole(role string) bool {
	for _, s := range r.roles {
		if strings.EqualFold(s, role) {
			return true
		}
	}
	return false
}

// tokenTarget is what a token request asks for: one resource and its
// permissions, as Entra resolved them.
type tokenTarget struct {
	res *resourceApp
	// aud is the token's audience: the resource as the client named it.
	aud string
	// perms are the requested permissions (".default" included).
	perms []string
	// scopes are the requested v2 scopes other than OpenID Connect's (what the
	// answer's scope field repeats); empty on the v1 endpoint.
	scopes []string
	// v1 marks the v1.0 endpoint (resource=…), whose answers differ.
	v1 bool
}

// scp is the token's delegated permissions.
func (t tokenTarget) scp() string {
	var out []string
	for _, p := range t.perms {
		if p == ".default" {
			out = append(out, t.res.granted...)
		} else {
			out = append(out, p)
		}
	}
	return strings.Join(dedupe(out), " ")
}

func dedupe(v []string) []string {
	seen := map[string]bool{}
	out := v[:0:0]
	for _, s := range v {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// scopeError is a refused scope or resource: an AADSTS code with Entra's error.
type scopeError struct {
	oauth string
	code  int
	msg   string
}

func (e *scopeError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.msg) }

// splitScope cuts a v2 scope into the resource it names and the permission:
// "https://management.core.windows.net//.default" → ("https://management.core.windows.net/", ".default").
// A scope with no resource ("User.Read") is Microsoft Graph's, as Entra reads it.
func splitScope(sc string) (resource, perm string, ok bool) {
	lower := strings.ToLower(sc)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "api://") {
		scheme := strings.Index(sc, "://") + 3
		i := strings.LastIndex(sc, "/")
		if i < scheme || i == len(sc)-1 {
			return "", "", false
		}
		return sc[:i], sc[i+1:], true
	}
	if i := strings.Index(sc, "/"); i > 0 && IsGUID(sc[:i]) {
		return sc[:i], sc[i+1:], sc[i+1:] != ""
	}
	if strings.ContainsAny(sc, "/:") {
		return "", "", false
	}
	return "https://graph.microsoft.com", sc, true
}

// parseScopes resolves a v2 token request's scopes. tenant names the
// directory in messages; app marks client credentials, which take only
// "<resource>/.default". A request with only OpenID Connect scopes is
// for Microsoft Graph (user sign-ins only).
func parseScopes(raw, tenant string, app bool) (tokenTarget, error) {
	var t tokenTarget
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return t, &scopeError{"invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}
	}
	var resKey string
	for _, sc := range fields {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		res, perm, ok := splitScope(sc)
		if !ok {
			return t, &scopeError{"invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc)}
		}
		if app && perm != ".default" {
			return t, &scopeError{"invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)}
		}
		r := findResource(res)
		if r == nil {
			return t, &scopeError{"invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res, tenant)}
		}
		key := r.appID
		if r.hostRE != nil {
			key += "|" + strings.TrimSuffix(strings.ToLower(res), "/")
		}
		if t.res != nil && key != resKey {
			return t, &scopeError{"invalid_scope", 28000, fmt.Sprintf("Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", raw)}
		}
		if perm != ".default" && !r.hasScope(perm) {
			return t, &scopeError{"invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid: %s has no permission '%s'.", sc, r.name, perm)}
		}
		if t.res == nil {
			t.res, t.aud, resKey = r, res, key
		}
		t.perms = append(t.perms, perm)
		t.scopes = append(t.scopes, sc)
	}
	if t.res == nil {
		if app {
			return t, &scopeError{"invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", raw)}
		}
		// Sign-in only: Entra answers with a Microsoft Graph token.
		t.res, t.aud, t.perms = resGraph, graphAppID, []string{"User.Read"}
	}
	return t, nil
}

// parseResource resolves a v1.0 token request's resource parameter.
func parseResource(res, tenant string) (tokenTarget, error) {
	if strings.TrimSpace(res) == "" {
		return tokenTarget{}, &scopeError{"invalid_request", 900144, "The request body must contain the following parameter: 'resource'."}
	}
	r := findResource(res)
	if r == nil {
		return tokenTarget{}, &scopeError{"invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res, tenant)}
	}
	return tokenTarget{res: r, aud: res, perms: []string{".default"}, v1: true}, nil
}
