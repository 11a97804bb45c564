package sim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// FetchXML on the Web API (GET {set}?fetchXml=…), the subset the CLI for
// Microsoft 365 and pac send for bots and solutions: attributes (or
// all-attributes), order, filter (and/or) with the conditions eq, ne, in,
// null and not-null, link-entity (inner or outer) to users, publishers and
// business units with their attributes, and top or count/page paging. Any
// other element, attribute or operator is refused with a 400.

type fetchXML struct {
	Top       string      `xml:"top,attr"`
	Count     string      `xml:"count,attr"`
	Page      string      `xml:"page,attr"`
	Aggregate string      `xml:"aggregate,attr"`
	Entity    fetchEntity `xml:"entity"`
}

type fetchEntity struct {
	Name       string        `xml:"name,attr"`
	Attributes []fetchAttr   `xml:"attribute"`
	All        []struct{}    `xml:"all-attributes"`
	Orders     []fetchOrder  `xml:"order"`
	Filters    []fetchFilter `xml:"filter"`
	Links      []fetchLink   `xml:"link-entity"`
}

type fetchAttr struct {
	Name string `xml:"name,attr"`
}

type fetchOrder struct {
	Attribute  string `xml:"attribute,attr"`
	Descending string `xml:"descending,attr"`
}

type fetchFilter struct {
	Type       string        `xml:"type,attr"`
	Conditions []fetchCond   `xml:"condition"`
	Filters    []fetchFilter `xml:"filter"`
}

type fetchCond struct {
	Attribute string   `xml:"attribute,attr"`
	Operator  string   `xml:"operator,attr"`
	Value     string   `xml:"value,attr"`
	Values    []string `xml:"value"`
}

type fetchLink struct {
	Name       string        `xml:"name,attr"`
	From       string        `xml:"from,attr"`
	To         string        `xml:"to,attr"`
	Alias      string        `xml:"alias,attr"`
	LinkType   string        `xml:"link-type,attr"`
	Attributes []fetchAttr   `xml:"attribute"`
	Filters    []fetchFilter `xml:"filter"`
	Links      []fetchLink   `xml:"link-entity"`
}

// fetchAllowed are the elements and, for each, the attributes the simulator understands.
var fetchAllowed = map[string]map[string]bool{
	"fetch":          {"version": true, "mapping": true, "output-format": true, "top": true, "count": true, "page": true, "paging-cookie": true, "no-lock": true, "returntotalrecordcount": true, "distinct": true},
	"entity":         {"name": true},
	"attribute":      {"name": true},
	"all-attributes": {},
	"order":          {"attribute": true, "descending": true},
	"filter":         {"type": true},
	"condition":      {"attribute": true, "operator": true, "value": true},
	"value":          {},
	"link-entity":    {"name": true, "from": true, "to": true, "alias": true, "link-type": true, "visible": true, "intersect": true},
}

func fetchErr(format string, args ...any) error { return &dvQueryError{fmt.Sprintf(format, args...)} }

