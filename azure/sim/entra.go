package sim

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const loginHost = "login.microsoftonline.com"

// aadstsText is Entra's wording (shortened) for the error codes the simulator emits.
var aadstsText = map[int]string{
	50020:   "User account from identity provider does not exist in tenant and cannot access the application.",
	50057:   "The user account is disabled.",
	50076:   "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource.",
	50079:   "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access this resource.",
	53003:   "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
	700082:  "The refresh token has expired due to inactivity.",
	70043:   "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.",
	50173:   "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
	530084:  "Access has been blocked by conditional access token protection policy.",
	50005:   "User tried to log in to a device from a platform that's currently not supported through Conditional Access policy.",
	65001:   "The user or administrator has not consented to use the application.",
	90002:   "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
	700016:  "Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
	7000215: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
	700027:  "Client assertion failed signature validation.",
	700024:  "Client assertion is not within its valid time range.",
	7000112: "Application is disabled.",
	70016:   "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
	70019:   "Verification code expired.",
	70000:   "The provided grant is invalid or malformed.",
	9002313: "Invalid request. Request is malformed or invalid.",
	50059:   "No tenant-identifying information found in either the request or implied by any provided credentials.",
	70011:   "The provided request must include a 'scope' input parameter.",
	50049:   "Unknown or invalid instance.",
	90055:   "TenantThrottlingThreshold: There are too many incoming requests. This exception is thrown for blocked tenants.",
}

// errorForCode is the OAuth error string Entra pairs with an AADSTS code.
var errorForCode = map[int]string{
	50020: "invalid_grant", 50057: "invalid_grant", 50076: "invalid_grant", 50079: "invalid_grant",
	53003: "invalid_grant", 700082: "invalid_grant", 70043: "invalid_grant", 50173: "invalid_grant",
	530084: "invalid_grant", 50005: "invalid_grant", 65001: "invalid_grant",
}

// entraError is Entra's JSON error body.
func entraError(now time.Time, oauthErr string, code int, desc string) map[string]any {
	if desc == "" {
		desc = aadstsText[code]
	}
	trace := newGUID()
	corr := newGUID()
	m := map[string]any{
		"error":          oauthErr,
		"timestamp":      now.UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
	}
	if code != 0 {
		m["error_description"] = fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", code, desc, trace, corr, m["timestamp"])
		m["error_codes"] = []int{code}
		m["error_uri"] = fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code)
	} else {
		m["error_description"] = desc
		m["error_codes"] = []int{}
	}
	return m
}

func (s *Server) entraFail(w http.ResponseWriter, status int, oauthErr string, code int, desc string) {
	writeJSON(w, status, entraError(s.now(), oauthErr, code, desc))
}

// mfaClaims is the claims challenge Entra sends with AADSTS50076.
const mfaClaims = `{"access_token":{"capolids":{"essential":true,"values":["9f0c1e2a-sim-mfa-policy"]}}}`

func (s *Server) registerEntra() {
	h := http.HandlerFunc(s.serveEntra)
	for _, host := range []string{loginHost, "login.windows.net", "login.microsoft.com", "sts.windows.net"} {
		s.handle(host, h)
	}
}

func (s *Server) serveEntra(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 2 && parts[0] == "common" && parts[1] == "discovery" && (len(parts) == 2 || parts[2] == "instance") {
		s.instanceDiscovery(w, r)
		return
	}
	if len(parts) < 2 {
		s.entraFail(w, http.StatusNotFound, "invalid_request", 0, "unknown endpoint "+r.URL.Path)
		return
	}
	seg := parts[0]
	rest := strings.Join(parts[1:], "/")
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		s.openIDConfig(w, r, seg, false)
	case ".well-known/openid-configuration":
		s.openIDConfig(w, r, seg, true)
	case "discovery/v2.0/keys", "discovery/keys":
		s.serveJWKS(w, r, seg, rest == "discovery/keys")
	case "oauth2/v2.0/devicecode", "oauth2/devicecode":
		s.deviceCodeRequest(w, r, seg, rest == "oauth2/devicecode")
	case "oauth2/v2.0/token", "oauth2/token":
		s.tokenRequest(w, r, seg, rest == "oauth2/token")
	case "oauth2/v2.0/authorize", "oauth2/authorize":
		// A browser that reached the real host name: send it to the sign-in page origin.
		http.Redirect(w, r, s.pagesURL+r.URL.Path+"?"+r.URL.RawQuery, http.StatusFound)
	default:
		s.entraFail(w, http.StatusNotFound, "invalid_request", 0, "unknown endpoint "+r.URL.Path)
	}
}

