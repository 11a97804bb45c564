package attribution

import (
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
)

// LinkedIdentity is the identity whose Partner Admin Link earns the credit:
// every ownership check compares against its object ID (and, for Power BI,
// its UPN).
type LinkedIdentity struct {
	ObjectID    string    `json:"objectId"`
	UPN         string    `json:"userPrincipalName,omitempty"`
	DisplayName string    `json:"displayName,omitempty"`
	Kind        auth.Kind `json:"kind,omitempty"`
	AppID       string    `json:"appId,omitempty"`
	TenantID    string    `json:"tenantId"`
	// Linked says the identity has a Partner Admin Link in this directory.
	Linked      bool   `json:"linked"`
	PartnerID   string `json:"partnerId,omitempty"`
	PartnerName string `json:"partnerName,omitempty"`
	// SignedIn says palwiz is signed in as this identity (Power BI's
	// TakeOver, the Power BI publisher check and the Customer Insights
	// check need that).
	SignedIn bool `json:"signedIn"`
}

// Name is the identity for people.
func (l LinkedIdentity) Name() string {
	switch {
	case l.UPN != "":
		return l.UPN
	case l.DisplayName != "":
		return l.DisplayName
	}
	return l.ObjectID
}

// SignInName is the name the identity signs in with: a guest signs in with
// its home account (name@home.example), never with its #EXT# name.
func (l LinkedIdentity) SignInName() string {
	if h := HomeUPN(l.UPN); h != "" {
		return h
	}
	return l.Name()
}

// IsGuest reports whether the identity is a guest in this directory (its
// UPN is the #EXT# form).
func (l LinkedIdentity) IsGuest() bool { return isExtUPN(l.UPN) }

// IsServicePrincipal reports whether the identity is an application.
func (l LinkedIdentity) IsServicePrincipal() bool { return l.Kind == auth.KindServicePrincipal }

// Holder is who a resource's rule looks at: its owner, creator, publisher or
// last importer.
type Holder struct {
	ObjectID string `json:"objectId,omitempty"`
	UPN      string `json:"userPrincipalName,omitempty"`
	Name     string `json:"name,omitempty"`
	// SystemUserID is the Dataverse user (Dataverse resources).
	SystemUserID string `json:"systemUserId,omitempty"`
}

// Label is the holder for people; a guest is named by its home address.
func (h Holder) Label() string {
	upn := h.UPN
	if home := HomeUPN(upn); home != "" {
		upn = home
	}
	switch {
	case h.Name != "" && upn != "" && !strings.EqualFold(h.Name, upn):
		return h.Name + " <" + upn + ">"
	case upn != "":
		return upn
	case h.Name != "":
		return h.Name
	case h.ObjectID != "":
		return h.ObjectID
	}
	return h.SystemUserID
}

func (h Holder) known() bool {
	return h.ObjectID != "" || h.UPN != "" || h.Name != "" || h.SystemUserID != ""
}

// isExtUPN reports a guest's UPN (name_home.example#EXT#@tenant).
func isExtUPN(upn string) bool { return strings.Contains(strings.ToUpper(upn), "#EXT#@") }

// HomeUPN is a guest's home address (ana.lopez@fabrikam.example for
// ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com), or "" when
// upn is not a guest's.
func HomeUPN(upn string) string {
	i := strings.Index(strings.ToUpper(upn), "#EXT#@")
	if i <= 0 {
		return ""
	}
	local := upn[:i]
	j := strings.LastIndex(local, "_")
	if j <= 0 {
		return ""
	}
	return local[:j] + "@" + local[j+1:]
}

// upnForms are the names Power BI may show for a user: its UPN and, for a
// guest, its home address.
func upnForms(upn string) []string {
	if upn == "" {
		return nil
	}
	out := []string{upn}
	if h := HomeUPN(upn); h != "" {
		out = append(out, h)
	}
	return out
}
