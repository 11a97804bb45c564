package powerplatform

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// PowerApps reads and changes canvas apps as an administrator.
type PowerApps struct{ c *rest.Client }

// NewPowerApps returns a Power Apps client.
func NewPowerApps(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *PowerApps {
	return &PowerApps{c: rest.New(ServicePowerApps, cloud.PowerAppsScope, cred, c, o)}
}

// Roles on apps and flows.
const (
	RoleOwner   = "Owner"
	RoleCanEdit = "CanEdit" // co-owner
	RoleCanView = "CanView"
)

// Permission is one role assignment on an app or a flow.
type Permission struct {
	// ID is the permission's resource ID (…/permissions/{principal}).
	ID        string
	RoleName  string
	Principal Principal
}

// App is a canvas app.
type App struct {
	Name        string
	DisplayName string
	Owner       Principal
	// AlmMode is "Solution" for an app in a solution, "Environment" otherwise.
	AlmMode           string
	SharedUsersCount  int
	SharedGroupsCount int
	// PermissionsExpanded says the list carried the asked-for principal's own
	// permissions (Permissions); when false they are unknown, not empty.
	PermissionsExpanded bool
	Permissions         []Permission
}

// UnmarshalJSON reads a permission with the same single-pass scanner as
// the app list, so the type has one decoding.
func (p *Permission) UnmarshalJSON(b []byte) error { return scanOne(b, p, scanPermission) }

// UnmarshalJSON reads a principal with the same single-pass scanner as the
// app and flow lists, so the type has one decoding (its json tags write it).
func (p *Principal) UnmarshalJSON(b []byte) error { return scanOne(b, p, scanPrincipal) }

// scanOne reads one JSON value b into x with scan (no interning).
func scanOne[T any](b []byte, x *T, scan func(*rest.Scanner, *T, map[string]string) error) error {
	s := rest.NewScanner(b)
	if err := scan(s, x, nil); err != nil {
		return err
	}
	return s.End()
}

// scanPrincipal reads a principal object ({id, displayName, email, …});
// its strings repeat across a list, so they are shared through m.
func scanPrincipal(s *rest.Scanner, p *Principal, m map[string]string) error {
	return s.Object(func(k []byte) (err error) {
		switch string(k) {
		case "id":
			p.ID, err = s.Interned(m)
		case "displayName":
			p.DisplayName, err = s.Interned(m)
		case "email":
			p.Email, err = s.Interned(m)
		case "userPrincipalName":
			p.UserPrincipalName, err = s.Interned(m)
		case "type":
			p.Type, err = s.Interned(m)
		case "tenantId":
			p.TenantID, err = s.Interned(m)
		default:
			err = s.Skip()
		}
		return err
	})
}

// scanPermission reads a permission ({id, properties: {roleName, principal}}).
func scanPermission(s *rest.Scanner, p *Permission, m map[string]string) error {
	return s.Object(func(k []byte) (err error) {
		switch string(k) {
		case "id":
			p.ID, err = s.String()
		case "properties":
			err = s.Object(func(k []byte) (err error) {
				switch string(k) {
				case "roleName":
					p.RoleName, err = s.Interned(m)
				case "principal":
					err = scanPrincipal(s, &p.Principal, m)
				default:
					err = s.Skip()
				}
				return err
			})
		default:
			err = s.Skip()
		}
		return err
	})
}

// scanApp reads the fields palwiz uses from an app object.
func scanApp(s *rest.Scanner, a *App, m map[string]string) error {
	return s.Object(func(k []byte) (err error) {
		switch string(k) {
		case "name":
			a.Name, err = s.String()
		case "properties":
			err = s.Object(func(k []byte) (err error) {
				switch string(k) {
				case "displayName":
					a.DisplayName, err = s.String()
				case "owner":
					err = scanPrincipal(s, &a.Owner, m)
				case "almMode":
					a.AlmMode, err = s.Interned(m)
				case "sharedUsersCount":
					a.SharedUsersCount, err = s.Int()
				case "sharedGroupsCount":
					a.SharedGroupsCount, err = s.Int()
				case "permissions":
					a.Permissions = nil
					if a.PermissionsExpanded = !s.IsNull(); !a.PermissionsExpanded {
						return nil
					}
					err = s.Array(func() error {
						var p Permission
						if err := scanPermission(s, &p, m); err != nil {
							return err
						}
						a.Permissions = append(a.Permissions, p)
						return nil
					})
				default:
					err = s.Skip()
				}
				return err
			})
		default:
			err = s.Skip()
		}
		return err
	})
}

// Apps lists an environment's canvas apps, a page at a time (fn must not
// keep the slice: it is reused for the next page). With
// permissionsFor (an object ID) each app also carries that principal's own
// role ($expand=permissions($filter=maxAssignedTo(…)), as the PowerShell
// module asks); check App.PermissionsExpanded, the service may ignore it.
func (p *PowerApps) Apps(ctx context.Context, env, permissionsFor string, fn func([]App) error) error {
	q := url.Values{"api-version": {AppsAPIVersion}, "$top": {strconv.Itoa(AppsPageSize)}}
	if permissionsFor != "" {
		q.Set("$expand", "permissions($filter=maxAssignedTo('"+permissionsFor+"'))")
	}
	u := "https://" + cloud.PowerAppsHost + envPath("Microsoft.PowerApps", env) + "/apps?" + q.Encode()
	return rest.EachItems(ctx, p.c, "list the canvas apps of environment "+env, u, nil, scanApp, fn)
}

func (p *PowerApps) appURL(env, app, op string, q string) string {
	u := "https://" + cloud.PowerAppsHost + envPath("Microsoft.PowerApps", env) + "/apps/" + url.PathEscape(app)
	if op != "" {
		u += "/" + op
	}
	return u + "?" + q
}

// Permissions lists every role on an app, the owner's included.
func (p *PowerApps) Permissions(ctx context.Context, env, app string) ([]Permission, error) {
	return permissions(ctx, p.c, "read the permissions of canvas app "+app, p.appURL(env, app, "permissions", query("api-version", AppPermissionsVersion)))
}

// permissions lists the permissions at u (all pages).
func permissions(ctx context.Context, c *rest.Client, op, u string) ([]Permission, error) {
	var out []Permission
	err := rest.Each(ctx, c, op, u, nil, func(page []Permission) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// SetOwner makes newOwner (an object ID) the app's owner; the previous owner
// keeps roleForOld (CanView or CanEdit), or loses access when it is "".
func (p *PowerApps) SetOwner(ctx context.Context, env, app, newOwner, roleForOld string) error {
	body := map[string]string{"newAppOwner": newOwner}
	if roleForOld != "" {
		body["roleForOldAppOwner"] = roleForOld
	}
	return p.c.Do(ctx, rest.Request{Op: "change the owner of canvas app " + app, Method: http.MethodPost, Write: true,
		URL: p.appURL(env, app, "modifyAppOwner", query("api-version", AppPermissionsVersion)), Body: body}, nil)
}

type modifyPermissions struct {
	Put []putPermission `json:"put,omitempty"`
}

type putPermission struct {
	Properties struct {
		RoleName                string `json:"roleName"`
		NotifyShareTargetOption string `json:"NotifyShareTargetOption,omitempty"`
		Principal               struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"principal"`
	} `json:"properties"`
}

func putBody(principalID, principalType, role string, notify bool) modifyPermissions {
	var pp putPermission
	pp.Properties.RoleName = role
	if notify {
		pp.Properties.NotifyShareTargetOption = "DoNotNotify"
	}
	pp.Properties.Principal.ID = principalID
	pp.Properties.Principal.Type = principalType
	return modifyPermissions{Put: []putPermission{pp}}
}

// Share gives a principal (type User or Group) a role on the app: CanEdit
// makes it a co-owner. The principal is not notified.
func (p *PowerApps) Share(ctx context.Context, env, app, principalID, principalType, role string) error {
	return p.c.Do(ctx, rest.Request{Op: "share canvas app " + app, Method: http.MethodPost, Write: true,
		URL:  p.appURL(env, app, "modifyPermissions", query("api-version", AppPermissionsVersion)),
		Body: putBody(principalID, principalType, role, true)}, nil)
}
