// Package auth signs palwiz in with MSAL Go: device code and browser sign-in
// for people (public client, authority "organizations", then the tenant GUID
// on every call), client secret or certificate for service principals, and,
// for pipelines, workload identity federation and managed identities (one
// run each, in memory). Tokens live in the OS keyring through MSAL's cache
// hooks, or only in memory.
package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
)

// AzureCLIClientID is the default public client: the Azure CLI's first-party app.
const AzureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// clientCapabilities declares continuous access evaluation (CP1): a resource
// may answer a revoked token with a claims challenge, which azcore's bearer
// policy passes to Credential.GetToken (TokenRequestOptions.Claims) and
// Session.Token hands to MSAL (WithClaims) for a new token.
func clientCapabilities() []string { return []string{"CP1"} }

// Config wires a Session.
type Config struct {
	Cloud *cloud.Cloud
	// CloudID names the token universe ("public", or "sim:<fingerprint>");
	// a profile from another one is ignored.
	CloudID string
	// ClientID is the public client for people (default AzureCLIClientID).
	ClientID string
	// Store persists the profile and token caches; nil keeps them in memory.
	Store *keyring.Store
	// Warn receives one-line notices for the user (keyring trouble).
	Warn func(string)
	// Secret returns a service principal's client secret when one is needed
	// and not remembered (from PALWIZ_CLIENT_SECRET or standard input).
	Secret func() (string, error)
	// CertPassword returns the password of a PFX certificate (PALWIZ_CERTIFICATE_PASSWORD).
	CertPassword func() string
	// OpenURL opens the browser for browser sign-in when the caller gives
	// no opener of its own (nil: OpenBrowser, with palwiz's secrets removed
	// from the browser's environment).
	OpenURL func(url string) error
	// Retry bounds the retries of Entra ID's 429 and 5xx answers (zero: the defaults).
	Retry RetryPolicy
}

// Session is one signed-in identity and its token caches.
type Session struct {
	cfg  Config
	http *retryingClient

	mu       sync.Mutex
	profile  *Profile
	pub      *public.Client
	conf     *confidential.Client
	fed      *federatedCred          // the token source of a federated sign-in
	mi       *managedidentity.Client // a managed identity's client
	userTok  *tokenCache
	appTok   *tokenCache
	warnOnce sync.Once
	memStore *keyring.Store
	fromEnv  bool
	namedBy  string            // the variable that named the environment's identity
	claims   map[string]string // tenant → the claims challenge of its last refused token request
}

// Open loads the signed-in profile, if any.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Cloud == nil {
		return nil, errors.New("auth: no cloud")
	}
	s := &Session{cfg: cfg, http: newRetryingClient(cfg.Cloud.HTTP, cfg.Retry)}
	if cfg.Store == nil {
		s.memStore = keyring.NewStore(&keyring.Memory{}, "palwiz-memory")
	}
	s.userTok = newTokenCache(s.store(), "msal.user", s.keyringFailed)
	s.appTok = newTokenCache(s.store(), "msal.app", s.keyringFailed)
	p, err := loadProfile(ctx, s.store())
	if err != nil {
		s.keyringFailed(err)
		p = nil
	}
	if p != nil && p.Cloud != cfg.CloudID {
		p = nil
	}
	if s.cfg.ClientID == "" && p != nil && p.Kind == KindUser {
		s.cfg.ClientID = p.ClientID
	}
	if s.cfg.ClientID == "" {
		s.cfg.ClientID = AzureCLIClientID
	}
	s.profile = p
	return s, nil
}

func (s *Session) store() *keyring.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.memStore != nil {
		return s.memStore
	}
	return s.cfg.Store
}

// keyringFailed switches to memory-only storage and says so once.
func (s *Session) keyringFailed(err error) {
	s.warnOnce.Do(func() {
		s.mu.Lock()
		if s.memStore == nil {
			s.memStore = keyring.NewStore(&keyring.Memory{}, "palwiz-memory")
		}
		s.mu.Unlock()
		if s.cfg.Warn != nil {
			s.cfg.Warn(fmt.Sprintf("The OS keyring is not usable (%v); tokens stay in memory for this run only and nothing is written to disk. %s", err, keyringHint))
		}
	})
}