func isGenericTenant(seg string) bool {
	switch strings.ToLower(seg) {
	case "organizations", "common":
		return true
	}
	return false
}

// resolveSeg finds the tenant an authority segment names; generic is true for
// organizations/common.
func (s *Server) resolveSeg(seg string) (t *Tenant, generic bool) {
	if isGenericTenant(seg) {
		return nil, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.tenant(seg), false
}

// entraHosts are the public cloud's Entra ID host names (MSAL's trusted list
// for it); instance discovery knows these, and the simulator's own loopback
// origin, and refuses any other authority (AADSTS50049 invalid_instance).
var entraHosts = []string{loginHost, "login.windows.net", "login.microsoft.com", "sts.windows.net"}

func (s *Server) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	ae := r.URL.Query().Get("authorization_endpoint")
	u, err := url.Parse(ae)
	if ae == "" || err != nil || u.Scheme != "https" || u.Host == "" {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 90014, "The required field 'authorization_endpoint' is missing or is not an https URL.")
		return
	}
	host := strings.ToLower(u.Host)
	known, self := false, s.isOwnOrigin(host)
	for _, h := range entraHosts {
		known = known || host == h || host == h+":443"
	}
	if !known && !self {
		s.entraFail(w, http.StatusBadRequest, "invalid_instance", 50049, "")
		return
	}
	tenant := "common"
	if p := strings.Split(strings.Trim(u.Path, "/"), "/"); len(p) > 0 && p[0] != "" {
		tenant = p[0]
	}
	origin, aliases := "https://"+loginHost, entraHosts
	if self {
		own := strings.TrimPrefix(s.url, "https://")
		origin, aliases = s.url, []string{own}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": origin + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": aliases[0],
			"preferred_cache":   map[bool]string{true: aliases[0], false: "login.windows.net"}[self],
			"aliases":           aliases,
		}},
	})
}

// isOwnOrigin reports whether host is the simulator's loopback origin,
// where it serves Entra ID by path: a loopback address with the simulator's
// port, or without a port (MSAL Python sends the authority's host name
// only).
func (s *Server) isOwnOrigin(host string) bool {
	own := strings.TrimPrefix(s.url, "https://")
	_, port, err := net.SplitHostPort(own)
	if err != nil {
		return false
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		h, p = host, port
	}
	return p == port && isLoopbackHost(strings.Trim(h, "[]"))
}

// entraOrigin is where Entra's endpoints are for this request: the real host,
// or the loopback origin the request came to (which routes them by path), so
// a client that knows only https://127.0.0.1:PORT stays on it.
func entraOrigin(r *http.Request) string {
	if o, ok := r.Context().Value(originKey{}).(string); ok && o != "" {
		return o
	}
	return "https://" + loginHost
}

// openIDConfig answers the v2.0 (or, with v1, the v1.0) OpenID configuration.
func (s *Server) openIDConfig(w http.ResponseWriter, r *http.Request, seg string, v1 bool) {
	t, generic := s.resolveSeg(seg)
	if !generic && t == nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg))
		return
	}
	issuerTenant := "{tenantid}"
	if t != nil {
		issuerTenant = t.ID
	}
	origin := entraOrigin(r)
	base := origin + "/" + seg
	if v1 {
		writeJSON(w, http.StatusOK, map[string]any{
			"token_endpoint":                        base + "/oauth2/token",
			"device_authorization_endpoint":         base + "/oauth2/devicecode",
			"authorization_endpoint":                s.pagesURL + "/" + seg + "/oauth2/authorize",
			"end_session_endpoint":                  base + "/oauth2/logout",
			"issuer":                                "https://sts.windows.net/" + issuerTenant + "/",
			"jwks_uri":                              origin + "/common/discovery/keys",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"response_modes_supported":              []string{"query", "fragment", "form_post"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
			"scopes_supported":                      []string{"openid"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"tenant_region_scope":                   "WW",
			"cloud_instance_name":                   "microsoftonline.com",
			"microsoft_multi_refresh_token":         true,
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"authorization_endpoint":                s.pagesURL + "/" + seg + "/oauth2/v2.0/authorize",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"issuer":                                origin + "/" + issuerTenant + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"tenant_region_scope":                   "WW",
		"cloud_instance_name":                   "microsoftonline.com",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
	})
}

// serveJWKS answers jwks_uri: the public key every token the simulator
// issues is signed with.
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request, seg string, v1 bool) {
	t, generic := s.resolveSeg(seg)
	if !generic && t == nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg))
		return
	}
	issuer := "https://" + loginHost + "/{tenantid}/v2.0"
	if v1 {
		issuer = "https://sts.windows.net/{tenantid}/"
	}
	writeJSON(w, http.StatusOK, s.signer.jwks(issuer))
}

