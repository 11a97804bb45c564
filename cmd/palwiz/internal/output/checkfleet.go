package output

import (
	"io"
	"strconv"

	"github.com/palwiz/palwiz/report"
)

// CheckRow is one directory of `check --all-tenants`: the verdicts in
// numbers (`palwiz report` has every resource).
type CheckRow struct {
	Directory
	// Status is complete, incomplete (some reads failed) or failed.
	Status   string        `json:"status"`
	Linked   *IdentityJSON `json:"linked,omitempty"`
	Link     *LinkJSON     `json:"link,omitempty"`
	Headline string        `json:"headline"`
	Counts   report.Counts `json:"counts"`
	Error    *ErrorJSON    `json:"error,omitempty"`
}

// CheckFleetDoc is `check --all-tenants -o json`.
type CheckFleetDoc struct {
	SchemaVersion int        `json:"schemaVersion"`
	Results       []CheckRow `json:"results"`
	Total         int        `json:"total"`
	// Failed counts the directories not checked in full.
	Failed int `json:"failed"`
}

// CheckRowOf is a directory's row, from its report.
func CheckRowOf(d report.Directory) CheckRow {
	r := CheckRow{Directory: Directory{TenantID: d.TenantID, Name: d.TenantName, Domain: d.TenantDomain}, Status: d.Status, Headline: d.Headline}
	if d.Counts != nil {
		r.Counts = *d.Counts
	}
	if id := d.Identity; id != nil {
		r.Linked = &IdentityJSON{Kind: id.Kind, DisplayName: id.DisplayName, UPN: id.UPN, ObjectID: id.ObjectID, AppID: id.AppID, TenantID: id.TenantID, UserType: id.UserType}
	}
	if l := d.Link; l != nil {
		lj := LinkJSON{Linked: l.Linked, PartnerID: l.PartnerID, PartnerName: l.PartnerName, State: l.State, ObjectID: l.ObjectID,
			Version: l.Version, CreatedTime: l.FirstLinked, UpdatedTime: l.LastChanged}
		r.Link = &lj
	}
	if e := d.Error; e != nil {
		r.Error = &ErrorJSON{Code: e.Code, Message: e.Message, NextStep: e.NextStep, RequestID: e.RequestID}
	}
	return r
}

// AllFailed reports whether no directory could be read at all.
func AllFailed(rows []CheckRow) bool {
	for _, r := range rows {
		if r.Status != report.StatusFailed {
			return false
		}
	}
	return len(rows) > 0
}

var checkRowCSV = []string{"tenantId", "tenantName", "tenantDomain", "status", "linked.userPrincipalName", "linked.objectId", "link.linked",
	"link.partnerId", "link.partnerName", "counts.attributed", "counts.notAttributed", "counts.cannotTell", "counts.doesNotCount",
	"counts.notChecked", "headline", "error.code", "error.message"}

func (r CheckRow) cells(f Format) []string {
	var l LinkJSON
	if r.Link != nil {
		l = *r.Link
	}
	var id IdentityJSON
	if r.Linked != nil {
		id = *r.Linked
	}
	var e ErrorJSON
	if r.Error != nil {
		e = *r.Error
	}
	linked := ""
	if r.Link != nil {
		linked = strconv.FormatBool(l.Linked)
		if f != CSV {
			linked = yesNo(l.Linked)
		}
	}
	c := r.Counts
	n := func(v int) string { return strconv.Itoa(v) }
	return []string{r.TenantID, r.Name, r.Domain, r.Status, id.UPN, id.ObjectID, linked, l.PartnerID, l.PartnerName,
		n(c.Attributed), n(c.NotAttributed), n(c.CannotTell), n(c.DoesNotCount), n(c.NotChecked), r.Headline, e.Code, e.Message}
}

// CheckFleet prints `check --all-tenants`: one row per directory, in every
// format. It returns how many directories were not checked in full.
func CheckFleet(w io.Writer, f Format, rows []CheckRow) (failed int, err error) {
	doc := CheckFleetDoc{SchemaVersion: SchemaVersion, Results: rows, Total: len(rows)}
	if doc.Results == nil {
		doc.Results = []CheckRow{}
	}
	for _, r := range rows {
		if r.Status != report.StatusComplete {
			doc.Failed++
		}
	}
	switch f {
	case JSON:
		return doc.Failed, writeJSON(w, doc)
	case CSV:
		t := newTable(checkRowCSV...)
		for _, r := range rows {
			t.add(r.cells(CSV)...)
		}
		return doc.Failed, t.write(w, CSV)
	}
	t := newTable("DIRECTORY", "TENANT ID", "STATUS", "LINKED", "PARTNER", "ATTRIBUTED", "NOT ATTRIBUTED", "CANNOT TELL", "DOES NOT COUNT", "NOT CHECKED", "SUMMARY")
	for _, r := range rows {
		c := r.cells(f)
		partner := ""
		if r.Link != nil && r.Link.Linked {
			partner = Partner(r.Link.PartnerName, r.Link.PartnerID)
		}
		summary := r.Headline
		if r.Error != nil {
			summary = joinNonEmpty(". ", r.Error.Message, r.Error.NextStep)
		}
		name := r.Name
		if name == "" {
			name = r.Domain
		}
		t.add(name, r.TenantID, r.Status, c[6], partner, c[9], c[10], c[11], c[12], c[13], summary)
	}
	if f == Markdown {
		line(w, "# Attribution check: %d directories", len(rows))
		line(w, "")
	}
	return doc.Failed, t.write(w, f)
}
