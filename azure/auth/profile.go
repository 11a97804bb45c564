package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	var p Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Kind == "" {
		return nil, nil
	}
	return &p, nil
}

func saveProfile(ctx context.Context, s *keyring.Store, p *Profile) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := s.Put(ctx, profileKey, string(b)); err != nil {
		return fmt.Errorf("save the sign-in to the keyring: %w", err)
	}
	return nil
}

func secretKey(clientID string) string { return "secret." + clientID }
