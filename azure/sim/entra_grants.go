package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// tokenReq is what every grant shares: the authority's tenant, the endpoint
// version and the claims the client asked for.
type tokenReq struct {
	seg    string
	t      *Tenant // nil for organizations/common
	v1     bool
	claims claimsRequest
}

// claimsRequest is the claims parameter of a token request: the client's
// capabilities (MSAL's WithClientCapabilities: xms_cc) and a claims
// challenge's demands (a CAE nbf, a Conditional Access policy).
type claimsRequest struct {
	// cae: the client declared CP1 and handles claims challenges.
	cae bool
	// raw is the parameter as sent.
	raw string
}

func parseClaimsRequest(raw string) claimsRequest {
	out := claimsRequest{raw: raw}
	if raw == "" {
		return out
	}
	var c struct {
		AccessToken map[string]json.RawMessage `json:"access_token"`
	}
	if json.Unmarshal([]byte(raw), &c) != nil {
		return out
	}
	var cc struct {
		Values []string `json:"values"`
	}
	if v, ok := c.AccessToken["xms_cc"]; ok && json.Unmarshal(v, &cc) == nil {
		for _, x := range cc.Values {
			out.cae = out.cae || strings.EqualFold(x, "cp1")
		}
	}
	return out
}

func (s *Server) grantDeviceCode(w http.ResponseWriter, r *http.Request, req *tokenReq) {
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
	cl := req.claims
	cl.cae = cl.cae || parseClaimsRequest(f.claims).cae
	s.issueUserTokens(w, f.user, tenant, f.clientID, f.target, mfa, cl)
}

// holdPendingPoll keeps a poll for a pending device code open for up to
// settings.devicePollHold, answering as soon as a person approves or
// declines. Real Entra answers a poll at once; MSAL polls on a fixed schedule
// (up to 5 s apart). Off (0) by default.
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

