package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Workload identity federation: the simulator plays the OIDC issuers of
// GitHub Actions and Azure DevOps (their discovery documents and key sets, on
// their real host names), signs tokens for them, and Entra ID exchanges such a
// token, sent as a client assertion, for an application's token when one of
// the application's federated credentials names its issuer, subject and
// audience. Sources: Learn "Workload identity federation" and "Federated
// identity credentials now use case-sensitive matching"; the AADSTS codes
// Entra answers (70021, 700211, 700024) as recorded in the Azure/login and
// azure-workload-identity issue trackers.

const (
	// githubIssuer is GitHub Actions' OIDC issuer.
	githubIssuer     = "https://token.actions.githubusercontent.com"
	githubIssuerHost = "token.actions.githubusercontent.com"
	// adoIssuerHost serves Azure DevOps' issuers, one per organisation:
	// https://vstoken.dev.azure.com/{organization ID}.
	adoIssuerHost = "vstoken.dev.azure.com"
	// TokenExchangeAudience is the audience Entra ID expects of federated
	// tokens (the default of a federated credential).
	TokenExchangeAudience = "api://AzureADTokenExchange"
	// federatedTokenLifetime is how long a pipeline's OIDC token lives by default.
	federatedTokenLifetime = 10 * time.Minute
	// ficDocs is where Entra's federation errors point.
	ficDocs = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
)

