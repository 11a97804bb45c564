// Package attribution is the PAL guidance's step 3: which resources earn the
// partner credit, why, and how to fix the rest, as plain Go for the wizard
// and the commands alike.
//
//	linked, err := attribution.ResolveLinked(ctx, env, tenant) // the signed-in identity and its PAL link
//	res, err := attribution.Scan(ctx, env, attribution.ScanOptions{Tenant: tenant, Linked: &linked}, progress)
//	// res.Resources: one row per app, flow, bot, solution, dataset and instance with a Verdict
//	//   and a Reason; res.Failures: what could not be read (the rest is still there).
//	sum := attribution.Summarize(res) // counts, failures first; sum.ExitCode() is 4 when a read failed
//	plan := attribution.PlanFixes(res, attribution.FixOptions{Delivered: delivered})
//	// plan.Fixes: what moves a verdict (palwiz's changes and a person's); plan.Advice: what does
//	//   not move the credit; plan.Held: ownership changes waiting for "delivered" marks.
//	results, err := attribution.ApplyFixes(ctx, env, res, plan.Applicable(), progress)
//	// each FixResult says done, failed, not known or not started (State), also when ctx was
//	//   cancelled midway, and holds the resource read again and judged again (After).
//	rec := attribution.NewApplyRecord(results, err) // the record to print: Headline, Lines, ExitCode
//
// The rules are data too (Rules, RuleFor, ClassifyEnvironment), each with
// the sentence of the PAL guidance and the Microsoft Learn page it rests on;
// docs/attribution-rules.md is their long form.
//
// The code is split by product family: powerapps.go (canvas apps),
// flows.go, dataverse.go (model-driven apps, bots, solutions), powerbi.go,
// ci.go (Customer Insights); scan.go runs them, plan.go and apply.go fix.
//
// Scan never changes anything. ApplyFixes changes only what the fixes name.
package attribution

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
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

// powerPlatformProducts are the products read from Power Platform environments.
var powerPlatformProducts = []Product{CanvasApp, ModelDrivenApp, CloudFlow, CopilotBot, Solution}

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

// Plural is the product's name for a count of them ("Canvas apps").
func (p Product) Plural() string {
	switch p {
	case CopilotBot:
		return "Copilot Studio bots"
	case CIInstance:
		return "Customer Insights instances"
	}
	return p.Title() + "s"
}

// noun is the product's name inside a sentence.
func (p Product) noun() string {
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
	// CannotTell: the guidance does not settle it, or palwiz cannot see
	// what it needs (activity, a take-over, another account's link).
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

// Failure is a part of the scan that could not be read.
type Failure struct {
	Product     Product `json:"product,omitempty"`
	Environment string  `json:"environment,omitempty"` // environment or workspace name ("" = the whole service)
	Service     string  `json:"service"`
	// Cause is why, as a value the wizard and the commands word the same way.
	Cause Cause `json:"cause"`
	// Message says what failed and why; NextStep what to do.
	Message  string `json:"message"`
	NextStep string `json:"nextStep,omitempty"`
	Err      error  `json:"-"`
}

// Where names the part that was not checked: "Cloud flows in Contoso
// Production (Power Automate)".
func (f Failure) Where() string {
	what := "Everything"
	if f.Product != "" {
		what = f.Product.Plural()
	} else if f.Service != "" {
		what = "Everything in " + f.Service
	}
	if f.Environment != "" {
		what += " in " + f.Environment
	}
	if f.Product != "" && f.Service != "" {
		what += " (" + f.Service + ")"
	}
	return what
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
	Resources    []*Resource     `json:"resources"`
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
	if i := r.index(key); i >= 0 {
		return r.Resources[i]
	}
	return nil
}

func (r *ScanResult) index(key string) int {
	for i, x := range r.Resources {
		if x.Key() == key {
			return i
		}
	}
	return -1
}

// Replace puts a resource read again (FixResult.After) in place of the
// row with its key; it reports whether there was one. The row is replaced,
// not changed in place: a caller holding the old row keeps it as it was.
func (r *ScanResult) Replace(after Resource) bool {
	i := r.index(after.Key())
	if i < 0 {
		return false
	}
	r.Resources[i] = &after
	r.recount()
	return true
}

// recount brings the coverage tallies in line with the resources.
func (r *ScanResult) recount() {
	for i := range r.Coverage {
		c := &r.Coverage[i]
		c.Total, c.ByVerdict = 0, map[Verdict]int{}
	}
	at := map[Product]int{}
	for i, c := range r.Coverage {
		at[c.Product] = i
	}
	for i := range r.Resources {
		if j, ok := at[r.Resources[i].Product]; ok {
			r.Coverage[j].Total++
			r.Coverage[j].ByVerdict[r.Resources[i].Verdict]++
		}
	}
}

// SameObject compares object IDs (GUIDs) case-insensitively.
func SameObject(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

func sameHolder(a, b Holder) bool {
	return SameObject(a.SystemUserID, b.SystemUserID) || SameObject(a.ObjectID, b.ObjectID)
}

func who(h Holder) string {
	if s := h.Label(); s != "" {
		return s
	}
	return "an unknown account"
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
