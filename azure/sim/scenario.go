package sim

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/palwiz/palwiz/assets"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Scenario is the simulated cloud's starting state: directories, people,
// service principals, partner IDs and existing links. It is plain data, loaded
// from JSON (the embedded scenarios in assets, or a user's file).
type Scenario struct {
	// Extends names an embedded scenario this one starts from: the fields
	// given here replace the base's (lists as a whole, settings one by one).
	Extends     string `json:"extends,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// PublicClients are the client IDs allowed to use device code and refresh
	// tokens. Empty means the Azure CLI and Azure PowerShell first-party IDs.
	PublicClients     []string           `json:"publicClients,omitempty"`
	Partners          []Partner          `json:"partners"`
	Tenants           []Tenant           `json:"tenants"`
	Users             []User             `json:"users"`
	ServicePrincipals []ServicePrincipal `json:"servicePrincipals,omitempty"`
	Links             []Link             `json:"links,omitempty"`
	Settings          Settings           `json:"settings,omitempty"`
	// PowerPlatform holds the resources of the Power Platform, Power BI and
	// Customer Insights hosts (used by attribution).
	PowerPlatform *PowerPlatform `json:"powerPlatform,omitempty"`
	// Demo names the identities `palwiz demo` offers (the approve key, the
	// personal-account path, the pre-filled partner ID).
	Demo *DemoRoles `json:"demo,omitempty"`
}

// DemoRoles are the scenario's parts in `palwiz demo`.
type DemoRoles struct {
	// ServiceAccount is the UPN of the dedicated service account the demo
	// key approves a device code as.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// PersonalAccount is the UPN of the personal or guest account.
	PersonalAccount string `json:"personalAccount,omitempty"`
	// PartnerID pre-fills the wizard's partner ID.
	PartnerID string `json:"partnerId,omitempty"`
	// ServicePrincipal is the client ID of the service principal offered.
	ServicePrincipal string `json:"servicePrincipal,omitempty"`
}

// Partner is a partner ID the PAL service knows.
type Partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is "location" (linkable) or "global" (the organisation's global ID,
	// which PAL refuses with PartnerIdInvalid).
	Kind string `json:"kind,omitempty"`
}

// Tenant is an Entra ID directory.
type Tenant struct {
	ID            string   `json:"id"`
	DisplayName   string   `json:"displayName"`
	DefaultDomain string   `json:"defaultDomain"`
	Domains       []string `json:"domains,omitempty"`
	CountryCode   string   `json:"countryCode,omitempty"`
	// Category is the /tenants tenantCategory: Home, ProjectedBy or ManagedBy.
	Category string `json:"category,omitempty"`
	// RequireMFA makes every sign-in and token for this tenant need MFA done
	// in this tenant (AADSTS50076 with a claims challenge otherwise).
	RequireMFA bool `json:"requireMFA,omitempty"`
	// BlockDeviceCode makes Conditional Access refuse device-code sign-in here.
	BlockDeviceCode bool `json:"blockDeviceCode,omitempty"`
	// SignInError, when set, makes every user token for this tenant fail with
	// this AADSTS code (for example 53003, 530084, 65001).
	SignInError int `json:"signInError,omitempty"`
}

// User is a person with a home directory and, optionally, guest objects in others.
type User struct {
	ObjectID          string `json:"objectId"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	HomeTenant        string `json:"homeTenant"`
	Disabled          bool   `json:"disabled,omitempty"`
	// Admin lets the user create applications and service principals (Graph).
	Admin  bool    `json:"admin,omitempty"`
	Guests []Guest `json:"guestIn,omitempty"`
	// ForeignIn are directories the user reaches through delegated admin
	// rights (CSP, GDAP) without an object of their own: tokens work, Graph
	// /me and PAL refuse.
	ForeignIn []string `json:"foreignIn,omitempty"`
	// Note is shown on the sign-in page and in `palwiz sim` to explain the account.
	Note string `json:"note,omitempty"`
}

// Guest is a user's guest object in another directory (a new object ID there).
type Guest struct {
	Tenant   string `json:"tenant"`
	ObjectID string `json:"objectId"`
}

