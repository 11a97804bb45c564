package auth

import (
	"context"
	"strings"
)

// EnvIdentity is a service principal named by environment variables for one
// run: PALWIZ_CLIENT_ID and PALWIZ_TENANT, with PALWIZ_CLIENT_SECRET or
// PALWIZ_CERTIFICATE (and PALWIZ_CERTIFICATE_PASSWORD for a PFX). It is
// never written to the keyring, and it wins over any stored sign-in.
type EnvIdentity struct {
	ClientID     string
	Tenant       string
	Secret       string
	CertFile     string
	CertPassword string
}

// EnvIdentityFrom reads the identity variables through getenv.
func EnvIdentityFrom(getenv func(string) string) EnvIdentity {
	return EnvIdentity{
		ClientID:     strings.TrimSpace(getenv("PALWIZ_CLIENT_ID")),
		Tenant:       strings.TrimSpace(getenv("PALWIZ_TENANT")),
		Secret:       getenv("PALWIZ_CLIENT_SECRET"),
		CertFile:     getenv("PALWIZ_CERTIFICATE"),
		CertPassword: getenv("PALWIZ_CERTIFICATE_PASSWORD"),
	}
}

// Named reports whether the environment names an identity (PALWIZ_CLIENT_ID).
func (e EnvIdentity) Named() bool { return e.ClientID != "" }

// Complete reports whether the identity can sign in on its own: a client ID,
// a tenant, and a secret or a certificate.
func (e EnvIdentity) Complete() bool {
	return e.ClientID != "" && e.Tenant != "" && (e.Secret != "" || e.CertFile != "")
}

// Describe names the identity for messages.
func (e EnvIdentity) Describe() string {
	s := "service principal " + e.ClientID
	if e.Tenant != "" {
		s += " in directory " + e.Tenant
	}
	return s + " (PALWIZ_CLIENT_ID" + map[bool]string{true: ", PALWIZ_TENANT", false: ""}[e.Tenant != ""] + ")"
}

// missing lists the variables a complete identity still needs.
func (e EnvIdentity) missing() string {
	var m []string
	if e.Tenant == "" {
		m = append(m, "PALWIZ_TENANT")
	}
	if e.Secret == "" && e.CertFile == "" {
		m = append(m, "PALWIZ_CLIENT_SECRET (or PALWIZ_CERTIFICATE)")
	}
	return strings.Join(m, " and ")
}

// OpenEnvironment signs in as the identity the environment names, for this
// run only: tokens and profile stay in memory (cfg.Store is not used, so no
// keyring is asked or even opened).
func OpenEnvironment(ctx context.Context, cfg Config, e EnvIdentity) (*Session, *Identity, error) {
	cfg.Store = nil
	s, err := Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.fromEnv = true
	s.mu.Unlock()
	id, err := s.LoginServicePrincipal(ctx, e.Tenant, e.ClientID, SPCredential{Secret: e.Secret, CertFile: e.CertFile, CertPassword: e.CertPassword})
	if err != nil {
		return nil, nil, err
	}
	return s, id, nil
}

// CheckEnvironment refuses a stored sign-in that is not the identity the
// environment names (when PALWIZ_CLIENT_ID is set without what it needs to
// sign in on its own): palwiz never acts silently as someone other than the
// identity named. A stored service principal with the same client ID (and
// directory, when PALWIZ_TENANT says one) is that identity, and so is a
// person signed in through that public client.
func (s *Session) CheckEnvironment(ctx context.Context, e EnvIdentity) error {
	if !e.Named() {
		return nil
	}
	p := s.Profile()
	mismatch := func(what string) error {
		return &Error{Reason: ReasonIdentityMismatch,
			Message:  "The environment names " + e.Describe() + ", but " + what,
			NextStep: "palwiz acts only as the identity named: set " + e.missing() + " to sign in as it, or unset PALWIZ_CLIENT_ID to use the stored sign-in"}
	}
	if p == nil {
		return mismatch("it has no " + e.missing() + " and nobody is signed in")
	}
	if p.ClientID != e.ClientID {
		return mismatch("the stored sign-in is " + profileLabel(p))
	}
	if p.Kind == KindServicePrincipal && e.Tenant != "" && !strings.EqualFold(e.Tenant, p.HomeTenant) {
		tid, err := s.resolveTenantID(ctx, e.Tenant)
		if err != nil {
			return err
		}
		if !strings.EqualFold(tid, p.HomeTenant) {
			return mismatch("the stored sign-in is " + profileLabel(p) + " in directory " + p.HomeTenant)
		}
	}
	return nil
}

// profileLabel names a stored sign-in.
func profileLabel(p *Profile) string {
	if p.Kind == KindServicePrincipal {
		return "service principal " + p.ClientID
	}
	if p.Username != "" {
		return p.Username
	}
	return "a person's sign-in"
}
