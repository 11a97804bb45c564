package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
)

// Choice is an identity option of the Initiation step, with its trade-offs.
type Choice struct {
	Key, Title, Summary string
	Pros, Cons          []string
	Recommended         bool
}

// IdentityChoices are the ways to get an identity in the customer's
// directory, as the PAL guidance weighs them.
var IdentityChoices = []Choice{
	{Key: "service-account", Title: "Dedicated service account", Recommended: true,
		Summary: "A user account the customer creates in their directory for your delivery work.",
		Pros:    []string{"One identity to link and to own every deliverable", "Survives staff changes on your team", "Works in the portal, PowerShell, the CLI and palwiz"},
		Cons:    []string{"The customer must create it and give it access to production", "Signs in with MFA like any user"}},
	{Key: "service-principal", Title: "Service principal",
		Summary: "An app identity in the customer's directory, for pipelines and scripts (secret or certificate).",
		Pros:    []string{"No person, no MFA prompt: suits CI/CD and solution imports", "palwiz can create one if you are the customer's administrator"},
		Cons:    []string{"Cannot be linked in the portal (palwiz links it through the API)", "Canvas app ownership can be moved to it only by importing a solution"}},
	{Key: "user", Title: "Personal or guest account",
		Summary: "Each consultant's own account or guest account, linked one by one.",
		Pros:    []string{"Nothing for the customer to create if you already have access"},
		Cons:    []string{"Every consultant must link, in every customer directory (a guest has a new object ID in each)", "Joiners and leavers mean tracking links in a spreadsheet", "A deleted or disabled account stops earning credit"}},
}

// ServicePrincipalName is the display name palwiz gives a dedicated service
// principal it creates: "PAL-<partner ID>-SPN", so the customer's
// administrators can tell what it is for.
func ServicePrincipalName(partnerID string) string {
	if partnerID == "" {
		return "PAL-partner-SPN"
	}
	return "PAL-" + partnerID + "-SPN"
}

// CreatedSP is a dedicated service principal made for a partner.
type CreatedSP struct {
	DisplayName string    `json:"displayName"`
	TenantID    string    `json:"tenantId"`
	AppID       string    `json:"appId"`
	AppObjectID string    `json:"applicationObjectId"`
	ObjectID    string    `json:"servicePrincipalObjectId"`
	Secret      string    `json:"-"`
	Expires     time.Time `json:"secretExpires"`
}

// CreateServicePrincipal registers an application, its service principal and
// a client secret in the current directory (Microsoft Graph), as the signed-in
// administrator. The secret is returned once and never stored.
func CreateServicePrincipal(ctx context.Context, env *Env, name string, lifetime time.Duration) (*CreatedSP, error) {
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	if p.Kind != auth.KindUser {
		return nil, &ServiceError{Message: "Creating a service principal needs a customer administrator's user account", NextStep: "Sign in as the administrator with `palwiz login`"}
	}
	if lifetime <= 0 {
		lifetime = 365 * 24 * time.Hour
	}
	g := env.Graph(p.Tenant)
	app, err := g.CreateApplication(ctx, name)
	if err != nil {
		return nil, explainGraph(err)
	}
	sp, err := g.CreateServicePrincipal(ctx, app.AppID)
	if err != nil {
		return nil, explainGraph(err)
	}
	pwd, err := g.AddPassword(ctx, app.ID, "palwiz "+time.Now().UTC().Format("2006-01-02"), time.Now().Add(lifetime))
	if err != nil {
		return nil, explainGraph(err)
	}
	return &CreatedSP{DisplayName: name, TenantID: p.Tenant, AppID: app.AppID, AppObjectID: app.ID, ObjectID: sp.ID,
		Secret: pwd.SecretText, Expires: pwd.EndDateTime}, nil
}

func explainGraph(err error) error {
	if rest.IsStatus(err, http.StatusForbidden) {
		return &ServiceError{Message: "This account may not create applications in the directory", NextStep: "Ask a Global Administrator or Application Administrator of the customer's directory to run `palwiz login --create-service-principal`", Err: err}
	}
	return Explain(err)
}

// SignInWhenReplicated signs in as a new service principal, retrying while
// Entra ID replicates it (it can take a minute or two). attempt is called
// before each retry with the error that caused it.
func SignInWhenReplicated(ctx context.Context, s *auth.Session, tenant, appID, secret string, maxWait time.Duration, attempt func(n int, err error)) (*auth.Identity, error) {
	if maxWait <= 0 {
		maxWait = 3 * time.Minute
	}
	deadline := time.Now().Add(maxWait)
	delay := time.Second
	for n := 1; ; n++ {
		id, err := s.LoginServicePrincipal(ctx, tenant, appID, auth.SPCredential{Secret: secret})
		if err == nil {
			return id, nil
		}
		var ae *auth.Error
		retryable := errors.As(err, &ae) && (ae.Reason == auth.ReasonUnknownClient || ae.Reason == auth.ReasonBadSecret)
		if !retryable || time.Now().Add(delay).After(deadline) {
			return nil, err
		}
		if attempt != nil {
			attempt(n, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 10*time.Second)
	}
}

// AdminRequest is the message a consultant sends the customer's
// administrator to get a dedicated account.
func AdminRequest(partnerName, partnerID, contact string) string {
	if partnerName == "" {
		partnerName = "our organisation"
	}
	return fmt.Sprintf(`Subject: A dedicated account for %[1]s's Power Platform delivery (Partner Admin Link)

Hello,

To deliver and support your Power Platform work, %[1]s would like a dedicated
account in your Microsoft Entra ID directory, used only for our delivery work.
We link it to our partner ID (%[2]s) through Partner Admin Link, which lets
Microsoft recognise our work for you; it gives us no extra access.

Please create:
  1. A user account such as pal-%[2]s@<your domain>, licensed for Power Apps /
     Power Automate as your projects need, with MFA as your policies require.
  2. Access for it in the production environments we deliver to:
     Environment Maker or System Customizer (to import our managed solutions),
     and the Power BI workspace roles for the datasets we publish.
  Or, for pipelines: an app registration with a service principal, registered
  as a Power Platform management app.

Why a dedicated account: the account that imports a solution owns what is in
it, and that owner is who earns the partner credit. A dedicated account keeps
working when our team changes.

Thank you,
%[3]s
`, partnerName, partnerID, contact)
}
