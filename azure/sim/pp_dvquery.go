package sim

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The OData subset of the Dataverse Web API the simulator applies: $select,
// $filter (field eq|ne value, joined by and), $orderby, $top, $count and
// $expand of the lookups to users, publishers and business units (with a
// nested $select). Anything else that starts with $ is refused with a 400,
// never ignored; FetchXML is in pp_fetchxml.go.

// dvQuery is a parsed Web API query.
type dvQuery struct {
	sel    []int
	expand []dvExpand
	conds  []dvCond
	order  []dvOrder
	top    int // -1: none
	count  bool
}

type dvOrder struct {
	field int
	desc  bool
}

// dvExpand is one expanded lookup: the row it points to, rendered inline.
type dvExpand struct {
	field  int
	nav    string
	target *dvEntity
	sel    []int
}

// dvQueryError is a query the Web API refuses: 0x80060888 with its message.
type dvQueryError struct{ msg string }

func (e *dvQueryError) Error() string { return e.msg }

func qErr(format string, args ...any) error { return &dvQueryError{fmt.Sprintf(format, args...)} }

// dvListOptions are the system query options a collection takes (fetchXml,
// a custom query option, also); a single record takes $select and $expand.
var (
	dvListOptions   = map[string]bool{"$select": true, "$filter": true, "$orderby": true, "$top": true, "$expand": true, "$count": true, "$skiptoken": true}
	dvRecordOptions = map[string]bool{"$select": true, "$expand": true}
)

// parseDVQuery reads the query options of a request for ent (a collection,
// or one record when single).
func parseDVQuery(ent *dvEntity, q url.Values, single bool) (*dvQuery, error) {
	allowed := dvListOptions
	if single {
		allowed = dvRecordOptions
	}
	for k := range q {
		if strings.HasPrefix(k, "$") && !allowed[strings.ToLower(k)] {
			return nil, qErr("The query parameter %s is not supported", k)
		}
		if !strings.HasPrefix(k, "$") && strings.EqualFold(k, "fetchXml") && single {
			return nil, qErr("The query parameter fetchXml is not supported on a single record")
		}
	}
	out := &dvQuery{top: -1}
	var err error
	if out.sel, err = selectFields(ent, q.Get("$select")); err != nil {
		return nil, err
	}
	if out.expand, err = parseExpand(ent, q.Get("$expand")); err != nil {
		return nil, err
	}
	if single {
		return out, nil
	}
	if out.conds, err = parseFilter(ent, q.Get("$filter")); err != nil {
		return nil, err
	}
	if out.order, err = parseOrderBy(ent, q.Get("$orderby")); err != nil {
		return nil, err
	}
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return nil, qErr("The $top query option requires a non-negative integer.")
		}
		out.top = n
	}
	switch strings.ToLower(q.Get("$count")) {
	case "":
	case "true":
		out.count = true
	case "false":
	default:
		return nil, qErr("The $count query option requires true or false.")
	}
	return out, nil
}

func noProperty(name string, ent *dvEntity) error {
	return qErr("Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'.", name, ent.logical)
}

func selectFields(ent *dvEntity, sel string) ([]int, error) {
	if strings.TrimSpace(sel) == "" {
		out := make([]int, len(ent.fields))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	out := []int{0}
	for _, f := range strings.Split(sel, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		i, ok := ent.index[f]
		if !ok {
			return nil, noProperty(f, ent)
		}
		if i != 0 {
			out = append(out, i)
		}
	}
	return out, nil
}

// lookupTargets are the tables a lookup's navigation property expands to.
func lookupTarget(name string) *dvEntity {
	switch name {
	case "systemuser":
		return entSystemUser
	case "publisher":
		return entPublisher
	case "businessunit":
		return entBusinessUnit
	}
	return nil
}

// splitTop splits s at sep where it is not inside parentheses.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

var expandItemRE = regexp.MustCompile(`^([A-Za-z_]+)(?:\((.*)\))?$`)

// parseExpand reads $expand=nav[($select=a,b)],…: single-valued lookups only.
func parseExpand(ent *dvEntity, x string) ([]dvExpand, error) {
	if strings.TrimSpace(x) == "" {
		return nil, nil
	}
	var out []dvExpand
	for _, item := range splitTop(x, ',') {
		item = strings.TrimSpace(item)
		m := expandItemRE.FindStringSubmatch(item)
		if m == nil {
			return nil, qErr("The $expand item '%s' is not valid.", item)
		}
		nav := strings.ToLower(m[1])
		ex := dvExpand{field: -1, nav: nav}
		for i, f := range ent.fields {
			if f.kind == dvLookup && f.nav == nav {
				ex.field, ex.target = i, lookupTarget(f.target)
			}
		}
		if ex.field < 0 || ex.target == nil {
			return nil, noProperty(m[1], ent)
		}
		ex.sel, _ = selectFields(ex.target, "")
		for _, opt := range splitTop(m[2], ';') {
			opt = strings.TrimSpace(opt)
			if opt == "" {
				continue
			}
			k, v, _ := strings.Cut(opt, "=")
			if !strings.EqualFold(strings.TrimSpace(k), "$select") {
				return nil, qErr("The simulator supports only $select inside $expand, not '%s' (in %s).", k, item)
			}
			sel, err := selectFields(ex.target, v)
			if err != nil {
				return nil, err
			}
			ex.sel = sel
		}
		out = append(out, ex)
	}
	return out, nil
}

func parseOrderBy(ent *dvEntity, ob string) ([]dvOrder, error) {
	if strings.TrimSpace(ob) == "" {
		return nil, nil
	}
	var out []dvOrder
	for _, part := range strings.Split(ob, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 {
			return nil, qErr("The $orderby item '%s' is not valid.", strings.TrimSpace(part))
		}
		i, ok := ent.index[strings.ToLower(f[0])]
		if !ok {
			return nil, noProperty(f[0], ent)
		}
		o := dvOrder{field: i}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "asc":
			case "desc":
				o.desc = true
			default:
				return nil, qErr("The $orderby direction '%s' is not asc or desc.", f[1])
			}
		}
		out = append(out, o)
	}
	return out, nil
}