func (s *Server) grantRefresh(w http.ResponseWriter, r *http.Request, req *tokenReq) {
	rt := r.PostForm.Get("refresh_token")
	clientID := r.PostForm.Get("client_id")
	s.mu.Lock()
	rec := s.st.refresh[rt]
	revoked := rec != nil && rec.iat < s.st.sessionsRevoked(rec.user)
	s.mu.Unlock()
	now := s.now()
	switch {
	case rec == nil:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 9002313, "The refresh token is not valid.")
		return
	case revoked:
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 50173, "")
		return
	case now.After(rec.expires):
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 700082, "")
		return
	case !s.isPublicClient(clientID):
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, "")
		return
	}
	t := req.t
	if t == nil {
		s.mu.Lock()
		t = s.st.tenant(rec.user.HomeTenant)
		s.mu.Unlock()
	}
	target, ok := s.requestTarget(w, r, t, req.seg, req.v1, false)
	if !ok {
		return
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
	s.issueUserTokens(w, rec.user, t, clientID, target, rec.mfaTenants, req.claims)
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

// lifetimes are an access token's lifetime and when the client should
// refresh it (0 = no refresh_in). CAE-capable clients get long-lived
// tokens, as Entra gives them, when the scenario says so.
func (s *Server) lifetimes(cae bool) (life, refreshIn time.Duration) {
	set := s.sc.Settings
	life = time.Duration(set.TokenLifetime)
	if life <= 0 {
		life = time.Hour
	}
	if cae && set.CAETokenLifetime > 0 {
		life = time.Duration(set.CAETokenLifetime)
	}
	refreshIn = time.Duration(set.RefreshIn)
	if refreshIn <= 0 && life >= 2*time.Hour {
		refreshIn = life / 2 // Entra asks for a refresh halfway through long-lived tokens
	}
	if refreshIn >= life {
		refreshIn = 0
	}
	return life, refreshIn
}

// tokenTimes writes the lifetime fields of a token answer: numbers on the
// v2.0 endpoint, strings (with expires_on and not_before) on the v1.0 one.
func tokenTimes(resp map[string]any, v1 bool, now time.Time, iat int64, life, refreshIn time.Duration) {
	secs := int(life.Seconds())
	if v1 {
		resp["expires_in"] = strconv.Itoa(secs)
		resp["ext_expires_in"] = strconv.Itoa(secs)
		resp["expires_on"] = strconv.FormatInt(now.Add(life).Unix(), 10)
		resp["not_before"] = strconv.FormatInt(iat, 10)
	} else {
		resp["expires_in"] = secs
		resp["ext_expires_in"] = secs
	}
	if refreshIn > 0 {
		resp["refresh_in"] = int(refreshIn.Seconds())
	}
}

// issueUserTokens answers with access, refresh and ID tokens for u in tenant t.
func (s *Server) issueUserTokens(w http.ResponseWriter, u *User, t *Tenant, clientID string, target tokenTarget, mfaTenants map[string]bool, cl claimsRequest) {
	s.mu.Lock()
	p, _ := s.st.userIn(u, t)
	home := s.st.tenant(u.HomeTenant)
	s.mu.Unlock()
	now := s.now()
	life, refreshIn := s.lifetimes(cl.cae)
	iat := s.issuedAt(now, u)
	amr := []string{"pwd"}
	if mfaTenants[strings.ToLower(t.ID)] {
		amr = append(amr, "mfa")
	}
	acct := 0
	at := claims{
		Aud: target.aud, Iss: "https://sts.windows.net/" + t.ID + "/", Iat: iat, Nbf: iat, Exp: now.Add(life).Unix(),
		Acct: &acct, AIO: randomToken(24), AMR: amr, AppName: clientName(clientID), AppID: clientID, AppIDACR: "0",
		IDType: "user", Name: u.DisplayName, Oid: p.oid, Scp: target.scp(), Sub: stableGUID("sub", p.oid, clientID),
		Tid: t.ID, UniqueName: u.UserPrincipalName, UTI: randomToken(12), Ver: "1.0", HomeTenant: home.ID,
	}
	idClaims := map[string]any{
		"aud": clientID, "iss": "https://" + loginHost + "/" + t.ID + "/v2.0", "iat": iat, "nbf": iat,
		"exp": now.Add(life).Unix(), "oid": p.oid, "sub": stableGUID("idsub", p.oid, clientID), "tid": t.ID,
		"preferred_username": u.UserPrincipalName, "name": u.DisplayName, "ver": "2.0", "rh": randomToken(16),
	}
	if p.guest || p.foreign {
		// A guest (or a delegated admin) signs in at home: the token names
		// the home directory as its identity provider.
		acct = 1
		at.IDP = "https://sts.windows.net/" + home.ID + "/"
		idClaims["idp"] = at.IDP
		idClaims["acct"] = 1
	} else {
		at.UPN = u.UserPrincipalName
		idClaims["acct"] = 0
	}
	if cl.cae {
		at.XmsCC = []string{"CP1"}
	}
	access := s.signer.sign(at)
	idt := s.signer.sign(idClaims)
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
	s.st.refresh[rt] = &refreshToken{user: u, clientID: clientID, mfaTenants: mfa, expires: now.Add(rtLife), issued: now, iat: iat}
	s.st.issued = append(s.st.issued, access, rt, idt)
	s.mu.Unlock()
	resp := map[string]any{
		"token_type":    "Bearer",
		"access_token":  access,
		"refresh_token": rt,
		"id_token":      idt,
		"client_info":   b64.EncodeToString(ci),
	}
	tokenTimes(resp, target.v1, now, iat, life, refreshIn)
	if target.v1 {
		resp["resource"] = target.aud
		resp["scope"] = at.Scp
	} else {
		resp["scope"] = grantedScopes(target)
	}
	if clientID == AzureCLIClientID || clientID == AzurePowerShellClientID {
		resp["foci"] = "1"
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// grantedScopes is a v2.0 answer's scope: what was asked for, and for
// /.default the permissions it stands for, each on the resource.
func grantedScopes(t tokenTarget) string {
	out := append([]string(nil), t.scopes...)
	base := strings.TrimSuffix(t.aud, "/") + "/"
	if strings.HasSuffix(t.aud, "/") {
		base = t.aud + "/"
	}
	for _, p := range t.perms {
		if p == ".default" {
			for _, g := range t.res.granted {
				out = append(out, base+g)
			}
		}
	}
	if len(out) == 0 { // a sign-in only: Microsoft Graph's profile
		out = []string{"openid", "profile", "email", "User.Read"}
	}
	return strings.Join(dedupe(out), " ")
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, r *http.Request, req *tokenReq) {
	t := req.t
	if t == nil {
		s.entraFail(w, http.StatusBadRequest, "invalid_request", 50059, "Client credentials need a specific tenant in the authority, not '"+req.seg+"'.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	s.mu.Lock()
	sp := s.st.spsByApp[objKey(t.ID, clientID)]
	s.mu.Unlock()
	notFound := fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.DisplayName)
	if sp == nil {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, notFound)
		return
	}
	if ready := s.spReadyAt(t.ID, clientID); s.now().Before(ready) {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 700016, notFound)
		return
	}
	if sp.Disabled {
		s.entraFail(w, http.StatusBadRequest, "unauthorized_client", 7000112, fmt.Sprintf("Application '%s'(%s) is disabled.", sp.AppID, sp.DisplayName))
		return
	}
	acr := "1"
	if a := r.PostForm.Get("client_assertion"); a != "" {
		endpoint := entraOrigin(r) + "/" + req.seg + "/oauth2/v2.0/token"
		if req.v1 {
			endpoint = entraOrigin(r) + "/" + req.seg + "/oauth2/token"
		}
		if iss := assertionIssuer(a); strings.Contains(iss, "://") {
			// A token of an external OIDC issuer: workload identity federation.
			if f := s.checkFederated(a, sp); f != nil {
				s.entraFail(w, f.status, f.oauth, f.code, f.msg)
				return
			}
		} else if code, msg := s.checkAssertion(a, sp, endpoint); code != 0 {
			s.entraFail(w, http.StatusUnauthorized, "invalid_client", code, msg)
			return
		}
		acr = "2"
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
	target, ok := s.requestTarget(w, r, t, req.seg, req.v1, true)
	if !ok {
		return
	}
	s.issueAppToken(w, sp, t, target, acr, req.claims)
}

// issueAppToken answers with a service principal's access token.
func (s *Server) issueAppToken(w http.ResponseWriter, sp *ServicePrincipal, t *Tenant, target tokenTarget, acr string, cl claimsRequest) {
	life, refreshIn := s.lifetimes(cl.cae)
	at, now, iat := s.signAppToken(sp, t, target, acr, cl, life)
	resp := map[string]any{"token_type": "Bearer", "access_token": at}
	tokenTimes(resp, target.v1, now, iat, life, refreshIn)
	if target.v1 {
		resp["resource"] = target.aud
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// signAppToken issues a service principal's (or managed identity's) access
// token for target, living life from now.
func (s *Server) signAppToken(sp *ServicePrincipal, t *Tenant, target tokenTarget, acr string, cl claimsRequest, life time.Duration) (tok string, now time.Time, iat int64) {
	now = s.now()
	iat = s.issuedAt(now, nil)
	c := claims{
		Aud: target.aud, Iss: "https://sts.windows.net/" + t.ID + "/", Iat: iat, Nbf: iat, Exp: now.Add(life).Unix(),
		AIO: randomToken(24), AppName: sp.DisplayName, AppID: sp.AppID, AppIDACR: acr, IDP: "https://sts.windows.net/" + t.ID + "/",
		IDType: "app", Oid: sp.ObjectID, Roles: sp.rolesFor(target.res), Sub: sp.ObjectID, Tid: t.ID, UTI: randomToken(12), Ver: "1.0",
		XmsMirID: sp.ResourceID,
	}
	if cl.cae {
		c.XmsCC = []string{"CP1"}
	}
	tok = s.signer.sign(c)
	s.mu.Lock()
	s.st.issued = append(s.st.issued, tok)
	s.mu.Unlock()
	return tok, now, iat
}

// rolesFor is the application permissions the principal holds on an API.
func (sp *ServicePrincipal) rolesFor(res *resourceApp) []string {
	var out []string
	for k, roles := range sp.Roles {
		if findResource(k) == res {
			out = append(out, roles...)
		}
	}
	return out
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
	for _, v := range s.st.graph.secretsFor(sp.Tenant, sp.AppID, s.now()) {
		if v == secret {
			return true
		}
	}
	return false
}
