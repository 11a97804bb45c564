package output

import (
	"io"
	"strconv"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/steps"
)

// Row is one directory's result: the shape of status, link and unlink, and
// of each row of their --all-tenants runs.
type Row struct {
	Directory
	ActingAs *ActorJSON `json:"actingAs,omitempty"`
	Action   string     `json:"action,omitempty"`
	Summary  string     `json:"summary,omitempty"`
	Link     *LinkJSON  `json:"link,omitempty"`
	Previous *LinkJSON  `json:"previous,omitempty"`
	Error    *ErrorJSON `json:"error,omitempty"`
	// Warnings are the guard rails palwiz warned about before the write
	// (steps.LinkWarnings), gone past with --yes or a yes.
	Warnings []steps.Warning `json:"warnings,omitempty"`
}

// RowDoc is one row as a document.
type RowDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Row
}

// FleetDoc is an --all-tenants run.
type FleetDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	// ActingAs names who a write in every directory acts as (its home directory).
	ActingAs *ActorJSON `json:"actingAs,omitempty"`
	Results  []Row      `json:"results"`
	Total    int        `json:"total"`
	Failed   int        `json:"failed"`
}

var rowCSV = []string{"tenantId", "tenantName", "tenantDomain", "action", "link.linked", "link.partnerId", "link.partnerName",
	"link.state", "link.objectId", "previous.partnerId", "previous.partnerName", "error.code", "error.message",
	"actingAs.kind", "actingAs.userPrincipalName", "actingAs.appId", "actingAs.objectId", "actingAs.source"}

func (r Row) csv() []string {
	var l, p LinkJSON
	if r.Link != nil {
		l = *r.Link
	}
	if r.Previous != nil {
		p = *r.Previous
	}
	var e ErrorJSON
	if r.Error != nil {
		e = *r.Error
	}
	linked := ""
	if r.Error == nil {
		linked = strconv.FormatBool(l.Linked)
	}
	var a ActorJSON
	if r.ActingAs != nil {
		a = *r.ActingAs
	}
	return []string{r.TenantID, r.Name, r.Domain, r.Action, linked, l.PartnerID, l.PartnerName, l.State, l.ObjectID,
		p.PartnerID, p.PartnerName, e.Code, e.Message, a.Kind, a.UPN, a.AppID, a.ObjectID, a.Source}
}

// StatusRow is the row of a link read in dir.
func StatusRow(dir Directory, l *arm.Link) Row {
	lj := Link(l)
	return Row{Directory: dir, Link: &lj}
}

// OutcomeRow is the row of a link or unlink in dir.
func OutcomeRow(dir Directory, o steps.Outcome) Row {
	after := o.After
	if o.Action == steps.ActionUnlink || o.Action == steps.ActionNothing {
		after = nil
	}
	lj := Link(after)
	r := Row{Directory: dir, Action: string(o.Action), Summary: o.Summary(), Link: &lj}
	if o.Before != nil && (o.Action == steps.ActionMove || o.Action == steps.ActionUnlink) {
		p := Link(o.Before)
		r.Previous = &p
	}
	return r
}

// Status prints the link of one directory.
func Status(w io.Writer, f Format, dir Directory, l *arm.Link) error {
	r := StatusRow(dir, l)
	switch f {
	case JSON:
		return writeJSON(w, RowDoc{SchemaVersion, r})
	case CSV:
		t := newTable(rowCSV...)
		t.add(r.csv()...)
		return t.write(w, CSV)
	}
	if !l.Active() {
		line(w, "Not linked to a partner ID in %s.", dir.Label())
		return nil
	}
	line(w, "Linked to partner %s in %s.", Partner(l.PartnerName, l.PartnerID), dir.Short())
	linkKV(w, dir, l)
	return nil
}

// linkKV prints a link as the Azure portal shows it.
func linkKV(w io.Writer, dir Directory, l *arm.Link) {
	name := l.PartnerName
	if name == "" {
		name = "(name not returned)"
	}
	if dir.TenantID == "" {
		dir.TenantID = l.TenantID
	}
	since := ""
	if !l.CreatedTime.IsZero() {
		since = l.CreatedTime.UTC().Format("2006-01-02")
	}
	kv(w, "Partner", name, "Partner ID", l.PartnerID, "State", l.State, "Directory", dir.Label(),
		"Object ID", l.ObjectID, "Since", since)
}

