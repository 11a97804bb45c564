package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// specsDir finds testdata/specs at the repository root: the public API
// descriptions and examples, copied from the shared specs so that a plain
// clone tests on its own (testdata/specs/README.md names each file's source).
// The contract tests cannot run without it, so its absence fails.
func specsDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatalf("no go.mod above %s: cannot find the repository root", wd)
		}
		root = parent
	}
	dir := filepath.Join(root, "testdata", "specs")
	for _, f := range []string{"managementpartner/ManagementPartner.json", "tenants/GetTenants.json", "tenants/subscriptions.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("the API specifications the contract tests check against are missing: %v.\n"+
				"They live in testdata/specs at the repository root (%s).", err, dir)
		}
	}
	return dir
}

// decodeJSON decodes with json.Number so integers and fractions stay apart.
func decodeJSON(t *testing.T, what string, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, b)
	}
	return v
}

func readJSONFile(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, path, b)
}

// swagger is a Swagger 2.0 document, kept as plain JSON values.
type swagger struct {
	doc  map[string]any
	defs map[string]any
}

func loadSwagger(t *testing.T, path string) *swagger {
	t.Helper()
	doc, ok := readJSONFile(t, path).(map[string]any)
	if !ok {
		t.Fatalf("%s is not a JSON object", path)
	}
	defs, _ := doc["definitions"].(map[string]any)
	if len(defs) == 0 {
		t.Fatalf("%s has no definitions", path)
	}
	return &swagger{doc: doc, defs: defs}
}

// operation is one path+method of the document.
type operation struct {
	path, method, id string
	spec             map[string]any
}

func (s *swagger) operations() []operation {
	var out []operation
	paths, _ := s.doc["paths"].(map[string]any)
	for p, v := range paths {
		methods, _ := v.(map[string]any)
		for m, o := range methods {
			op, _ := o.(map[string]any)
			id, _ := op["operationId"].(string)
			out = append(out, operation{path: p, method: strings.ToUpper(m), id: id, spec: op})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// responseSchema is the schema of a response status ("200", "default"); nil when it has none.
func (o operation) responseSchema(status string) map[string]any {
	rs, _ := o.spec["responses"].(map[string]any)
	r, _ := rs[status].(map[string]any)
	sc, _ := r["schema"].(map[string]any)
	return sc
}

// validate checks a JSON value (decoded with UseNumber) against a schema:
// types, formats, enums, required properties, and no property the schema
// does not declare. allowMissing lists required properties (by JSON path)
// that may be absent, with the reason.
func (s *swagger) validate(path string, v any, schema map[string]any, allowMissing map[string]string) []string {
	var errs []string
	s.check(path, v, schema, allowMissing, &errs)
	return errs
}

func (s *swagger) check(path string, v any, schema map[string]any, allowMissing map[string]string, errs *[]string) {
	bad := func(format string, args ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := schema["$ref"].(string); ok {
		name, local := strings.CutPrefix(ref, "#/definitions/")
		d, found := s.defs[name].(map[string]any)
		if !local || !found {
			bad("cannot resolve %s", ref)
			return
		}
		s.check(path, v, d, allowMissing, errs)
		return
	}
	typ, _ := schema["type"].(string)
	if typ == "" && schema["properties"] != nil {
		typ = "object"
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				found = true
			}
		}
		if !found {
			bad("%v is not one of %v", v, enum)
		}
	}
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %s", kindOf(v))
			return
		}
		props, _ := schema["properties"].(map[string]any)
		for _, k := range sortedKeys(m) {
			sub, ok := props[k].(map[string]any)
			if !ok {
				bad("property %q is not in the specification", k)
				continue
			}
			s.check(path+"."+k, m[k], sub, allowMissing, errs)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			k := fmt.Sprint(r)
			if _, ok := m[k]; !ok {
				if _, allowed := allowMissing[path+"."+k]; !allowed {
					bad("required property %q is missing", k)
				}
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %s", kindOf(v))
			return
		}
		items, _ := schema["items"].(map[string]any)
		for i, e := range a {
			s.check(fmt.Sprintf("%s[%d]", path, i), e, items, allowMissing, errs)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %s", kindOf(v))
			return
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				bad("%q is not an RFC 3339 date-time", str)
			}
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			bad("want an integer, got %s", kindOf(v))
			return
		}
		i, err := n.Int64()
		if err != nil {
			bad("%s is not an integer", n)
			return
		}
		if schema["format"] == "int32" && (i < math.MinInt32 || i > math.MaxInt32) {
			bad("%d does not fit int32", i)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			bad("want a number, got %s", kindOf(v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %s", kindOf(v))
		}
	case "":
	default:
		bad("the validator does not know type %q", typ)
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// liveDifference replaces the plain JSON-type comparison at one path: it
// returns "" when actual is what the live service sends there.
type liveDifference func(example, actual any) string

// sameShape reports where actual lacks a field the example has, or has it
// with another JSON type. Array elements are compared with every example
// element merged: a key is required when every example element has it.
func sameShape(path string, example, actual any, allow map[string]liveDifference) []string {
	if f, ok := allow[path]; ok {
		if msg := f(example, actual); msg != "" {
			return []string{path + ": " + msg}
		}
		return nil
	}
	if kindOf(example) != kindOf(actual) {
		return []string{fmt.Sprintf("%s: the example has %s, the simulator %s", path, kindOf(example), kindOf(actual))}
	}
	var errs []string
	switch ex := example.(type) {
	case map[string]any:
		act := actual.(map[string]any)
		for _, k := range sortedKeys(ex) {
			av, ok := act[k]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s.%s: in the example, missing from the simulator's answer", path, k))
				continue
			}
			errs = append(errs, sameShape(path+"."+k, ex[k], av, allow)...)
		}
	case []any:
		act := actual.([]any)
		if len(ex) == 0 {
			return nil
		}
		required := map[string]bool{}
		sample := map[string]any{}
		allObjects := true
		for i, e := range ex {
			m, ok := e.(map[string]any)
			if !ok {
				allObjects = false
				break
			}
			for k, v := range m {
				if _, seen := sample[k]; !seen {
					sample[k] = v
				}
			}
			for k := range sample {
				_, has := m[k]
				if i == 0 {
					required[k] = has
				} else {
					required[k] = required[k] && has
				}
			}
		}
		for i, a := range act {
			ip := fmt.Sprintf("%s[]", path)
			if !allObjects {
				errs = append(errs, sameShape(ip, ex[0], a, allow)...)
				continue
			}
			am, ok := a.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s[%d]: the example has objects, the simulator %s", path, i, kindOf(a)))
				continue
			}
			for _, k := range sortedKeys(sample) {
				av, has := am[k]
				if !has {
					if required[k] {
						errs = append(errs, fmt.Sprintf("%s[%d].%s: every example element has it, the simulator's does not", path, i, k))
					}
					continue
				}
				errs = append(errs, sameShape(ip+"."+k, sample[k], av, allow)...)
			}
		}
	}
	return errs
}