type dvCond struct {
	field int
	ne    bool
	val   any // string (lower-case), float64, bool or nil
}

var andRE = regexp.MustCompile(`(?i)\s+and\s+`)

func parseFilter(ent *dvEntity, f string) ([]dvCond, error) {
	if strings.TrimSpace(f) == "" {
		return nil, nil
	}
	var out []dvCond
	for _, part := range andRE.Split(strings.TrimSpace(f), -1) {
		toks := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(toks) != 3 {
			return nil, qErr("The simulator understands only 'field eq value' joined by 'and': %q.", part)
		}
		name := strings.ToLower(toks[0])
		i, ok := ent.index[name]
		if !ok {
			return nil, noProperty(toks[0], ent)
		}
		c := dvCond{field: i}
		switch strings.ToLower(toks[1]) {
		case "eq":
		case "ne":
			c.ne = true
		default:
			return nil, qErr("The simulator understands only eq and ne, not %q.", toks[1])
		}
		v := strings.TrimSpace(toks[2])
		switch {
		case strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'") && len(v) >= 2:
			c.val = strings.ToLower(strings.ReplaceAll(v[1:len(v)-1], "''", "'"))
		case v == "true", v == "false":
			c.val = v == "true"
		case v == "null":
			c.val = nil
		case IsGUID(v):
			c.val = strings.ToLower(v)
		default:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, qErr("Syntax error at position %d in '%s'.", strings.Index(f, v), f)
			}
			c.val = n
		}
		out = append(out, c)
	}
	return out, nil
}

func norm(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x)
	case int:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return v
}

func (c dvCond) match(r *dvRow) bool {
	eq := norm(r.vals[c.field]) == c.val
	return eq != c.ne
}

func less(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b != nil
	case string:
		y, _ := b.(string)
		return x < y
	case int:
		y, _ := b.(int)
		return x < y
	case float64:
		y, _ := b.(float64)
		return x < y
	case bool:
		y, _ := b.(bool)
		return !x && y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Before(y)
	}
	return false
}

// rows applies the filter and the order to a table, as view shows its records.
func (q *dvQuery) rows(tab *dvTable, view func(*dvRow) *dvRow) []*dvRow {
	var rows []*dvRow
	for _, row := range tab.rows {
		row = view(row)
		ok := true
		for _, c := range q.conds {
			if !c.match(row) {
				ok = false
				break
			}
		}
		if ok {
			rows = append(rows, row)
		}
	}
	sortRows(rows, q.order)
	return rows
}

func sortRows(rows []*dvRow, order []dvOrder) {
	if len(order) == 0 {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, o := range order {
			a, b := rows[i].vals[o.field], rows[j].vals[o.field]
			if o.desc {
				a, b = b, a
			}
			if less(a, b) {
				return true
			}
			if less(b, a) {
				return false
			}
		}
		return false
	})
}

// context is the @odata.context's select list: the fields, then each
// expanded lookup with its fields.
func (q *dvQuery) context(ent *dvEntity) string {
	names := make([]string, 0, len(q.sel)+len(q.expand))
	for _, f := range q.sel {
		names = append(names, ent.fields[f].name)
	}
	for _, ex := range q.expand {
		inner := make([]string, len(ex.sel))
		for i, f := range ex.sel {
			inner[i] = ex.target.fields[f].name
		}
		names = append(names, ex.nav+"("+strings.Join(inner, ",")+")")
	}
	return strings.Join(names, ",")
}
