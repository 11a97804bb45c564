package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/palwiz/palwiz/azure/keyring"
)

// Kind is the type of identity palwiz signs in as.
type Kind string

// Identity kinds.
const (
	KindUser             Kind = "user"
	KindServicePrincipal Kind = "servicePrincipal"
)

// Profile is the non-secret record of who is signed in and in which
// directory. It lives in the keyring beside the tokens (never in a file), so
// a logout leaves nothing behind.
type Profile struct {
	Kind Kind `json:"kind"`
	// ClientID is the app the tokens were issued to: the public client for
	// users, the service principal's app ID for service principals.
	ClientID string `json:"clientId"`
	// HomeAccountID is MSAL's account key (users).
	HomeAccountID string `json:"homeAccountId,omitempty"`
	// Username is the user principal name (users).
	Username string `json:"username,omitempty"`
	// DisplayName is the name the directory gives the identity.
	DisplayName string `json:"displayName,omitempty"`
	// HomeTenant is the identity's home directory.
	HomeTenant string `json:"homeTenant"`
	// Tenant is the directory in use now (a GUID).
	Tenant string `json:"tenant"`
	// CertFile is the service principal's certificate file, when it uses one.
	CertFile string `json:"certFile,omitempty"`
	// Cloud names the cloud the tokens belong to ("public", or "sim:<CA fingerprint>").
	Cloud string `json:"cloud"`
	// RememberSecret says the service principal's secret is in the keyring.
	RememberSecret bool `json:"rememberSecret,omitempty"`
	// Federated is the kind of token source of a workload identity
	// federation sign-in (SourceGitHubActions …); ManagedIdentity is the
	// managed identity's selector ("system", a client or resource ID). Both
	// exist only in memory: such a sign-in is for one run and never stored.
	Federated       string `json:"federated,omitempty"`
	ManagedIdentity string `json:"managedIdentity,omitempty"`
	// TenantNames are the display names of directories palwiz acted in
	// (tenant GUID → name), so that write commands name the directory
	// without asking Azure again. A few at most: the profile is one item.
	TenantNames map[string]string `json:"tenantNames,omitempty"`
}

// maxProfile keeps the profile in one keyring item on every platform.
const maxProfile = 1500

// maxTenantName bounds a directory name kept in the profile.
const maxTenantName = 80

// maxTenantNames bounds how many directory names the profile keeps.
const maxTenantNames = 8

func (p Profile) clone() Profile {
	if p.TenantNames != nil {
		m := make(map[string]string, len(p.TenantNames))
		for k, v := range p.TenantNames {
			m[k] = v
		}
		p.TenantNames = m
	}
	return p
}

// TenantName is the directory's display name palwiz knows ("" if none).
func (p *Profile) TenantName(tenant string) string {
	if p == nil {
		return ""
	}
	return p.TenantNames[strings.ToLower(tenant)]
}

// setTenantName records a directory's name; it reports whether anything changed.
func (p *Profile) setTenantName(tenant, name string) bool {
	tenant, name = strings.ToLower(strings.TrimSpace(tenant)), strings.TrimSpace(name)
	if !isGUID(tenant) || name == "" {
		return false
	}
	if len(name) > maxTenantName {
		name = name[:maxTenantName]
	}
	if p.TenantNames[tenant] == name {
		return false
	}
	if p.TenantNames == nil {
		p.TenantNames = map[string]string{}
	}
	p.TenantNames[tenant] = name
	return true
}

const profileKey = "profile"

func loadProfile(ctx context.Context, s *keyring.Store) (*Profile, error) {
	raw, err := s.Get(ctx, profileKey)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseProfile(raw), nil
}

// parseProfile reads the stored profile; anything that is not one (another
// program's item, a damaged write) counts as no sign-in.
func parseProfile(raw string) *Profile {
	var p Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil
	}
	switch p.Kind {
	case KindUser:
		if p.HomeAccountID == "" {
			return nil
		}
	case KindServicePrincipal:
		if p.ClientID == "" || p.HomeTenant == "" || p.Federated != "" || p.ManagedIdentity != "" {
			// A federated or managed identity sign-in is never stored;
			// one read from the keyring is not palwiz's.
			return nil
		}
	default:
		return nil
	}
	for k, v := range p.TenantNames {
		if !isGUID(k) || v == "" || len(v) > maxTenantName {
			delete(p.TenantNames, k)
		}
	}
	return &p
}

// marshalProfile encodes the profile for one keyring item, leaving out
// directory names (the current and home directories' last) until it fits.
func marshalProfile(p *Profile) ([]byte, error) {
	q := p.clone()
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	if len(b) <= maxProfile {
		return b, nil
	}
	keys := make([]string, 0, len(q.TenantNames))
	for k := range q.TenantNames {
		keys = append(keys, k)
	}
	keep := func(k string) bool { return strings.EqualFold(k, q.Tenant) || strings.EqualFold(k, q.HomeTenant) }
	sort.SliceStable(keys, func(i, j int) bool { return !keep(keys[i]) && keep(keys[j]) })
	for _, k := range keys {
		delete(q.TenantNames, k)
		if b, err = json.Marshal(q); err != nil || len(b) <= maxProfile {
			return b, err
		}
	}
	return b, nil
}

func saveProfile(ctx context.Context, s *keyring.Store, p *Profile) error {
	b, err := marshalProfile(p)
	if err != nil {
		return err
	}
	if err := s.Put(ctx, profileKey, string(b)); err != nil {
		return fmt.Errorf("save the sign-in to the keyring: %w", err)
	}
	return nil
}

func secretKey(clientID string) string { return "secret." + clientID }

// RememberTenantNames keeps directories' display names (tenant GUID →
// name) in the profile, so that later write commands name the directory
// without asking Azure again. first is kept before the others when not all fit.
func (s *Session) RememberTenantNames(ctx context.Context, names map[string]string, first string) error {
	return s.updateProfile(ctx, func(p *Profile) bool {
		changed := false
		if n, ok := names[first]; ok {
			changed = p.setTenantName(first, n)
		}
		keys := make([]string, 0, len(names))
		for k := range names {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == first || p.TenantName(k) == names[k] {
				continue
			}
			// Keep the profile small: a few names beyond the current directory's.
			if len(p.TenantNames) >= maxTenantNames {
				break
			}
			changed = p.setTenantName(k, names[k]) || changed
		}
		return changed
	})
}
