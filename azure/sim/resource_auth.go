package sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// caller is the identity an access token names.
type caller struct {
	claims
	p principal
}

type callerKey struct{}

// service is a resource server: which token audiences it accepts and how it
// words a refused token. Each Microsoft service has its own shape.
type service struct {
	// name is the service's key in the scenario settings (caeServices).
	name  string
	appID string
	// audiences are the token audiences it accepts (compared without a trailing slash).
	audiences []string
	refuse    func(w http.ResponseWriter, r *http.Request, f authFailure)
}

// failKind is why a bearer token was refused.
type failKind int

const (
	failMissing   failKind = iota // no Authorization header
	failNotBearer                 // not a bearer token
	failExpired                   // past exp, or issued before /_sim/expire-tokens
	failInvalid                   // malformed, or not signed by the simulator
	failAudience                  // issued for another resource
	failChallenge                 // a CAE claims challenge: revoked after it was issued
)

// authFailure is a refused token, with what the refusal carries.
type authFailure struct {
	kind failKind
	// aud is the token's audience (failAudience).
	aud string
	// claims is the base64 claims challenge (failChallenge).
	claims string
	// tenant is the token's tenant, when known.
	tenant string
}

const caeMessage = "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp"

// caeChallenge is the WWW-Authenticate header of a CAE claims challenge, as
// the services that evaluate access continuously send it.
func caeChallenge(appID, claims string) string {
	return fmt.Sprintf(`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="%s", error="insufficient_claims", claims="%s", error_description="%s"`,
		appID, claims, caeMessage)
}

// armRefusal is ARM's (and the ARM-fronted resource providers') 401.
func armRefusal(audiences []string) func(w http.ResponseWriter, r *http.Request, f authFailure) {
	return func(w http.ResponseWriter, _ *http.Request, f authFailure) {
		code, msg, desc := "", "", ""
		switch f.kind {
		case failMissing:
			code, msg, desc = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", "The authentication failed because of missing 'Authorization' header."
		case failNotBearer:
			code, msg, desc = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is not a bearer token.", "Bearer token required"
		case failExpired:
			code, msg, desc = "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.", "The access token has expired"
		case failAudience:
			code = "InvalidAuthenticationTokenAudience"
			msg = fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences '%s'.", f.aud, strings.Join(audiences, "','"))
			desc = "Wrong audience"
		case failChallenge:
			w.Header().Set("WWW-Authenticate", caeChallenge(armAppID, f.claims))
			writeJSON(w, http.StatusUnauthorized, armError("InvalidAuthenticationToken", caeMessage))
			return
		default:
			code, msg, desc = "InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid"
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description=%q`, desc))
		writeJSON(w, http.StatusUnauthorized, armError(code, msg))
	}
}

var (
	armAudiences = []string{"https://management.core.windows.net/", "https://management.azure.com/", armAppID}
	armService   = &service{name: "arm", appID: armAppID, audiences: armAudiences, refuse: armRefusal(armAudiences)}
	graphService = &service{name: "graph", appID: graphAppID, audiences: []string{"https://graph.microsoft.com", graphAppID},
		refuse: func(w http.ResponseWriter, _ *http.Request, f authFailure) {
			msg := "Access token validation failure. Invalid audience."
			hdr := `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="` + graphAppID + `"`
			switch f.kind {
			case failMissing, failNotBearer:
				msg = "Access token is empty."
			case failExpired:
				msg = "Lifetime validation failed, the token is expired."
			case failInvalid:
				msg = "Access token validation failure."
			case failChallenge:
				msg, hdr = caeMessage, caeChallenge(graphAppID, f.claims)
			}
			w.Header().Set("WWW-Authenticate", hdr)
			writeJSON(w, http.StatusUnauthorized, graphError("InvalidAuthenticationToken", msg))
		}}
)

func audienceOK(aud string, accepted []string) bool {
	a := strings.TrimSuffix(strings.ToLower(aud), "/")
	for _, x := range accepted {
		if a == strings.TrimSuffix(strings.ToLower(x), "/") {
			return true
		}
	}
	return false
}

// authenticate checks the bearer token for a service. On failure it answers
// in the service's own words and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, svc *service) (*caller, bool) {
	fail := func(f authFailure) (*caller, bool) {
		svc.refuse(w, r, f)
		return nil, false
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return fail(authFailure{kind: failMissing})
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return fail(authFailure{kind: failNotBearer})
	}
	c, err := s.signer.verify(strings.TrimSpace(tok), s.now())
	s.mu.Lock()
	notBefore := s.st.notBefore
	p, known := s.st.objects[objKey(c.Tid, c.Oid)]
	challenged := int64(0)
	if known && p.user != nil {
		challenged = s.st.tokensChallenged(p.user)
	}
	s.mu.Unlock()
	if err == nil && !notBefore.IsZero() && c.Iat < notBefore.Unix() {
		err = errTokenExpired
	}
	switch err {
	case nil:
	case errTokenExpired:
		return fail(authFailure{kind: failExpired, tenant: c.Tid})
	default:
		return fail(authFailure{kind: failInvalid})
	}
	if !audienceOK(c.Aud, svc.audiences) {
		return fail(authFailure{kind: failAudience, aud: c.Aud, tenant: c.Tid})
	}
	if c.Iat < challenged && c.caeCapable() && s.sc.Settings.caeEnabled(svc.name) {
		s.mu.Lock()
		s.challenges++
		s.mu.Unlock()
		cl := `{"access_token":{"nbf":{"essential":true, "value":"` + strconv.FormatInt(challenged, 10) + `"}}}`
		return fail(authFailure{kind: failChallenge, claims: base64.StdEncoding.EncodeToString([]byte(cl)), tenant: c.Tid})
	}
	if !known {
		p = principal{tenant: s.tenantByID(c.Tid), oid: c.Oid}
	}
	return &caller{claims: c, p: p}, true
}

// ChallengesSent is how many CAE claims challenges resources have answered with.
func (s *Server) ChallengesSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.challenges
}