var adoIssuerRE = regexp.MustCompile(`^https://vstoken\.dev\.azure\.com/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// AzureDevOpsIssuer is the OIDC issuer of an Azure DevOps organisation as the
// simulator plays it: its organisation ID is derived from the name, so a
// scenario can name it.
func AzureDevOpsIssuer(organization string) string {
	return "https://" + adoIssuerHost + "/" + stableGUID("azure-devops-organization", organization)
}

// issuers are the OIDC issuers the simulator plays, each with its own key.
type issuers struct {
	github, ado *signer
}

func newIssuers() *issuers {
	mk := func(name string) *signer { return &signer{name: name, verified: map[string]claims{}} }
	return &issuers{github: mk("palwiz simulated GitHub Actions OIDC"), ado: mk("palwiz simulated Azure DevOps OIDC")}
}

// forIssuer returns the key of an issuer the simulator plays, or nil.
func (is *issuers) forIssuer(iss string) *signer {
	switch issuerKind(iss) {
	case "github":
		return is.github
	case "azure-devops":
		return is.ado
	}
	return nil
}

func (s *Server) registerIssuers() {
	s.handle(githubIssuerHost, http.HandlerFunc(s.serveIssuer))
	s.handle(adoIssuerHost, http.HandlerFunc(s.serveIssuer))
}

// serveIssuer answers an issuer's OpenID configuration and key set.
func (s *Server) serveIssuer(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	var base, rest string
	if r.Host == githubIssuerHost {
		base, rest = githubIssuer, p
	} else {
		org, tail, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		base, rest = "https://"+adoIssuerHost+"/"+org, "/"+tail
	}
	sg := s.issuers.forIssuer(base)
	if sg == nil || r.Method != http.MethodGet {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	switch rest {
	case "/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": base, "jwks_uri": base + "/.well-known/jwks",
			"subject_types_supported": []string{"public", "pairwise"}, "response_types_supported": []string{"id_token"},
			"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "scopes_supported": []string{"openid"},
		})
	case "/.well-known/jwks":
		jw := sg.jwks(base)
		for _, k := range jw["keys"].([]any) {
			delete(k.(map[string]any), "issuer") // an Entra-only field
		}
		writeJSON(w, http.StatusOK, jw)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// FederatedToken is what the simulated issuer signs.
type FederatedToken struct {
	// Issuer is githubIssuer (the default) or an AzureDevOpsIssuer.
	Issuer   string
	Subject  string
	Audience string // default TokenExchangeAudience
	// Lifetime from now (default 10 minutes); negative for a token that
	// has already expired.
	Lifetime time.Duration
	// Extra claims (GitHub's repository, environment …).
	Extra map[string]any
}

// IssueFederatedToken signs a token as one of the pipeline OIDC issuers the
// simulator plays, as GET /_sim/oidc/token does.
func (s *Server) IssueFederatedToken(t FederatedToken) (string, error) {
	if t.Issuer == "" {
		t.Issuer = githubIssuer
	}
	if t.Audience == "" {
		t.Audience = TokenExchangeAudience
	}
	if t.Lifetime == 0 {
		t.Lifetime = federatedTokenLifetime
	}
	sg := s.issuers.forIssuer(t.Issuer)
	if sg == nil {
		return "", fmt.Errorf("the simulator signs only as %s or https://%s/{organization ID}, not %q", githubIssuer, adoIssuerHost, t.Issuer)
	}
	if strings.TrimSpace(t.Subject) == "" {
		return "", fmt.Errorf("a federated token needs a subject")
	}
	now := s.now()
	exp := now.Add(t.Lifetime)
	iat := now
	if t.Lifetime < 0 {
		iat = exp.Add(-federatedTokenLifetime)
	}
	c := map[string]any{}
	for k, v := range t.Extra {
		c[k] = v
	}
	for k, v := range map[string]any{"iss": t.Issuer, "sub": t.Subject, "aud": t.Audience, "jti": newGUID(),
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix()} {
		c[k] = v
	}
	if t.Issuer == githubIssuer {
		for k, v := range githubClaims(t.Subject) {
			if _, set := c[k]; !set {
				c[k] = v
			}
		}
	}
	tok := sg.sign(c)
	s.mu.Lock()
	s.st.issued = append(s.st.issued, tok)
	s.mu.Unlock()
	return tok, nil
}

// githubClaims are the claims GitHub derives from a subject such as
// repo:OWNER/REPO:environment:NAME or repo:OWNER/REPO:ref:refs/heads/main.
func githubClaims(sub string) map[string]any {
	out := map[string]any{}
	parts := strings.SplitN(sub, ":", 4)
	if len(parts) < 2 || parts[0] != "repo" {
		return out
	}
	out["repository"] = parts[1]
	if owner, _, ok := strings.Cut(parts[1], "/"); ok {
		out["repository_owner"] = owner
	}
	if len(parts) == 4 {
		switch parts[2] {
		case "environment":
			out["environment"] = parts[3]
		case "ref":
			out["ref"] = parts[3]
		}
	}
	return out
}

// oidcTokenControl serves GET /_sim/oidc/token?subject=S&audience=A
// [&issuer=I][&lifetime=D]: a signed token, as text.
func (s *Server) oidcTokenControl(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t := FederatedToken{Issuer: q.Get("issuer"), Subject: q.Get("subject"), Audience: q.Get("audience")}
	if v := q.Get("lifetime"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d == 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "lifetime must be a non-zero Go duration such as 10m or -1m"})
			return
		}
		t.Lifetime = d
	}
	tok, err := s.IssueFederatedToken(t)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(tok))
}

// validateWorkload checks a principal's federated credentials and managed
// identity settings.
func validateWorkload(sp ServicePrincipal, what string, bad func(string, ...any)) {
	names := map[string]bool{}
	for j, f := range sp.FederatedCredentials {
		w := fmt.Sprintf("%s: federatedCredentials[%d]", what, j)
		if f.Name == "" || names[strings.ToLower(f.Name)] {
			bad("%s: a name, unique within the application, is required", w)
		}
		names[strings.ToLower(f.Name)] = true
		if f.Issuer == "" || issuerKind(f.Issuer) == "" {
			bad("%s: issuer %q is not one the simulator plays (%s, or %s)", w, f.Issuer, githubIssuer, AzureDevOpsIssuer("ORGANIZATION"))
		}
		if strings.TrimSpace(f.Subject) == "" {
			bad("%s: subject is required", w)
		}
		if len(f.Audiences) != 1 || strings.TrimSpace(f.Audiences[0]) == "" {
			bad("%s: audiences must hold exactly one audience (Entra allows one; usually %s)", w, TokenExchangeAudience)
		}
	}
	switch sp.ManagedIdentity {
	case "":
		if sp.ResourceID != "" {
			bad("%s: resourceId is for managed identities", what)
		}
	case "systemAssigned", "userAssigned":
		if len(sp.Secrets) > 0 || len(sp.Certificates) > 0 {
			bad("%s: a managed identity has no secrets or certificates", what)
		}
		if sp.ManagedIdentity == "systemAssigned" && len(sp.FederatedCredentials) > 0 {
			bad("%s: only user-assigned managed identities take federated credentials", what)
		}
		if sp.ResourceID != "" && !strings.HasPrefix(strings.ToLower(sp.ResourceID), "/subscriptions/") {
			bad("%s: resourceId %q is not an Azure resource ID (/subscriptions/…)", what, sp.ResourceID)
		}
	default:
		bad("%s: managedIdentity %q is not systemAssigned or userAssigned", what, sp.ManagedIdentity)
	}
}

// issuerKind names an issuer the simulator plays ("github",
// "azure-devops"), or "" for any other.
func issuerKind(iss string) string {
	switch {
	case iss == githubIssuer:
		return "github"
	case adoIssuerRE.MatchString(iss):
		return "azure-devops"
	}
	return ""
}

func countSystemAssigned(sps []ServicePrincipal) int {
	n := 0
	for _, sp := range sps {
		if sp.ManagedIdentity == "systemAssigned" {
			n++
		}
	}
	return n
}

// federatedClaims are the claims of a federated token Entra reads.
type federatedClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp json.Number     `json:"exp"`
	Nbf json.Number     `json:"nbf"`
}

func (c federatedClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Aud, &many)
	return many
}

// assertionIssuer reads a client assertion's iss without checking anything:
// Entra tells a certificate assertion (iss = the application) from a
// federated token (iss = an external issuer) by it.
func assertionIssuer(a string) string {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return ""
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(body, &c)
	return c.Iss
}

// fedRefusal is Entra's answer to a federated token it does not accept.
type fedRefusal struct {
	status int
	oauth  string
	code   int
	msg    string
}

// checkFederated verifies a federated token sent as the client assertion of
// sp, as Entra does: a federated credential of the application must name its
// issuer (else AADSTS700211), the issuer's key must have signed it, it must be
// in its time window (AADSTS700024), and a credential must name its subject
// and audience exactly (else AADSTS70021).
func (s *Server) checkFederated(a string, sp *ServicePrincipal) *fedRefusal {
	iss := assertionIssuer(a)
	var fics []FederatedCredential
	for _, f := range sp.FederatedCredentials {
		if f.Issuer == iss {
			fics = append(fics, f)
		}
	}
	if len(fics) == 0 {
		return &fedRefusal{http.StatusUnauthorized, "invalid_client", 700211, fmt.Sprintf(
			"No matching federated identity record found for presented assertion issuer '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. %s", iss, ficDocs)}
	}
	sg := s.issuers.forIssuer(iss)
	var body []byte
	var err error
	if sg != nil {
		body, err = sg.payload(a)
	}
	var c federatedClaims
	if sg == nil || err != nil || decodeNumbers(body, &c) != nil {
		return &fedRefusal{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation. The token was not signed by a key of issuer '" + iss + "'."}
	}
	exp, okExp := numericDate(c.Exp)
	nbf, okNbf := numericDate(c.Nbf)
	now := float64(s.now().UnixNano()) / 1e9
	if !okExp || now > exp || (okNbf && now+300 < nbf) {
		return &fedRefusal{http.StatusUnauthorized, "invalid_client", 700024, fmt.Sprintf(
			"Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at %s .",
			isoTime(s.now()), unixISO(nbf, okNbf), unixISO(exp, okExp), ficDocs)}
	}
	auds := c.audiences()
	for _, f := range fics {
		if f.Subject != c.Sub || len(f.Audiences) == 0 {
			continue
		}
		for _, a := range auds {
			if a == f.Audiences[0] {
				return nil
			}
		}
	}
	return &fedRefusal{http.StatusBadRequest, "invalid_request", 70021, fmt.Sprintf(
		"No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'. %s",
		iss, c.Sub, strings.Join(auds, ","), ficDocs)}
}

func decodeNumbers(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec.Decode(v)
}

func unixISO(f float64, ok bool) string {
	if !ok {
		return "(none)"
	}
	return isoTime(time.Unix(int64(f), 0))
}
