package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
)

// CanvasFix is how a canvas app is given to the linked identity.
type CanvasFix string

// Canvas app fixes.
const (
	// CanvasCoOwner adds the linked identity as co-owner (CanEdit); nobody loses anything.
	CanvasCoOwner CanvasFix = "co-owner"
	// CanvasOwner makes the linked identity the owner; the previous owner
	// keeps FixOptions.PreviousOwnerRole.
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
	// IncludeUnclear also plans fixes where the only doubt is the
	// environment (the Default environment).
	IncludeUnclear bool
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
	FixAddCoOwner     FixKind = "add-co-owner"      // canvas app: linked identity becomes co-owner
	FixMakeOwner      FixKind = "make-owner"        // canvas app: linked identity becomes owner
	FixAddFlowCoOwner FixKind = "add-flow-co-owner" // flow: co-owner (the creator stays)
	FixAssignBot      FixKind = "assign-bot"        // bot: owner changes (the creator stays)
	FixTakeOver       FixKind = "take-over-dataset" // dataset: the signed-in identity becomes its owner
	FixReimport       FixKind = "reimport-solution" // manual: import a solution as the linked identity
	FixAddUser        FixKind = "add-user"          // manual: make the linked identity a user of the environment
)

// Fix is one planned change. Automatic fixes palwiz can apply; the others
// are commands or steps for a person.
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
	// Attributes says the resource is attributed once the fix is done.
	Attributes bool `json:"attributes"`
	// Commands are for a person to run (manual fixes).
	Commands []string `json:"commands,omitempty"`
	// Covers names the other resources the same fix attributes (the
	// components of a solution to import again).
	Covers []string `json:"covers,omitempty"`

	role string // canvas: previous owner's role
}

// Applicable reports whether ApplyFixes will carry the fix out.
func (f Fix) Applicable() bool { return f.Automatic && f.Blocked == "" }

// PlanFixes lists what would make each resource attributed, as far as its
// product allows. It changes nothing.
func PlanFixes(res *ScanResult, o FixOptions) []Fix {
	if res == nil {
		return nil
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
	l := res.Linked
	var out []Fix
	for _, r := range res.Resources {
		if len(keys) > 0 && !keys[r.Key()] {
			continue
		}
		if !needsFix(r, o) {
			continue
		}
		if f, ok := planOne(l, r, o); ok {
			out = append(out, f)
		}
	}
	return mergeImports(out)
}

// mergeImports folds the imports of one solution into one fix: importing a
// solution again attributes every component in it at once.
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
			f.Covers = append(append(f.Covers, label(kept.Resource)), kept.Covers...)
			out[i] = f
			continue
		}
		out[i].Covers = append(out[i].Covers, label(f.Resource))
	}
	return out
}

func label(r Resource) string { return fmt.Sprintf("%s %q", noun(r.Product), r.Name) }

// noun is the product's name inside a sentence.
func noun(p Product) string {
	switch p {
	case CopilotBot:
		return "Copilot Studio bot"
	case CloudFlow:
		return "flow"
	case Solution:
		return "solution"
	case Dataset:
		return "dataset"
	case CIInstance:
		return "Customer Insights instance"
	}
	return strings.ToLower(p.Title())
}

func needsFix(r Resource, o FixOptions) bool {
	switch r.Verdict {
	case NotAttributed:
		return true
	case CannotTell:
		if r.Env != nil && r.Env.Counts == EnvUnclear {
			return o.IncludeUnclear && !r.Owned
		}
		// Ambiguous holders: a group co-owner, a bot owned but not created.
		return len(r.GroupCoOwners) > 0 || r.Product == CopilotBot && r.LinkedRole != ""
	}
	return false
}

func envURL(r Resource) string {
	if r.Env == nil {
		return "<environment URL>"
	}
	if r.Env.InstanceURL != "" {
		return r.Env.InstanceURL
	}
	if r.Env.InstanceAPIURL != "" {
		return r.Env.InstanceAPIURL
	}
	return "<the Dataverse URL of " + r.Env.Name + ">"
}

