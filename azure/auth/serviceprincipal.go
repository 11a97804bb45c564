package auth

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/palwiz/palwiz/azure/cloud"
)

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

// LoginServicePrincipal signs in as a service principal in tenant (a GUID or
// domain). It asks Entra ID for a new token: an access token cached for this
// application before (perhaps the one a service just refused) is dropped first.
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
	c, err := s.newConfidential(ctx, tid, clientID, cred)
	if err != nil {
		return nil, err
	}
	if err := s.appTok.drop(ctx, func(e cacheEntry) bool {
		return e.Section == sectionAccessToken && e.ClientID == clientID
	}); err != nil {
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
	if old := s.Profile(); old != nil && old.Kind == KindServicePrincipal && old.ClientID == clientID {
		p.TenantNames = old.TenantNames
	}
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

func (s *Session) newConfidential(ctx context.Context, tenant, clientID string, cred SPCredential) (*confidential.Client, error) {
	var cc confidential.Credential
	var err error
	switch {
	case cred.CertFile != "":
		certs, key, lerr := loadCertificate(ctx, cred.CertFile, cred.CertPassword)
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
		confidential.WithHTTPClient(s.http), confidential.WithCache(s.appTok), confidential.WithInstanceDiscovery(false),
		confidential.WithClientCapabilities(clientCapabilities()))
	if err != nil {
		return nil, fmt.Errorf("set up service principal sign-in: %w", err)
	}
	return &c, nil
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
	c, err := s.newConfidential(ctx, p.HomeTenant, p.ClientID, cred)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conf = c
	s.mu.Unlock()
	return c, nil
}