// fetchXMLParam is the request's fetchXml query option ("" when none).
func fetchXMLParam(q url.Values) string {
	for k, v := range q {
		if strings.EqualFold(k, "fetchXml") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// checkFetchShape refuses elements and attributes the simulator does not apply.
func checkFetchShape(doc string) error {
	dec := xml.NewDecoder(strings.NewReader(doc))
	for depth := 0; ; {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fetchErr("The FetchXML is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			attrs, ok := fetchAllowed[t.Name.Local]
			if !ok || (depth == 0) != (t.Name.Local == "fetch") {
				return fetchErr("The simulator does not support the FetchXML element <%s> here.", t.Name.Local)
			}
			for _, a := range t.Attr {
				if !attrs[a.Name.Local] {
					return fetchErr("The simulator does not support the FetchXML attribute %s on <%s>.", a.Name.Local, t.Name.Local)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// fetchField resolves a logical attribute name: a column, or a lookup by its
// logical name (ownerid is _ownerid_value).
func fetchField(ent *dvEntity, name string) (int, error) {
	n := strings.ToLower(name)
	if i, ok := ent.index[n]; ok && ent.fields[i].kind != dvLookup {
		return i, nil
	}
	for i, f := range ent.fields {
		if f.kind == dvLookup && f.nav == n {
			return i, nil
		}
	}
	return 0, &dvFetchAttrError{ent: ent.logical, attr: name}
}

// dvFetchAttrError is Dataverse's 0x80041103: an attribute the entity lacks.
type dvFetchAttrError struct{ ent, attr string }

func (e *dvFetchAttrError) Error() string {
	return fmt.Sprintf("'%s' entity doesn't contain attribute with Name = '%s' and NameMapping = 'Logical'.", e.ent, e.attr)
}

// fetchPred is a compiled filter.
type fetchPred func(r *dvRow) bool

func fetchValue(f dvField, v string) (any, error) {
	switch f.kind {
	case dvBool:
		switch strings.ToLower(v) {
		case "1", "true":
			return true, nil
		case "0", "false":
			return false, nil
		}
	case dvInt, dvFloat:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return n, nil
		}
	case dvTime:
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	default:
		return strings.ToLower(strings.Trim(v, "{}")), nil
	}
	return nil, fetchErr("The value '%s' is not valid for attribute %s.", v, f.name)
}

func compileFilter(ent *dvEntity, f fetchFilter) (fetchPred, error) {
	var parts []fetchPred
	for _, c := range f.Conditions {
		i, err := fetchField(ent, c.Attribute)
		if err != nil {
			return nil, err
		}
		field := ent.fields[i]
		op := strings.ToLower(c.Operator)
		switch op {
		case "null", "not-null":
			want := op == "null"
			parts = append(parts, func(r *dvRow) bool { return (r.vals[i] == nil) == want })
		case "eq", "ne", "in":
			vals := c.Values
			if c.Value != "" {
				vals = append([]string{c.Value}, vals...)
			}
			if len(vals) == 0 || (op != "in" && len(vals) != 1) {
				return nil, fetchErr("The condition on %s needs %s.", c.Attribute, map[bool]string{true: "values", false: "one value"}[op == "in"])
			}
			var want []any
			for _, v := range vals {
				x, err := fetchValue(field, v)
				if err != nil {
					return nil, err
				}
				want = append(want, x)
			}
			ne := op == "ne"
			parts = append(parts, func(r *dvRow) bool {
				got := norm(r.vals[i])
				for _, w := range want {
					if got == w {
						return !ne
					}
				}
				return ne
			})
		default:
			return nil, fetchErr("The simulator does not support the FetchXML condition operator '%s'.", c.Operator)
		}
	}
	for _, sub := range f.Filters {
		p, err := compileFilter(ent, sub)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	or := strings.EqualFold(f.Type, "or")
	if f.Type != "" && !or && !strings.EqualFold(f.Type, "and") {
		return nil, fetchErr("The filter type '%s' is not and or or.", f.Type)
	}
	return func(r *dvRow) bool {
		for _, p := range parts {
			if p(r) == or {
				return or
			}
		}
		return !or || len(parts) == 0
	}, nil
}

// fetchJoin is a compiled link-entity: the linked table's row for a record.
type fetchJoin struct {
	alias  string
	target *dvEntity
	to     int   // the record's lookup field
	attrs  []int // the linked entity's fields to answer
	outer  bool
	filter fetchPred
}

func compileLink(ent *dvEntity, l fetchLink) (*fetchJoin, error) {
	target := lookupTarget(strings.ToLower(l.Name))
	if target == nil {
		return nil, fetchErr("The simulator can link only to systemuser, publisher or businessunit, not '%s'.", l.Name)
	}
	if len(l.Links) > 0 {
		return nil, fetchErr("The simulator does not support nested link-entity elements.")
	}
	if !strings.EqualFold(l.From, target.key) {
		return nil, fetchErr("The link-entity from attribute must be %s, the key of %s.", target.key, target.logical)
	}
	to, err := fetchField(ent, l.To)
	if err != nil {
		return nil, err
	}
	if ent.fields[to].kind != dvLookup || ent.fields[to].target != target.logical {
		return nil, fetchErr("The link-entity to attribute %s is not a lookup to %s.", l.To, target.logical)
	}
	j := &fetchJoin{alias: l.Alias, target: target, to: to}
	if j.alias == "" {
		j.alias = target.logical + "1"
	}
	switch strings.ToLower(l.LinkType) {
	case "", "inner":
	case "outer":
		j.outer = true
	default:
		return nil, fetchErr("The simulator does not support link-type '%s'.", l.LinkType)
	}
	for _, a := range l.Attributes {
		i, err := fetchField(target, a.Name)
		if err != nil {
			return nil, err
		}
		j.attrs = append(j.attrs, i)
	}
	for _, f := range l.Filters {
		p, err := compileFilter(target, f)
		if err != nil {
			return nil, err
		}
		j.filter = p
	}
	return j, nil
}

// fetchPlan is a compiled FetchXML query.
type fetchPlan struct {
	q                *dvQuery // the attributes and the order
	preds            []fetchPred
	joins            []*fetchJoin
	top, count, page int
}

// compileFetch checks a FetchXML query on ent and compiles it; the error
// is the one Dataverse answers (*dvQueryError or *dvFetchAttrError).
func compileFetch(ent *dvEntity, doc string) (*fetchPlan, error) {
	if err := checkFetchShape(doc); err != nil {
		return nil, err
	}
	var fx fetchXML
	if err := xml.Unmarshal([]byte(doc), &fx); err != nil {
		return nil, fetchErr("The FetchXML is not valid: %v", err)
	}
	if !strings.EqualFold(fx.Entity.Name, ent.logical) {
		return nil, fetchErr("The FetchXML entity '%s' does not match the entity set %s (entity %s).", fx.Entity.Name, ent.set, ent.logical)
	}
	if fx.Aggregate != "" {
		return nil, fetchErr("The simulator does not support aggregate FetchXML.")
	}
	pl := &fetchPlan{q: &dvQuery{top: -1}}
	if len(fx.Entity.All) > 0 || len(fx.Entity.Attributes) == 0 {
		pl.q.sel, _ = selectFields(ent, "")
	} else {
		pl.q.sel = []int{0}
		for _, a := range fx.Entity.Attributes {
			i, err := fetchField(ent, a.Name)
			if err != nil {
				return nil, err
			}
			if i != 0 {
				pl.q.sel = append(pl.q.sel, i)
			}
		}
	}
	for _, o := range fx.Entity.Orders {
		i, err := fetchField(ent, o.Attribute)
		if err != nil {
			return nil, err
		}
		pl.q.order = append(pl.q.order, dvOrder{field: i, desc: o.Descending == "true" || o.Descending == "1"})
	}
	for _, f := range fx.Entity.Filters {
		pr, err := compileFilter(ent, f)
		if err != nil {
			return nil, err
		}
		pl.preds = append(pl.preds, pr)
	}
	for _, l := range fx.Entity.Links {
		j, err := compileLink(ent, l)
		if err != nil {
			return nil, err
		}
		pl.joins = append(pl.joins, j)
	}
	var err error
	pl.top, pl.count, pl.page, err = fetchPaging(fx)
	return pl, err
}

// match runs the plan over a table: the rows that pass, in order, with
// their linked rows. pp.mu is held.
func (pl *fetchPlan) match(p *pp, dv *ppDV, ent *dvEntity) ([]*dvRow, map[*dvRow][]*dvRow) {
	var rows []*dvRow
	linked := map[*dvRow][]*dvRow{}
	for _, row := range dv.table(ent.set).rows {
		row = p.view(row, ent)
		ok := true
		for _, pr := range pl.preds {
			ok = ok && pr(row)
		}
		var lr []*dvRow
		for _, j := range pl.joins {
			var t *dvRow
			if id, isID := row.vals[j.to].(string); isID {
				t = dv.table(j.target.set).idx[strings.ToLower(id)]
			}
			if t != nil && j.filter != nil && !j.filter(t) {
				t = nil
			}
			ok = ok && (t != nil || j.outer)
			lr = append(lr, t)
		}
		if ok {
			rows = append(rows, row)
			linked[row] = lr
		}
	}
	sortRows(rows, pl.q.order)
	return rows, linked
}

// dvFetch answers a FetchXML query on ent's entity set.
func (p *pp) dvFetch(w http.ResponseWriter, r *http.Request, dv *ppDV, ent *dvEntity, doc string) {
	fail := func(err error) {
		code := "0x80060888"
		if _, ok := err.(*dvFetchAttrError); ok {
			code = "0x80041103"
		}
		dvError(w, http.StatusBadRequest, code, err.Error())
	}
	if bad := unsupportedOption(r.URL.Query()); bad != "" {
		fail(fetchErr("The query parameter %s cannot be combined with fetchXml.", bad))
		return
	}
	pl, err := compileFetch(ent, doc)
	if err != nil {
		fail(err)
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	rows, linked := pl.match(p, dv, ent)
	var start, end int
	if pl.top > 0 {
		end = min(pl.top, len(rows))
	} else {
		start = min((pl.page-1)*pl.count, len(rows))
		end = min(start+pl.count, len(rows))
	}
	ann := annotations(r)
	var buf bytes.Buffer
	buf.WriteString(`{"@odata.context":`)
	writeJSONString(&buf, linkBase(r, r.Host)+"/api/data/v9.2/$metadata#"+ent.set+"("+pl.q.context(ent)+")")
	buf.WriteString(`,"value":[`)
	for n, row := range rows[start:end] {
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('{')
		dv.renderFields(&buf, ent, row, pl.q.sel, nil, ann)
		pl.renderLinked(&buf, linked[row], ann)
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	if pl.top <= 0 && end < len(rows) {
		last := rows[end-1].vals[0].(string)
		first := rows[start].vals[0].(string)
		inner := fmt.Sprintf(`<cookie page="%d"><%s last="{%s}" first="{%s}" /></cookie>`, pl.page, ent.key, strings.ToUpper(last), strings.ToUpper(first))
		buf.WriteString(`,"@Microsoft.Dynamics.CRM.fetchxmlpagingcookie":`)
		writeJSONString(&buf, fmt.Sprintf(`<cookie pagenumber="%d" pagingcookie="%s" istracking="False" />`, pl.page+1, url.QueryEscape(url.QueryEscape(inner))))
		buf.WriteString(`,"@Microsoft.Dynamics.CRM.morerecords":true`)
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// renderLinked writes a row's link-entity attributes, named alias.attribute.
func (pl *fetchPlan) renderLinked(buf *bytes.Buffer, linked []*dvRow, ann dvAnnotations) {
	for ji, j := range pl.joins {
		t := linked[ji]
		if t == nil {
			continue
		}
		for _, a := range j.attrs {
			key := j.alias + "." + j.target.fields[a].name
			if ann.formatted {
				writeKey(buf, key+"@OData.Community.Display.V1.AttributeName")
				writeJSONString(buf, j.target.fields[a].name)
			}
			writeKey(buf, key)
			writeValue(buf, t.vals[a])
		}
	}
}

// fetchPaging reads top, or count (at most 5000) and page.
func fetchPaging(fx fetchXML) (top, count, page int, err error) {
	num := func(name, v string, lo, hi int) (int, error) {
		if v == "" {
			return 0, nil
		}
		n, e := strconv.Atoi(v)
		if e != nil || n < lo || n > hi {
			return 0, fetchErr("The FetchXML %s attribute must be a number from %d to %d.", name, lo, hi)
		}
		return n, nil
	}
	if top, err = num("top", fx.Top, 1, 5000); err != nil {
		return
	}
	if count, err = num("count", fx.Count, 1, 5000); err != nil {
		return
	}
	if page, err = num("page", fx.Page, 1, 1<<20); err != nil {
		return
	}
	if top > 0 && (count > 0 || page > 0) {
		return 0, 0, 0, fetchErr("The FetchXML top attribute cannot be combined with count or page.")
	}
	if count == 0 {
		count = 5000
	}
	if page == 0 {
		page = 1
	}
	return top, count, page, nil
}