// pacSignIn is how the linked identity signs pac in (no secret in the command).
func pacSignIn(l LinkedIdentity, r Resource) string {
	if l.IsServicePrincipal() {
		return fmt.Sprintf("pac auth create --environment %s --tenant %s --applicationId %s --certificateDiskPath <its certificate>   # as the linked service principal; keep secrets out of the command line", envURL(r), l.TenantID, l.AppID)
	}
	return fmt.Sprintf("pac auth create --environment %s   # sign in as %s", envURL(r), l.Name())
}

// reimport is the manual fix: import a managed solution as the linked identity.
func reimport(l LinkedIdentity, r Resource, solution, what string) Fix {
	file := "./" + solution + "_managed.zip"
	return Fix{Kind: FixReimport, Resource: r, Attributes: true,
		Summary: fmt.Sprintf("Import solution %s into %s again, signed in as %s", solution, envName(r), l.Name()),
		Explanation: fmt.Sprintf("PAL credits the last PAL-linked account that imported a managed solution with everything in it%s. palwiz cannot import for you: it has no solution file. Use the managed solution from your development environment or release pipeline (raise its version if your pipeline needs that).",
			what),
		Commands: []string{
			"pac solution export --name " + solution + " --path " + file + " --managed   # in the development environment",
			pacSignIn(l, r),
			"pac solution import --path " + file + " --activate-plugins --publish-changes",
		}}
}

// packageAndImport is the manual fix for a component that is in no managed solution.
func packageAndImport(l LinkedIdentity, r Resource, componentType int, component, what string) Fix {
	f := reimport(l, r, "<YourSolution>", "")
	f.Summary = fmt.Sprintf("Put %s %q in a solution and import it into %s as %s", noun(r.Product), r.Name, envName(r), l.Name())
	f.Explanation = strings.TrimSpace(what + " Importing a managed solution as the linked account makes that account the owner of everything in it. palwiz cannot do this for you: the solution must be built where the " + noun(r.Product) + " is developed.")
	add := "# add it to an unmanaged solution in the environment where it is developed"
	if componentType > 0 {
		add = fmt.Sprintf("pac solution add-solution-component --solutionUniqueName <YourSolution> --component %s --componentType %d   # in the development environment", component, componentType)
	}
	f.Commands = append([]string{add}, f.Commands...)
	return f
}

func envName(r Resource) string {
	if r.Env == nil {
		return "the environment"
	}
	return r.Env.Name
}

