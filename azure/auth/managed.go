package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"github.com/palwiz/palwiz/azure/cloud"
)

// Managed identity: where palwiz runs on Azure (a build agent on a VM), it
// signs in as the machine's managed identity through the instance metadata
// service (IMDS), with MSAL Go's managed identity client. There is no
// secret, and nothing is stored: MSAL keeps the tokens in memory for the run.

// ReasonManagedIdentity is a managed identity that could not sign in.
const ReasonManagedIdentity Reason = "managed-identity-unavailable"

// SystemAssigned names the machine's system-assigned managed identity.
const SystemAssigned = "system"

// managedID turns a selector into MSAL's identity: "" or "system" for the
// system-assigned identity, a GUID for a user-assigned identity's client ID,
// an Azure resource ID for a user-assigned identity's resource.
func managedID(selector string) (managedidentity.ID, error) {
	sel := strings.TrimSpace(selector)
	switch {
	case sel == "" || strings.EqualFold(sel, SystemAssigned):
		return managedidentity.SystemAssigned(), nil
	case isGUID(sel):
		return managedidentity.UserAssignedClientID(sel), nil
	case strings.HasPrefix(strings.ToLower(sel), "/subscriptions/"):
		return managedidentity.UserAssignedResourceID(sel), nil
	}
	return nil, &Error{Reason: ReasonManagedIdentity, Message: "\"" + shorten(sel, 80) + "\" names no managed identity",
		NextStep: "Give the user-assigned identity's client ID (a GUID) or resource ID (/subscriptions/…), or nothing for the system-assigned identity"}
}

// describeManaged names a selector for messages.
func describeManaged(selector string) string {
	sel := strings.TrimSpace(selector)
	if sel == "" || strings.EqualFold(sel, SystemAssigned) {
		return "the system-assigned managed identity"
	}
	return "the user-assigned managed identity " + sel
}

// LoginManagedIdentity signs in as a managed identity of the machine palwiz
// runs on ("" or "system" for the system-assigned one, else a client ID or
// resource ID), for this run: the first token proves it works, and its claims
// say which application, object and directory it is.
func (s *Session) LoginManagedIdentity(ctx context.Context, selector string) (*Identity, error) {
	id, err := managedID(selector)
	if err != nil {
		return nil, err
	}
	c, err := managedidentity.New(id, managedidentity.WithHTTPClient(s.cfg.Cloud.IMDSClient()))
	if err != nil {
		return nil, &Error{Reason: ReasonManagedIdentity, Err: err, Message: "palwiz cannot use " + describeManaged(selector) + " here: " + err.Error()}
	}
	res, err := c.AcquireToken(ctx, cloud.ARMScope)
	if err != nil {
		return nil, explainManaged(ctx, err, selector)
	}
	tid, appID := tokenTenant(res.AccessToken), claimString(res.AccessToken, "appid")
	if tid == "" || appID == "" {
		return nil, &Error{Reason: ReasonManagedIdentity, Message: "The token from the instance metadata service names no application or directory"}
	}
	sel := strings.TrimSpace(selector)
	if sel == "" {
		sel = SystemAssigned
	}
	s.mu.Lock()
	s.mi = &c
	s.mu.Unlock()
	p := &Profile{Kind: KindServicePrincipal, ClientID: appID, HomeTenant: tid, Tenant: tid, Cloud: s.cfg.CloudID, ManagedIdentity: sel}
	if err := s.setProfile(ctx, p); err != nil {
		return nil, err
	}
	return &Identity{Kind: KindServicePrincipal, ClientID: appID, TenantID: tid, HomeTenant: tid, ObjectID: tokenObjectID(res.AccessToken),
		DisplayName: claimString(res.AccessToken, "app_displayname")}, nil
}

// managedToken is Session.Token for a managed identity: one resource per
// token, in its own directory only.
func (s *Session) managedToken(ctx context.Context, p *Profile, tenant string, scopes []string, claims string) (azcore.AccessToken, error) {
	if !strings.EqualFold(tenant, p.HomeTenant) {
		return azcore.AccessToken{}, &Error{Reason: ReasonNotInTenant, Tenant: tenant,
			Message: "A managed identity exists only in its own directory (" + p.HomeTenant + ")", NextStep: "Use an identity of directory " + tenant}
	}
	s.mu.Lock()
	c := s.mi
	s.mu.Unlock()
	if c == nil || len(scopes) != 1 {
		return azcore.AccessToken{}, &Error{Reason: ReasonManagedIdentity, Message: "No managed identity sign-in in this run"}
	}
	var opts []managedidentity.AcquireTokenOption
	if claims != "" {
		opts = append(opts, managedidentity.WithClaims(claims))
	}
	res, err := c.AcquireToken(ctx, scopes[0], opts...)
	if err != nil {
		return azcore.AccessToken{}, explainManaged(ctx, err, p.ManagedIdentity)
	}
	return azcore.AccessToken{Token: res.AccessToken, ExpiresOn: res.ExpiresOn, RefreshOn: res.Metadata.RefreshOn}, nil
}

// explainManaged says why IMDS gave no token, in terms a pipeline author can act on.
func explainManaged(ctx context.Context, err error, selector string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	who := describeManaged(selector)
	var ce msalerrors.CallErr
	if errors.As(err, &ce) {
		b, _ := parseEntra(err)
		desc := b.Description
		e := &Error{Reason: ReasonManagedIdentity, Err: err, Code: firstCode(b), Detail: shortDetail(desc)}
		switch {
		case strings.Contains(desc, "Identity not found"):
			e.Message = "This machine has no " + strings.TrimPrefix(who, "the ")
			e.NextStep = "Assign the identity to this VM (or scale set) in Azure, or name one it has with --managed-identity CLIENT_ID"
		case strings.Contains(desc, "Multiple user assigned identities"):
			e.Message = "This machine has several user-assigned managed identities and no system-assigned one"
			e.NextStep = "Name one: --managed-identity CLIENT_ID (or PALWIZ_MANAGED_IDENTITY=CLIENT_ID)"
		case desc == "" && b.Error == "":
			// Not Azure's IMDS (another cloud's metadata service, a proxy):
			// it does not answer in Azure's terms.
			status := 0
			if ce.Resp != nil {
				status = ce.Resp.StatusCode
			}
			e.Message = fmt.Sprintf("The service at 169.254.169.254 answered HTTP %d without an Azure managed identity error: palwiz is probably not running on an Azure VM", status)
			e.NextStep = "Run palwiz on the Azure VM (a self-hosted build agent) whose identity you mean, or sign in another way (workload identity federation: `palwiz login --federated`)"
		default:
			e.Message = "The instance metadata service refused a token for " + who + ": " + errOr(shortDetail(desc), b.Error)
			e.NextStep = "Check the identity's assignment to this machine"
		}
		return e
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Reason: ReasonManagedIdentity, Err: err,
			Message:  "No managed identity endpoint answered at 169.254.169.254: palwiz is not running on an Azure VM, or the VM has no managed identity",
			NextStep: "Run palwiz on the Azure VM (a self-hosted build agent) whose identity you mean, or sign in another way (workload identity federation: `palwiz login --federated`)"}
	}
	return &Error{Reason: ReasonManagedIdentity, Err: err, Message: "palwiz could not get a token for " + who + ": " + redactURL(err.Error())}
}
