package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/safefile"
)

// Workload identity federation: a pipeline signs in as an application with
// an OIDC token its platform issues (GitHub Actions, Azure DevOps, or a token
// file such as Kubernetes projects), sent to Entra ID as the client
// assertion of MSAL Go's confidential client, as azidentity's
// WorkloadIdentityCredential and AzurePipelinesCredential do. No secret
// exists, and nothing is stored: the identity lives for one run.

// TokenExchangeAudience is the audience palwiz asks pipeline platforms for;
// Entra ID's federated credentials expect it.
const TokenExchangeAudience = "api://AzureADTokenExchange"

// Kinds of federated token source.
const (
	SourceTokenFile     = "token-file"
	SourceGitHubActions = "github-actions"
	SourceAzureDevOps   = "azure-devops"
)

// ReasonFederation is a federated token Entra ID refused (no federated
// credential matches its issuer, subject or audience, or it expired).
const ReasonFederation Reason = "federated-token-refused"

// ReasonFederationUnavailable is a federated token palwiz could not get:
// no token source in the environment, a token file it cannot read, a
// pipeline that would not issue one.
const ReasonFederationUnavailable Reason = "federated-token-unavailable"

// FederatedSource is where a pipeline's OIDC token comes from.
type FederatedSource interface {
	// Kind is SourceTokenFile, SourceGitHubActions or SourceAzureDevOps.
	Kind() string
	// Describe names the source for people ("GitHub Actions' OIDC token").
	Describe() string
	// Token returns a current token; c reaches the platform's endpoint.
	Token(ctx context.Context, c HTTPDoer) (string, error)
}

// HTTPDoer sends a request (an *http.Client, or palwiz's retrying client).
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// maxTokenFile bounds a federated token file (tokens are a few KB).
const maxTokenFile = 64 << 10

// tokenFile reads the token from a file, again whenever the file changes
// (Kubernetes and other platforms replace it before the token expires).
type tokenFile struct {
	path, variable string

	mu   sync.Mutex
	tok  string
	info os.FileInfo
}

func (f *tokenFile) Kind() string { return SourceTokenFile }
func (f *tokenFile) Describe() string {
	return "the federated token file " + f.path + " (" + f.variable + ")"
}

