package attribution

import (
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// CanvasFix is how a canvas app is given to the linked identity.
type CanvasFix string

// Canvas app fixes.
const (
	// CanvasCoOwner adds the linked identity as co-owner (CanEdit); nobody loses anything.
	CanvasCoOwner CanvasFix = "co-owner"
	// CanvasOwner makes the linked identity the owner; the previous owner
	// keeps FixOptions.PreviousOwnerRole. It changes ownership, so only
	// for delivered apps.
	CanvasOwner CanvasFix = "owner"
)

// FixOptions shape the plan.
type FixOptions struct {
	// CanvasApp is CanvasCoOwner (default) or CanvasOwner.
	CanvasApp CanvasFix
	// PreviousOwnerRole is what a canvas app's previous owner keeps when the
	// linked identity becomes owner: "CanEdit" (default, still a co-owner)
	// or "CanView".
	PreviousOwnerRole string
	// IncludeUnclear also plans fixes in environments of a type palwiz does
	// not know (Production and Default count; the rest do not).
	IncludeUnclear bool
	// Delivered marks what the partner delivered. Changes of ownership
	// (owner changes, take-overs, re-imports, rebuilds) are planned only for
	// delivered resources; once anything is marked, everything else is
	// left alone.
	Delivered Delivered
	// Keys limits the plan to these resources (Resource.Key); empty = all.
	Keys []string
}

// Validate checks the options.
func (o FixOptions) Validate() error {
	switch o.CanvasApp {
	case "", CanvasCoOwner, CanvasOwner:
	default:
		return fmt.Errorf("canvas app fix %q is not co-owner or owner", o.CanvasApp)
	}
	switch o.PreviousOwnerRole {
	case "", powerplatform.RoleCanEdit, powerplatform.RoleCanView:
	default:
		return fmt.Errorf("the previous owner's role %q is not CanEdit or CanView", o.PreviousOwnerRole)
	}
	return nil
}

// FixKind is what a fix does.
type FixKind string

// Fix kinds.
const (
	FixAddCoOwner     FixKind = "add-co-owner"      // canvas app: the linked identity becomes co-owner
	FixMakeOwner      FixKind = "make-owner"        // canvas app: the linked identity becomes owner
	FixFlowOwner      FixKind = "flow-owner"        // solution-aware flow: the linked identity becomes its primary owner
	FixTakeOver       FixKind = "take-over-dataset" // dataset: the signed-in identity becomes its owner
	FixAddFlowCoOwner FixKind = "add-flow-co-owner" // advice: flow co-owner (the credit stays with the creator)
	FixAssignBot      FixKind = "assign-bot"        // advice: bot owner (the creator decides)
	FixUseInstance    FixKind = "use-instance"      // advice: use the Customer Insights instance
	FixReimport       FixKind = "reimport-solution" // by hand: import a delivered solution as the linked identity
	FixRebuild        FixKind = "rebuild"           // by hand: rebuild or copy in development, ship as a new managed component
	FixPublish        FixKind = "publish-dataset"   // by hand: publish a new semantic model as the linked identity
	FixAddUser        FixKind = "add-user"          // by hand: make the linked identity a user of the environment
)

// Fix is one planned change. Automatic fixes palwiz can apply; the others
// are steps and commands for a person.
type Fix struct {
	Kind     FixKind  `json:"kind"`
	Resource Resource `json:"resource"`
	// Summary is one line: what changes.
	Summary string `json:"summary"`
	// Explanation says what it achieves and what it does not.
	Explanation string `json:"explanation"`
	Automatic   bool   `json:"automatic"`
	// Blocked says why an automatic fix cannot be applied now.
	Blocked string `json:"blocked,omitempty"`
	// Attributes says palwiz's change leaves the resource attributed (its
	// re-read confirms it). A person's steps never claim it: After says
	// what a new check should find, and Confirm how to see it.
	Attributes bool    `json:"attributes"`
	After      Verdict `json:"after,omitempty"`
	Confirm    string  `json:"confirm,omitempty"`
	// Ownership says the fix changes who owns the resource: planned only
	// for resources marked as delivered.
	Ownership bool `json:"changesOwnership,omitempty"`
	// Loses says what the customer loses ("" = nothing), and TakesFrom
	// the identity the resource is taken away from.
	Loses     string `json:"loses,omitempty"`
	TakesFrom string `json:"takesFrom,omitempty"`
	// Commands are for a person to run, one command a line, never wrapped.
	Commands []string `json:"commands,omitempty"`
	// Covers names the other resources the same fix settles (the
	// components of a solution to import again).
	Covers []string `json:"covers,omitempty"`

	role        string   // canvas: previous owner's role
	coveredKeys []string // the keys of the resources in Covers
}

// Applicable reports whether ApplyFixes will carry the fix out.
func (f Fix) Applicable() bool { return f.Automatic && f.Blocked == "" }

// ID identifies the fix within a plan (for a tick list).
func (f Fix) ID() string { return string(f.Kind) + "|" + f.Resource.Key() }

// Plan is what PlanFixes found to do.
type Plan struct {
	// Fixes move a verdict: palwiz's changes (Automatic) and a person's steps.
	Fixes []Fix `json:"fixes"`
	// Advice does not move the credit (a flow's co-owner, a bot's owner,
	// using an instance): shown with its reason, unticked, not counted.
	Advice []Fix `json:"advice"`
	// Held are changes of ownership waiting for the partner to mark the
	// resources it delivered (FixOptions.Delivered).
	Held []Fix `json:"held"`
	// NotDelivered counts the resources left alone because they are not
	// marked as delivered (only once something is marked).
	NotDelivered int `json:"notDelivered"`
	// Delivered is the marks the plan was made with ("" = none).
	Delivered string `json:"delivered,omitempty"`
}

// Applicable is the fixes palwiz can carry out now.
func (p *Plan) Applicable() []Fix {
	var out []Fix
	for _, f := range p.Fixes {
		if f.Applicable() {
			out = append(out, f)
		}
	}
	return out
}

// Manual is the steps only a person can take (and palwiz's blocked changes).
func (p *Plan) Manual() []Fix {
	var out []Fix
	for _, f := range p.Fixes {
		if !f.Applicable() {
			out = append(out, f)
		}
	}
	return out
}

// Find returns the fix (in Fixes or Advice) with the ID, or nil.
func (p *Plan) Find(id string) *Fix {
	for _, list := range [][]Fix{p.Fixes, p.Advice} {
		for i := range list {
			if list[i].ID() == id {
				return &list[i]
			}
		}
	}
	return nil
}

// PlanFixes lists what would move each resource's verdict, as far as its
// product allows, and the advice that does not. It changes nothing. A
// change already in effect is never planned: the plan reads the verdicts,
// and a verdict the fix would not move plans nothing.
func PlanFixes(res *ScanResult, o FixOptions) *Plan {
	p := &Plan{Delivered: o.Delivered.String()}
	if res == nil {
		return p
	}
	keys := map[string]bool{}
	for _, k := range o.Keys {
		keys[k] = true
	}
	if o.CanvasApp == "" {
		o.CanvasApp = CanvasCoOwner
	}
	if o.PreviousOwnerRole == "" {
		o.PreviousOwnerRole = powerplatform.RoleCanEdit
	}
	pl := planner{l: res.Linked, o: o}
	notDelivered := map[string]bool{}
	for _, r := range res.Resources {
		if len(keys) > 0 && !keys[r.Key()] || !pl.considered(*r) {
			continue
		}
		for _, f := range pl.fixes(*r) {
			switch {
			case !o.Delivered.Empty() && !o.Delivered.Match(*r):
				notDelivered[r.Key()] = true
			case f.advice():
				p.Advice = append(p.Advice, f)
			case f.Ownership && o.Delivered.Empty():
				p.Held = append(p.Held, f)
			default:
				p.Fixes = append(p.Fixes, f)
			}
		}
	}
	p.NotDelivered = len(notDelivered)
	p.Fixes = mergeByEnvironment(mergeImports(p.Fixes))
	p.Held = mergeImports(p.Held)
	return p
}

func (f Fix) advice() bool {
	switch f.Kind {
	case FixAddFlowCoOwner, FixAssignBot, FixUseInstance:
		return true
	}
	return false
}

type planner struct {
	l LinkedIdentity
	o FixOptions
}

// considered says whether a resource's verdict is one a fix could move.
func (pl planner) considered(r Resource) bool {
	if r.Env != nil && r.Env.Counts == EnvUnclear {
		return pl.o.IncludeUnclear && !r.Owned
	}
	switch r.Verdict {
	case NotAttributed, CannotTell:
		return true
	}
	return false
}

// fixes are the fixes for one resource, by product family.
func (pl planner) fixes(r Resource) []Fix {
	if f, ok := pl.addUser(r); ok {
		return []Fix{f}
	}
	if r.Solution != "" && r.Product != Solution {
		return []Fix{pl.reimport(r)}
	}
	switch r.Product {
	case CanvasApp:
		return pl.canvas(r)
	case ModelDrivenApp:
		return []Fix{pl.rebuild(r, "A model-driven app's creator cannot change, it has no co-owners, and neither the portal nor PowerShell can change its owner (the PAL tooling table says yes only for the PP CLI and DevOps, that is, a solution import).")}
	case CloudFlow:
		return pl.flow(r)
	case CopilotBot:
		return pl.bot(r)
	case Solution:
		return []Fix{pl.reimport(r)}
	case Dataset:
		return pl.dataset(r)
	case CIInstance:
		return pl.instance(r)
	}
	return nil
}

// addUser is the first step where the linked identity is not a user of the
// environment's Dataverse, for the products that live there.
func (pl planner) addUser(r Resource) (Fix, bool) {
	notUser := r.Env != nil && r.Env.InstanceAPIURL != "" && r.Env.LinkedUserID == "" &&
		(r.Product == ModelDrivenApp || r.Product == CopilotBot || r.Product == Solution || r.Product == CloudFlow && r.facts.solutionAware)
	if !notUser {
		return Fix{}, false
	}
	how := "Add it in the Power Platform admin center (Environments > " + envName(r) + " > Settings > Users + permissions > Users) with a security role: System Customizer can import solutions, System Administrator is needed for solutions with plug-ins or code components."
	if pl.l.IsServicePrincipal() {
		how = "Add the service principal as an application user (Power Platform admin center > Environments > " + envName(r) + " > Settings > Users + permissions > Application users) with a security role: System Administrator imports any solution, including plug-ins and code components."
	}
	return Fix{Kind: FixAddUser, Resource: r, After: r.Verdict,
		Summary:     fmt.Sprintf("Make %s a user of %s", pl.l.Name(), envName(r)),
		Explanation: "The linked account is not a user of this environment's Dataverse, so nothing there can be given to it. " + how + " Then run the check again: palwiz plans the rest.",
	}, true
}

func envName(r Resource) string {
	if r.Env == nil {
		return "the environment"
	}
	return r.Env.Name
}

func envURL(r Resource) string {
	switch {
	case r.Env == nil:
		return "<environment URL>"
	case r.Env.InstanceURL != "":
		return r.Env.InstanceURL
	case r.Env.InstanceAPIURL != "":
		return r.Env.InstanceAPIURL
	}
	return "<the Dataverse URL of " + r.Env.Name + ">"
}

// pacSignIn is how the linked identity signs pac in (no secret in the command).
func pacSignIn(l LinkedIdentity, r Resource) string {
	if l.IsServicePrincipal() {
		return fmt.Sprintf("pac auth create --environment %s --tenant %s --applicationId %s --certificateDiskPath <its certificate>   # as the linked service principal; keep secrets out of the command line", envURL(r), l.TenantID, l.AppID)
	}
	note := ""
	if l.IsGuest() {
		note = " (a guest signs in with its home account)"
	}
	return fmt.Sprintf("pac auth create --environment %s   # sign in as %s%s", envURL(r), l.SignInName(), note)
}

const systemAdminNote = " Importing plug-ins or other code components needs the System Administrator role in the environment (then add --activate-plugins). A Power Platform pipeline stage set to delegated deployment imports as its delegate (a service principal or the stage owner): link that identity and deploy through it instead."

// reimport is a person's fix: import a managed solution the partner
// delivered again, as the linked identity.
func (pl planner) reimport(r Resource) Fix {
	solution := r.Solution
	file := "./" + solution + "_managed.zip"
	what := " with everything in it"
	if r.Product != Solution {
		what = fmt.Sprintf(" with everything in it (%s is in it)", r.label())
	}
	f := Fix{Kind: FixReimport, Resource: r, After: Attributed, Ownership: true,
		Confirm:   "a new check after the import",
		TakesFrom: importerName(r),
		Summary:   fmt.Sprintf("Import solution %s into %s again, signed in as %s", solution, envName(r), pl.l.SignInName()),
		Explanation: fmt.Sprintf("PAL credits the last account with a PAL link that imported a managed solution%s. Use the managed solution your organisation delivered (from your development environment or release pipeline; raise its version if your pipeline needs that); palwiz has no solution file and cannot import for you, and counts it only once a new check finds the linked account as the last importer.",
			what) + systemAdminNote,
		Commands: []string{
			"pac solution export --name " + solution + " --path " + file + " --managed   # in your development environment",
			pacSignIn(pl.l, r),
			"pac solution import --path " + file + " --publish-changes",
		}}
	if f.TakesFrom != "" {
		f.Loses = f.TakesFrom + " stops owning the solution's components: the import makes the linked account their owner."
	}
	return f
}

func importerName(r Resource) string {
	if r.Role == "importer" && r.Holder.known() {
		return who(r.Holder)
	}
	return ""
}

// rebuild is a person's fix for a component that is in no managed
// solution: a new copy shipped in one, imported by the linked identity.
// The production component's ID is never reused (a managed import over a
// component first made unmanaged in production is refused).
func (pl planner) rebuild(r Resource, why string) Fix {
	noun := r.Product.noun()
	return Fix{Kind: FixRebuild, Resource: r, After: Attributed, Ownership: true, Confirm: "a new check after the import",
		Summary:     fmt.Sprintf("Rebuild %s in development and ship it in a managed solution imported by %s", r.label(), pl.l.SignInName()),
		Explanation: strings.TrimSpace(why + " Rebuild or copy the " + noun + " in your development environment (a copy gets a new ID: the one in production cannot be reused, and a managed import over a component first made unmanaged in production is refused), add it to the managed solution you deliver, and import that solution as the linked account: the importing account owns what it creates. palwiz counts it only once a new check finds it."),
		Loses:       "The new " + noun + " replaces this one: move its users (and connections or run history, where it has them) to it, then retire this one.",
		Commands: []string{
			"# in your development environment: rebuild or copy " + noun + " \"" + r.Name + "\" and add the new one to your solution",
			"pac solution export --name <YourSolution> --path ./<YourSolution>_managed.zip --managed   # in your development environment",
			pacSignIn(pl.l, r),
			"pac solution import --path ./<YourSolution>_managed.zip --publish-changes",
		}}
}

// mergeImports folds the imports of one solution into one fix: importing a
// solution again settles every component in it at once.
func mergeImports(fixes []Fix) []Fix {
	out := make([]Fix, 0, len(fixes))
	at := map[string]int{}
	for _, f := range fixes {
		if f.Kind != FixReimport || f.Resource.Solution == "" || f.Resource.Env == nil {
			out = append(out, f)
			continue
		}
		k := strings.ToLower(f.Resource.Env.ID + "|" + f.Resource.Solution)
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, f)
			continue
		}
		kept := out[i]
		if f.Resource.Product == Solution && kept.Resource.Product != Solution {
			f.Covers = append(append(f.Covers, kept.Resource.label()), kept.Covers...)
			f.coveredKeys = append(append(f.coveredKeys, kept.Resource.Key()), kept.coveredKeys...)
			out[i] = f
			continue
		}
		out[i].Covers = append(out[i].Covers, f.Resource.label())
		out[i].coveredKeys = append(out[i].coveredKeys, f.Resource.Key())
	}
	return out
}

// mergeByEnvironment folds "make the linked account a user" into one step
// per environment.
func mergeByEnvironment(fixes []Fix) []Fix {
	out := make([]Fix, 0, len(fixes))
	at := map[string]int{}
	for _, f := range fixes {
		if f.Kind != FixAddUser || f.Resource.Env == nil {
			out = append(out, f)
			continue
		}
		k := strings.ToLower(f.Resource.Env.ID)
		if i, seen := at[k]; seen {
			out[i].Covers = append(out[i].Covers, f.Resource.label())
			out[i].coveredKeys = append(out[i].coveredKeys, f.Resource.Key())
			continue
		}
		at[k] = len(out)
		f.Covers = []string{f.Resource.label()}
		out = append(out, f)
	}
	return out
}
