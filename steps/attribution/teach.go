package attribution

import "strings"

// The data of a screen that teaches attribution: a legend, column headers,
// the role each product's rule looks at, and the reason on every row. Both
// renderers (the wizard and the accessible mode) and the commands use it.

// LegendEntry explains one verdict's symbol.
type LegendEntry struct {
	Symbol  string  `json:"symbol"`
	Verdict Verdict `json:"verdict"`
	Meaning string  `json:"meaning"`
}

// Legend lists the verdict symbols with their meaning.
func Legend() []LegendEntry {
	return []LegendEntry{
		{Symbol: Symbol(Attributed), Verdict: Attributed, Meaning: "attributed: the product's rule names the linked account"},
		{Symbol: Symbol(NotAttributed), Verdict: NotAttributed, Meaning: "not attributed: the rule names another account"},
		{Symbol: Symbol(CannotTell), Verdict: CannotTell, Meaning: "cannot tell: the sources do not settle it, or palwiz cannot see it"},
		{Symbol: Symbol(DoesNotCount), Verdict: DoesNotCount, Meaning: "does not count: not a production environment"},
	}
}

// Symbol is the verdict's one-character mark.
func Symbol(v Verdict) string {
	switch v {
	case Attributed:
		return "✓"
	case NotAttributed:
		return "✗"
	case CannotTell:
		return "?"
	case DoesNotCount:
		return "·"
	}
	return " "
}

// Column headers of the resource table, in order. The role column's header
// is RoleLabel(product) where a table holds one product.
var Columns = []string{"", "Product", "Name", "Environment", "Role", "Held by", "Verdict"}

// Row is one resource as a screen shows it.
type Row struct {
	Key         string  `json:"key"`
	Symbol      string  `json:"symbol"`
	Verdict     Verdict `json:"verdict"`
	Product     Product `json:"product"`
	ProductName string  `json:"productName"`
	Name        string  `json:"name"`
	Environment string  `json:"environment"`
	// RoleLabel is the product's role header ("owner / co-owner", "creator",
	// "publisher", "importer", "user"); Role is this row's ("owner",
	// "creator", "importer"…).
	RoleLabel string `json:"roleLabel"`
	Role      string `json:"role"`
	// Holder is who the rule looks at: a guest by its home address, never
	// the #EXT# name.
	Holder string `json:"holder"`
	// LinkedRole is the linked account's own part when it is not the
	// holder ("co-owner (CanEdit)", "owner, not creator").
	LinkedRole string `json:"linkedRole,omitempty"`
	// Owner names a primary owner other than the holder (flows, bots).
	Owner  string   `json:"owner,omitempty"`
	Reason string   `json:"reason"`
	Notes  []string `json:"notes,omitempty"`
}

// Rows are the check's resources as a teaching screen shows them: every
// row with its reason.
func Rows(res *ScanResult) []Row {
	if res == nil {
		return nil
	}
	out := make([]Row, 0, len(res.Resources))
	for _, r := range res.Resources {
		out = append(out, RowOf(*r))
	}
	return out
}

// RowOf is one resource as a row.
func RowOf(r Resource) Row {
	row := Row{Key: r.Key(), Symbol: Symbol(r.Verdict), Verdict: r.Verdict, Product: r.Product, ProductName: r.Product.Title(), Name: r.Name,
		Environment: envLabel(r.Env), RoleLabel: RoleLabel(r.Product), Role: r.Role, Holder: r.Holder.Label(), LinkedRole: r.LinkedRole,
		Reason: r.Reason, Notes: r.Notes}
	if o := r.Owner(); o != nil {
		row.Owner = o.Label()
	}
	return row
}

// envLabel is an environment's name with its type where the name does not say it.
func envLabel(e *Environment) string {
	if e == nil {
		return ""
	}
	if e.Type != "" && !strings.Contains(strings.ToLower(e.Name), strings.ToLower(e.Type)) {
		return e.Name + " (" + e.Type + ")"
	}
	return e.Name
}

// TakeAwayNote is the sentence a screen shows before a change that takes a
// resource away from another identity ("" when the fix takes nothing).
func TakeAwayNote(f Fix) string {
	if f.TakesFrom == "" {
		return ""
	}
	s := "This takes " + f.Resource.label() + " away from " + f.TakesFrom + "."
	if f.Loses != "" {
		s += " " + f.Loses
	}
	return s
}