func (f *tokenFile) Token(ctx context.Context, _ HTTPDoer) (string, error) {
	fail := func(what string, err error) error {
		return &Error{Reason: ReasonFederationUnavailable, Err: err, Message: "Cannot " + what + " the federated token file " + f.path + ": " + err.Error(),
			NextStep: "Check " + f.variable + ": it must name a readable file holding the platform's OIDC token"}
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		return "", fail("read", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tok != "" && f.info != nil && os.SameFile(fi, f.info) && fi.ModTime().Equal(f.info.ModTime()) && fi.Size() == f.info.Size() && !jwtExpired(f.tok) {
		return f.tok, nil
	}
	b, err := safefile.Read(ctx, f.path, maxTokenFile)
	if err != nil {
		return "", fail("read", err)
	}
	tok := strings.TrimSpace(string(b))
	if !looksLikeJWT(tok) {
		return "", fail("use", errors.New("it does not hold a JWT"))
	}
	f.tok, f.info = tok, fi
	return tok, nil
}

// githubActions asks the job's token endpoint, as actions/toolkit's
// getIDToken does: GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=…, the request
// token as a bearer, the token in "value".
type githubActions struct{ url, requestToken string }

func (g githubActions) Kind() string     { return SourceGitHubActions }
func (g githubActions) Describe() string { return "GitHub Actions' OIDC token" }

func (g githubActions) Token(ctx context.Context, c HTTPDoer) (string, error) {
	sep := "?"
	if strings.Contains(g.url, "?") {
		sep = "&"
	}
	body, err := pipelineRequest(ctx, c, http.MethodGet, g.url+sep+"audience="+url.QueryEscape(TokenExchangeAudience), g.requestToken, g.Describe(),
		"Give the job the permission to request it (permissions: id-token: write) and run palwiz in that job")
	if err != nil {
		return "", err
	}
	var r struct {
		Value string `json:"value"`
	}
	return pipelineToken(json.Unmarshal(body, &r), r.Value, g.Describe())
}

// azureDevOps asks the pipeline's OIDC endpoint for the service
// connection's token, as azidentity's AzurePipelinesCredential does: POST
// SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=…, with
// System.AccessToken, the token in "oidcToken".
type azureDevOps struct{ uri, accessToken, connectionID string }

func (a azureDevOps) Kind() string { return SourceAzureDevOps }
func (a azureDevOps) Describe() string {
	return "the Azure DevOps service connection " + a.connectionID
}

func (a azureDevOps) Token(ctx context.Context, c HTTPDoer) (string, error) {
	u := a.uri + "?api-version=7.1&serviceConnectionId=" + url.QueryEscape(a.connectionID)
	body, err := pipelineRequest(ctx, c, http.MethodPost, u, a.accessToken, a.Describe(),
		"Map the job's access token into palwiz's step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)) and authorize the service connection for this pipeline")
	if err != nil {
		return "", err
	}
	var r struct {
		OIDCToken string `json:"oidcToken"`
	}
	return pipelineToken(json.Unmarshal(body, &r), r.OIDCToken, a.Describe())
}

// pipelineRequest sends the token request and returns the body of a 200
// answer. The bearer goes only over HTTPS (or to this machine).
func pipelineRequest(ctx context.Context, c HTTPDoer, method, u, bearer, what, fix string) ([]byte, error) {
	refuse := func(msg string, err error) error {
		return &Error{Reason: ReasonFederationUnavailable, Err: err, Message: "palwiz could not get " + what + ": " + msg, NextStep: fix}
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return nil, refuse("its request address is not a URL", err)
	}
	if pu.Scheme != "https" && !(pu.Scheme == "http" && isLoopback(pu.Hostname())) {
		return nil, refuse("its request address "+pu.Scheme+"://"+pu.Host+" is not HTTPS, and palwiz sends the request token only over HTTPS", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, refuse("the request could not be made", err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, refuse("the request to "+pu.Host+" failed: "+redactURL(err.Error()), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, refuse("reading the answer from "+pu.Host+" failed", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refuse(pipelineStatus(resp, body), nil)
	}
	return body, nil
}

// pipelineStatus says what a refusing token endpoint answered, without echoing HTML.
func pipelineStatus(resp *http.Response, body []byte) string {
	msg := fmt.Sprintf("%s answered HTTP %d", resp.Request.URL.Host, resp.StatusCode)
	if resp.StatusCode == http.StatusNonAuthoritativeInfo || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		msg += " with a sign-in page: the access token was not accepted"
	} else {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			msg += ": " + shorten(e.Message, 200)
		}
	}
	for _, h := range []string{"x-vss-e2eid", "x-msedge-ref", "x-github-request-id"} {
		if v := resp.Header.Get(h); v != "" {
			msg += " (" + h + ": " + shorten(v, 80) + ")"
		}
	}
	return msg
}

func pipelineToken(decodeErr error, tok, what string) (string, error) {
	tok = strings.TrimSpace(tok)
	if decodeErr != nil || !looksLikeJWT(tok) {
		return "", &Error{Reason: ReasonFederationUnavailable, Err: decodeErr, Message: "The answer to palwiz's request for " + what + " holds no token",
			NextStep: "Run the job again; if it persists, the platform's token service is not answering as documented"}
	}
	return tok, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL drops query strings from an error that names a URL.
func redactURL(s string) string {
	if i := strings.Index(s, "?"); i >= 0 {
		if j := strings.IndexAny(s[i:], "\": "); j > 0 {
			return s[:i] + s[i+j:]
		}
		return s[:i]
	}
	return s
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func looksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2 && !strings.ContainsAny(s, " \t\r\n") && len(s) > 10
}

// jwtExpired reports whether a token's exp has passed (false when it has none).
func jwtExpired(tok string) bool {
	exp, ok := tokenClaims(tok)["exp"].(float64)
	return ok && time.Now().After(time.Unix(int64(exp), 0))
}

// federatedCred is the assertion callback of a federated sign-in: it asks
// the source for a token each time MSAL needs a new access token, and
// remembers the last one's claims to explain a refusal.
type federatedCred struct {
	src  FederatedSource
	http HTTPDoer

	mu   sync.Mutex
	last map[string]any
	err  error
}

func (f *federatedCred) assertion(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
	tok, err := f.src.Token(ctx, f.http)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
	if err != nil {
		return "", err
	}
	f.last = tokenClaims(tok)
	return tok, nil
}

// LoginFederated signs in as application clientID in tenant with tokens from
// src, for this run: the first token request proves it works.
func (s *Session) LoginFederated(ctx context.Context, tenant, clientID string, src FederatedSource) (*Identity, error) {
	if tenant == "" || tenant == "organizations" || tenant == "common" || clientID == "" {
		return nil, &Error{Reason: ReasonFederationUnavailable, Message: "Workload identity federation needs the application's client ID and its directory",
			NextStep: "Set AZURE_CLIENT_ID and AZURE_TENANT_ID (or PALWIZ_CLIENT_ID and PALWIZ_TENANT)"}
	}
	tid, err := s.resolveTenantID(ctx, tenant)
	if err != nil {
		return nil, err
	}
	fc := &federatedCred{src: src, http: s.http}
	c, err := confidential.New(cloud.AuthorityURL(tid), clientID, confidential.NewCredFromAssertionCallback(fc.assertion),
		confidential.WithHTTPClient(s.http), confidential.WithCache(s.appTok), confidential.WithInstanceDiscovery(false),
		confidential.WithClientCapabilities(clientCapabilities()))
	if err != nil {
		return nil, fmt.Errorf("set up federated sign-in: %w", err)
	}
	if err := s.appTok.drop(ctx, func(e cacheEntry) bool { return e.Section == sectionAccessToken && e.ClientID == clientID }); err != nil {
		return nil, err
	}
	res, err := c.AcquireTokenByCredential(ctx, []string{cloud.ARMScope}, confidential.WithTenantID(tid))
	if err != nil {
		return nil, fc.explain(err, tenant, clientID)
	}
	s.mu.Lock()
	s.conf, s.fed = &c, fc
	s.mu.Unlock()
	p := &Profile{Kind: KindServicePrincipal, ClientID: clientID, HomeTenant: tid, Tenant: tid, Cloud: s.cfg.CloudID, Federated: src.Kind()}
	if err := s.setProfile(ctx, p); err != nil {
		return nil, err
	}
	return &Identity{Kind: KindServicePrincipal, ClientID: clientID, TenantID: tid, HomeTenant: tid, ObjectID: tokenObjectID(res.AccessToken),
		DisplayName: claimString(res.AccessToken, "app_displayname")}, nil
}

// explain turns a failed federated token request into a plain-words error
// that names the token palwiz presented (issuer, subject, audience), never
// the token itself.
func (f *federatedCred) explain(err error, tenant, clientID string) error {
	f.mu.Lock()
	srcErr, last := f.err, f.last
	f.mu.Unlock()
	var ae *Error
	if srcErr != nil && errors.As(err, &ae) && (ae.Reason == ReasonFederation || ae.Reason == ReasonFederationUnavailable) {
		return ae
	}
	e := explain(err, tenant, "service-principal")
	if !errors.As(e, &ae) {
		return e
	}
	str := func(k string) string {
		if v, ok := last[k].(string); ok {
			return v
		}
		if vs, ok := last[k].([]any); ok && len(vs) > 0 {
			parts := make([]string, 0, len(vs))
			for _, v := range vs {
				parts = append(parts, fmt.Sprint(v))
			}
			return strings.Join(parts, ",")
		}
		return "?"
	}
	presented := fmt.Sprintf("issuer %s, subject %s, audience %s", str("iss"), str("sub"), str("aud"))
	what := f.src.Describe()
	switch ae.Code {
	case 70021, 700212, 700213, 7002137, 7002138:
		ae.Reason = ReasonFederation
		ae.Message = "Entra ID found no federated credential on application " + clientID + " that matches " + what + " (" + presented + ")"
		ae.NextStep = "Add a federated credential with exactly this issuer, subject and audience to the app registration (the match is case-sensitive), or run palwiz from the branch, environment or service connection the credential names"
	case 700211:
		ae.Reason = ReasonFederation
		ae.Message = "No federated credential on application " + clientID + " names the issuer of " + what + " (" + str("iss") + ")"
		ae.NextStep = "Add a federated credential for this issuer and subject (" + str("sub") + ") to the app registration in directory " + tenant
	case 700024:
		ae.Reason = ReasonFederation
		exp := "?"
		if v, ok := last["exp"].(float64); ok {
			exp = time.Unix(int64(v), 0).UTC().Format(time.RFC3339)
		}
		ae.Message = "Entra ID refused " + what + ": it has expired (at " + exp + ") or is not valid yet"
		ae.NextStep = "palwiz asks the pipeline for a new token on every sign-in; check this computer's clock"
		if f.src.Kind() == SourceTokenFile {
			ae.NextStep = "Whatever writes the file must replace the token before it expires; check it, and this computer's clock"
		}
	case 700027:
		ae.Reason = ReasonFederation
		ae.Message = "Entra ID could not verify the signature of " + what + " with the keys of its issuer (" + str("iss") + ")"
		ae.NextStep = "Check that the token comes from the issuer the federated credential names"
	}
	return ae
}

// IdentityVariables are the environment variables EnvIdentityFrom reads:
// everything that can name the identity of a run.
var IdentityVariables = []string{
	"PALWIZ_CLIENT_ID", "PALWIZ_TENANT", "PALWIZ_CLIENT_SECRET", "PALWIZ_CERTIFICATE", "PALWIZ_CERTIFICATE_PASSWORD",
	"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID",
	"PALWIZ_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE",
	"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
	"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "PALWIZ_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
	"PALWIZ_MANAGED_IDENTITY",
}

// SignInMethod says how a pipeline identity signed in, for people ("" for
// a person's or a stored service principal's sign-in).
func (p *Profile) SignInMethod() string {
	if p == nil {
		return ""
	}
	switch {
	case p.ManagedIdentity != "":
		return describeManaged(p.ManagedIdentity) + " of this machine"
	case p.Federated == SourceGitHubActions:
		return "GitHub Actions' OIDC token (workload identity federation)"
	case p.Federated == SourceAzureDevOps:
		return "an Azure DevOps service connection's OIDC token (workload identity federation)"
	case p.Federated == SourceTokenFile:
		return "a federated token file (workload identity federation)"
	}
	return ""
}
