package steps

// Attribution (the PAL guidance's step 3): which resources earn the partner
// credit, and how to fix the rest.
//
// The API, for the TUI and the commands alike:
//
//	linked, err := steps.ResolveLinked(ctx, env, tenant) // the signed-in identity and its PAL link ("" tenant = current)
//	res, err := steps.Scan(ctx, env, steps.ScanOptions{
//		Tenant: tenant, Linked: &linked,        // nil Linked: ResolveLinked is called for you
//		CISubscriptionKey: key,                 // from PALWIZ_CI_SUBSCRIPTION_KEY; "" = Customer Insights "cannot tell"
//	}, func(p steps.ScanProgress) { … })       // counts only, serialised, keep it quick
//	// res.Resources: one row per app, flow, bot, solution, dataset and instance, with a Verdict
//	//   (attributed, not-attributed, does-not-count, cannot-tell), a Reason in words, the Holder the
//	//   rule looks at and, when the environment decided, the Ownership the rule found.
//	// res.Coverage: per product, how many of each verdict, failures, and a note on what is left out.
//	// res.Failures: the environments or services that could not be read (the rest is still there);
//	//   res.Partial(). Scan's error is only for what must be fixed first (sign-in, unknown names).
//	fixes := steps.PlanFixes(res, steps.FixOptions{CanvasApp: steps.CanvasCoOwner})
//	// each Fix: a Summary, an Explanation (what it achieves and what it does not), Automatic or
//	//   Commands for a person (pac solution import …), Blocked when it cannot be applied now,
//	//   Attributes when the resource will be attributed afterwards, Covers for solution imports.
//	results, err := steps.ApplyFixes(ctx, env, res, chosen, func(p steps.FixProgress) { … })
//	// applies only fixes with Applicable(); each FixResult holds the resource read again (After),
//	//   judged again; res.Find(after.Key()) locates the row to replace.
//
// The rules are data too: Rules and RuleFor give each product's rule, the
// limits of changing its holder, the fix palwiz offers and where the
// guidance is unclear, in palwiz's own words; the PAL guidance's tooling
// tables are assets.Guide().
//
// Scan never changes anything. ApplyFixes changes only what the fixes name.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
)

// Product is a kind of resource that can earn PAL credit.
type Product string

// Products, in the order palwiz shows them.
const (
	CanvasApp      Product = "canvas-app"
	ModelDrivenApp Product = "model-driven-app"
	CloudFlow      Product = "flow"
	CopilotBot     Product = "bot"
	Solution       Product = "solution"
	Dataset        Product = "dataset"
	CIInstance     Product = "ci-instance"
)

// Products lists every product palwiz checks.
var Products = []Product{CanvasApp, ModelDrivenApp, CloudFlow, CopilotBot, Solution, Dataset, CIInstance}

// Title is the product's name for people.
func (p Product) Title() string {
	switch p {
	case CanvasApp:
		return "Canvas app"
	case ModelDrivenApp:
		return "Model-driven app"
	case CloudFlow:
		return "Cloud flow"
	case CopilotBot:
		return "Copilot Studio bot"
	case Solution:
		return "Managed solution"
	case Dataset:
		return "Power BI dataset"
	case CIInstance:
		return "Customer Insights instance"
	}
	return string(p)
}

// ParseProduct reads a product name as the commands accept it ("canvas-app",
// "apps", "flows", "powerbi", …).
func ParseProduct(s string) (Product, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "canvas-app", "canvas", "canvas-apps", "app", "apps", "powerapps":
		return CanvasApp, nil
	case "model-driven-app", "model-driven", "model-driven-apps", "mda":
		return ModelDrivenApp, nil
	case "flow", "flows", "cloud-flow", "power-automate", "powerautomate":
		return CloudFlow, nil
	case "bot", "bots", "copilot", "copilot-studio", "pva":
		return CopilotBot, nil
	case "solution", "solutions":
		return Solution, nil
	case "dataset", "datasets", "powerbi", "power-bi":
		return Dataset, nil
	case "ci-instance", "ci", "customer-insights", "instances":
		return CIInstance, nil
	}
	names := make([]string, len(Products))
	for i, p := range Products {
		names[i] = string(p)
	}
	return "", fmt.Errorf("%q is not a product: use %s", s, strings.Join(names, ", "))
}