// ServicePrincipal is an application's identity in one directory.
type ServicePrincipal struct {
	Tenant      string `json:"tenant"`
	AppID       string `json:"appId"`
	ObjectID    string `json:"objectId"`
	DisplayName string `json:"displayName"`
	Disabled    bool   `json:"disabled,omitempty"`
	// Secrets are accepted client secrets (test credentials, printed by `palwiz sim`).
	Secrets []string `json:"secrets,omitempty"`
	// Certificates are PEM certificates whose keys may sign client assertions.
	Certificates []string `json:"certificates,omitempty"`
	// Roles are the application permissions granted to the principal, per API
	// (its identifier URI or application ID): the roles claim of its tokens.
	// {"https://graph.microsoft.com": ["Application.ReadWrite.All"]}
	Roles map[string][]string `json:"roles,omitempty"`
	// FederatedCredentials let a workload outside Azure (a GitHub Actions
	// or Azure DevOps pipeline) sign in as the application with a token
	// from an OIDC issuer the simulator plays (workload identity federation).
	FederatedCredentials []FederatedCredential `json:"federatedCredentials,omitempty"`
	// ManagedIdentity makes the principal a managed identity of the machine
	// palwiz runs on: "systemAssigned" (at most one) or "userAssigned". The
	// simulated IMDS issues its tokens; it has no secrets or certificates.
	ManagedIdentity string `json:"managedIdentity,omitempty"`
	// ResourceID is a managed identity's Azure resource ID (IMDS msi_res_id,
	// the xms_mirid claim).
	ResourceID string `json:"resourceId,omitempty"`
	Note       string `json:"note,omitempty"`
}

// FederatedCredential is a federated identity credential of an application
// (Microsoft Graph's federatedIdentityCredential): a token whose issuer and
// subject equal these (case-sensitive) and whose audience is one of
// Audiences may be exchanged for the application's tokens.
type FederatedCredential struct {
	Name        string   `json:"name"`
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description,omitempty"`
}

// Link is an existing Partner Admin Link.
type Link struct {
	Tenant    string `json:"tenant"`
	ObjectID  string `json:"objectId"`
	PartnerID string `json:"partnerId"`
	// Deleted starts the link soft-deleted.
	Deleted bool `json:"deleted,omitempty"`
}

// Settings tune behaviour where the real service is unverified or where tests need control.
type Settings struct {
	// TenantsPageSize is how many tenants one /tenants page holds (default 2).
	TenantsPageSize int `json:"tenantsPageSize,omitempty"`
	// PutOnExisting is what PUT does when the caller is already linked:
	// "conflict" (409, the default), "badrequest" (400) or "ok" (200 with the existing link).
	PutOnExisting string `json:"putOnExisting,omitempty"`
	// TokenLifetime of access tokens (default 1h). Under 5 minutes MSAL refreshes on every call.
	TokenLifetime Duration `json:"tokenLifetime,omitempty"`
	// CAETokenLifetime is the lifetime of tokens for clients that declare
	// CAE support (xms_cc CP1); Entra gives them up to 28 hours (default:
	// TokenLifetime).
	CAETokenLifetime Duration `json:"caeTokenLifetime,omitempty"`
	// RefreshIn is the refresh_in of token answers: when the client should
	// renew the token (default: half the lifetime for tokens of 2 hours or
	// more, as Entra does; none otherwise).
	RefreshIn Duration `json:"refreshIn,omitempty"`
	// CAEServices are the services that evaluate access continuously: they
	// answer a revoked CAE-capable token with a claims challenge (default:
	// "arm" and "graph"). Others are "powerapps", "flow", "dataverse",
	// "powerbi", "bap" and "ci".
	CAEServices []string `json:"caeServices,omitempty"`
	// RefreshTokenLifetime (default 90 days).
	RefreshTokenLifetime Duration `json:"refreshTokenLifetime,omitempty"`
	// DeviceCodeLifetime is the device code's expires_in (default 15m).
	DeviceCodeLifetime Duration `json:"deviceCodeLifetime,omitempty"`
	// Latency is added to every answer of every host, Entra ID included (not
	// to the sign-in pages a person uses).
	Latency Duration `json:"latency,omitempty"`
	// DevicePollHold keeps a device-code poll open while the code is pending,
	// up to this long, and answers the moment a person approves: MSAL polls
	// up to 5 s apart, so a demo's approval would otherwise lag. 0 = off.
	DevicePollHold Duration `json:"devicePollHold,omitempty"`
	// ReplicationDelay is how long a service principal created through Graph
	// stays unknown to sign-in (Entra's replication lag); the same as
	// Replication["entra"].
	ReplicationDelay Duration `json:"replicationDelay,omitempty"`
	// Replication is each service's replication lag: for this long after a
	// write, reads (and, for Entra, sign-ins) still see the old state.
	// Services: "entra" (new service principals and secrets), "arm" (Partner
	// Admin Link), "powerapps" (app owners and co-owners), "flow" (flow
	// owners), "dataverse" (record owners), "powerbi" (dataset take-over).
	// Off by default.
	Replication map[string]Duration `json:"replication,omitempty"`
}