// keyringHint says what palwiz needs for tokens to last between runs.
const keyringHint = "To keep a sign-in between runs, palwiz needs the OS keyring: Keychain, Credential Manager, or on Linux a Secret Service (GNOME Keyring or KWallet) on the session bus. Pipelines can set PALWIZ_CLIENT_ID, PALWIZ_TENANT and PALWIZ_CLIENT_SECRET instead."

// Flush writes pending token-cache changes to the keyring now. Call it
// before the process ends (writes are otherwise batched).
func (s *Session) Flush(ctx context.Context) error {
	return errors.Join(s.userTok.flush(ctx), s.appTok.flush(ctx))
}

// Persistent reports whether tokens outlive this run (they are in the OS keyring).
func (s *Session) Persistent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore == nil
}

// FromEnvironment reports whether the identity comes from environment
// variables for this run only (OpenEnvironment).
func (s *Session) FromEnvironment() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fromEnv
}

// NamedBy is the environment variable that named this run's identity
// (PALWIZ_CLIENT_ID, AZURE_CLIENT_ID, PALWIZ_MANAGED_IDENTITY, …), or ""
// when it does not come from the environment.
func (s *Session) NamedBy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.namedBy
}

// Profile is the signed-in identity, or nil.
func (s *Session) Profile() *Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile == nil {
		return nil
	}
	p := s.profile.clone()
	return &p
}

func (s *Session) setProfile(ctx context.Context, p *Profile) error {
	s.mu.Lock()
	s.profile = p
	s.mu.Unlock()
	if err := saveProfile(ctx, s.store(), p); err != nil {
		s.keyringFailed(err)
		return saveProfile(ctx, s.store(), p)
	}
	return nil
}

// updateProfile changes the stored profile when one is signed in; a change
// that does not change anything writes nothing.
func (s *Session) updateProfile(ctx context.Context, change func(p *Profile) bool) error {
	p := s.Profile()
	if p == nil || !change(p) {
		return nil
	}
	return s.setProfile(ctx, p)
}

func (s *Session) publicClient() (*public.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != nil {
		return s.pub, nil
	}
	c, err := public.New(s.cfg.ClientID,
		public.WithAuthority(cloud.AuthorityURL("organizations")),
		public.WithHTTPClient(s.http),
		public.WithCache(s.userTok),
		// The authority is always the public cloud's own host, so instance
		// discovery would only add a request to every run.
		public.WithInstanceDiscovery(false),
		// palwiz answers claims challenges (every azcore pipeline's bearer
		// policy does), so resources may revoke its tokens at once (CAE).
		public.WithClientCapabilities(clientCapabilities()))
	if err != nil {
		return nil, fmt.Errorf("set up sign-in: %w", err)
	}
	s.pub = &c
	return s.pub, nil
}

// Identity is who a sign-in produced, as the directory sees it.
type Identity struct {
	Kind          Kind
	DisplayName   string
	Username      string
	ObjectID      string
	TenantID      string
	HomeTenant    string
	ClientID      string
	HomeAccountID string
}

// Logout forgets the signed-in identity: its tokens and profile. With all
// it deletes every keyring item palwiz wrote. It returns how many items it
// removed; the error says what is left and why (SignOut).
func (s *Session) Logout(ctx context.Context, all bool) (int, error) {
	st := s.cfg.Store
	if st == nil {
		// Tokens were in memory only: forgetting them is all there is.
		s.forget()
		return 0, nil
	}
	res, err := SignOut(ctx, st, all)
	s.forget()
	return res.Removed, err
}

func (s *Session) forget() {
	s.mu.Lock()
	s.profile, s.conf, s.fed, s.mi = nil, nil, nil, nil
	s.mu.Unlock()
	s.userTok.clear()
	s.appTok.clear()
}