func planOne(l LinkedIdentity, r Resource, o FixOptions) (Fix, bool) {
	notUser := r.Env != nil && r.Env.InstanceAPIURL != "" && r.Env.LinkedUserID == "" &&
		(r.Product == ModelDrivenApp || r.Product == CopilotBot || r.Product == Solution)
	if notUser {
		return Fix{Kind: FixAddUser, Resource: r,
			Summary:     fmt.Sprintf("Make %s a user of %s", l.Name(), envName(r)),
			Explanation: "The linked account is not a user of this environment's Dataverse, so nothing there can be attributed to it. Add it in the Power Platform admin center (Environments > Users) with a security role such as System Customizer, then run the check again.",
		}, true
	}
	switch r.Product {
	case CanvasApp:
		if l.IsServicePrincipal() {
			return packageAndImport(l, r, 300, r.ID,
				"PAL's tooling table allows moving a canvas app to a service principal only by importing it in a solution (pac CLI or a pipeline), not in the portal or PowerShell."), true
		}
		if o.CanvasApp == CanvasOwner {
			return Fix{Kind: FixMakeOwner, Resource: r, Automatic: true, Attributes: true, role: o.PreviousOwnerRole,
				Summary: fmt.Sprintf("Make %s the owner of canvas app %q; %s keeps %s", l.Name(), r.Name, who(r.Holder), roleWords(o.PreviousOwnerRole)),
				Explanation: "The owner of a canvas app is attributed. An administrator can change the owner (as Set-AdminPowerAppOwner does); the previous owner keeps access as " + roleWords(o.PreviousOwnerRole) + "." +
					solutionNote(r)}, true
		}
		return Fix{Kind: FixAddCoOwner, Resource: r, Automatic: true, Attributes: true,
			Summary:     fmt.Sprintf("Add %s as co-owner (CanEdit) of canvas app %q", l.Name(), r.Name),
			Explanation: "A co-owner of a canvas app is attributed, and nobody loses access. The app is shared with the linked account without a notification." + solutionNote(r)}, true
	case CloudFlow:
		if r.Solution != "" {
			return reimport(l, r, r.Solution, " (this flow is in it)"), true
		}
		f := Fix{Kind: FixAddFlowCoOwner, Resource: r, Automatic: true, Attributes: false,
			Summary: fmt.Sprintf("Add %s as co-owner of flow %q (the credit stays with its creator)", l.Name(), r.Name),
			Explanation: "PAL credits a flow's creator, and the creator of a flow never changes. Adding the linked account as co-owner lets it manage the flow; it does not move the credit. " +
				"To move the credit, add the flow to a solution and import that solution, managed, as the linked account: the importing account becomes the owner of everything in it.",
			Commands: packageAndImport(l, r, 29, r.ID, "").Commands}
		return f, true
	case ModelDrivenApp:
		if r.Solution != "" {
			return reimport(l, r, r.Solution, " (this app is in it)"), true
		}
		return packageAndImport(l, r, 80, r.ID, "A model-driven app's creator cannot change and it has no co-owners."), true
	case CopilotBot:
		if r.Solution != "" {
			return reimport(l, r, r.Solution, " (this bot is in it)"), true
		}
		if r.LinkedRole != "" { // owned, not created: only a solution import makes it certain
			return packageAndImport(l, r, 0, r.ID, "The linked account already owns the bot; only its creator is certain to be credited."), true
		}
		f := Fix{Kind: FixAssignBot, Resource: r, Automatic: true, Attributes: false,
			Summary: fmt.Sprintf("Make %s the owner of bot %q (its creator stays %s)", l.Name(), r.Name, who(r.Holder)),
			Explanation: "Dataverse can change a bot's owner (the portal and PowerShell cannot). The older PAL guidance credits the bot's creator, which does not change, and the current one has no Copilot Studio rule: " +
				"after this the bot is 'cannot tell'. Importing the bot in a solution as the linked account is the sure way.",
			Commands: packageAndImport(l, r, 0, r.ID, "").Commands}
		if r.Env == nil || r.Env.LinkedUserID == "" {
			f.Blocked = "The linked account is not a user of this environment."
		}
		return f, true
	case Solution:
		return reimport(l, r, r.Solution, ""), true
	case Dataset:
		f := Fix{Kind: FixTakeOver, Resource: r, Automatic: true, Attributes: true,
			Summary: fmt.Sprintf("Take over dataset %q as %s (owner now %s)", r.Name, l.Name(), who(r.Holder)),
			Explanation: "Power BI gives a dataset to whoever calls Take over, and then shows that account as its owner. Whether a take-over counts for PAL as publishing is not documented; " +
				"publishing the dataset again as the linked account is the sure way. The dataset's data source credentials may need to be entered again after a take-over."}
		if !l.SignedIn {
			f.Blocked = fmt.Sprintf("Take over always gives the dataset to the signed-in account. Sign in as %s (`palwiz login`) and apply again.", l.Name())
		}
		return f, true
	}
	return Fix{}, false
}

func roleWords(role string) string {
	if role == powerplatform.RoleCanView {
		return "view access (CanView)"
	}
	return "co-owner access (CanEdit)"
}

