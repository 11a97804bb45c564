package sim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCode is an authorization code issued by the browser sign-in page.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	tenantSeg   string
	scopes      string
	user        *User
	mfa         bool
	expires     time.Time
}

var authorizeParams = []string{"client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "response_mode", "claims", "login_hint", "domain_hint", "prompt", "response_type"}

// authorizePage is the browser sign-in (authorization code with PKCE): it
// shows the account picker and, on submit, posts the code to the app's
// loopback redirect URI.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
	if err := s.checkAuthorizeRequest(seg, q); err != nil {
		s.render(w, http.StatusBadRequest, pageData{Title: "Sign-in", Error: err.Error()})
		return
	}
	var hidden []hiddenField
	for _, k := range authorizeParams {
		if v := q.Get(k); v != "" {
			hidden = append(hidden, hiddenField{k, v})
		}
	}
	accts := s.accountsFor()
	if hint := q.Get("login_hint"); hint != "" {
		for i := range accts {
			accts[i].Checked = strings.EqualFold(accts[i].UPN, hint)
		}
	}
	s.render(w, http.StatusOK, pageData{Title: "Pick an account", Kind: "account", Action: "/" + seg + "/oauth2/v2.0/authorize/submit",
		Prompt: fmt.Sprintf("Sign in to %s.", clientName(q.Get("client_id"))), Accounts: accts, Hidden: hidden})
}

func (s *Server) checkAuthorizeRequest(seg string, q url.Values) error {
	if t, generic := s.resolveSeg(seg); !generic && t == nil {
		return fmt.Errorf("AADSTS90002: Tenant '%s' not found.", seg)
	}
	if !s.isPublicClient(q.Get("client_id")) {
		return fmt.Errorf("AADSTS700016: Application with identifier '%s' was not found in the directory.", q.Get("client_id"))
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || ru.Scheme != "http" || !isLoopbackHost(hostOnly(ru.Host)) {
		return errors.New("AADSTS50011: The redirect URI must be a loopback http address for a public client.")
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		return errors.New("AADSTS501491: PKCE with S256 is required.")
	}
	return nil
}

var postBackTmpl = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Returning to the app</title></head>
<body onload="document.forms[0].submit()"><p>Returning to the application…</p>
<form method="post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`))

func (s *Server) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		s.render(w, http.StatusBadRequest, pageData{Title: "Sign-in", Error: "Send this form from the sign-in page."})
		return
	}
	f := r.PostForm
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
	if err := s.checkAuthorizeRequest(seg, f); err != nil {
		s.render(w, http.StatusBadRequest, pageData{Title: "Sign-in", Error: err.Error()})
		return
	}
	post := func(fields []hiddenField) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = postBackTmpl.Execute(w, map[string]any{"Action": f.Get("redirect_uri"), "Fields": fields})
	}
	state := hiddenField{"state", f.Get("state")}
	if f.Get("action") == "cancel" {
		post([]hiddenField{{"error", "access_denied"}, {"error_description", "AADSTS65004: User declined to consent to access the app."}, state})
		return
	}
	code, err := s.issueAuthCode(seg, f)
	var ne *needMFAError
	if errors.As(err, &ne) {
		var hidden []hiddenField
		for _, k := range authorizeParams {
			if v := f.Get(k); v != "" {
				hidden = append(hidden, hiddenField{k, v})
			}
		}
		s.render(w, http.StatusOK, pageData{Title: "Pick an account", Kind: "account", Action: r.URL.Path, Error: err.Error(),
			Accounts: s.accountsFor(), Hidden: hidden})
		return
	}
	if err != nil {
		post([]hiddenField{{"error", "invalid_grant"}, {"error_description", err.Error()}, state})
		return
	}
	post([]hiddenField{{"code", code}, state})
}

func (s *Server) issueAuthCode(seg string, f url.Values) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.usersByUPN[strings.ToLower(f.Get("user"))]
	if u == nil {
		return "", fmt.Errorf("there is no account %q in this simulated cloud", f.Get("user"))
	}
	t := s.st.tenant(seg)
	if t == nil {
		t = s.st.tenant(u.HomeTenant)
	}
	if _, in := s.st.userIn(u, t); !in {
		return "", fmt.Errorf("AADSTS50020: %s does not exist in %s", u.UserPrincipalName, t.DisplayName)
	}
	if u.Disabled {
		return "", errors.New("AADSTS50057: " + aadstsText[50057])
	}
	mfa := f.Get("mfa") == "on"
	if (t.RequireMFA || strings.Contains(f.Get("claims"), "capolids")) && !mfa {
		return "", &needMFAError{tenant: t.DisplayName}
	}
	code := randomToken(32)
	s.st.authCodes[code] = &authCode{
		clientID: f.Get("client_id"), redirectURI: f.Get("redirect_uri"), challenge: f.Get("code_challenge"),
		tenantSeg: seg, scopes: f.Get("scope"), user: u, mfa: mfa, expires: s.now().Add(10 * time.Minute),
	}
	return code, nil
}

func (s *Server) grantAuthCode(w http.ResponseWriter, r *http.Request, req *tokenReq) {
	code := r.PostForm.Get("code")
	s.mu.Lock()
	ac := s.st.authCodes[code]
	delete(s.st.authCodes, code)
	s.mu.Unlock()
	if ac == nil || s.now().After(ac.expires) {
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired or was already used.")
		return
	}
	if ac.clientID != r.PostForm.Get("client_id") || ac.redirectURI != r.PostForm.Get("redirect_uri") {
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 70000, "The code was issued to another client or redirect URI.")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if b64.EncodeToString(sum[:]) != ac.challenge {
		s.entraFail(w, http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
		return
	}
	t := req.t
	if t == nil {
		s.mu.Lock()
		t = s.st.tenant(ac.user.HomeTenant)
		s.mu.Unlock()
	}
	if code := s.policy(t).SignInError; code != 0 && code != 50005 {
		s.entraFail(w, http.StatusBadRequest, errorOr(errorForCode[code], "invalid_grant"), code, "")
		return
	}
	if r.PostForm.Get("scope") == "" && !req.v1 {
		r.PostForm.Set("scope", ac.scopes)
	}
	target, ok := s.requestTarget(w, r, t, req.seg, req.v1, false)
	if !ok {
		return
	}
	mfa := map[string]bool{}
	if ac.mfa {
		mfa[strings.ToLower(t.ID)] = true
	}
	s.issueUserTokens(w, ac.user, t, ac.clientID, target, mfa, req.claims)
}
