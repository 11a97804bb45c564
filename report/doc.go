// Package report is palwiz's evidence report: for each directory, the
// identity that earns the partner credit, its Partner Admin Link as read
// live, the attribution of every resource by product with its verdict and
// reason, what could not be checked and why, and the facts of the run. The
// JSON form is the record (docs/report.md is its schema); Markdown and HTML
// are rendered from it, and a SHA-256 digest of the JSON form, embedded in
// all three, lets anyone verify a report later (Verify).
package report

import "time"

// SchemaVersion is the version of the report's JSON form. It changes only
// when a field changes meaning or goes away.
const SchemaVersion = 1

// Kind marks a palwiz report's JSON form.
const Kind = "palwiz-report"

// Document is a report: one or many directories.
type Document struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"`
	Title         string `json:"title"`
	Run           Run    `json:"run"`
	// Summary is the fleet's totals (also for one directory).
	Summary     Summary     `json:"summary"`
	Directories []Directory `json:"directories"`
}

// Run are the facts of the run that produced the report.
type Run struct {
	// Generated is when the report was assembled (UTC).
	Generated time.Time `json:"generated"`
	Palwiz    Build     `json:"palwiz"`
	// Cloud is "public" or "sim" (the built-in simulated cloud: not evidence).
	Cloud string `json:"cloud"`
	// RanBy is the identity palwiz was signed in as, in its home directory.
	RanBy Identity `json:"ranBy"`
	// Scope is how the directories were chosen: "tenant", "all-tenants" or "tenants-file".
	Scope string `json:"scope"`
	// Filter is what the check was limited to (environments, products).
	Filter *Filter `json:"filter,omitempty"`
	// Requests counts the HTTP requests of the checks (sign-in excluded).
	Requests int64 `json:"requests"`
	// Failures are every failed read of the run, with the service's request
	// ID to quote to Microsoft support.
	Failures []RunFailure `json:"failures"`
}

// Build is the palwiz that ran.
type Build struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Filter is what the check was limited to.
type Filter struct {
	Environments   []string `json:"environments,omitempty"`
	Products       []string `json:"products,omitempty"`
	ProductionOnly bool     `json:"productionOnly,omitempty"`
}

// RunFailure is one failed read, anywhere in the run.
type RunFailure struct {
	TenantID  string `json:"tenantId"`
	Where     string `json:"where"`
	Message   string `json:"message"`
	Service   string `json:"service,omitempty"`
	Code      string `json:"code,omitempty"`
	Status    int    `json:"status,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// Summary counts the directories and the resources of a report.
type Summary struct {
	Directories int `json:"directories"`
	// Complete directories were read in full; Incomplete ones in part (some
	// reads failed); Failed ones not at all.
	Complete   int `json:"complete"`
	Incomplete int `json:"incomplete"`
	Failed     int `json:"failed"`
	// Linked directories have a Partner Admin Link for the identity.
	Linked        int `json:"linked"`
	Attributed    int `json:"attributed"`
	NotAttributed int `json:"notAttributed"`
	CannotTell    int `json:"cannotTell"`
	DoesNotCount  int `json:"doesNotCount"`
	// Headline is the summary in one sentence, computed from the above.
	Headline string `json:"headline"`
}

// Directory statuses.
const (
	StatusComplete   = "complete"
	StatusIncomplete = "incomplete"
	StatusFailed     = "failed"
)

// Directory is one customer directory's evidence.
type Directory struct {
	TenantID     string `json:"tenantId"`
	TenantName   string `json:"tenantName,omitempty"`
	TenantDomain string `json:"tenantDomain,omitempty"`
	// Status is complete, incomplete (some reads failed: listed in
	// notChecked) or failed (error says why; nothing else was read).
	Status string `json:"status"`
	// Headline is the directory's summary in one sentence.
	Headline string    `json:"headline"`
	Identity *Identity `json:"identity,omitempty"`
	Link     *Link     `json:"link,omitempty"`
	// Counts are the verdicts over every product.
	Counts   *Counts    `json:"counts,omitempty"`
	Coverage []Coverage `json:"coverage,omitempty"`
	// NotChecked are the parts whose reads failed, with why and what to do.
	NotChecked []NotChecked `json:"notChecked,omitempty"`
	// Unchecked are products not read on purpose (or for want of a key), and why.
	Unchecked []Unchecked `json:"unchecked,omitempty"`
	Notes     []string    `json:"notes,omitempty"`
	Error     *Error      `json:"error,omitempty"`
	Started   time.Time   `json:"started"`
	Elapsed   string      `json:"elapsed"`
	Requests  int64       `json:"requests"`
}

// Identity is the identity whose link earns the credit, as the directory sees it.
type Identity struct {
	Kind        string `json:"kind"` // user or servicePrincipal
	DisplayName string `json:"displayName,omitempty"`
	UPN         string `json:"userPrincipalName,omitempty"`
	AppID       string `json:"appId,omitempty"`
	ObjectID    string `json:"objectId,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	// UserType is Member or Guest for a user.
	UserType string `json:"userType,omitempty"`
	// Source is "sign-in" or "environment" (PALWIZ_CLIENT_ID and friends), for RanBy.
	Source string `json:"source,omitempty"`
}