// replicationServices are the services Settings.Replication may name.
var replicationServices = []string{"entra", "arm", "powerapps", "flow", "dataverse", "powerbi"}

// caeServiceNames are the services Settings.CAEServices may name.
var caeServiceNames = []string{"arm", "graph", "bap", "powerapps", "flow", "dataverse", "powerbi", "ci"}

// replication is a service's replication lag.
func (s Settings) replication(service string) time.Duration {
	d := time.Duration(s.Replication[service])
	if service == "entra" {
		d = max(d, time.Duration(s.ReplicationDelay))
	}
	return d
}

// caeEnabled reports whether a service evaluates access continuously.
func (s Settings) caeEnabled(service string) bool {
	list := s.CAEServices
	if list == nil {
		list = []string{"arm", "graph"}
	}
	for _, v := range list {
		if v == service {
			return true
		}
	}
	return false
}

// Duration is a time.Duration written as a Go duration string in JSON ("1h", "30ms").
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("a duration must be a string such as \"30s\" or a number of seconds")
	}
	*d = Duration(time.Duration(n * float64(time.Second)))
	return nil
}

// Well-known first-party public client IDs.
const (
	AzureCLIClientID        = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	AzurePowerShellClientID = "1950a258-227b-4e31-a9cf-717495945fc2"
)

var (
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	partnerIDs = regexp.MustCompile(`^[0-9]{1,12}$`)
)