// Verdict is whether a resource earns the credit for the linked identity.
type Verdict string

// Verdicts.
const (
	// Attributed: the product's rule names the linked identity.
	Attributed Verdict = "attributed"
	// NotAttributed: the rule names someone else.
	NotAttributed Verdict = "not-attributed"
	// DoesNotCount: the resource is in a non-production environment.
	DoesNotCount Verdict = "does-not-count"
	// CannotTell: the guidance is ambiguous here, or palwiz could not read what it needs.
	CannotTell Verdict = "cannot-tell"
)

// Verdicts lists the verdicts in the order palwiz reports them.
var Verdicts = []Verdict{Attributed, NotAttributed, CannotTell, DoesNotCount}

// Label is the verdict for people.
func (v Verdict) Label() string {
	switch v {
	case Attributed:
		return "attributed"
	case NotAttributed:
		return "not attributed"
	case DoesNotCount:
		return "does not count"
	case CannotTell:
		return "cannot tell"
	}
	return string(v)
}

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
	// TakeOver and the Customer Insights check need that).
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

// Label is the holder for people.
func (h Holder) Label() string {
	switch {
	case h.Name != "" && h.UPN != "" && !strings.EqualFold(h.Name, h.UPN):
		return h.Name + " <" + h.UPN + ">"
	case h.UPN != "":
		return h.UPN
	case h.Name != "":
		return h.Name
	case h.ObjectID != "":
		return h.ObjectID
	}
	return h.SystemUserID
}

// Environment is where resources live: a Power Platform environment, a Power
// BI workspace or (for Customer Insights) the directory.
type Environment struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is the environment SKU (Production, Sandbox, Default, Developer,
	// Trial, Teams…), "Power BI workspace" or "Customer Insights".
	Type string `json:"type"`
	// InstanceURL and InstanceAPIURL are the Dataverse organisation's URLs.
	InstanceURL    string `json:"instanceUrl,omitempty"`
	InstanceAPIURL string `json:"instanceApiUrl,omitempty"`
	// LinkedUserID is the linked identity's Dataverse systemuser here ("" if it is not a user).
	LinkedUserID string `json:"linkedSystemUserId,omitempty"`
	// Counts says how the environment type weighs for PAL.
	Counts EnvCount `json:"counts"`
}

// EnvCount is whether resources in an environment earn PAL credit.
type EnvCount string

// Environment weights.
const (
	EnvCounts        EnvCount = "counts"
	EnvDoesNotCount  EnvCount = "does-not-count"
	EnvUnclear       EnvCount = "unclear"
	EnvNotApplicable EnvCount = "not-applicable" // Power BI has no environments
)