// Link is the Partner Admin Link as read live.
type Link struct {
	Linked      bool      `json:"linked"`
	PartnerID   string    `json:"partnerId,omitempty"`
	PartnerName string    `json:"partnerName,omitempty"`
	State       string    `json:"state,omitempty"`
	ObjectID    string    `json:"objectId,omitempty"`
	FirstLinked string    `json:"firstLinked,omitempty"` // RFC 3339, UTC
	LastChanged string    `json:"lastChanged,omitempty"`
	Version     int       `json:"version,omitempty"`
	ReadAt      time.Time `json:"readAt"`
}

// Counts are verdicts.
type Counts struct {
	Attributed    int `json:"attributed"`
	NotAttributed int `json:"notAttributed"`
	CannotTell    int `json:"cannotTell"`
	DoesNotCount  int `json:"doesNotCount"`
	// NotChecked counts the parts that failed.
	NotChecked int `json:"notChecked"`
}

// Coverage is one product's attribution with every resource.
type Coverage struct {
	Product string `json:"product"`
	// Name is the product for people ("Canvas apps").
	Name    string `json:"name"`
	Checked bool   `json:"checked"`
	Note    string `json:"note,omitempty"`
	Counts
	Resources []Resource `json:"resources"`
}

// Resource is one resource and its verdict.
type Resource struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	EnvironmentName string  `json:"environmentName,omitempty"`
	EnvironmentType string  `json:"environmentType,omitempty"`
	Role            string  `json:"role,omitempty"`
	Holder          *Holder `json:"holder,omitempty"`
	// Verdict is attributed, not-attributed, cannot-tell or does-not-count.
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
}

// Holder is who the product's rule looks at.
type Holder struct {
	DisplayName string `json:"displayName,omitempty"`
	UPN         string `json:"userPrincipalName,omitempty"`
	ObjectID    string `json:"objectId,omitempty"`
}

// NotChecked is a part of the check that failed.
type NotChecked struct {
	Product     string `json:"product,omitempty"`
	Environment string `json:"environment,omitempty"`
	Service     string `json:"service,omitempty"`
	Cause       string `json:"cause"`
	Where       string `json:"where"`
	Message     string `json:"message"`
	NextStep    string `json:"nextStep,omitempty"`
	RequestID   string `json:"requestId,omitempty"`
}

// Unchecked is a product palwiz did not read, and why.
type Unchecked struct {
	Product string `json:"product"`
	Reason  string `json:"reason"`
}

// Error is why a directory failed as a whole.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	NextStep  string `json:"nextStep,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}
