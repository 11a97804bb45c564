package attribution

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// ResolveLinked finds the identity whose link earns the credit in tenant
// ("" = the current directory): the signed-in identity, as the directory
// sees it, and its Partner Admin Link if it has one.
func ResolveLinked(ctx context.Context, env *steps.Env, tenant string) (LinkedIdentity, error) {
	p := env.Session.Profile()
	if p == nil {
		return LinkedIdentity{}, auth.ErrNotSignedIn
	}
	if tenant == "" {
		tenant = p.Tenant
	}
	l := LinkedIdentity{Kind: p.Kind, TenantID: tenant, SignedIn: true}
	var err error
	if p.Kind == auth.KindServicePrincipal {
		err = resolveApp(ctx, env, p, &l)
	} else {
		err = resolveUser(ctx, env, p, &l)
	}
	if err != nil {
		return l, err
	}
	c, err := env.ARMClient(tenant)
	if err != nil {
		return l, err
	}
	link, err := c.GetLink(ctx)
	if err != nil {
		return l, explainAuth(steps.Explain(err))
	}
	if link != nil && link.State != "Deleted" {
		l.Linked, l.PartnerID, l.PartnerName = true, link.PartnerID, link.PartnerName
		if link.ObjectID != "" {
			l.ObjectID = link.ObjectID
		}
	}
	if l.ObjectID == "" {
		return l, errors.New("could not tell the signed-in identity's object ID in directory " + tenant)
	}
	return l, nil
}

func resolveApp(ctx context.Context, env *steps.Env, p *auth.Profile, l *LinkedIdentity) error {
	l.AppID, l.DisplayName = p.ClientID, p.DisplayName
	sp, err := env.Graph(l.TenantID).ServicePrincipalByAppID(ctx, p.ClientID)
	switch {
	case err == nil:
		l.ObjectID, l.DisplayName = sp.ID, sp.DisplayName
		return nil
	case signInStops(err) != nil:
		return signInStops(err)
	}
	tok, terr := env.Session.Token(ctx, l.TenantID, []string{cloud.ARMScope}, "")
	if terr != nil {
		return explainAuth(steps.Explain(terr))
	}
	l.ObjectID = auth.TokenObjectID(tok.Token)
	return nil
}

func resolveUser(ctx context.Context, env *steps.Env, p *auth.Profile, l *LinkedIdentity) error {
	l.UPN, l.DisplayName = p.Username, p.DisplayName
	me, err := env.Graph(l.TenantID).Me(ctx)
	switch {
	case err == nil:
		l.ObjectID, l.DisplayName = me.ID, me.DisplayName
		if me.UserPrincipalName != "" {
			l.UPN = me.UserPrincipalName
		}
		return nil
	case signInStops(err) != nil:
		return signInStops(err)
	case rest.IsStatus(err, http.StatusNotFound) || rest.IsStatus(err, http.StatusForbidden):
		return &steps.ServiceError{Message: "This account has no user object of its own in directory " + l.TenantID + " (a CSP, GDAP or foreign sign-in), so nothing there can be attributed to it",
			NextStep: "Sign in with the customer's dedicated account, a guest account or a service principal of that directory", Err: err}
	}
	tok, terr := env.Session.Token(ctx, l.TenantID, []string{cloud.ARMScope}, "")
	if terr != nil {
		return explainAuth(steps.Explain(terr))
	}
	l.ObjectID = auth.TokenObjectID(tok.Token)
	return nil
}

// ForIdentity is the linked identity to check when an administrator checks
// for another account (the dedicated one) by its object ID: palwiz cannot
// read that account's link, and is not signed in as it. The warning says so;
// it is "" when objectID is the signed-in identity's own.
func ForIdentity(signedIn LinkedIdentity, objectID, upn string) (LinkedIdentity, string, error) {
	objectID = strings.TrimSpace(objectID)
	if objectID == "" {
		if upn != "" {
			return signedIn, "", errors.New("a UPN for the check needs the object ID it goes with (every check compares object IDs)")
		}
		return signedIn, "", nil
	}
	if !steps.IsGUID(objectID) {
		return signedIn, "", fmt.Errorf("%q is not an object ID: use the GUID shown by `palwiz whoami` or the PAL link", objectID)
	}
	if SameObject(objectID, signedIn.ObjectID) {
		return signedIn, "", nil
	}
	l := LinkedIdentity{ObjectID: strings.ToLower(objectID), UPN: strings.TrimSpace(upn), TenantID: signedIn.TenantID}
	return l, "Checking for object " + objectID + ": palwiz cannot read another identity's Partner Admin Link, so make sure that account is the linked one.", nil
}

// linkedNotes say what the check compares against, when that needs saying.
func linkedNotes(l LinkedIdentity) []string {
	var out []string
	// A guest by its home address (the advice below gives the #EXT# name once).
	name := l.SignInName()
	if !l.Linked {
		out = append(out, fmt.Sprintf("%s has no Partner Admin Link in this directory: the results show what would earn credit once it is linked (`palwiz link --partner-id ID`).", name))
	} else if l.PartnerName != "" {
		out = append(out, fmt.Sprintf("%s is linked to %s (%s): attributed resources earn credit for that partner.", name, l.PartnerName, l.PartnerID))
	}
	if !l.SignedIn {
		out = append(out, "palwiz is not signed in as "+name+": Power BI datasets can be taken over, their publisher confirmed, and Customer Insights checked, only when signed in as the linked identity.")
	}
	if l.IsGuest() {
		out = append(out, GuestSignInAdvice(l))
	}
	return out
}

// GuestSignInAdvice tells a guest how it signs in: with its home account,
// not with the #EXT# name the customer's directory shows.
func GuestSignInAdvice(l LinkedIdentity) string {
	home := HomeUPN(l.UPN)
	if home == "" {
		return ""
	}
	return fmt.Sprintf("%s is a guest here (the directory calls it %s): it signs in as %s, its home account, in palwiz, pac and the portal, choosing this directory.", home, l.UPN, home)
}
