package steps

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is a GUID.
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// Tenants lists the directories the signed-in identity reaches (ARM /tenants),
// asked in the identity's home directory.
func Tenants(ctx context.Context, env *Env) ([]arm.Tenant, error) {
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	c, err := env.ARMClient(p.HomeTenant)
	if err != nil {
		return nil, err
	}
	ts, err := c.ListTenants(ctx)
	if err != nil {
		return nil, Explain(err)
	}
	return ts, nil
}

// FindTenant picks the directory named by a GUID, a domain or a display name.
func FindTenant(ts []arm.Tenant, q string) (arm.Tenant, bool) {
	q = strings.TrimSpace(q)
	for _, t := range ts {
		if strings.EqualFold(t.ID, q) || strings.EqualFold(t.DefaultDomain, q) || strings.EqualFold(t.DisplayName, q) {
			return t, true
		}
		for _, d := range t.Domains {
			if strings.EqualFold(d, q) {
				return t, true
			}
		}
	}
	return arm.Tenant{}, false
}

// ResolveTenant turns a tenant argument into a directory the identity can
// reach. A service principal reaches only its own directory.
func ResolveTenant(ctx context.Context, env *Env, q string) (arm.Tenant, error) {
	ts, err := Tenants(ctx, env)
	if err != nil {
		return arm.Tenant{}, err
	}
	if t, ok := FindTenant(ts, q); ok {
		return t, nil
	}
	return arm.Tenant{}, &UnknownTenantError{Query: q, Reachable: ts}
}

// UnknownTenantError is a directory argument that names none of the
// directories the identity reaches: bad input, not a failure of a service.
type UnknownTenantError struct {
	Query     string
	Reachable []arm.Tenant
}

func (e *UnknownTenantError) Error() string {
	return fmt.Sprintf("This identity cannot reach a directory %q. %s", e.Query, e.NextStep())
}

// Message is what went wrong, without the next step.
func (e *UnknownTenantError) Message() string {
	return fmt.Sprintf("This identity cannot reach a directory %q", e.Query)
}

// NextStep names the directories it does reach.
func (e *UnknownTenantError) NextStep() string {
	names := make([]string, 0, len(e.Reachable))
	for _, t := range e.Reachable {
		names = append(names, fmt.Sprintf("%s (%s)", t.DisplayName, t.DefaultDomain))
	}
	if len(names) == 0 {
		return "Sign in with an account of that directory, or check the ID or domain"
	}
	return "It reaches: " + strings.Join(names, ", ") + ". Sign in with an account of that directory, or check the ID or domain"
}

// ProbeTenant gets a token for the directory without switching to it, so a
// list of directories can say which ones need a new sign-in, and why.
func ProbeTenant(ctx context.Context, env *Env, tenantID string) error {
	if _, err := env.Session.Token(ctx, tenantID, []string{cloud.ARMScope}, ""); err != nil {
		return Explain(err)
	}
	return nil
}

// SwitchTenant makes the directory current: it gets a token there first, so
// an MFA or Conditional Access demand shows up now, with its reason.
func SwitchTenant(ctx context.Context, env *Env, t arm.Tenant) error {
	if err := env.Session.UseTenant(ctx, t.ID); err != nil {
		return Explain(err)
	}
	return nil
}