// IsGUID reports whether s looks like a GUID.
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// ParseScenario reads and validates a scenario.
func ParseScenario(data []byte) (*Scenario, error) {
	s, err := decodeScenario(data, 0)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeScenario reads a scenario over the embedded one it extends, if any.
func decodeScenario(data []byte, depth int) (*Scenario, error) {
	var probe struct {
		Extends string `json:"extends"`
	}
	_ = json.Unmarshal(data, &probe)
	s := &Scenario{}
	if probe.Extends != "" {
		if depth >= 4 {
			return nil, fmt.Errorf("scenario: extends %q: too many levels of extends", probe.Extends)
		}
		base, err := assets.Scenario(probe.Extends)
		if err != nil {
			return nil, fmt.Errorf("scenario: extends: %w", err)
		}
		if s, err = decodeScenario(base, depth+1); err != nil {
			return nil, fmt.Errorf("scenario: extends %q: %w", probe.Extends, err)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return s, nil
}

// Validate checks references and formats, so the simulator never serves a
// half-consistent directory.
func (s *Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	tenants := map[string]bool{}
	for i, t := range s.Tenants {
		if !IsGUID(t.ID) {
			bad("tenants[%d]: id %q is not a GUID", i, t.ID)
		}
		if tenants[strings.ToLower(t.ID)] {
			bad("tenants[%d]: duplicate id %s", i, t.ID)
		}
		tenants[strings.ToLower(t.ID)] = true
		if t.DisplayName == "" || t.DefaultDomain == "" {
			bad("tenants[%d]: displayName and defaultDomain are required", i)
		}
		switch t.Category {
		case "", "Home", "ProjectedBy", "ManagedBy":
		default:
			bad("tenants[%d]: category %q is not Home, ProjectedBy or ManagedBy", i, t.Category)
		}
	}
	objects := map[string]string{} // tenant/oid -> what
	addObject := func(tenant, oid, what string) {
		if !IsGUID(oid) {
			bad("%s: object id %q is not a GUID", what, oid)
			return
		}
		if !tenants[strings.ToLower(tenant)] {
			bad("%s: tenant %q is not in the scenario", what, tenant)
			return
		}
		k := strings.ToLower(tenant + "/" + oid)
		if prev, ok := objects[k]; ok {
			bad("%s: object id %s already used by %s", what, oid, prev)
		}
		objects[k] = what
	}
	upns := map[string]bool{}
	for i, u := range s.Users {
		what := fmt.Sprintf("users[%d] (%s)", i, u.UserPrincipalName)
		if u.UserPrincipalName == "" || !strings.Contains(u.UserPrincipalName, "@") {
			bad("users[%d]: userPrincipalName %q must look like name@domain", i, u.UserPrincipalName)
		}
		if upns[strings.ToLower(u.UserPrincipalName)] {
			bad("%s: duplicate userPrincipalName", what)
		}
		upns[strings.ToLower(u.UserPrincipalName)] = true
		addObject(u.HomeTenant, u.ObjectID, what)
		for _, g := range u.Guests {
			if strings.EqualFold(g.Tenant, u.HomeTenant) {
				bad("%s: a guest object in the home tenant", what)
			}
			addObject(g.Tenant, g.ObjectID, what+" guest")
		}
		for _, f := range u.ForeignIn {
			if !tenants[strings.ToLower(f)] || strings.EqualFold(f, u.HomeTenant) {
				bad("%s: foreignIn tenant %q must be another tenant of the scenario", what, f)
			}
			for _, g := range u.Guests {
				if strings.EqualFold(g.Tenant, f) {
					bad("%s: tenant %s is both a guest and a foreign tenant", what, f)
				}
			}
		}
	}
	apps := map[string]bool{}
	for i, sp := range s.ServicePrincipals {
		what := fmt.Sprintf("servicePrincipals[%d] (%s)", i, sp.DisplayName)
		if !IsGUID(sp.AppID) {
			bad("%s: appId %q is not a GUID", what, sp.AppID)
		}
		k := strings.ToLower(sp.Tenant + "/" + sp.AppID)
		if apps[k] {
			bad("%s: duplicate appId in its tenant", what)
		}
		apps[k] = true
		addObject(sp.Tenant, sp.ObjectID, what)
		for j, c := range sp.Certificates {
			if _, err := parseCertPEM(c); err != nil {
				bad("%s: certificates[%d]: %v", what, j, err)
			}
		}
		validateWorkload(sp, what, bad)
		for api, roles := range sp.Roles {
			res := findResource(api)
			if res == nil {
				bad("%s: roles: %q is not an API the simulator serves", what, api)
				continue
			}
			for _, role := range roles {
				if !res.hasRole(role) {
					bad("%s: roles: %s has no application permission %q", what, res.name, role)
				}
			}
		}
	}
	if n := countSystemAssigned(s.ServicePrincipals); n > 1 {
		bad("servicePrincipals: %d system-assigned managed identities; a machine has at most one", n)
	}
	partners := map[string]bool{}
	for i, p := range s.Partners {
		if !partnerIDs.MatchString(p.ID) {
			bad("partners[%d]: id %q is not a number", i, p.ID)
		}
		switch p.Kind {
		case "", "location", "global":
		default:
			bad("partners[%d]: kind %q is not location or global", i, p.Kind)
		}
		partners[p.ID] = true
	}
	for i, l := range s.Links {
		if _, ok := objects[strings.ToLower(l.Tenant+"/"+l.ObjectID)]; !ok {
			bad("links[%d]: no user or service principal %s in tenant %s", i, l.ObjectID, l.Tenant)
		}
		if !partners[l.PartnerID] {
			bad("links[%d]: partner %s is not in partners", i, l.PartnerID)
		}
	}
	for k, d := range s.Settings.Replication {
		if !slices.Contains(replicationServices, k) {
			bad("settings.replication: %q is not one of %s", k, strings.Join(replicationServices, ", "))
		}
		if d < 0 {
			bad("settings.replication.%s is negative", k)
		}
	}
	for _, k := range s.Settings.CAEServices {
		if !slices.Contains(caeServiceNames, k) {
			bad("settings.caeServices: %q is not one of %s", k, strings.Join(caeServiceNames, ", "))
		}
	}
	switch s.Settings.PutOnExisting {
	case "", "conflict", "badrequest", "ok":
	default:
		bad("settings.putOnExisting %q is not conflict, badrequest or ok", s.Settings.PutOnExisting)
	}
	if s.PowerPlatform != nil {
		if err := s.PowerPlatform.validate(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q is not valid: %w", s.Name, errors.Join(errs...))
	}
	return nil
}

func parseCertPEM(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(b.Bytes)
}

// LoadScenario returns an embedded scenario by name, or reads a JSON file.
func LoadScenario(nameOrFile string, readFile func(string) ([]byte, error)) (*Scenario, error) {
	if nameOrFile == "" {
		nameOrFile = assets.DefaultScenario
	}
	if !strings.ContainsAny(nameOrFile, `/\.`) {
		b, err := assets.Scenario(nameOrFile)
		if err != nil {
			return nil, err
		}
		return ParseScenario(b)
	}
	b, err := readFile(nameOrFile)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return ParseScenario(b)
}
