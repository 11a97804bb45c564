package sim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	if len(parts) >= 2 && parts[0] == "common" && parts[1] == "discovery" {
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
	case "v2.0/.well-known/openid-configuration", ".well-known/openid-configuration":
		s.openIDConfig(w, r, seg)
	case "oauth2/v2.0/devicecode", "oauth2/devicecode":
		s.deviceCodeRequest(w, r, seg)
	case "oauth2/v2.0/token", "oauth2/token":
		s.tokenRequest(w, r, seg)
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

func (s *Server) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	ae := r.URL.Query().Get("authorization_endpoint")
	tenant := "common"
	if u, err := url.Parse(ae); err == nil {
		if p := strings.Split(strings.Trim(u.Path, "/"), "/"); len(p) > 0 && p[0] != "" {
			tenant = p[0]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": entraOrigin(r) + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": loginHost,
			"preferred_cache":   "login.windows.net",
			"aliases":           []string{loginHost, "login.windows.net", "login.microsoft.com", "sts.windows.net"},
		}},
	})
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

func (s *Server) openIDConfig(w http.ResponseWriter, r *http.Request, seg string) {
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
		"tenant_region_scope":                   "WW",
		"cloud_instance_name":                   "microsoftonline.com",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
	})
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

func (s *Server) deviceCodeRequest(w http.ResponseWriter, r *http.Request, seg string) {
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
		s.entraFail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg))
		return
	}
	clientID := r.PostForm.Get("client_id")
	scopes := strings.Fields(r.PostForm.Get("scope"))
	s.mu.Lock()
	known := s.st.publicApps[strings.ToLower(clientID)]
	s.mu.Unlock()
	if !known {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID))
		return
	}
	if res, _ := resourceOfScope(scopes); res == "" && len(scopes) == 0 {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 70011, "")
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
		scopes:     scopes,
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
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        f.userCode,
		"device_code":      f.deviceCode,
		"verification_uri": uri,
		"expires_in":       int(life.Seconds()),
		"interval":         5,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, f.userCode),
	})
}

func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request, seg string) {
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
		s.entraFail(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", seg))
		return
	}
	switch g := r.PostForm.Get("grant_type"); g {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		s.grantDeviceCode(w, r)
	case "refresh_token":
		s.grantRefresh(w, r, t)
	case "client_credentials":
		s.grantClientCredentials(w, r, seg, t)
	case "authorization_code":
		s.grantAuthCode(w, r, t)
	default:
		s.entraFail(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+g+"'.")
	}
}

func (s *Server) grantDeviceCode(w http.ResponseWriter, r *http.Request) {
	dc := r.PostForm.Get("device_code")
	s.holdPendingPoll(r, dc)
	s.mu.Lock()
	f := s.st.devices[dc]
	var status string
	if f != nil {
		status = f.status
		if status == "pending" && s.now().After(f.expires) {
			status = "expired"
		}
		if status == "approved" {
			f.status = "redeemed"
		}
	}
	s.mu.Unlock()
	if f == nil || f.clientID != r.PostForm.Get("client_id") {
		s.entraFail(w, http.StatusBadRequest, "bad_verification_code", 0, "The device code is not valid for this client.")
		return
	}
	switch status {
	case "pending":
		s.entraFail(w, http.StatusBadRequest, "authorization_pending", 70016, "")
		return
	case "expired":
		s.entraFail(w, http.StatusBadRequest, "expired_token", 70019, "")
		return
	case "declined":
		s.entraFail(w, http.StatusBadRequest, "authorization_declined", 0, "The end user declined the sign-in request.")
		return
	case "redeemed":
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 70000, "The device code has already been used.")
		return
	case "failed":
		code := f.failCode
		if code == 0 {
			code = 50020
		}
		s.entraFail(w, http.StatusBadRequest, errorOr(errorForCode[code], "invalid_grant"), code, "")
		return
	}
	tenant, generic := s.resolveSeg(f.tenantSeg)
	if generic {
		s.mu.Lock()
		tenant = s.st.tenant(f.user.HomeTenant)
		s.mu.Unlock()
	}
	if s.policy(tenant).BlockDeviceCode {
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies: this directory does not allow device code sign-in. Use the browser sign-in instead.")
		return
	}
	mfa := map[string]bool{}
	if f.mfa {
		mfa[strings.ToLower(tenant.ID)] = true
	}
	s.issueUserTokens(w, f.user, tenant, f.clientID, f.scopes, mfa)
}

// holdPendingPoll keeps a poll for a pending device code open for up to
// settings.devicePollHold, answering as soon as a person approves or
// declines. MSAL polls on a fixed schedule (up to 5 s apart); holding the
// poll makes a demo's approval show at once. Off (0) by default.
func (s *Server) holdPendingPoll(r *http.Request, deviceCode string) {
	hold := time.Duration(s.sc.Settings.DevicePollHold)
	if hold <= 0 {
		return
	}
	s.mu.Lock()
	f := s.st.devices[deviceCode]
	var changed chan struct{}
	if f != nil && f.status == "pending" {
		changed = f.changedCh()
	}
	s.mu.Unlock()
	if changed == nil {
		return
	}
	t := time.NewTimer(hold)
	defer t.Stop()
	select {
	case <-changed:
	case <-t.C:
	case <-r.Context().Done():
	}
}