// Types of the non-Power Platform containers.
const (
	TypePowerBIWorkspace = "Power BI workspace"
	TypeCustomerInsights = "Customer Insights"
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
	// verdict comes from the environment instead (does not count, Default).
	Ownership string   `json:"ownership,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Owned says the product's rule would name the linked identity if the
	// environment counted (also for does-not-count and Default rows).
	Owned bool `json:"owned"`
	// Solution is the unique name of the managed solution the resource is
	// in; PAL credits that solution's last importer.
	Solution string `json:"solution,omitempty"`
	// GroupCoOwners names groups with CanEdit on a canvas app.
	GroupCoOwners []string `json:"groupCoOwners,omitempty"`
}

// MarshalJSON writes the resource with its environment's ID, name and type.
func (r Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	out := struct {
		plain
		EnvironmentID   string `json:"environmentId,omitempty"`
		EnvironmentName string `json:"environmentName,omitempty"`
		EnvironmentType string `json:"environmentType,omitempty"`
	}{plain: plain(r)}
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

// Failure is a part of the scan that could not be read.
type Failure struct {
	Product     Product `json:"product,omitempty"`
	Environment string  `json:"environment,omitempty"` // environment or workspace name ("" = the whole service)
	Service     string  `json:"service"`
	Message     string  `json:"message"`
	Err         error   `json:"-"`
}

// Coverage is one product's tally.
type Coverage struct {
	Product Product `json:"product"`
	Total   int     `json:"total"`
	// ByVerdict counts the resources per verdict.
	ByVerdict map[Verdict]int `json:"byVerdict"`
	// Failed counts the environments or services whose list failed.
	Failed int `json:"failed"`
	// Skipped counts things left out on purpose (Microsoft's own solutions…).
	Skipped int `json:"skipped,omitempty"`
	// Note says why the product could not be checked at all, or what the
	// numbers leave out.
	Note string `json:"note,omitempty"`
	// Checked is false when the product was not read at all (not asked for,
	// or impossible, e.g. no Customer Insights key).
	Checked bool `json:"checked"`
}

// ScanResult is what Scan found.
type ScanResult struct {
	TenantID     string          `json:"tenantId"`
	Linked       LinkedIdentity  `json:"linked"`
	Environments []*Environment  `json:"environments"`
	Resources    []Resource      `json:"resources"`
	Coverage     []Coverage      `json:"coverage"`
	Failures     []Failure       `json:"failures,omitempty"`
	Notes        []string        `json:"notes,omitempty"`
	Requests     int64           `json:"requests"`
	Started      time.Time       `json:"started"`
	Elapsed      Duration        `json:"elapsed"`
	Options      ScanOptionsInfo `json:"options"`
}

// ScanOptionsInfo records what was asked, for reports.
type ScanOptionsInfo struct {
	Environments []string  `json:"environments,omitempty"`
	Products     []Product `json:"products,omitempty"`
}

// Duration marshals as a Go duration string.
type Duration time.Duration

// MarshalJSON writes "1.234s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).Round(time.Millisecond).String())
}

// Partial reports whether some environment or service could not be read.
func (r *ScanResult) Partial() bool { return len(r.Failures) > 0 }

// Count returns how many resources have the verdict.
func (r *ScanResult) Count(v Verdict) int {
	n := 0
	for i := range r.Resources {
		if r.Resources[i].Verdict == v {
			n++
		}
	}
	return n
}

// Find returns the resource with key (Resource.Key), or nil.
func (r *ScanResult) Find(key string) *Resource {
	for i := range r.Resources {
		if r.Resources[i].Key() == key {
			return &r.Resources[i]
		}
	}
	return nil
}

// ResolveLinked finds the identity whose link earns the credit in tenant
// ("" = the current directory): the signed-in identity, as the directory
// sees it, and its Partner Admin Link if it has one.
func ResolveLinked(ctx context.Context, env *Env, tenant string) (LinkedIdentity, error) {
	p := env.Session.Profile()
	if p == nil {
		return LinkedIdentity{}, auth.ErrNotSignedIn
	}
	if tenant == "" {
		tenant = p.Tenant
	}
	l := LinkedIdentity{Kind: p.Kind, TenantID: tenant, SignedIn: true}
	g := env.Graph(tenant)
	if p.Kind == auth.KindServicePrincipal {
		l.AppID, l.DisplayName = p.ClientID, p.DisplayName
		sp, err := g.ServicePrincipalByAppID(ctx, p.ClientID)
		switch {
		case err == nil:
			l.ObjectID, l.DisplayName = sp.ID, sp.DisplayName
		case asAuth(err) != nil:
			return l, asAuth(err)
		default:
			tok, terr := env.Session.Token(ctx, tenant, []string{cloud.ARMScope}, "")
			if terr != nil {
				return l, Explain(terr)
			}
			l.ObjectID = auth.TokenObjectID(tok.Token)
		}
	} else {
		l.UPN, l.DisplayName = p.Username, p.DisplayName
		me, err := g.Me(ctx)
		switch {
		case err == nil:
			l.ObjectID, l.DisplayName = me.ID, me.DisplayName
			if me.UserPrincipalName != "" {
				l.UPN = me.UserPrincipalName
			}
		case asAuth(err) != nil:
			return l, asAuth(err)
		case rest.IsStatus(err, http.StatusNotFound) || rest.IsStatus(err, http.StatusForbidden):
			return l, &ServiceError{Message: "This account has no user object of its own in directory " + tenant + " (a CSP, GDAP or foreign sign-in), so nothing there can be attributed to it",
				NextStep: "Sign in with the customer's dedicated account, a guest account or a service principal of that directory", Err: err}
		default:
			tok, terr := env.Session.Token(ctx, tenant, []string{cloud.ARMScope}, "")
			if terr != nil {
				return l, Explain(terr)
			}
			l.ObjectID = auth.TokenObjectID(tok.Token)
		}
	}
	c, err := env.ARMClient(tenant)
	if err != nil {
		return l, err
	}
	link, err := c.GetLink(ctx)
	if err != nil {
		return l, Explain(err)
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

// linkedNote says what the check compares against, when that needs saying.
func linkedNotes(l LinkedIdentity) []string {
	var out []string
	if !l.Linked {
		out = append(out, fmt.Sprintf("%s has no Partner Admin Link in this directory: the results show what would earn credit once it is linked (`palwiz link --partner-id ID`).", l.Name()))
	} else if l.PartnerName != "" {
		out = append(out, fmt.Sprintf("%s is linked to %s (%s): attributed resources earn credit for that partner.", l.Name(), l.PartnerName, l.PartnerID))
	}
	if !l.SignedIn {
		out = append(out, "palwiz is not signed in as "+l.Name()+": Power BI datasets can be taken over, and Customer Insights checked, only when signed in as the linked identity.")
	}
	return out
}

// rest errors explained in the user's terms.
func explainService(err error) error {
	if err == nil {
		return nil
	}
	if a := asAuth(err); a != nil {
		return a
	}
	var re *rest.Error
	if !errors.As(err, &re) {
		return Explain(err)
	}
	// The status, code and request ID follow in ServiceError's brackets.
	msg := strings.TrimRight(re.Message, ". ")
	switch {
	case re.Status == http.StatusUnauthorized && re.Code == "PowerBINotAuthorizedException":
		return &ServiceError{Message: re.Service + " refused: " + msg, NextStep: "Add the identity to the workspace (Member or Admin)", Err: err}
	case re.Status == http.StatusUnauthorized && strings.Contains(re.Message, "subscription key"):
		return &ServiceError{Message: "Customer Insights refused the API key: " + msg, NextStep: "Set PALWIZ_CI_SUBSCRIPTION_KEY to the primary key under Settings > Permissions > APIs in Customer Insights", Err: err}
	case re.Status == http.StatusUnauthorized:
		return &auth.Error{Reason: auth.ReasonTokenRejected, Message: re.Service + " refused the access token (" + msg + ")", NextStep: "Sign in again with `palwiz login`", Err: err}
	case re.Status == http.StatusForbidden && re.Service == powerplatform.ServiceDataverse:
		return &ServiceError{Message: "Dataverse refused: " + msg, NextStep: "Add the signed-in identity to the environment as a user with a security role that reads solutions, apps and bots (System Administrator or System Customizer)", Err: err}
	case re.Status == http.StatusForbidden:
		return &ServiceError{Message: re.Service + " refused: " + msg, NextStep: "Sign in as a Power Platform administrator, or as an admin of the environments to check", Err: err}
	case re.Status == http.StatusTooManyRequests:
		return &ServiceError{Message: re.Service + " kept throttling the requests and the retries ran out", NextStep: "Wait a few minutes and run the check again, perhaps for one --environment", Err: err}
	case re.Status >= 500:
		return &ServiceError{Message: re.Service + " had a server error: " + msg, NextStep: "Run it again in a moment; if it persists, quote the request ID to Microsoft support", Err: err}
	}
	return &ServiceError{Message: re.Op + " failed: " + msg, Err: err}
}

// failureMessage is one line for a failed list, with the request ID.
func failureMessage(err error) string {
	msg := explainService(err).Error()
	var re *rest.Error
	if errors.As(err, &re) && re.RequestID != "" && !strings.Contains(msg, re.RequestID) {
		msg += " [request " + re.RequestID + "]"
	}
	return msg
}
