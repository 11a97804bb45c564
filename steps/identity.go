package steps

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// Who is the signed-in identity as the customer's directory sees it.
type Who struct {
	Kind          auth.Kind `json:"kind"`
	DisplayName   string    `json:"displayName,omitempty"`
	UPN           string    `json:"userPrincipalName,omitempty"`
	ObjectID      string    `json:"objectId,omitempty"`
	AppID         string    `json:"appId,omitempty"`
	TenantID      string    `json:"tenantId"`
	TenantName    string    `json:"tenantName,omitempty"`
	TenantDomain  string    `json:"tenantDomain,omitempty"`
	UserType      string    `json:"userType,omitempty"` // Member or Guest
	HomeTenant    string    `json:"homeTenant,omitempty"`
	TokensInStore bool      `json:"tokensPersisted"`
	// SignIn says how a pipeline identity signed in (workload identity
	// federation, a managed identity), "" otherwise.
	SignIn   string   `json:"signIn,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Foreign is true when the identity has no object of its own in the
	// directory (CSP, GDAP or another tenant's sign-in): PAL cannot link it.
	Foreign bool `json:"foreign,omitempty"`
}

// WhoAmI reads the identity from the directory (Microsoft Graph), falling
// back to what the sign-in itself said.
func WhoAmI(ctx context.Context, env *Env) (Who, error) {
	p := env.Session.Profile()
	if p == nil {
		return Who{}, auth.ErrNotSignedIn
	}
	w := Who{Kind: p.Kind, TenantID: p.Tenant, HomeTenant: p.HomeTenant, TokensInStore: env.Session.Persistent(), SignIn: p.SignInMethod()}
	g := env.Graph(p.Tenant)
	if org, err := g.Organization(ctx); err == nil {
		w.TenantName, w.TenantDomain = org.DisplayName, org.DefaultDomain()
	} else if err := asAuth(err); err != nil {
		return w, err
	}
	if p.Kind == auth.KindServicePrincipal {
		w.AppID = p.ClientID
		if sp, err := g.ServicePrincipalByAppID(ctx, p.ClientID); err == nil {
			w.ObjectID, w.DisplayName = sp.ID, sp.DisplayName
		} else if tok, terr := env.Session.Token(ctx, p.Tenant, []string{cloud.ARMScope}, ""); terr == nil {
			w.ObjectID = auth.TokenObjectID(tok.Token)
		}
		return w, nil
	}
	w.DisplayName, w.UPN = p.DisplayName, p.Username
	me, err := g.Me(ctx)
	switch {
	case err == nil:
		w.ObjectID, w.DisplayName, w.UserType = me.ID, me.DisplayName, me.UserType
		if me.UserPrincipalName != "" {
			w.UPN = me.UserPrincipalName
		}
	case rest.IsStatus(err, http.StatusNotFound) || rest.IsStatus(err, http.StatusForbidden):
		w.Foreign = true
		w.Warnings = append(w.Warnings, "This account has no user object of its own in "+tenantLabel(w)+" (a CSP, GDAP or foreign sign-in). PAL links only identities that exist in the customer's directory: ask the customer for a dedicated account or a guest invitation.")
	default:
		if aerr := asAuth(err); aerr != nil {
			return w, aerr
		}
		w.Warnings = append(w.Warnings, "Could not read the account from Microsoft Graph: "+err.Error())
	}
	if strings.EqualFold(w.UserType, "Guest") {
		w.Warnings = append(w.Warnings, "This is a guest account: a link made here counts only in "+tenantLabel(w)+". Link again in each customer directory (the guest has a different object ID in each).")
	}
	return w, nil
}

func tenantLabel(w Who) string {
	if w.TenantName != "" {
		return w.TenantName
	}
	return "directory " + w.TenantID
}

// asAuth returns err when it is a sign-in failure that a new sign-in would
// fix (to stop and say so), nil for anything softer.
func asAuth(err error) error {
	var ae *auth.Error
	if errors.As(Explain(err), &ae) && ae.NeedsInteraction() {
		return ae
	}
	return nil
}

// CurrentTenant looks up the current directory among those reachable.
func CurrentTenant(ctx context.Context, env *Env) (arm.Tenant, error) {
	p := env.Session.Profile()
	if p == nil {
		return arm.Tenant{}, auth.ErrNotSignedIn
	}
	ts, err := Tenants(ctx, env)
	if err != nil {
		return arm.Tenant{}, err
	}
	if t, ok := FindTenant(ts, p.Tenant); ok {
		return t, nil
	}
	return arm.Tenant{ID: p.Tenant}, nil
}
