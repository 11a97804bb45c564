package auth

import (
	"context"
	"strings"
)

// EnvIdentity is an identity named by environment variables for one run. It
// is never written to the keyring, and it wins over any stored sign-in:
//
//   - a service principal: PALWIZ_CLIENT_ID and PALWIZ_TENANT, with
//     PALWIZ_CLIENT_SECRET or PALWIZ_CERTIFICATE (and
//     PALWIZ_CERTIFICATE_PASSWORD for a PFX);
//   - workload identity federation: the client ID and tenant (PALWIZ_CLIENT_ID
//     or AZURE_CLIENT_ID, PALWIZ_TENANT or AZURE_TENANT_ID; in Azure DevOps
//     also AZURESUBSCRIPTION_CLIENT_ID and AZURESUBSCRIPTION_TENANT_ID) with a
//     token source: a token file (PALWIZ_FEDERATED_TOKEN_FILE or
//     AZURE_FEDERATED_TOKEN_FILE), GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL
//     and ACTIONS_ID_TOKEN_REQUEST_TOKEN) or Azure DevOps
//     (SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and the service connection's
//     ID in PALWIZ_SERVICE_CONNECTION_ID or
//     AZURESUBSCRIPTION_SERVICE_CONNECTION_ID), in that order;
//   - a managed identity of this machine: PALWIZ_MANAGED_IDENTITY ("system",
//     or a user-assigned identity's client ID or resource ID).
type EnvIdentity struct {
	ClientID     string
	Tenant       string
	Secret       string
	CertFile     string
	CertPassword string
	// Federated is the token source the environment offers (nil: none).
	Federated FederatedSource
	// ManagedIdentity is PALWIZ_MANAGED_IDENTITY.
	ManagedIdentity string

	// clientIDVar and tenantVar name the variables the values came from.
	clientIDVar, tenantVar string
	// fedMissing says what a federated identity still lacks.
	fedMissing string
}

// EnvIdentityFrom reads the identity variables through getenv.
func EnvIdentityFrom(getenv func(string) string) EnvIdentity {
	first := func(names ...string) (string, string) {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v, n
			}
		}
		return "", ""
	}
	e := EnvIdentity{
		Secret:          getenv("PALWIZ_CLIENT_SECRET"),
		CertFile:        getenv("PALWIZ_CERTIFICATE"),
		CertPassword:    getenv("PALWIZ_CERTIFICATE_PASSWORD"),
		ManagedIdentity: strings.TrimSpace(getenv("PALWIZ_MANAGED_IDENTITY")),
	}
	e.ClientID, e.clientIDVar = first("PALWIZ_CLIENT_ID", "AZURE_CLIENT_ID", "AZURESUBSCRIPTION_CLIENT_ID")
	e.Tenant, e.tenantVar = first("PALWIZ_TENANT", "AZURE_TENANT_ID", "AZURESUBSCRIPTION_TENANT_ID")
	e.Federated, e.fedMissing = federatedFrom(getenv, first)
	return e
}

