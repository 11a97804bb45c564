// Package auth signs palwiz in with MSAL Go: device code and browser sign-in
// for people (public client, authority "organizations", then the tenant GUID
// on every call), client secret or certificate for service principals. Tokens
// live in the OS keyring through MSAL's cache hooks, or only in memory.
package auth

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
	"software.sslmate.com/src/go-pkcs12"
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
}

// Session is one signed-in identity and its token caches.
type Session struct {
	cfg Config

	mu       sync.Mutex
	profile  *Profile
	pub      *public.Client
	conf     *confidential.Client
	userTok  *tokenCache
	appTok   *tokenCache
	warnOnce sync.Once
	memStore *keyring.Store
}

// Open loads the signed-in profile, if any.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Cloud == nil {
		return nil, errors.New("auth: no cloud")
	}
	s := &Session{cfg: cfg}
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

// Profile is the signed-in identity, or nil.
func (s *Session) Profile() *Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile == nil {
		return nil
	}
	p := *s.profile
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

func (s *Session) publicClient() (*public.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != nil {
		return s.pub, nil
	}
	c, err := public.New(s.cfg.ClientID,
		public.WithAuthority(cloud.AuthorityURL("organizations")),
		public.WithHTTPClient(s.cfg.Cloud.HTTP),
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

// DeviceCode is a pending device-code sign-in.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	Message         string
	ExpiresOn       time.Time
	tenant          string
	dc              public.DeviceCode
}

// StartDeviceCode asks Entra ID for a device code. tenant is "" (any
// work account, authority "organizations") or a tenant GUID or domain; claims
// is a claims challenge from an earlier failure.
func (s *Session) StartDeviceCode(ctx context.Context, tenant, claims string) (*DeviceCode, error) {
	pc, err := s.publicClient()
	if err != nil {
		return nil, err
	}
	if tenant, err = s.resolveTenantID(ctx, tenant); err != nil {
		return nil, err
	}
	var opts []public.AcquireByDeviceCodeOption
	if tenant != "" && tenant != "organizations" {
		opts = append(opts, public.WithTenantID(tenant))
	}
	if claims != "" {
		opts = append(opts, public.WithClaims(claims))
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{cloud.ARMScope}, opts...)
	if err != nil {
		return nil, explain(err, tenant, "device-code")
	}
	return &DeviceCode{UserCode: dc.Result.UserCode, VerificationURL: dc.Result.VerificationURL, Message: dc.Result.Message,
		ExpiresOn: dc.Result.ExpiresOn, tenant: tenant, dc: dc}, nil
}

// Wait polls until the person signs in, declines, or the code expires; then
// it remembers the account.
func (s *Session) Wait(ctx context.Context, d *DeviceCode) (*Identity, error) {
	res, err := d.dc.AuthenticationResult(ctx)
	if err != nil {
		return nil, explain(err, d.tenant, "device-code")
	}
	return s.rememberUser(ctx, res)
}

// LoginBrowser signs a person in with the system browser (authorization code
// with PKCE on a loopback redirect). open shows the URL (nil = the default browser).
func (s *Session) LoginBrowser(ctx context.Context, tenant, claims string, open func(string) error) (*Identity, error) {
	pc, err := s.publicClient()
	if err != nil {
		return nil, err
	}
	if tenant, err = s.resolveTenantID(ctx, tenant); err != nil {
		return nil, err
	}
	var opts []public.AcquireInteractiveOption
	if tenant != "" && tenant != "organizations" {
		opts = append(opts, public.WithTenantID(tenant))
	}
	if claims != "" {
		opts = append(opts, public.WithClaims(claims))
	}
	if open != nil {
		opts = append(opts, public.WithOpenURL(open))
	}
	res, err := pc.AcquireTokenInteractive(ctx, []string{cloud.ARMScope}, opts...)
	if err != nil {
		return nil, explain(err, tenant, "browser")
	}
	return s.rememberUser(ctx, res)
}

func (s *Session) rememberUser(ctx context.Context, res public.AuthResult) (*Identity, error) {
	id := &Identity{Kind: KindUser, DisplayName: res.IDToken.Name, Username: res.IDToken.PreferredUsername,
		ObjectID: res.IDToken.Oid, TenantID: res.IDToken.TenantID, ClientID: s.cfg.ClientID, HomeAccountID: res.Account.HomeAccountID}
	if id.Username == "" {
		id.Username = res.IDToken.UPN
	}
	if _, utid, ok := strings.Cut(res.Account.HomeAccountID, "."); ok {
		id.HomeTenant = utid
	}
	p := &Profile{Kind: KindUser, ClientID: s.cfg.ClientID, HomeAccountID: id.HomeAccountID, Username: id.Username,
		DisplayName: id.DisplayName, HomeTenant: id.HomeTenant, Tenant: id.TenantID, Cloud: s.cfg.CloudID}
	if err := s.setProfile(ctx, p); err != nil {
		return id, err
	}
	return id, nil
}

// SPCredential is how a service principal proves itself. The secret is never
// taken from a command-line flag.
type SPCredential struct {
	Secret string
	// CertFile is a PEM (certificate and unencrypted key) or PFX/P12 file.
	CertFile string
	// CertPassword opens a PFX file.
	CertPassword string
	// Remember keeps the secret in the keyring for later runs.
	Remember bool
}

// LoginServicePrincipal signs in as a service principal in tenant (a GUID or domain).
func (s *Session) LoginServicePrincipal(ctx context.Context, tenant, clientID string, cred SPCredential) (*Identity, error) {
	if tenant == "" || tenant == "organizations" || tenant == "common" {
		return nil, &Error{Reason: ReasonOther, Message: "A service principal signs in to one directory", NextStep: "Pass --tenant with the customer's tenant ID or domain"}
	}
	if clientID == "" {
		return nil, &Error{Reason: ReasonOther, Message: "No application (client) ID", NextStep: "Pass --client-id or set PALWIZ_CLIENT_ID"}
	}
	tid, err := s.resolveTenantID(ctx, tenant)
	if err != nil {
		return nil, err
	}
	c, err := s.newConfidential(tid, clientID, cred)
	if err != nil {
		return nil, err
	}
	res, err := c.AcquireTokenByCredential(ctx, []string{cloud.ARMScope}, confidential.WithTenantID(tid))
	if err != nil {
		return nil, explain(err, tenant, "service-principal")
	}
	s.mu.Lock()
	s.conf = c
	s.mu.Unlock()
	p := &Profile{Kind: KindServicePrincipal, ClientID: clientID, HomeTenant: tid, Tenant: tid, CertFile: cred.CertFile, Cloud: s.cfg.CloudID}
	if cred.Remember && cred.Secret != "" {
		if err := s.store().Put(ctx, secretKey(clientID), cred.Secret); err != nil {
			return nil, fmt.Errorf("remember the secret in the keyring: %w", err)
		}
		p.RememberSecret = true
	}
	if err := s.setProfile(ctx, p); err != nil {
		return nil, err
	}
	return &Identity{Kind: KindServicePrincipal, ClientID: clientID, TenantID: tid, HomeTenant: tid, ObjectID: tokenObjectID(res.AccessToken)}, nil
}

func (s *Session) newConfidential(tenant, clientID string, cred SPCredential) (*confidential.Client, error) {
	var cc confidential.Credential
	var err error
	switch {
	case cred.CertFile != "":
		certs, key, lerr := loadCertificate(cred.CertFile, cred.CertPassword)
		if lerr != nil {
			return nil, lerr
		}
		cc, err = confidential.NewCredFromCert(certs, key)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", filepath.Base(cred.CertFile), err)
		}
	case cred.Secret != "":
		cc, err = confidential.NewCredFromSecret(cred.Secret)
		if err != nil {
			return nil, err
		}
	default:
		// No secret at hand: cached tokens still serve; a new one needs the secret.
		cc = confidential.NewCredFromTokenProvider(func(context.Context, confidential.TokenProviderParameters) (confidential.TokenProviderResult, error) {
			return confidential.TokenProviderResult{}, &Error{Reason: ReasonSecretNeeded, Message: "This service principal's token has expired and palwiz does not have its secret",
				NextStep: "Set PALWIZ_CLIENT_SECRET (or pipe the secret on standard input) and run the command again, or run `palwiz login --service-principal` again"}
		})
	}
	c, err := confidential.New(cloud.AuthorityURL(tenant), clientID, cc,
		confidential.WithHTTPClient(s.cfg.Cloud.HTTP), confidential.WithCache(s.appTok), confidential.WithInstanceDiscovery(false),
		confidential.WithClientCapabilities(clientCapabilities()))
	if err != nil {
		return nil, fmt.Errorf("set up service principal sign-in: %w", err)
	}
	return &c, nil
}

