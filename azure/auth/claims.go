package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/palwiz/palwiz/azure/cloud"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidRE.MatchString(s) }

// tokenClaims reads the payload of a JWT access token without verifying it.
// Entra's access tokens are JWTs in practice; palwiz only uses this for
// display (a service principal's object ID), never for a security decision.
func tokenClaims(tok string) map[string]any {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

func claimString(tok, name string) string {
	if v, ok := tokenClaims(tok)[name].(string); ok {
		return v
	}
	return ""
}

func tokenTenant(tok string) string   { return claimString(tok, "tid") }
func tokenObjectID(tok string) string { return claimString(tok, "oid") }

// TokenObjectID returns the oid claim of a JWT access token ("" if none).
func TokenObjectID(tok string) string { return tokenObjectID(tok) }

// resolveTenantID turns a tenant domain into its GUID by reading Entra's
// OpenID configuration (its issuer names the GUID). GUIDs and the generic
// authorities pass through. MSAL keys its cache by the authority's tenant
// segment, so palwiz always uses the GUID.
func (s *Session) resolveTenantID(ctx context.Context, tenant string) (string, error) {
	if tenant == "" || isGUID(tenant) || tenant == "organizations" || tenant == "common" {
		return tenant, nil
	}
	u := cloud.AuthorityURL(url.PathEscape(tenant)) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("look up directory %s: %w", tenant, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if retryable(resp.StatusCode) {
		return "", serviceErrorOf(resp, fmt.Errorf("look up directory %s: HTTP %d", tenant, resp.StatusCode))
	}
	if resp.StatusCode != http.StatusOK {
		var b entraBody
		if json.Unmarshal(body, &b) == nil && b.Error != "" {
			return "", explain(errors.New(string(body)), tenant, "silent")
		}
		return "", fmt.Errorf("look up directory %s: HTTP %d", tenant, resp.StatusCode)
	}
	var cfg struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &cfg); err != nil {
		return "", fmt.Errorf("look up directory %s: %w", tenant, err)
	}
	for _, part := range strings.Split(cfg.Issuer, "/") {
		if isGUID(part) {
			return part, nil
		}
	}
	return "", fmt.Errorf("look up directory %s: Entra ID did not name its tenant ID", tenant)
}
