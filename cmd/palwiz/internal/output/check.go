package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/palwiz/palwiz/steps/attribution"
)

// HolderJSON is who a resource's rule looks at.
type HolderJSON struct {
	ObjectID     string `json:"objectId,omitempty"`
	UPN          string `json:"userPrincipalName,omitempty"`
	DisplayName  string `json:"displayName,omitempty"`
	SystemUserID string `json:"systemUserId,omitempty"`
}

// ResourceJSON is one resource with its verdict.
type ResourceJSON struct {
	Product         string     `json:"product"`
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	EnvironmentID   string     `json:"environmentId,omitempty"`
	EnvironmentName string     `json:"environmentName,omitempty"`
	EnvironmentType string     `json:"environmentType,omitempty"`
	Role            string     `json:"role"`
	Holder          HolderJSON `json:"holder"`
	LinkedRole      string     `json:"linkedRole,omitempty"`
	Verdict         string     `json:"verdict"`
	Reason          string     `json:"reason"`
	Ownership       string     `json:"ownership,omitempty"`
	Owned           bool       `json:"owned"`
	Solution        string     `json:"solution,omitempty"`
	Publisher       string     `json:"publisher,omitempty"`
	GroupCoOwners   []string   `json:"groupCoOwners,omitempty"`
	Notes           []string   `json:"notes,omitempty"`
}

// Resource is the machine shape of r.
func Resource(r *attribution.Resource) ResourceJSON {
	j := ResourceJSON{Product: string(r.Product), ID: r.ID, Name: r.Name, Role: r.Role,
		Holder:     HolderJSON{ObjectID: r.Holder.ObjectID, UPN: r.Holder.UPN, DisplayName: r.Holder.Name, SystemUserID: r.Holder.SystemUserID},
		LinkedRole: r.LinkedRole, Verdict: string(r.Verdict), Reason: r.Reason, Ownership: r.Ownership, Owned: r.Owned,
		Solution: r.Solution, Publisher: r.Publisher(), GroupCoOwners: r.GroupCoOwners(), Notes: r.Notes}
	if r.Env != nil {
		j.EnvironmentID, j.EnvironmentName, j.EnvironmentType = r.Env.ID, r.Env.Name, r.Env.Type
	}
	return j
}

// LinkedJSON is the identity whose link earns the credit.
type LinkedJSON struct {
	IdentityJSON
	Linked      bool   `json:"linked"`
	PartnerID   string `json:"partnerId,omitempty"`
	PartnerName string `json:"partnerName,omitempty"`
	SignedIn    bool   `json:"signedIn"`
}

// Linked is the machine shape of l.
func Linked(l attribution.LinkedIdentity) LinkedJSON {
	return LinkedJSON{IdentityJSON: IdentityJSON{Kind: string(l.Kind), DisplayName: l.DisplayName, UPN: l.UPN, ObjectID: l.ObjectID,
		AppID: l.AppID, TenantID: l.TenantID}, Linked: l.Linked, PartnerID: l.PartnerID, PartnerName: l.PartnerName, SignedIn: l.SignedIn}
}

// EnvironmentJSON is an environment, workspace or instance the scan read.
type EnvironmentJSON struct {
	EnvironmentID   string `json:"environmentId"`
	EnvironmentName string `json:"environmentName"`
	EnvironmentType string `json:"environmentType"`
	Counts          string `json:"counts"`
	InstanceURL     string `json:"instanceUrl,omitempty"`
}

// CoverageJSON is one product's tally.
type CoverageJSON struct {
	Product   string         `json:"product"`
	Total     int            `json:"total"`
	ByVerdict map[string]int `json:"byVerdict"`
	Failed    int            `json:"failed"`
	Skipped   int            `json:"skipped,omitempty"`
	Note      string         `json:"note,omitempty"`
	Checked   bool           `json:"checked"`
}

// FailureJSON is a part of the scan that could not be read.
type FailureJSON struct {
	Product         string `json:"product,omitempty"`
	EnvironmentName string `json:"environmentName,omitempty"`
	Service         string `json:"service"`
	Cause           string `json:"cause,omitempty"`
	Message         string `json:"message"`
	NextStep        string `json:"nextStep,omitempty"`
}

// SummaryJSON is the check in numbers (attribution.Summarize).
type SummaryJSON struct {
	Headline      string        `json:"headline"`
	Attributed    int           `json:"attributed"`
	NotAttributed int           `json:"notAttributed"`
	CannotTell    int           `json:"cannotTell"`
	DoesNotCount  int           `json:"doesNotCount"`
	NotChecked    int           `json:"notChecked"`
	Unchecked     []UncheckedJS `json:"unchecked"`
}

