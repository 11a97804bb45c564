package attribution

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Resource is one thing that can earn credit, with palwiz's verdict.
type Resource struct {
	Product Product `json:"product"`
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	// Env is the environment, workspace or directory it lives in.
	Env *Environment `json:"-"`
	// Role is what the rule looks at: "owner", "creator", "publisher",
	// "last importer" or "user".
	Role   string `json:"role"`
	Holder Holder `json:"holder"`
	// LinkedRole is the linked identity's own role when it is not the
	// holder ("co-owner (CanEdit)", "owner, not creator").
	LinkedRole string  `json:"linkedRole,omitempty"`
	Verdict    Verdict `json:"verdict"`
	// Reason says why, in words.
	Reason string `json:"reason"`
	// Ownership is what the product's rule says about the holder when the
	// verdict comes from the environment instead (does not count).
	Ownership string   `json:"ownership,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Solution is the unique name of the managed solution the resource is
	// in (or, for a solution, its own); PAL credits that solution's last
	// PAL-linked importer. Publisher() is that solution's publisher.
	Solution string `json:"solution,omitempty"`
	// Owned says the product's rule would name the linked identity if the
	// environment counted (also for does-not-count rows).
	Owned bool `json:"owned"`

	facts facts
	extra *resourceExtra // what few resources have (kept apart: 100,000 rows add up)
}

// resourceExtra holds the fields only some resources have. It is never
// changed in place: setters copy it, so copies of a Resource stay apart.
type resourceExtra struct {
	publisher string
	owner     *Holder
	groups    []string
}

func (r *Resource) edit() *resourceExtra {
	e := &resourceExtra{}
	if r.extra != nil {
		*e = *r.extra
	}
	r.extra = e
	return e
}

// Publisher is the publisher of the managed solution the resource is in
// (what "--delivered publisher=…" matches).
func (r Resource) Publisher() string {
	if r.extra == nil {
		return ""
	}
	return r.extra.publisher
}

// Owner is the primary owner where it differs from the holder the rule
// looks at (a solution-aware flow's or a bot's owner), or nil.
func (r Resource) Owner() *Holder {
	if r.extra == nil {
		return nil
	}
	return r.extra.owner
}

// GroupCoOwners names the groups with CanEdit on a canvas app.
func (r Resource) GroupCoOwners() []string {
	if r.extra == nil {
		return nil
	}
	return r.extra.groups
}

func (r *Resource) setPublisher(p string) {
	if p != "" || r.Publisher() != "" {
		r.edit().publisher = p
	}
}

func (r *Resource) setOwner(h *Holder) {
	if h != nil || r.Owner() != nil {
		r.edit().owner = h
	}
}

func (r *Resource) setGroups(g []string) {
	if len(g) > 0 || len(r.GroupCoOwners()) > 0 {
		r.edit().groups = g
	}
}

// facts are what the scan learnt beyond the verdict, for the plan.
type facts struct {
	solutionAware bool // a flow palwiz can give a new primary owner (Dataverse workflow)
	linkedImport  bool // the linked account imported the solution at some point
	takenOver     bool // a dataset the linked account owns but did not publish
	coOwnersKnown bool // the flow's co-owners were read (linkedRole is complete)
}

// MarshalJSON writes the resource with its environment's ID, name and type.
func (r Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	out := struct {
		plain
		Publisher       string   `json:"publisher,omitempty"`
		GroupCoOwners   []string `json:"groupCoOwners,omitempty"`
		Owner           *Holder  `json:"owner,omitempty"`
		EnvironmentID   string   `json:"environmentId,omitempty"`
		EnvironmentName string   `json:"environmentName,omitempty"`
		EnvironmentType string   `json:"environmentType,omitempty"`
	}{plain: plain(r), Publisher: r.Publisher(), GroupCoOwners: r.GroupCoOwners(), Owner: r.Owner()}
	if r.Env != nil {
		out.EnvironmentID, out.EnvironmentName, out.EnvironmentType = r.Env.ID, r.Env.Name, r.Env.Type
	}
	return json.Marshal(out)
}

// Key identifies the resource within a scan.
func (r Resource) Key() string {
	env := ""
	if r.Env != nil {
		env = r.Env.ID
	}
	return string(r.Product) + "/" + strings.ToLower(env) + "/" + strings.ToLower(r.ID)
}

// label is the resource inside a sentence: `canvas app "Site Survey"`.
func (r Resource) label() string { return fmt.Sprintf("%s %q", r.Product.noun(), r.Name) }
