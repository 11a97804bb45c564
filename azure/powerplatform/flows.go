package powerplatform

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// Flows reads cloud flows and adds co-owners as an administrator. Microsoft
// calls this API unsupported; every admin tool uses it all the same.
type Flows struct{ c *rest.Client }

// NewFlows returns a Power Automate client.
func NewFlows(cred azcore.TokenCredential, c *cloud.Cloud, o rest.Options) *Flows {
	return &Flows{c: rest.New(ServiceFlow, cloud.FlowScope, cred, c, o)}
}

// Flow is a cloud flow.
type Flow struct {
	Name        string
	DisplayName string
	State       string
	// Creator is the creator's object ID: the account PAL credits. It never changes.
	Creator         string
	CreatorTenantID string
	IsManaged       bool
	CreatedTime     time.Time
}

// UnmarshalJSON reads a flow with the same single-pass scanner as the
// flow list, so the type has one decoding.
func (f *Flow) UnmarshalJSON(b []byte) error { return scanOne(b, f, scanFlow) }

// scanFlow reads the fields palwiz uses from a flow object.
func scanFlow(s *rest.Scanner, f *Flow, m map[string]string) error {
	return s.Object(func(k []byte) (err error) {
		switch string(k) {
		case "name":
			f.Name, err = s.String()
		case "properties":
			err = s.Object(func(k []byte) (err error) {
				switch string(k) {
				case "displayName":
					f.DisplayName, err = s.String()
				case "state":
					f.State, err = s.Interned(m)
				case "isManaged":
					f.IsManaged, err = s.Bool()
				case "createdTime":
					var t string
					t, err = s.String()
					f.CreatedTime = parseTime(t)
				case "creator":
					err = s.Object(func(k []byte) (err error) {
						switch string(k) {
						case "objectId":
							f.Creator, err = s.Interned(m)
						case "tenantId":
							f.CreatorTenantID, err = s.Interned(m)
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
		default:
			err = s.Skip()
		}
		return err
	})
}

func (f *Flows) base(env string) string {
	return "https://" + cloud.FlowHost + envPath("Microsoft.ProcessSimple", env)
}

// List lists an environment's cloud flows, a page at a time (fn must not
// keep the slice: it is reused for the next page).
func (f *Flows) List(ctx context.Context, env string, fn func([]Flow) error) error {
	u := f.base(env) + "/v2/flows?" + query("api-version", FlowAPIVersion)
	return rest.EachItems(ctx, f.c, "list the flows of environment "+env, u, nil, scanFlow, fn)
}

// Get reads one flow.
func (f *Flows) Get(ctx context.Context, env, flow string) (Flow, error) {
	var out Flow
	err := f.c.Do(ctx, rest.Request{Op: "read flow " + flow, URL: f.base(env) + "/flows/" + url.PathEscape(flow) + "?" + query("api-version", FlowAPIVersion)}, &out)
	return out, err
}

// Permissions lists a flow's owners (the creator is the Owner) and viewers.
func (f *Flows) Permissions(ctx context.Context, env, flow string) ([]Permission, error) {
	u := f.base(env) + "/flows/" + url.PathEscape(flow) + "/permissions?" + query("api-version", FlowAPIVersion)
	return permissions(ctx, f.c, "read the owners of flow "+flow, u)
}

// AddOwner makes a principal (type User or Group) a co-owner (CanEdit) of
// the flow. It does not change the flow's creator: nothing can.
func (f *Flows) AddOwner(ctx context.Context, env, flow, principalID, principalType string) error {
	return f.c.Do(ctx, rest.Request{Op: "add a co-owner to flow " + flow, Method: http.MethodPost, Write: true,
		URL:  f.base(env) + "/flows/" + url.PathEscape(flow) + "/modifyPermissions?" + query("api-version", FlowAPIVersion),
		Body: putBody(principalID, principalType, RoleCanEdit, false)}, nil)
}