const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"

func (s *Server) newUserCode() string {
	b := []byte(randomToken(16))
	out := make([]byte, 9)
	for i := range out {
		out[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(out)
}

// tenantNotFound answers AADSTS90002 for an authority segment that names no tenant.
func (s *Server) tenantNotFound(w http.ResponseWriter, seg string) {
	s.entraFail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg))
}

// tenantLabel names the directory of a request in Entra's messages.
func tenantLabel(t *Tenant, seg string) string {
	if t != nil {
		return t.DisplayName
	}
	return seg
}

// requestTarget resolves what a token request asks for: the v2 scope, or
// the v1 resource. It answers the request itself when Entra would refuse it.
func (s *Server) requestTarget(w http.ResponseWriter, r *http.Request, t *Tenant, seg string, v1, app bool) (tokenTarget, bool) {
	var tt tokenTarget
	var err error
	if v1 {
		tt, err = parseResource(r.PostForm.Get("resource"), tenantLabel(t, seg))
	} else {
		tt, err = parseScopes(r.PostForm.Get("scope"), tenantLabel(t, seg), app)
	}
	var se *scopeError
	if errors.As(err, &se) {
		s.entraFail(w, http.StatusBadRequest, se.oauth, se.code, se.msg)
		return tt, false
	}
	return tt, true
}

func (s *Server) deviceCodeRequest(w http.ResponseWriter, r *http.Request, seg string, v1 bool) {
	if r.Method != http.MethodPost {
		s.entraFail(w, http.StatusMethodNotAllowed, "invalid_request", 0, "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 9002313, "")
		return
	}
	t, generic := s.resolveSeg(seg)
	if !generic && t == nil {
		s.tenantNotFound(w, seg)
		return
	}
	clientID := r.PostForm.Get("client_id")
	if !s.isPublicClient(clientID) {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID))
		return
	}
	target, ok := s.requestTarget(w, r, t, seg, v1, false)
	if !ok {
		return
	}
	life := time.Duration(s.sc.Settings.DeviceCodeLifetime)
	if life <= 0 {
		life = 15 * time.Minute
	}
	now := s.now()
	f := &deviceFlow{
		deviceCode: randomToken(48),
		clientID:   clientID,
		tenantSeg:  seg,
		target:     target,
		claims:     r.PostForm.Get("claims"),
		expires:    now.Add(life),
		status:     "pending",
		created:    now,
	}
	s.mu.Lock()
	for {
		f.userCode = s.newUserCode()
		if s.st.userCodes[f.userCode] == nil {
			break
		}
	}
	s.st.devices[f.deviceCode] = f
	s.st.userCodes[f.userCode] = f
	s.st.lastDevice = f
	s.mu.Unlock()
	uri := s.DeviceLoginURL()
	msg := fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, f.userCode)
	if v1 {
		// The v1.0 endpoint's older spelling: verification_url, numbers as strings.
		writeJSON(w, http.StatusOK, map[string]any{"user_code": f.userCode, "device_code": f.deviceCode, "verification_url": uri,
			"expires_in": strconv.Itoa(int(life.Seconds())), "interval": "5", "message": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        f.userCode,
		"device_code":      f.deviceCode,
		"verification_uri": uri,
		"expires_in":       int(life.Seconds()),
		"interval":         5,
		"message":          msg,
	})
}

func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request, seg string, v1 bool) {
	if r.Method != http.MethodPost {
		s.entraFail(w, http.StatusMethodNotAllowed, "invalid_request", 0, "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 9002313, "")
		return
	}
	t, generic := s.resolveSeg(seg)
	if !generic && t == nil {
		s.tenantNotFound(w, seg)
		return
	}
	req := &tokenReq{seg: seg, t: t, v1: v1, claims: parseClaimsRequest(r.PostForm.Get("claims"))}
	switch g := r.PostForm.Get("grant_type"); g {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		s.grantDeviceCode(w, r, req)
	case "refresh_token":
		s.grantRefresh(w, r, req)
	case "client_credentials":
		s.grantClientCredentials(w, r, req)
	case "authorization_code":
		s.grantAuthCode(w, r, req)
	default:
		s.entraFail(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+g+"'.")
	}
}