// loadCertificate reads a PEM or PFX certificate with its RSA key.
func loadCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read the certificate: %w", err)
	}
	name := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".pfx" || ext == ".p12" || !strings.Contains(string(data), "-----BEGIN") {
		key, cert, chain, err := pkcs12.DecodeChain(data, password)
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, nil, fmt.Errorf("certificate %s: wrong PFX password: set PALWIZ_CERTIFICATE_PASSWORD to the file's password", name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("certificate %s is neither a PEM file nor a PFX file palwiz can read: export it as PEM (certificate and unencrypted RSA key) or as PFX", name)
		}
		return append([]*x509.Certificate{cert}, chain...), key, nil
	}
	certs, key, err := confidential.CertFromPEM(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %s: %v: export it as PEM (certificate and unencrypted RSA key) or as PFX", name, err)
	}
	return certs, key, nil
}

// confidentialFor returns the service principal client of the profile,
// building it from the remembered or supplied secret or the certificate.
func (s *Session) confidentialFor(ctx context.Context, p *Profile) (*confidential.Client, error) {
	s.mu.Lock()
	c := s.conf
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	cred := SPCredential{CertFile: p.CertFile}
	if s.cfg.CertPassword != nil {
		cred.CertPassword = s.cfg.CertPassword()
	}
	if cred.CertFile == "" {
		if p.RememberSecret {
			if v, err := s.store().Get(ctx, secretKey(p.ClientID)); err == nil {
				cred.Secret = v
			}
		}
		if cred.Secret == "" && s.cfg.Secret != nil {
			if v, err := s.cfg.Secret(); err == nil {
				cred.Secret = v
			}
		}
	}
	c, err := s.newConfidential(p.HomeTenant, p.ClientID, cred)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conf = c
	s.mu.Unlock()
	return c, nil
}

