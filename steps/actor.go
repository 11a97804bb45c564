package steps

import (
	"context"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
)

// Actor is who a write acts as, and in which directory. Every command that
// changes something in a customer's directory names it, before or in its
// result: acting as the wrong identity is the worst thing PAL can do, and
// it must never go unseen.
type Actor struct {
	Kind auth.Kind `json:"kind"`
	// Name is the identity's display name; Username its sign-in name (people).
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	// AppID is a service principal's application (client) ID.
	AppID string `json:"appId,omitempty"`
	// ObjectID is the identity's object in the directory (a guest has one per directory).
	ObjectID   string `json:"objectId,omitempty"`
	TenantID   string `json:"tenantId"`
	TenantName string `json:"tenantName,omitempty"`
	// Source is where the identity comes from: "environment" (PALWIZ_CLIENT_ID
	// and friends, this run only) or "sign-in" (palwiz login).
	Source string `json:"source"`
	// NamedBy is the variable that named an identity from the environment
	// (PALWIZ_CLIENT_ID when not known).
	NamedBy string `json:"-"`
}

// Who names the identity: "Ana Lopez (ana.lopez@fabrikam.example), object
// 8f3e…" or "service principal e1a2… (object f2b3…)".
func (a Actor) Who() string {
	var s string
	if a.Kind == auth.KindServicePrincipal {
		s = "service principal " + a.AppID
		if a.Name != "" {
			s = "service principal " + a.Name + " (app " + a.AppID + ")"
		}
	} else {
		s = a.Username
		if a.Name != "" && a.Name != a.Username {
			s = a.Name + " (" + a.Username + ")"
		}
	}
	if a.ObjectID != "" {
		s += ", object " + a.ObjectID
	}
	if a.Source == "environment" {
		by := a.NamedBy
		if by == "" {
			by = "PALWIZ_CLIENT_ID"
		}
		s += ", named by " + by
	}
	return s
}

// Where names the directory: "Contoso Ltd (2c8e…)".
func (a Actor) Where() string {
	if a.TenantName == "" {
		return "directory " + a.TenantID + " (name not known)"
	}
	return a.TenantName + " (" + a.TenantID + ")"
}

// String is the line palwiz prints with a write: "As X in Y".
func (a Actor) String() string { return "As " + a.Who() + " in " + a.Where() }

// WhoActs names the identity that acts in tenant ("" = the current
// directory). Its object ID there comes from the token the write uses
// anyway; the directory's name from the profile, or else from ARM's
// directory list (then kept in the profile for the next time).
func WhoActs(ctx context.Context, env *Env, tenant string) (Actor, error) {
	p := env.Session.Profile()
	if p == nil {
		return Actor{}, auth.ErrNotSignedIn
	}
	if tenant == "" {
		tenant = p.Tenant
	}
	a := Actor{Kind: p.Kind, TenantID: tenant, Source: "sign-in"}
	if env.Session.FromEnvironment() {
		a.Source, a.NamedBy = "environment", env.Session.NamedBy()
	}
	if p.Kind == auth.KindServicePrincipal {
		a.AppID, a.Name = p.ClientID, p.DisplayName
	} else {
		a.Name, a.Username = p.DisplayName, p.Username
	}
	tok, err := env.Session.Token(ctx, tenant, []string{cloud.ARMScope}, "")
	if err != nil {
		return a, err
	}
	a.ObjectID = auth.TokenObjectID(tok.Token)
	a.TenantName = DirectoryName(ctx, env, tenant)
	return a, nil
}

// DirectoryName is the display name of directory tenant (a GUID), from the
// profile or else from ARM's list of the directories the identity reaches;
// "" when it cannot be had.
func DirectoryName(ctx context.Context, env *Env, tenant string) string {
	p := env.Session.Profile()
	if n := p.TenantName(tenant); n != "" {
		return n
	}
	ts, err := Tenants(ctx, env)
	if err != nil {
		return ""
	}
	RememberNames(ctx, env, ts, tenant)
	if t, ok := FindTenant(ts, tenant); ok {
		return t.DisplayName
	}
	return ""
}

// RememberNames keeps the directories' names in the profile (best effort),
// first (a tenant GUID) among those kept for certain.
func RememberNames(ctx context.Context, env *Env, ts []arm.Tenant, first string) {
	names := make(map[string]string, len(ts))
	for _, t := range ts {
		if t.DisplayName != "" {
			names[strings.ToLower(t.ID)] = t.DisplayName
		}
	}
	_ = env.Session.RememberTenantNames(ctx, names, strings.ToLower(first))
}
