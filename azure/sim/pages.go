package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"
)

// servePagesOrigin serves the plain-HTTP loopback origin: sign-in pages and
// the control API, nothing that carries a token.
func (s *Server) servePagesOrigin(w http.ResponseWriter, r *http.Request) {
	if !s.servePages(w, r) {
		http.NotFound(w, r)
	}
}

// servePages answers the human-facing pages and the /_sim control API; it
// reports whether the path was one of them.
func (s *Server) servePages(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/" || p == "/devicelogin":
		s.deviceLoginPage(w, r)
	case p == "/devicelogin/approve":
		s.deviceApprovePost(w, r)
	case strings.HasPrefix(p, "/_sim/"):
		s.control(w, r)
	case p == imdsTokenPath:
		s.serveIMDS(w, r)
	case strings.HasSuffix(p, "/oauth2/v2.0/authorize") || strings.HasSuffix(p, "/oauth2/authorize"):
		s.authorizePage(w, r)
	case strings.HasSuffix(p, "/authorize/submit"):
		s.authorizeSubmit(w, r)
	default:
		return false
	}
	return true
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · palwiz simulated sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:48px auto;background:#fff;padding:36px 44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}.banner{font-size:12px;color:#666;margin-bottom:20px}
label{display:block;margin:10px 0}input[type=text]{font-size:18px;padding:6px;width:100%;box-sizing:border-box;letter-spacing:2px}
button{font-size:15px;padding:8px 20px;margin:16px 8px 0 0;border:0;background:#0067b8;color:#fff;cursor:pointer}
button.secondary{background:#ccc;color:#000}.err{color:#a80000;margin:8px 0}.note{color:#555;font-size:13px}
.acct{border:1px solid #ddd;padding:8px;margin:6px 0}</style></head>
<body><main><div class="banner">palwiz simulated Microsoft cloud — not a real Microsoft page</div>
<h1 id="title">{{.Title}}</h1>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if eq .Kind "code"}}
<form method="post" action="/devicelogin">
<label for="code">Enter the code displayed on your app or device.</label>
<input type="text" id="code" name="code" autocomplete="off" autofocus value="{{.Code}}">
<button type="submit" id="next">Next</button></form>
{{else if eq .Kind "account"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="code" value="{{.Code}}">{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<p>{{.Prompt}}</p>
{{range .Accounts}}<label class="acct"><input type="radio" name="user" value="{{.UPN}}" {{if .Checked}}checked{{end}}> <b>{{.Name}}</b> &lt;{{.UPN}}&gt;<br><span class="note">{{.Note}}</span></label>{{end}}
<label><input type="checkbox" name="mfa" id="mfa" value="on"> I approved the sign-in in my authenticator app (needed where the directory demands multi-factor authentication)</label>
<button type="submit" name="action" value="continue" id="continue">Continue</button>
<button type="submit" name="action" value="cancel" id="cancel" class="secondary">Cancel</button>
</form>
{{end}}
</main></body></html>`))

type pageAccount struct {
	UPN, Name, Note string
	Checked         bool
}

type hiddenField struct{ Name, Value string }

type pageData struct {
	Title, Kind, Error, Message, Code, Action, Prompt string
	Accounts                                          []pageAccount
	Hidden                                            []hiddenField
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// accountsFor lists the scenario's people for the account picker.
func (s *Server) accountsFor() []pageAccount {
	var out []pageAccount
	for _, u := range s.sc.Users {
		out = append(out, pageAccount{UPN: u.UserPrincipalName, Name: u.DisplayName, Note: u.Note})
	}
	if len(out) > 0 {
		out[0].Checked = true
	}
	return out
}

func (s *Server) deviceLoginPage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.render(w, http.StatusOK, pageData{Title: "Enter code", Kind: "code", Code: r.URL.Query().Get("code")})
		return
	}
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, pageData{Title: "Enter code", Kind: "code", Error: "The form could not be read."})
		return
	}
	code := normUserCode(r.PostForm.Get("code"))
	f, err := s.pendingFlow(code)
	if err != nil {
		s.render(w, http.StatusOK, pageData{Title: "Enter code", Kind: "code", Code: code, Error: err.Error()})
		return
	}
	s.render(w, http.StatusOK, pageData{Title: "Pick an account", Kind: "account", Code: code, Action: "/devicelogin/approve",
		Prompt:   fmt.Sprintf("Sign in to %s on the device that showed you this code. Only continue if you started this sign-in yourself.", clientName(f.clientID)),
		Accounts: s.accountsFor()})
}

func clientName(id string) string {
	switch id {
	case AzureCLIClientID:
		return "Microsoft Azure CLI"
	case AzurePowerShellClientID:
		return "Microsoft Azure PowerShell"
	}
	return "application " + id
}

func normUserCode(c string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(c), "-", ""))
}

func (s *Server) pendingFlow(code string) (*deviceFlow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.userCodes[code]
	if code == "" || f == nil {
		return nil, errors.New("That code wasn't found. Check the code on your device and try again.")
	}
	if f.status != "pending" {
		return nil, errors.New("That code was already used. Go back to your device and start the sign-in again.")
	}
	if s.now().After(f.expires) {
		return nil, errors.New("That code has expired. Go back to your device and start the sign-in again.")
	}
	return f, nil
}

func (s *Server) deviceApprovePost(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		s.render(w, http.StatusBadRequest, pageData{Title: "Sign-in", Error: "Send this form from the sign-in page."})
		return
	}
	code := normUserCode(r.PostForm.Get("code"))
	if r.PostForm.Get("action") == "cancel" {
		if err := s.DeclineDeviceCode(code); err != nil {
			s.render(w, http.StatusOK, pageData{Title: "Sign-in", Error: err.Error()})
			return
		}
		s.render(w, http.StatusOK, pageData{Title: "Sign-in cancelled", Message: "You declined the sign-in. You can close this window."})
		return
	}
	upn := r.PostForm.Get("user")
	err := s.ApproveDeviceCode(code, upn, r.PostForm.Get("mfa") == "on")
	var ne *needMFAError
	switch {
	case errors.As(err, &ne):
		s.render(w, http.StatusOK, pageData{Title: "Pick an account", Kind: "account", Code: code, Action: "/devicelogin/approve",
			Error: err.Error(), Accounts: s.accountsFor()})
	case err != nil:
		s.render(w, http.StatusOK, pageData{Title: "Sign-in failed", Error: err.Error()})
	default:
		s.render(w, http.StatusOK, pageData{Title: "You're signed in", Message: fmt.Sprintf("You have signed in as %s on your device. You can close this window.", upn)})
	}
}

type needMFAError struct{ tenant string }

func (e *needMFAError) Error() string {
	return e.tenant + " requires multi-factor authentication: approve the request in your authenticator app (tick the box) and continue."
}

// ApproveDeviceCode signs user upn in on the device that shows userCode
// ("" = the newest pending code), as a person would on the sign-in page. mfa
// says the person completed multi-factor authentication.
func (s *Server) ApproveDeviceCode(userCode, upn string, mfa bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.userCodes[normUserCode(userCode)]
	if userCode == "" {
		f = s.latestPendingLocked()
	}
	if f == nil {
		return errors.New("That code wasn't found. Check the code on your device and try again.")
	}
	if f.status != "pending" || s.now().After(f.expires) {
		return errors.New("That code has expired or was already used. Go back to your device and start the sign-in again.")
	}
	u := s.st.usersByUPN[strings.ToLower(strings.TrimSpace(upn))]
	if u == nil {
		return fmt.Errorf("There is no account %q in this simulated cloud.", upn)
	}
	t := s.st.tenant(f.tenantSeg)
	if t == nil {
		t = s.st.tenant(u.HomeTenant)
	}
	if _, in := s.st.userIn(u, t); !in {
		f.status, f.user = "failed", u
		f.settle()
		return fmt.Errorf("AADSTS50020: %s does not exist in %s. Sign in with an account from that directory.", u.UserPrincipalName, t.DisplayName)
	}
	if u.Disabled {
		f.status, f.user = "failed", u
		f.failCode = 50057
		f.settle()
		return errors.New("AADSTS50057: Your account is disabled. Contact the directory's administrator.")
	}
	if t.SignInError != 0 {
		f.status, f.user, f.failCode = "failed", u, t.SignInError
		f.settle()
		return fmt.Errorf("AADSTS%d: %s", t.SignInError, aadstsText[t.SignInError])
	}
	if (t.RequireMFA || strings.Contains(f.claims, "capolids")) && !mfa {
		return &needMFAError{tenant: t.DisplayName}
	}
	f.status, f.user, f.mfa = "approved", u, mfa
	f.settle()
	return nil
}

// DeclineDeviceCode refuses the sign-in for userCode ("" = newest pending).
func (s *Server) DeclineDeviceCode(userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.userCodes[normUserCode(userCode)]
	if userCode == "" {
		f = s.latestPendingLocked()
	}
	if f == nil || f.status != "pending" {
		return errors.New("That code wasn't found or was already used.")
	}
	f.status = "declined"
	f.settle()
	return nil
}

func (s *Server) latestPendingLocked() *deviceFlow {
	var best *deviceFlow
	for _, f := range s.st.devices {
		if f.status == "pending" && !s.now().After(f.expires) && (best == nil || f.created.After(best.created)) {
			best = f
		}
	}
	return best
}

// PendingDeviceCodes returns the user codes still waiting for a person.
func (s *Server) PendingDeviceCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.st.devices {
		if f.status == "pending" && !s.now().After(f.expires) {
			out = append(out, f.userCode)
		}
	}
	sort.Strings(out)
	return out
}

// IssuedSecrets returns every token and client secret the simulator has
// handed out, plus the scenario's own client secrets: the strings that must
// never show up on disk or in palwiz's output.
func (s *Server) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.st.issued...)
	for _, sp := range s.sc.ServicePrincipals {
		out = append(out, sp.Secrets...)
	}
	return out
}

// DeviceCodeHasClaims reports whether the device-code request behind
// userCode carried a claims challenge.
func (s *Server) DeviceCodeHasClaims(userCode string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.userCodes[normUserCode(userCode)]
	return f != nil && f.claims != ""
}

// RevokeUser revokes the user's sessions, as a password reset or an
// administrator's "revoke sessions" does: refresh tokens issued before now
// fail (AADSTS50173), and resources that support continuous access
// evaluation answer the user's CAE-capable access tokens issued before now
// with a claims challenge (other access tokens live out their lifetime, as
// Entra's do). A sign-in after this works again.
func (s *Server) RevokeUser(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.revocationTimeLocked()
	s.st.revoked[strings.ToLower(strings.TrimSpace(upn))] = at
	s.st.challenged[strings.ToLower(strings.TrimSpace(upn))] = at
}

// ChallengeUser makes resources that support continuous access evaluation
// answer the user's CAE-capable access tokens issued before now with a
// claims challenge, while the user's sessions stay valid (a critical event
// such as a changed location policy): a client that answers the challenge
// gets a new token silently.
func (s *Server) ChallengeUser(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.challenged[strings.ToLower(strings.TrimSpace(upn))] = s.revocationTimeLocked()
}

// ExpireAccessTokens makes every access token issued so far fail as expired.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.notBefore = s.revocationTimeLocked()
}

// revocationTimeLocked is when a revocation made now takes effect: tokens
// count time in whole seconds, so it is the next second, and later than
// every token issued so far (a token issued after an earlier revocation in
// this same second is dated that second). Server.mu is held.
func (s *Server) revocationTimeLocked() time.Time {
	at := s.now().Add(time.Second)
	if at.Unix() <= s.st.maxIat {
		at = time.Unix(s.st.maxIat+1, 0)
	}
	return at
}

// issuedAt is the iat of a token issued now (for user u, or nil). Tokens
// count time in whole seconds, and ExpireAccessTokens, RevokeUser and
// ChallengeUser refuse every iat before the next second, so a token issued
// after them is dated no earlier than that second.
func (s *Server) issuedAt(now time.Time, u *User) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	iat := max(now.Unix(), s.st.notBefore.Unix(), s.st.sessionsRevoked(u), s.st.tokensChallenged(u))
	s.st.maxIat = max(s.st.maxIat, iat)
	return iat
}

// control serves /_sim/..., the simulator's own API for scripts and tests.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UserCode string `json:"userCode"`
		User     string `json:"user"`
		MFA      bool   `json:"mfa"`
		// KeepSessions (revoke): challenge the access tokens only.
		KeepSessions bool `json:"keepSessions"`
	}
	decode := func(v any) bool {
		if r.Body == nil {
			return true
		}
		if err := json.NewDecoder(r.Body).Decode(v); err != nil && err.Error() != "EOF" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is not JSON: " + err.Error()})
			return false
		}
		return true
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /_sim/stats":
		writeJSON(w, http.StatusOK, map[string]any{"requests": s.Stats(), "caeChallenges": s.ChallengesSent()})
	case "POST /_sim/stats/reset":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/identities":
		writeJSON(w, http.StatusOK, s.Identities())
	case "GET /_sim/devicecodes":
		writeJSON(w, http.StatusOK, map[string]any{"pending": s.PendingDeviceCodes()})
	case "POST /_sim/devicecode/approve":
		if !decode(&body) {
			return
		}
		if body.User == "" && len(s.sc.Users) > 0 {
			body.User = s.sc.Users[0].UserPrincipalName
		}
		if err := s.ApproveDeviceCode(body.UserCode, body.User, body.MFA); err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/devicecode/decline":
		if !decode(&body) {
			return
		}
		if err := s.DeclineDeviceCode(body.UserCode); err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/faults":
		var f Fault
		if !decode(&f) {
			return
		}
		if err := s.AddFault(f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "DELETE /_sim/faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/revoke":
		if !decode(&body) {
			return
		}
		if s.userByUPN(body.User) == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no user " + body.User + " in the scenario"})
			return
		}
		if body.KeepSessions {
			s.ChallengeUser(body.User)
		} else {
			s.RevokeUser(body.User)
		}
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/oidc/token":
		s.oidcTokenControl(w, r)
	case "POST /_sim/pipeline/github", "POST /_sim/pipeline/azuredevops":
		s.pipelineJobControl(w, r)
	case "POST /_sim/expire-tokens":
		s.ExpireAccessTokens()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown simulator control " + r.Method + " " + r.URL.Path})
	}
}

func (s *Server) userByUPN(upn string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.usersByUPN[strings.ToLower(strings.TrimSpace(upn))]
}