// Token returns an access token for scopes in tenant ("" = the profile's
// current directory), silently: from the cache or with a refresh token.
func (s *Session) Token(ctx context.Context, tenant string, scopes []string, claims string) (azcore.AccessToken, error) {
	p := s.Profile()
	if p == nil {
		return azcore.AccessToken{}, ErrNotSignedIn
	}
	if tenant == "" {
		tenant = p.Tenant
	}
	if p.Kind == KindServicePrincipal {
		if !strings.EqualFold(tenant, p.HomeTenant) {
			return azcore.AccessToken{}, &Error{Reason: ReasonNotInTenant, Tenant: tenant,
				Message: "A service principal exists only in its own directory (" + p.HomeTenant + ")", NextStep: "Sign in with a service principal of directory " + tenant}
		}
		c, err := s.confidentialFor(ctx, p)
		if err != nil {
			return azcore.AccessToken{}, err
		}
		var opts []confidential.AcquireByCredentialOption
		opts = append(opts, confidential.WithTenantID(tenant))
		if claims != "" {
			opts = append(opts, confidential.WithClaims(claims))
		}
		res, err := c.AcquireTokenByCredential(ctx, scopes, opts...)
		if err != nil {
			return azcore.AccessToken{}, explain(err, tenant, "service-principal")
		}
		return azcore.AccessToken{Token: res.AccessToken, ExpiresOn: res.ExpiresOn, RefreshOn: res.Metadata.RefreshOn}, nil
	}
	pc, err := s.publicClient()
	if err != nil {
		return azcore.AccessToken{}, err
	}
	acct, err := s.account(ctx, pc, p)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	opts := []public.AcquireSilentOption{public.WithSilentAccount(acct), public.WithTenantID(tenant)}
	if claims != "" {
		opts = append(opts, public.WithClaims(claims))
	}
	res, err := pc.AcquireTokenSilent(ctx, scopes, opts...)
	if err != nil {
		e := explain(err, tenant, "silent")
		var ae *Error
		if !errors.As(e, &ae) {
			// A cache miss with no usable refresh token: a new sign-in is needed.
			if strings.Contains(err.Error(), "no token found") || strings.Contains(err.Error(), "refresh token") {
				return azcore.AccessToken{}, &Error{Reason: ReasonSignInExpired, Tenant: tenant, Err: err,
					Message: "No usable sign-in for directory " + tenant, NextStep: "Run `palwiz login --tenant " + tenant + "`"}
			}
		}
		return azcore.AccessToken{}, e
	}
	return azcore.AccessToken{Token: res.AccessToken, ExpiresOn: res.ExpiresOn, RefreshOn: res.Metadata.RefreshOn}, nil
}