func (s *Server) grantRefresh(w http.ResponseWriter, r *http.Request, t *Tenant) {
	rt := r.PostForm.Get("refresh_token")
	clientID := r.PostForm.Get("client_id")
	s.mu.Lock()
	rec := s.st.refresh[rt]
	var deleted bool
	if rec != nil {
		at, ok := s.st.revokedUser[strings.ToLower(rec.user.UserPrincipalName)]
		deleted = ok && !rec.issued.After(at)
	}
	s.mu.Unlock()
	now := s.now()
	switch {
	case rec == nil:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 9002313, "The refresh token is not valid.")
		return
	case deleted:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 50173, "")
		return
	case now.After(rec.expires):
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 700082, "")
		return
	case !s.isPublicClient(clientID):
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, "")
		return
	}
	if t == nil {
		s.mu.Lock()
		t = s.st.tenant(rec.user.HomeTenant)
		s.mu.Unlock()
	}
	if !s.userMayEnter(w, rec.user, t) {
		return
	}
	if s.policy(t).RequireMFA && !rec.mfaTenants[strings.ToLower(t.ID)] {
		body := entraError(now, "invalid_grant", 50076, "")
		body["suberror"] = "basic_action"
		body["claims"] = mfaClaims
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	s.issueUserTokens(w, rec.user, t, clientID, scopes, rec.mfaTenants)
}

// userMayEnter applies the per-user and per-tenant refusals shared by every
// user grant; it answers the request itself when it refuses.
func (s *Server) userMayEnter(w http.ResponseWriter, u *User, t *Tenant) bool {
	s.mu.Lock()
	_, in := s.st.userIn(u, t)
	signInErr := t.SignInError
	s.mu.Unlock()
	switch {
	case u.Disabled:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 50057, "")
	case !in:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 50020, fmt.Sprintf("User account '%s' from identity provider does not exist in tenant '%s' and cannot access the application in that tenant.", u.UserPrincipalName, t.DisplayName))
	case signInErr != 0:
		s.entraFail(w, http.StatusBadRequest, errorOr(errorForCode[signInErr], "invalid_grant"), signInErr, "")
	default:
		return true
	}
	return false
}

// policy returns a copy of the tenant's sign-in demands, read under the lock
// (tests change them while the simulator runs).
func (s *Server) policy(t *Tenant) Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *t
}

// SetTenantPolicy changes a tenant's sign-in demands (RequireMFA,
// BlockDeviceCode, SignInError) while the simulator runs.
func (s *Server) SetTenantPolicy(tenant string, change func(*Tenant)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tenant(tenant)
	if t == nil {
		return fmt.Errorf("no tenant %q in the scenario", tenant)
	}
	change(t)
	return nil
}

func errorOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Server) isPublicClient(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.publicApps[strings.ToLower(id)]
}

func (s *Server) tokenLifetime() time.Duration {
	if d := time.Duration(s.sc.Settings.TokenLifetime); d > 0 {
		return d
	}
	return time.Hour
}