// federatedFrom finds the token source the environment offers, or says what
// the nearest one lacks.
func federatedFrom(getenv func(string) string, first func(...string) (string, string)) (FederatedSource, string) {
	if path, name := first("PALWIZ_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE"); path != "" {
		return &tokenFile{path: path, variable: name}, ""
	}
	ghURL, ghTok := getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if ghURL != "" && ghTok != "" {
		return githubActions{url: ghURL, requestToken: ghTok}, ""
	}
	adoURI, adoTok := getenv("SYSTEM_OIDCREQUESTURI"), getenv("SYSTEM_ACCESSTOKEN")
	conn, _ := first("PALWIZ_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
	if adoURI != "" && adoTok != "" && conn != "" {
		return azureDevOps{uri: adoURI, accessToken: adoTok, connectionID: conn}, ""
	}
	switch {
	case ghURL != "" || ghTok != "":
		return nil, "GitHub Actions offers no OIDC token to this step: give the job `permissions: id-token: write`"
	case adoURI != "" && adoTok == "":
		return nil, "Azure DevOps: map the job's access token into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))"
	case adoURI != "" && conn == "":
		return nil, "Azure DevOps: set PALWIZ_SERVICE_CONNECTION_ID to the service connection's ID (the AzureCLI@2 task sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)"
	}
	return nil, "no token source: AZURE_FEDERATED_TOKEN_FILE, GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN (permissions: id-token: write), or Azure DevOps' SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and PALWIZ_SERVICE_CONNECTION_ID"
}

// Named reports whether the environment names an identity palwiz must act
// as: PALWIZ_CLIENT_ID (AZURE_CLIENT_ID, which other tools read too, names
// one only together with what it needs to sign in), or PALWIZ_MANAGED_IDENTITY.
func (e EnvIdentity) Named() bool {
	// A literal EnvIdentity (no variable recorded) names its client ID explicitly.
	return (e.ClientID != "" && (e.clientIDVar == "" || e.clientIDVar == "PALWIZ_CLIENT_ID")) || e.ManagedIdentity != ""
}

// Complete reports whether the identity can sign in on its own.
func (e EnvIdentity) Complete() bool {
	return e.ManagedIdentity != "" || (e.ClientID != "" && e.Tenant != "" && (e.Secret != "" || e.CertFile != "" || e.Federated != nil))
}

// Method says how the identity signs in, for messages: "a client secret",
// "GitHub Actions' OIDC token", "the system-assigned managed identity" …
func (e EnvIdentity) Method() string {
	switch {
	case e.ManagedIdentity != "":
		return describeManaged(e.ManagedIdentity)
	case e.Secret != "":
		return "a client secret (PALWIZ_CLIENT_SECRET)"
	case e.CertFile != "":
		return "a certificate (PALWIZ_CERTIFICATE)"
	case e.Federated != nil:
		return e.Federated.Describe()
	}
	return "nothing yet"
}

// Describe names the identity for messages.
func (e EnvIdentity) Describe() string {
	if e.ManagedIdentity != "" && e.ClientID == "" {
		return describeManaged(e.ManagedIdentity) + " (PALWIZ_MANAGED_IDENTITY)"
	}
	s := "service principal " + e.ClientID
	if e.Tenant != "" {
		s += " in directory " + e.Tenant
	}
	vars := e.clientIDVar
	if vars == "" {
		vars = "PALWIZ_CLIENT_ID"
	}
	if e.Tenant != "" {
		tv := e.tenantVar
		if tv == "" {
			tv = "PALWIZ_TENANT"
		}
		vars += ", " + tv
	}
	return s + " (" + vars + ")"
}

// namedBy is the variable that names the identity.
func (e EnvIdentity) namedBy() string {
	switch {
	case e.ManagedIdentity != "":
		return "PALWIZ_MANAGED_IDENTITY"
	case e.clientIDVar != "":
		return e.clientIDVar
	}
	return "PALWIZ_CLIENT_ID"
}

// missing lists the variables a complete identity still needs.
func (e EnvIdentity) missing() string {
	var m []string
	if e.Tenant == "" {
		m = append(m, "PALWIZ_TENANT")
	}
	if e.Secret == "" && e.CertFile == "" && e.Federated == nil {
		m = append(m, "PALWIZ_CLIENT_SECRET (or PALWIZ_CERTIFICATE, or a federated token source)")
	}
	return strings.Join(m, " and ")
}

// FederatedMissing says what the environment lacks for workload identity
// federation ("" when it has all of it).
func (e EnvIdentity) FederatedMissing() string {
	var m []string
	if e.ClientID == "" {
		m = append(m, "the application's client ID: set AZURE_CLIENT_ID (or PALWIZ_CLIENT_ID)")
	}
	if e.Tenant == "" {
		m = append(m, "its directory: set AZURE_TENANT_ID (or PALWIZ_TENANT)")
	}
	if e.Federated == nil {
		m = append(m, e.fedMissing)
	}
	return strings.Join(m, "; ")
}

// OpenEnvironment signs in as the identity the environment names, for this
// run only: tokens and profile stay in memory (cfg.Store is not used, so no
// keyring is asked or even opened).
func OpenEnvironment(ctx context.Context, cfg Config, e EnvIdentity) (*Session, *Identity, error) {
	cfg.Store = nil
	if e.ManagedIdentity != "" && e.ClientID != "" && (e.Secret != "" || e.CertFile != "" || e.Federated != nil) {
		return nil, nil, &Error{Reason: ReasonIdentityMismatch,
			Message:  "The environment names two identities: " + describeManaged(e.ManagedIdentity) + " (PALWIZ_MANAGED_IDENTITY) and " + e.Describe() + " with " + e.Method(),
			NextStep: "palwiz acts only as the identity named: unset PALWIZ_MANAGED_IDENTITY, or the other identity's variables"}
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.fromEnv, s.namedBy = true, e.namedBy()
	s.mu.Unlock()
	var id *Identity
	switch {
	case e.ManagedIdentity != "":
		id, err = s.LoginManagedIdentity(ctx, e.ManagedIdentity)
	case e.Secret != "" || e.CertFile != "":
		id, err = s.LoginServicePrincipal(ctx, e.Tenant, e.ClientID, SPCredential{Secret: e.Secret, CertFile: e.CertFile, CertPassword: e.CertPassword})
	case e.Federated != nil:
		id, err = s.LoginFederated(ctx, e.Tenant, e.ClientID, e.Federated)
	default:
		err = &Error{Reason: ReasonNotSignedIn, Message: "The environment does not name a complete identity", NextStep: "Set " + e.missing()}
	}
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