// account finds the profile's MSAL account (accounts are deduplicated by
// home account ID: MSAL lists one entry per tenant).
func (s *Session) account(ctx context.Context, pc *public.Client, p *Profile) (public.Account, error) {
	accts, err := pc.Accounts(ctx)
	if err != nil {
		return public.Account{}, fmt.Errorf("read the token cache: %w", err)
	}
	for _, a := range accts {
		if a.HomeAccountID == p.HomeAccountID {
			return a, nil
		}
	}
	return public.Account{}, &Error{Reason: ReasonNotSignedIn, Message: "The sign-in for " + p.Username + " is no longer in the token cache", NextStep: "Run `palwiz login` again"}
}

// Accounts lists the people in the token cache, one entry per home account.
func (s *Session) Accounts(ctx context.Context) ([]public.Account, error) {
	pc, err := s.publicClient()
	if err != nil {
		return nil, err
	}
	accts, err := pc.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []public.Account
	for _, a := range accts {
		if seen[a.HomeAccountID] {
			continue
		}
		seen[a.HomeAccountID] = true
		out = append(out, a)
	}
	return out, nil
}

// UseTenant makes tenant (a GUID) the current directory after checking that
// a token can be had for it.
func (s *Session) UseTenant(ctx context.Context, tenant string) error {
	if _, err := s.Token(ctx, tenant, []string{cloud.ARMScope}, ""); err != nil {
		return err
	}
	p := s.Profile()
	p.Tenant = tenant
	return s.setProfile(ctx, p)
}

// Credential is an azcore.TokenCredential for tenant ("" = current).
func (s *Session) Credential(tenant string) azcore.TokenCredential {
	return &credential{s: s, tenant: tenant}
}

type credential struct {
	s      *Session
	tenant string
}

// GetToken implements azcore.TokenCredential.
func (c *credential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tenant := c.tenant
	if o.TenantID != "" {
		tenant = o.TenantID
	}
	return c.s.Token(ctx, tenant, o.Scopes, o.Claims)
}

// Logout forgets the signed-in identity: its tokens and profile. With all
// it deletes every keyring item palwiz wrote. It returns how many items it removed.
func (s *Session) Logout(ctx context.Context, all bool) (int, error) {
	st := s.store()
	if all {
		n, err := st.Wipe(ctx)
		s.forget()
		return n, err
	}
	p := s.Profile()
	n := 0
	var errs []error
	if p != nil && p.Kind == KindUser {
		if pc, err := s.publicClient(); err == nil {
			if accts, err := pc.Accounts(ctx); err == nil {
				for _, a := range accts {
					if a.HomeAccountID == p.HomeAccountID {
						errs = append(errs, pc.RemoveAccount(ctx, a))
					}
				}
			}
		}
		// Write the cache without the account now (writes are batched).
		errs = append(errs, s.userTok.flush(ctx))
	}
	// Drop the caches themselves: the account's tokens were the point, and
	// app tokens belong to the signed-in service principal.
	for _, name := range []string{"msal.user", "msal.app"} {
		if p != nil && p.Kind == KindUser && name == "msal.user" {
			// Other people's cached tokens stay; only this account was removed above.
			continue
		}
		k, err := st.Delete(ctx, name)
		n += k
		errs = append(errs, err)
	}
	if p != nil && p.RememberSecret {
		if ok, err := st.Remove(ctx, secretKey(p.ClientID)); ok {
			n++
		} else {
			errs = append(errs, err)
		}
	}
	if ok, err := st.Remove(ctx, profileKey); ok {
		n++
	} else {
		errs = append(errs, err)
	}
	s.forget()
	return n, errors.Join(errs...)
}

func (s *Session) forget() {
	s.mu.Lock()
	s.profile, s.conf = nil, nil
	s.mu.Unlock()
	s.userTok.clear()
	s.appTok.clear()
}