// issueUserTokens answers with access, refresh and ID tokens for u in tenant t.
func (s *Server) issueUserTokens(w http.ResponseWriter, u *User, t *Tenant, clientID string, scopes []string, mfaTenants map[string]bool) {
	s.mu.Lock()
	p, _ := s.st.userIn(u, t)
	home := s.st.tenant(u.HomeTenant)
	s.mu.Unlock()
	now := s.now()
	life := s.tokenLifetime()
	resource, rest := resourceOfScope(scopes)
	amr := []string{"pwd"}
	if mfaTenants[strings.ToLower(t.ID)] {
		amr = append(amr, "mfa")
	}
	at := s.signer.sign(claims{
		Aud: resource, Iss: "https://sts.windows.net/" + t.ID + "/", Iat: s.issuedAt(now), Nbf: now.Unix(), Exp: now.Add(life).Unix(),
		Tid: t.ID, Oid: p.oid, Sub: p.oid, Name: u.DisplayName, UPN: u.UserPrincipalName, AppID: clientID,
		IDType: "user", Scp: "user_impersonation", AMR: amr, Ver: "1.0", UTI: randomToken(12), HomeTenant: home.ID,
	})
	idt := unsignedJWT(map[string]any{
		"aud": clientID, "iss": "https://" + loginHost + "/" + t.ID + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(life).Unix(), "oid": p.oid, "sub": p.oid, "tid": t.ID, "preferred_username": u.UserPrincipalName,
		"name": u.DisplayName, "ver": "2.0",
	})
	ci, _ := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": home.ID})
	rtLife := time.Duration(s.sc.Settings.RefreshTokenLifetime)
	if rtLife <= 0 {
		rtLife = 90 * 24 * time.Hour
	}
	rt := randomToken(64)
	mfa := map[string]bool{}
	for k, v := range mfaTenants {
		mfa[k] = v
	}
	s.mu.Lock()
	s.st.refresh[rt] = &refreshToken{user: u, clientID: clientID, mfaTenants: mfa, expires: now.Add(rtLife), issued: now}
	s.st.issued = append(s.st.issued, at, rt, idt)
	s.mu.Unlock()
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(rest, " "),
		"expires_in":     int(life.Seconds()),
		"ext_expires_in": int(life.Seconds()),
		"access_token":   at,
		"refresh_token":  rt,
		"id_token":       idt,
		"client_info":    b64.EncodeToString(ci),
	}
	if clientID == AzureCLIClientID || clientID == AzurePowerShellClientID {
		resp["foci"] = "1"
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, r *http.Request, seg string, t *Tenant) {
	if t == nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 50059, "Client credentials need a specific tenant in the authority, not '"+seg+"'.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	s.mu.Lock()
	sp := s.st.spsByApp[objKey(t.ID, clientID)]
	s.mu.Unlock()
	if sp == nil {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.DisplayName))
		return
	}
	if ready := s.spReadyAt(t.ID, clientID); s.now().Before(ready) {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.DisplayName))
		return
	}
	if sp.Disabled {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 7000112, fmt.Sprintf("Application '%s'(%s) is disabled.", sp.AppID, sp.DisplayName))
		return
	}
	if a := r.PostForm.Get("client_assertion"); a != "" {
		if code, msg := s.checkAssertion(a, sp, entraOrigin(r)+"/"+seg+"/oauth2/v2.0/token"); code != 0 {
			s.entraFail(w, http.StatusUnauthorized, "invalid_client", code, msg)
			return
		}
	} else {
		secret := r.PostForm.Get("client_secret")
		if secret == "" {
			if u, p, ok := r.BasicAuth(); ok && u == clientID {
				secret = p
			}
		}
		if !s.secretMatches(sp, secret) {
			s.entraFail(w, http.StatusUnauthorized, "invalid_client", 7000215, "")
			return
		}
	}
	now := s.now()
	life := s.tokenLifetime()
	resource, _ := resourceOfScope(strings.Fields(r.PostForm.Get("scope")))
	at := s.signer.sign(claims{
		Aud: resource, Iss: "https://sts.windows.net/" + t.ID + "/", Iat: s.issuedAt(now), Nbf: now.Unix(), Exp: now.Add(life).Unix(),
		Tid: t.ID, Oid: sp.ObjectID, Sub: sp.ObjectID, AppID: sp.AppID, IDType: "app", Ver: "1.0", UTI: randomToken(12),
	})
	s.mu.Lock()
	s.st.issued = append(s.st.issued, at)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(life.Seconds()),
		"ext_expires_in": int(life.Seconds()),
		"access_token":   at,
	})
}

func (s *Server) spReadyAt(tenant, appID string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.graph.spReadyAt(tenant, appID)
}

func (s *Server) secretMatches(sp *ServicePrincipal, secret string) bool {
	if secret == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range sp.Secrets {
		if v == secret {
			return true
		}
	}
	for _, v := range s.st.graph.secretsFor(sp.Tenant, sp.AppID) {
		if v == secret {
			return true
		}
	}
	return false
}

// checkAssertion verifies a PS256 client assertion against the principal's
// registered certificates; it returns an AADSTS code and message on failure.
func (s *Server) checkAssertion(a string, sp *ServicePrincipal, tokenEndpoint string) (int, string) {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return 700027, "Client assertion is not a JWT."
	}
	hb, err1 := b64.DecodeString(parts[0])
	pb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return 700027, "Client assertion is not a JWT."
	}
	var hdr struct {
		Alg     string `json:"alg"`
		X5tS256 string `json:"x5t#S256"`
	}
	var cl struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
		Nbf int64  `json:"nbf"`
	}
	if json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(pb, &cl) != nil {
		return 700027, "Client assertion is not a JWT."
	}
	if hdr.Alg != "PS256" {
		return 700027, fmt.Sprintf("Client assertion uses algorithm %s; PS256 is required.", hdr.Alg)
	}
	var cert *x509.Certificate
	for _, c := range sp.Certificates {
		xc, err := parseCertPEM(c)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(xc.Raw)
		if base64.StdEncoding.EncodeToString(sum[:]) == hdr.X5tS256 || base64.RawURLEncoding.EncodeToString(sum[:]) == hdr.X5tS256 {
			cert = xc
			break
		}
	}
	if cert == nil {
		return 700027, "The certificate used to sign the client assertion is not registered on the application."
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return 700027, "The registered certificate does not hold an RSA key."
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		return 700027, ""
	}
	now := s.now().Unix()
	if now > cl.Exp || now+300 < cl.Nbf {
		return 700024, ""
	}
	if !strings.EqualFold(cl.Aud, tokenEndpoint) {
		return 700027, "The client assertion's audience is " + cl.Aud + ", not the token endpoint."
	}
	if cl.Iss != sp.AppID || cl.Sub != sp.AppID {
		return 700027, "The client assertion's issuer and subject must be the application ID."
	}
	return 0, ""
}