// UncheckedJS is a product palwiz did not read, and why.
type UncheckedJS struct {
	Product string `json:"product"`
	Reason  string `json:"reason"`
}

func summaryJSON(s attribution.Summary, headline string) SummaryJSON {
	j := SummaryJSON{Headline: headline, Attributed: s.Attributed, NotAttributed: s.NotAttributed, CannotTell: s.CannotTell,
		DoesNotCount: s.DoesNotCount, NotChecked: len(s.NotChecked), Unchecked: []UncheckedJS{}}
	for _, u := range s.Unchecked {
		j.Unchecked = append(j.Unchecked, UncheckedJS{Product: string(u.Product), Reason: u.Reason})
	}
	return j
}

// CheckDoc is the attribution check.
type CheckDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Directory
	Linked       LinkedJSON        `json:"linked"`
	Summary      SummaryJSON       `json:"summary"`
	Environments []EnvironmentJSON `json:"environments"`
	Resources    []ResourceJSON    `json:"resources"`
	Coverage     []CoverageJSON    `json:"coverage"`
	// CoverageByProduct is the coverage for Validation: per product, how
	// many of those that count are attributed, what is left and the one
	// next step (attribution.CoverageByProduct).
	CoverageByProduct []attribution.ProductCoverage `json:"coverageByProduct"`
	Failures          []FailureJSON                 `json:"failures"`
	Notes             []string                      `json:"notes"`
	Requests          int64                         `json:"requests"`
	Started           string                        `json:"started"`
	Elapsed           string                        `json:"elapsed"`
	Filter            CheckFilter                   `json:"filter"`
}

// CheckFilter is what the check was limited to.
type CheckFilter struct {
	Environments []string `json:"environments"`
	Products     []string `json:"products"`
}

func failures(fs []attribution.Failure) []FailureJSON {
	out := make([]FailureJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, FailureJSON{Product: string(f.Product), EnvironmentName: f.Environment, Service: f.Service,
			Cause: string(f.Cause), Message: f.Message, NextStep: f.NextStep})
	}
	return out
}

