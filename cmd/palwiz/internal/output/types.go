package output

import (
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/steps"
)

// The JSON shapes below are the contract of docs/output.md: the same thing
// has the same field names in every command's output, and CSV columns are
// these names (nested objects flatten with a dot: link.partnerId).

// Directory is a tenant as palwiz names it: its ID, and its name and domain
// when known.
type Directory struct {
	TenantID string `json:"tenantId"`
	Name     string `json:"tenantName,omitempty"`
	Domain   string `json:"tenantDomain,omitempty"`
	Category string `json:"tenantCategory,omitempty"`
}

// DirectoryOf is the directory of an ARM tenant.
func DirectoryOf(t arm.Tenant) Directory {
	return Directory{TenantID: t.ID, Name: t.DisplayName, Domain: t.DefaultDomain, Category: t.Category}
}

// Label names the directory for people: "Contoso Ltd (2c8e…)", or the ID.
func (d Directory) Label() string {
	switch {
	case d.Name != "" && d.TenantID != "":
		return d.Name + " (" + d.TenantID + ")"
	case d.Name != "":
		return d.Name
	case d.Domain != "" && d.TenantID != "":
		return d.Domain + " (" + d.TenantID + ")"
	}
	return "directory " + d.TenantID
}

// Short names the directory in a sentence: its name, or "directory <ID>".
func (d Directory) Short() string {
	if d.Name != "" {
		return d.Name
	}
	if d.Domain != "" {
		return d.Domain
	}
	return "directory " + d.TenantID
}

// LinkJSON is a Partner Admin Link.
type LinkJSON struct {
	Linked      bool   `json:"linked"`
	PartnerID   string `json:"partnerId,omitempty"`
	PartnerName string `json:"partnerName,omitempty"`
	State       string `json:"state,omitempty"`
	ObjectID    string `json:"objectId,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	Version     int    `json:"version,omitempty"`
	CreatedTime string `json:"createdTime,omitempty"`
	UpdatedTime string `json:"updatedTime,omitempty"`
}

// Link is the machine shape of l (nil or deleted: not linked).
func Link(l *arm.Link) LinkJSON {
	if !l.Active() {
		return LinkJSON{Linked: false}
	}
	return LinkJSON{Linked: true, PartnerID: l.PartnerID, PartnerName: l.PartnerName, State: l.State,
		ObjectID: l.ObjectID, TenantID: l.TenantID, Version: l.Version, CreatedTime: stamp(l.CreatedTime), UpdatedTime: stamp(l.UpdatedTime)}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Partner names a partner for people: "Fabrikam Consulting (Seattle) (4977985)".
func Partner(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// IdentityJSON is a signed-in identity, or the one a resource names.
type IdentityJSON struct {
	Kind         string `json:"kind,omitempty"` // user or servicePrincipal
	DisplayName  string `json:"displayName,omitempty"`
	UPN          string `json:"userPrincipalName,omitempty"`
	ObjectID     string `json:"objectId,omitempty"`
	AppID        string `json:"appId,omitempty"`
	TenantID     string `json:"tenantId,omitempty"`
	TenantName   string `json:"tenantName,omitempty"`
	TenantDomain string `json:"tenantDomain,omitempty"`
	UserType     string `json:"userType,omitempty"` // Member or Guest
	HomeTenantID string `json:"homeTenantId,omitempty"`
}

// ErrorJSON is an error as programs read it, in fleet rows and, under
// --output json, on stderr.
type ErrorJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	NextStep  string `json:"nextStep,omitempty"`
	RequestID string `json:"requestId,omitempty"`

	// detail is what to quote to support (code, status, request), for people.
	detail string
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// ActorJSON is who a write acts as, and where: every command that changes
// something in a customer's directory names it.
type ActorJSON struct {
	IdentityJSON
	// Source is "environment" (PALWIZ_CLIENT_ID and friends, this run only)
	// or "sign-in" (palwiz login).
	Source string `json:"source"`
}

// Actor is the machine shape of as (nil for nil).
func Actor(as *steps.Actor) *ActorJSON {
	if as == nil {
		return nil
	}
	return &ActorJSON{IdentityJSON: IdentityJSON{Kind: string(as.Kind), DisplayName: as.Name, UPN: as.Username, AppID: as.AppID,
		ObjectID: as.ObjectID, TenantID: as.TenantID, TenantName: as.TenantName}, Source: as.Source}
}
