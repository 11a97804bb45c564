package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/palwiz/palwiz/azure/cloud"
)

// Token returns an access token for scopes in tenant ("" = the profile's
// current directory), silently: from the cache or with a refresh token.
// claims (a resource's claims challenge) skips the cached token.
func (s *Session) Token(ctx context.Context, tenant string, scopes []string, claims string) (azcore.AccessToken, error) {
	p := s.Profile()
	if p == nil {
		return azcore.AccessToken{}, ErrNotSignedIn
	}
	if tenant == "" {
		tenant = p.Tenant
	}
	var tok azcore.AccessToken
	var err error
	switch {
	case p.ManagedIdentity != "":
		tok, err = s.managedToken(ctx, p, tenant, scopes, claims)
	case p.Kind == KindServicePrincipal:
		tok, err = s.appToken(ctx, p, tenant, scopes, claims)
	default:
		tok, err = s.userToken(ctx, p, tenant, scopes, claims)
	}
	var ae *Error
	if errors.As(err, &ae) && ae.Claims != "" {
		// The next sign-in for this directory passes the challenge on.
		s.setClaims(tenant, ae.Claims)
	}
	return tok, err
}

func (s *Session) appToken(ctx context.Context, p *Profile, tenant string, scopes []string, claims string) (azcore.AccessToken, error) {
	if !strings.EqualFold(tenant, p.HomeTenant) {
		return azcore.AccessToken{}, &Error{Reason: ReasonNotInTenant, Tenant: tenant,
			Message: "A service principal exists only in its own directory (" + p.HomeTenant + ")", NextStep: "Sign in with a service principal of directory " + tenant}
	}
	c, err := s.confidentialFor(ctx, p)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	opts := []confidential.AcquireByCredentialOption{confidential.WithTenantID(tenant)}
	if claims != "" {
		opts = append(opts, confidential.WithClaims(claims))
	}
	res, err := c.AcquireTokenByCredential(ctx, scopes, opts...)
	if err != nil {
		s.mu.Lock()
		fed := s.fed
		s.mu.Unlock()
		if fed != nil {
			return azcore.AccessToken{}, fed.explain(err, tenant, p.ClientID)
		}
		return azcore.AccessToken{}, explain(err, tenant, "service-principal")
	}
	return azcore.AccessToken{Token: res.AccessToken, ExpiresOn: res.ExpiresOn, RefreshOn: res.Metadata.RefreshOn}, nil
}

func (s *Session) userToken(ctx context.Context, p *Profile, tenant string, scopes []string, claims string) (azcore.AccessToken, error) {
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
		var se *ServiceError
		if !errors.As(e, &ae) && !errors.As(e, &se) {
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
	return s.updateProfile(ctx, func(p *Profile) bool {
		if p.Tenant == tenant {
			return false
		}
		p.Tenant = tenant
		return true
	})
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