// Check is the machine shape of a scan of dir, with its coverage by
// product (cov).
func Check(dir Directory, res *attribution.ScanResult, cov []attribution.ProductCoverage) CheckDoc {
	sum := attribution.Summarize(res)
	d := CheckDoc{SchemaVersion: SchemaVersion, Directory: dir, Linked: Linked(res.Linked), Summary: summaryJSON(sum, sum.Headline()),
		Notes: nonNil(res.Notes), Requests: res.Requests, Started: res.Started.UTC().Format(time.RFC3339),
		Elapsed: time.Duration(res.Elapsed).Round(time.Millisecond).String(),
		Filter:  CheckFilter{Environments: nonNil(res.Options.Environments), Products: []string{}}, Failures: failures(res.Failures),
		CoverageByProduct: nonNil(cov)}
	if d.TenantID == "" {
		d.TenantID = res.TenantID
	}
	for _, p := range res.Options.Products {
		d.Filter.Products = append(d.Filter.Products, string(p))
	}
	d.Environments = make([]EnvironmentJSON, 0, len(res.Environments))
	for _, e := range res.Environments {
		d.Environments = append(d.Environments, EnvironmentJSON{EnvironmentID: e.ID, EnvironmentName: e.Name, EnvironmentType: e.Type,
			Counts: string(e.Counts), InstanceURL: e.InstanceURL})
	}
	d.Resources = make([]ResourceJSON, 0, len(res.Resources))
	for _, r := range res.Resources {
		d.Resources = append(d.Resources, Resource(r))
	}
	d.Coverage = make([]CoverageJSON, 0, len(res.Coverage))
	for _, c := range res.Coverage {
		by := map[string]int{}
		for v, n := range c.ByVerdict {
			by[string(v)] = n
		}
		d.Coverage = append(d.Coverage, CoverageJSON{Product: string(c.Product), Total: c.Total, ByVerdict: by, Failed: c.Failed,
			Skipped: c.Skipped, Note: c.Note, Checked: c.Checked})
	}
	return d
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

var resourceCSV = []string{"environmentId", "environmentName", "environmentType", "product", "id", "name", "role",
	"holder.objectId", "holder.userPrincipalName", "holder.displayName", "linkedRole", "verdict", "reason", "ownership", "solution"}

func resourceRow(r ResourceJSON) []string {
	return []string{r.EnvironmentID, r.EnvironmentName, r.EnvironmentType, r.Product, r.ID, r.Name, r.Role,
		r.Holder.ObjectID, r.Holder.UPN, r.Holder.DisplayName, r.LinkedRole, r.Verdict, r.Reason, r.Ownership, r.Solution}
}

// holderLabel is "owner: Adele Vance <adele@…>".
func holderLabel(r *attribution.Resource) string {
	h := r.Holder.Label()
	if h == "" {
		return ""
	}
	return r.Role + ": " + h
}

// CheckResult prints the attribution check of dir. What could not be read
// is said first, on stdout for people (before any number) and on stderr
// for the machine formats, whose documents carry it too.
func CheckResult(w, errW io.Writer, f Format, dir Directory, res *attribution.ScanResult, cov []attribution.ProductCoverage) error {
	switch f {
	case JSON:
		return writeJSON(w, Check(dir, res, cov))
	case CSV:
		t := newTable(resourceCSV...)
		for _, r := range res.Resources {
			t.add(resourceRow(Resource(r))...)
		}
		if err := t.write(w, CSV); err != nil {
			return err
		}
		Failures(errW, res)
		return nil
	case Markdown:
		checkMarkdown(w, dir, res, cov)
		Failures(errW, res)
		return nil
	}
	linkedHeader(w, errW, dir, res)
	sum := attribution.Summarize(res)
	for _, fl := range sum.NotChecked {
		line(w, "%s", attribution.NotCheckedLine(fl))
	}
	if len(sum.NotChecked) > 0 {
		fmt.Fprintln(w)
	}
	t := newTable("", "ENVIRONMENT", "TYPE", "PRODUCT", "NAME", "HELD BY", "VERDICT", "WHY")
	for _, r := range res.Resources {
		t.add(attribution.Symbol(r.Verdict), envName(r), envType(r), r.Product.Title(), r.Name, holderLabel(r), r.Verdict.Label(), r.Reason)
	}
	if len(res.Resources) > 0 {
		if err := t.write(w, Table); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	line(w, "%s", sum.Headline())
	line(w, "%s", sum.Counts())
	fmt.Fprintln(w)
	coverage(w, res)
	fmt.Fprintln(w)
	byProduct(w, res, cov)
	Failures(errW, res)
	return nil
}

// partnerLine names the link whose coverage follows: "Linked to partner
// Fabrikam Consulting (Seattle) (4977985)", or that there is none.
func partnerLine(l attribution.LinkedIdentity) string {
	if l.Linked {
		return "Linked to partner " + Partner(l.PartnerName, l.PartnerID) + "."
	}
	if l.SignedIn {
		return "Not linked to a partner ID here: nothing earns credit until it is (`palwiz link --partner-id ID`)."
	}
	return "Whether this identity is linked, palwiz cannot read (another identity's link); the coverage assumes it is."
}

// byProduct prints the coverage by product, next to the partner's name
// and ID: "Canvas apps: 3 of 5 attributed (…)", and the one next step.
func byProduct(w io.Writer, res *attribution.ScanResult, cov []attribution.ProductCoverage) {
	if len(cov) == 0 {
		return
	}
	l := res.Linked
	if l.Linked {
		line(w, "Coverage by product, for partner %s:", Partner(l.PartnerName, l.PartnerID))
	} else {
		line(w, "Coverage by product:")
	}
	for _, c := range cov {
		line(w, "  %s", c.Line())
		if next := StepText(c.NextStep); next != "" && c.Checked {
			line(w, "    Next: %s", next)
		}
	}
}

// StepText words a next step for the command line.
func StepText(s attribution.Step) string {
	text := strings.TrimSpace(s.Text)
	switch s.Kind {
	case attribution.StepNone:
		return ""
	case attribution.StepApply:
		return "palwiz can do it (`palwiz fix --apply`): " + text
	case attribution.StepByHand:
		return "by hand (`palwiz fix` prints the commands): " + text
	case attribution.StepMark:
		return "if your organisation delivered it, mark it (`palwiz fix --delivered NAME`) and palwiz plans: " + text
	case attribution.StepAdvice:
		return "only advice, it does not move the credit: " + text
	}
	return text
}

func envName(r *attribution.Resource) string {
	if r.Env == nil {
		return ""
	}
	return r.Env.Name
}

func envType(r *attribution.Resource) string {
	if r.Env == nil {
		return ""
	}
	return r.Env.Type
}

// linkedHeader names whose attribution follows, and where; the scan's notes
// go to errW.
func linkedHeader(w, errW io.Writer, dir Directory, res *attribution.ScanResult) {
	l := res.Linked
	who := l.Name()
	if l.ObjectID != "" && who != l.ObjectID {
		who += " (" + l.ObjectID + ")"
	}
	if dir.TenantID == "" {
		dir.TenantID = res.TenantID
	}
	line(w, "Attribution for %s in %s", who, dir.Label())
	line(w, "%s", partnerLine(l))
	for _, n := range res.Notes {
		line(errW, "Note: %s", n)
	}
	fmt.Fprintln(w)
}

func coverage(w io.Writer, res *attribution.ScanResult) {
	t := newTable("PRODUCT", "RESOURCES", "ATTRIBUTED", "NOT ATTRIBUTED", "CANNOT TELL", "DOES NOT COUNT", "FAILED", "NOTE")
	for _, c := range res.Coverage {
		total := strconv.Itoa(c.Total)
		if !c.Checked {
			total = "-"
		}
		t.add(c.Product.Title(), total, strconv.Itoa(c.ByVerdict[attribution.Attributed]), strconv.Itoa(c.ByVerdict[attribution.NotAttributed]),
			strconv.Itoa(c.ByVerdict[attribution.CannotTell]), strconv.Itoa(c.ByVerdict[attribution.DoesNotCount]), strconv.Itoa(c.Failed), c.Note)
	}
	_ = t.write(w, Table)
	fmt.Fprintf(w, "\n%d resources checked in %s with %d requests.\n", len(res.Resources), time.Duration(res.Elapsed).Round(time.Millisecond), res.Requests)
}

// Failures lists on w (stderr) what could not be read, with the next step.
func Failures(w io.Writer, res *attribution.ScanResult) {
	for _, f := range res.Failures {
		line(w, "%s", attribution.NotCheckedLine(f))
	}
}

func checkMarkdown(w io.Writer, dir Directory, res *attribution.ScanResult, cov []attribution.ProductCoverage) {
	l := res.Linked
	if dir.TenantID == "" {
		dir.TenantID = res.TenantID
	}
	fmt.Fprintf(w, "# Attribution check\n\nLinked identity: **%s** (`%s`) in %s", md(l.Name()), md(l.ObjectID), md(dir.Label()))
	if l.Linked {
		fmt.Fprintf(w, ", linked to partner %s", md(Partner(l.PartnerName, l.PartnerID)))
	}
	fmt.Fprintf(w, ".\nChecked %s.\n\n", res.Started.UTC().Format(time.RFC3339))
	for _, n := range res.Notes {
		fmt.Fprintf(w, "> %s\n\n", md(n))
	}
	sum := attribution.Summarize(res)
	for _, f := range sum.NotChecked {
		fmt.Fprintf(w, "> %s\n\n", md(attribution.NotCheckedLine(f)))
	}
	fmt.Fprintf(w, "**%s** %s\n\n", md(sum.Headline()), md(sum.Counts()))
	fmt.Fprint(w, "## Coverage\n\n")
	t := newTable("Product", "Resources", "Attributed", "Not attributed", "Cannot tell", "Does not count", "Failed")
	for _, c := range res.Coverage {
		t.add(c.Product.Title(), strconv.Itoa(c.Total), strconv.Itoa(c.ByVerdict[attribution.Attributed]), strconv.Itoa(c.ByVerdict[attribution.NotAttributed]),
			strconv.Itoa(c.ByVerdict[attribution.CannotTell]), strconv.Itoa(c.ByVerdict[attribution.DoesNotCount]), strconv.Itoa(c.Failed))
	}
	_ = t.write(w, Markdown)
	for _, c := range res.Coverage {
		if c.Note != "" {
			fmt.Fprintf(w, "\n- %s: %s", c.Product.Title(), md(c.Note))
		}
	}
	if len(cov) > 0 {
		fmt.Fprintf(w, "\n\n## Coverage by product\n\n%s\n\n", md(partnerLine(res.Linked)))
		for _, c := range cov {
			fmt.Fprintf(w, "- %s", md(c.Line()))
			if next := StepText(c.NextStep); next != "" && c.Checked {
				fmt.Fprintf(w, ". Next: %s", md(next))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, "\n## Resources\n\n")
	} else {
		fmt.Fprint(w, "\n\n## Resources\n\n")
	}
	t = newTable("Environment", "Type", "Product", "Name", "Held by", "Verdict", "Why")
	for _, r := range res.Resources {
		t.add(envName(r), envType(r), r.Product.Title(), r.Name, holderLabel(r), r.Verdict.Label(), r.Reason)
	}
	_ = t.write(w, Markdown)
	if len(res.Failures) > 0 {
		fmt.Fprint(w, "\n## Not checked\n")
		for _, f := range res.Failures {
			fmt.Fprintf(w, "\n- %s", md(attribution.NotCheckedLine(f)))
		}
		fmt.Fprintln(w)
	}
}