// Outcome prints what a link or unlink did in dir, acting as as (nil: not
// known, as in fleet rows, whose run names the actor once).
func Outcome(w io.Writer, f Format, dir Directory, o steps.Outcome, as *steps.Actor) error {
	return OutcomeWarned(w, f, dir, o, as, nil)
}

// OutcomeWarned is Outcome with the guard rails warned about before the
// write (in the JSON document; people saw them on stderr).
func OutcomeWarned(w io.Writer, f Format, dir Directory, o steps.Outcome, as *steps.Actor, warnings []steps.Warning) error {
	r := OutcomeRow(dir, o)
	r.ActingAs = Actor(as)
	r.Warnings = warnings
	switch f {
	case JSON:
		return writeJSON(w, RowDoc{SchemaVersion, r})
	case CSV:
		t := newTable(rowCSV...)
		t.add(r.csv()...)
		return t.write(w, CSV)
	}
	if as != nil {
		line(w, "%s:", as.String())
	}
	where := ""
	if dir.TenantID != "" || dir.Name != "" {
		where = dir.Short()
	}
	line(w, "%s.", o.SummaryIn(where))
	if o.After.Active() && o.Action != steps.ActionNone && o.Action != steps.ActionUnlink {
		linkKV(w, dir, o.After)
	}
	return nil
}

// FleetResult is one directory of an --all-tenants run.
type FleetResult struct {
	Dir     Directory
	Link    *arm.Link
	Outcome *steps.Outcome
	// Err failed the directory; ErrJSON is it described.
	Err     error
	ErrJSON ErrorJSON
}

// FleetRowOf is one directory's row of a fleet run, the same in every
// format (what a journal keeps and a resumed run prints again).
func FleetRowOf(res FleetResult) Row {
	switch {
	case res.Err != nil:
		e := res.ErrJSON
		return Row{Directory: res.Dir, Error: &e}
	case res.Outcome != nil:
		return OutcomeRow(res.Dir, *res.Outcome)
	}
	return StatusRow(res.Dir, res.Link)
}

// Fleet prints an --all-tenants run: one row per directory. as (nil for a
// read) names who a write acts as. It returns how many directories failed.
func Fleet(w io.Writer, f Format, results []FleetResult, as *steps.Actor) (failed int, err error) {
	rows := make([]Row, len(results))
	for i, res := range results {
		rows[i] = FleetRowOf(res)
	}
	return FleetRows(w, f, rows, as)
}

// FleetRows prints the rows of a fleet run (see Fleet).
func FleetRows(w io.Writer, f Format, rows []Row, as *steps.Actor) (failed int, err error) {
	doc := FleetDoc{SchemaVersion: SchemaVersion, ActingAs: Actor(as), Total: len(rows), Results: make([]Row, 0, len(rows))}
	for _, r := range rows {
		switch {
		case r.Error != nil:
			doc.Failed++
		case r.Action != "" && f == CSV && as != nil:
			a := *as
			a.TenantID, a.TenantName, a.ObjectID = r.TenantID, r.Name, "" // a guest's object differs per directory
			r.ActingAs = Actor(&a)
		}
		doc.Results = append(doc.Results, r)
	}
	switch f {
	case JSON:
		return doc.Failed, writeJSON(w, doc)
	case CSV:
		t := newTable(rowCSV...)
		for _, r := range doc.Results {
			t.add(r.csv()...)
		}
		return doc.Failed, t.write(w, CSV)
	}
	t := newTable("DIRECTORY", "DOMAIN", "TENANT ID", "LINKED", "PARTNER", "RESULT")
	for _, r := range doc.Results {
		linked, partner, result := "?", "", "ok"
		switch {
		case r.Error != nil:
			result = joinNonEmpty(". ", r.Error.Message, r.Error.NextStep)
		default:
			linked = yesNo(r.Link.Linked)
			if r.Link.Linked {
				partner = Partner(r.Link.PartnerName, r.Link.PartnerID)
			}
			if r.Summary != "" {
				result = r.Summary
			}
		}
		t.add(r.Name, r.Domain, r.TenantID, linked, partner, result)
	}
	return doc.Failed, t.write(w, Table)
}
