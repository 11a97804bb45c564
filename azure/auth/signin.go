package auth

import (
	"context"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
)

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
// is a claims challenge from an earlier failure ("" = the challenge palwiz
// kept for that directory, if any).
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
	if claims = s.claimsFor(tenant, claims); claims != "" {
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
// with PKCE on a loopback redirect). open shows the URL (nil = Config.OpenURL,
// else the default browser without palwiz's secrets in its environment).
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
	if claims = s.claimsFor(tenant, claims); claims != "" {
		opts = append(opts, public.WithClaims(claims))
	}
	if open == nil {
		open = s.cfg.OpenURL
	}
	if open == nil {
		open = func(u string) error { return OpenBrowser(u, nil) }
	}
	opts = append(opts, public.WithOpenURL(open))
	res, err := pc.AcquireTokenInteractive(ctx, []string{cloud.ARMScope}, opts...)
	if err != nil {
		return nil, explain(err, tenant, "browser")
	}
	return s.rememberUser(ctx, res)
}

// rememberUser records a person's new sign-in. The access tokens cached for
// that account before it are dropped: a sign-in is what palwiz advises after
// a token was refused (revoked, expired early, a claims challenge), and MSAL
// would otherwise keep serving the refused token for the directory GUID the
// calls use, since the new one is cached under the authority it came from.
// The next call in each directory redeems the new refresh token instead.
func (s *Session) rememberUser(ctx context.Context, res public.AuthResult) (*Identity, error) {
	id := &Identity{Kind: KindUser, DisplayName: res.IDToken.Name, Username: res.IDToken.PreferredUsername,
		ObjectID: res.IDToken.Oid, TenantID: res.IDToken.TenantID, ClientID: s.cfg.ClientID, HomeAccountID: res.Account.HomeAccountID}
	if id.Username == "" {
		id.Username = res.IDToken.UPN
	}
	if _, utid, ok := strings.Cut(res.Account.HomeAccountID, "."); ok {
		id.HomeTenant = utid
	}
	fresh := res.AccessToken
	if err := s.userTok.drop(ctx, func(e cacheEntry) bool {
		return e.Section == sectionAccessToken && e.HomeAccountID == id.HomeAccountID && e.Secret != fresh
	}); err != nil {
		return id, err
	}
	p := &Profile{Kind: KindUser, ClientID: s.cfg.ClientID, HomeAccountID: id.HomeAccountID, Username: id.Username,
		DisplayName: id.DisplayName, HomeTenant: id.HomeTenant, Tenant: id.TenantID, Cloud: s.cfg.CloudID}
	if old := s.Profile(); old != nil && old.HomeAccountID == p.HomeAccountID {
		// The same person again: keep the directory names palwiz learnt.
		p.TenantNames = old.TenantNames
	}
	s.setClaims(id.TenantID, "")
	if err := s.setProfile(ctx, p); err != nil {
		return id, err
	}
	return id, nil
}

// claimsFor returns claims, or else the claims challenge a refused token
// request in tenant brought earlier in this run.
func (s *Session) claimsFor(tenant, claims string) string {
	if claims != "" || tenant == "" {
		return claims
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims[strings.ToLower(tenant)]
}

// setClaims keeps (or with "" forgets) the claims challenge of tenant.
func (s *Session) setClaims(tenant, claims string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claims == nil {
		s.claims = map[string]string{}
	}
	if claims == "" {
		delete(s.claims, strings.ToLower(tenant))
		return
	}
	s.claims[strings.ToLower(tenant)] = claims
}