func solutionNote(r Resource) string {
	for _, n := range r.Notes {
		if strings.Contains(n, "in a solution") {
			return " The app is in a solution: the next import of that solution gives it to whoever imports it."
		}
	}
	return ""
}

// FixProgress counts applied fixes.
type FixProgress struct {
	Total  int `json:"total"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

// FixResult is what applying one fix did.
type FixResult struct {
	Fix     Fix    `json:"fix"`
	Applied bool   `json:"applied"`
	Error   string `json:"error,omitempty"`
	Err     error  `json:"-"`
	// After is the resource read again after the change, with its verdict
	// ("" Product when it could not be read).
	After *Resource `json:"after,omitempty"`
}

// ApplyFixes carries out the applicable fixes (Automatic, not Blocked), a few
// at a time, then reads each changed resource again and judges it. Manual
// and blocked fixes are returned unapplied. The error is non-nil only when
// the caller must act first (sign-in needed) or the context ended.
func ApplyFixes(ctx context.Context, env *Env, res *ScanResult, fixes []Fix, progress func(FixProgress)) ([]FixResult, error) {
	if res == nil {
		return nil, errors.New("no scan result to fix")
	}
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	a := &applier{ctx: ctx, env: env, res: res}
	a.ro.Limiter = rest.NewLimiter(4, DefaultLimits)
	out := make([]FixResult, len(fixes))
	var prog FixProgress
	for _, f := range fixes {
		if f.Applicable() {
			prog.Total++
		}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range fixes {
		out[i] = FixResult{Fix: f}
		if !f.Applicable() {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := a.apply(f)
			r := FixResult{Fix: f, Applied: err == nil}
			if err != nil {
				r.Err = explainService(err)
				r.Error = failureMessage(err)
			} else if after, rerr := a.rereadSettled(f.Resource); rerr == nil {
				r.After = after
			} else {
				r.Error = "Applied, but reading it again failed: " + failureMessage(rerr)
			}
			mu.Lock()
			out[i] = r
			prog.Done++
			if err != nil {
				prog.Failed++
			}
			if progress != nil {
				progress(prog)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for _, r := range out {
		var ae *auth.Error
		if errors.As(r.Err, &ae) && ae.NeedsInteraction() && prog.Failed == prog.Total {
			return out, ae
		}
	}
	return out, nil
}

type applier struct {
	ctx context.Context
	env *Env
	res *ScanResult
	ro  rest.Options
}

func (a *applier) apps() *powerplatform.PowerApps {
	return powerplatform.NewPowerApps(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

func (a *applier) flows() *powerplatform.Flows {
	return powerplatform.NewFlows(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

func (a *applier) dataverse(e *Environment) (*powerplatform.Dataverse, error) {
	return powerplatform.NewDataverse(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, e.InstanceURL, e.InstanceAPIURL, 0, a.ro)
}

func (a *applier) powerBI() *powerbi.Client {
	return powerbi.New(a.env.Session.Credential(a.res.TenantID), a.env.Cloud, a.ro)
}

func (a *applier) apply(f Fix) error {
	r := f.Resource
	l := a.res.Linked
	typ := "User"
	switch f.Kind {
	case FixAddCoOwner:
		return a.apps().Share(a.ctx, r.Env.ID, r.ID, l.ObjectID, typ, powerplatform.RoleCanEdit)
	case FixMakeOwner:
		return a.apps().SetOwner(a.ctx, r.Env.ID, r.ID, l.ObjectID, f.role)
	case FixAddFlowCoOwner:
		return a.flows().AddOwner(a.ctx, r.Env.ID, r.ID, l.ObjectID, typ)
	case FixAssignBot:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return err
		}
		return dv.AssignBot(a.ctx, r.ID, r.Env.LinkedUserID)
	case FixTakeOver:
		return a.powerBI().TakeOver(a.ctx, r.Env.ID, r.ID)
	}
	return fmt.Errorf("palwiz cannot apply a %s fix", f.Kind)
}

// reread reads a changed resource again and judges it.
func (a *applier) reread(r Resource) (*Resource, error) {
	l := a.res.Linked
	out := r
	out.Notes, out.LinkedRole, out.GroupCoOwners, out.Ownership = nil, "", nil, ""
	switch r.Product {
	case CanvasApp:
		perms, err := a.apps().Permissions(a.ctx, r.Env.ID, r.ID)
		if err != nil {
			return nil, err
		}
		var owner Holder
		var groups []string
		for _, p := range perms {
			switch {
			case strings.EqualFold(p.RoleName, powerplatform.RoleOwner):
				owner = Holder{ObjectID: strings.ToLower(p.Principal.ID), UPN: first(p.Principal.UserPrincipalName, p.Principal.Email), Name: p.Principal.DisplayName}
			case strings.EqualFold(p.Principal.Type, "Group") && strings.EqualFold(p.RoleName, powerplatform.RoleCanEdit):
				groups = append(groups, first(p.Principal.DisplayName, p.Principal.ID))
			}
		}
		o := judgeCanvas(l, owner, linkedRoleIn(perms, l.ObjectID), true, groups)
		out.Holder, out.LinkedRole, out.GroupCoOwners, out.Owned = owner, o.linkedRole, groups, o.owned()
		out.Verdict, out.Reason, out.Ownership, out.Notes = weigh(r.Env, o)
	case CloudFlow:
		f, err := a.flows().Get(a.ctx, r.Env.ID, r.ID)
		if err != nil {
			return nil, err
		}
		perms, err := a.flows().Permissions(a.ctx, r.Env.ID, r.ID)
		if err != nil {
			return nil, err
		}
		creator := r.Holder
		if !SameObject(creator.ObjectID, f.Creator) {
			creator = Holder{ObjectID: strings.ToLower(f.Creator)}
		}
		o := judgeFlow(l, creator, SameObject(f.Creator, l.ObjectID), nil)
		out.Holder, out.Owned = creator, o.owned()
		out.Verdict, out.Reason, out.Ownership, out.Notes = weigh(r.Env, o)
		if role := linkedRoleIn(perms, l.ObjectID); role != "" && !o.owned() {
			out.LinkedRole = linkedRoleText(role)
			out.Notes = append(out.Notes, "The linked account is now a co-owner of the flow; PAL still credits its creator.")
		}
	case CopilotBot:
		dv, err := a.dataverse(r.Env)
		if err != nil {
			return nil, err
		}
		b, err := dv.GetBot(a.ctx, r.ID)
		if err != nil {
			return nil, err
		}
		linked := func(id string) bool { return SameObject(id, r.Env.LinkedUserID) }
		creator := Holder{SystemUserID: strings.ToLower(b.CreatedBy), Name: b.CreatedByName}
		owner := Holder{SystemUserID: strings.ToLower(b.Owner), Name: b.OwnerName}
		o := judgeBot(l, creator, owner, linked(b.CreatedBy), linked(b.Owner), r.Env.LinkedUserID != "", nil)
		out.Holder, out.LinkedRole, out.Owned = creator, o.linkedRole, o.owned()
		out.Verdict, out.Reason, out.Ownership, out.Notes = weigh(r.Env, o)
	case Dataset:
		d, err := a.powerBI().Dataset(a.ctx, r.Env.ID, r.ID)
		if err != nil {
			return nil, err
		}
		o := judgeDataset(l, d.ConfiguredBy)
		out.Holder, out.Owned = Holder{UPN: d.ConfiguredBy}, o.owned()
		out.Verdict, out.Reason, out.Ownership, out.Notes = weigh(r.Env, o)
	default:
		return nil, fmt.Errorf("palwiz does not read %s again", r.Product)
	}
	return &out, nil
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
