// Package fleet runs one operation in many customer directories: the list
// of directories (every reachable one, or a file of tenant IDs and
// domains), bounded concurrency, a journal of what is done that survives
// interruption, resume, and progress. It knows nothing of commands or
// printing: the caller turns each directory into a result of its own type.
package fleet

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/steps"
)

// MaxEntries bounds a tenants file: a list longer than this is a mistake
// (or not a tenants file at all).
const MaxEntries = 100_000

// LineError is a line of a tenants file that names no directory.
type LineError struct {
	Line  int
	Value string
	Why   string
}

func (e LineError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Why)
	}
	return fmt.Sprintf("line %d: %q %s", e.Line, e.Value, e.Why)
}

// FileError is every bad line of a tenants file (up to ten are named).
type FileError struct {
	Name  string
	Lines []LineError
}

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d line%s name no directory", e.Name, len(e.Lines), plural(len(e.Lines)))
	for i, l := range e.Lines {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Lines)-10)
			break
		}
		b.WriteString("; " + l.Error())
	}
	b.WriteString(". Each line is a tenant ID (GUID) or a domain (contoso.onmicrosoft.com); a CSV file needs a header row with a \"tenant\" column")
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

var domainRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// IsDomain reports whether s looks like a DNS domain (at least two labels).
func IsDomain(s string) bool { return len(s) <= 253 && domainRE.MatchString(s) }

// checkValue says why v names no directory ("" = it may).
func checkValue(v string) string {
	switch {
	case steps.IsGUID(v), IsDomain(v):
		return ""
	case strings.ContainsAny(v, ",;\t"):
		return "holds several values: one tenant per line, or a CSV file with a \"tenant\" column"
	}
	return "is neither a tenant ID (GUID) nor a domain"
}

// ParseTenants reads a tenants file: one tenant ID or domain per line, or
// CSV whose header row has a "tenant" column (other columns are ignored).
// Blank lines and lines starting with # are skipped; a value named twice is
// kept once. Every bad line is reported, with its number, in a *FileError.
func ParseTenants(data []byte, name string) ([]string, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	var vals []string
	var lines []int
	var bad []LineError
	var err error
	if col, ok := csvColumn(firstLine(text)); ok {
		vals, lines, bad, err = readCSV(text, col)
	} else {
		vals, lines = readLines(text)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	seen := map[string]bool{}
	var out []string
	for i, v := range vals {
		if why := checkValue(v); why != "" {
			bad = append(bad, LineError{Line: lines[i], Value: v, Why: why})
			continue
		}
		k := strings.ToLower(v)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	if len(bad) > 0 {
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Line < bad[j].Line })
		return nil, &FileError{Name: name, Lines: bad}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names no directory: put one tenant ID or domain on each line", name)
	}
	if len(out) > MaxEntries {
		return nil, fmt.Errorf("%s names %d directories, more than palwiz takes in one run (%d): split it", name, len(out), MaxEntries)
	}
	return out, nil
}

// firstLine is the first line that is neither blank nor a comment.
func firstLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return t
		}
	}
	return ""
}

// csvColumn finds the "tenant" column of a CSV header row.
func csvColumn(header string) (int, bool) {
	rec, err := csv.NewReader(strings.NewReader(header)).Read()
	if err != nil {
		return 0, false
	}
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "tenant", "tenantid", "tenant id":
			return i, true
		}
	}
	return 0, false
}

func readLines(text string) (vals []string, lines []int) {
	for n, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		vals, lines = append(vals, t), append(lines, n+1)
	}
	return vals, lines
}

func readCSV(text string, col int) (vals []string, lines []int, bad []LineError, err error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return vals, lines, bad, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad = append(bad, LineError{Line: pe.Line, Why: "is not valid CSV: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			bad = append(bad, LineError{Line: line, Why: "has no value in the tenant column"})
			continue
		}
		vals, lines = append(vals, strings.TrimSpace(rec[col])), append(lines, line)
	}
}

// Target is one directory of a run: Query is what the list named; Err says
// the identity cannot reach it (the run reports it as a failed directory
// rather than stopping the others).
type Target struct {
	Query  string
	Tenant arm.Tenant
	Err    error
}

// All is every reachable directory as a target.
func All(reachable []arm.Tenant) []Target {
	out := make([]Target, len(reachable))
	for i, t := range reachable {
		out[i] = Target{Query: t.ID, Tenant: t}
	}
	return out
}

// Resolve maps a tenants file's entries to the directories the identity
// reaches. A tenant ID it does not list is still tried (a directory may
// accept a token without appearing in the list); a domain it does not list
// is a failed target with an *steps.UnknownTenantError.
func Resolve(entries []string, reachable []arm.Tenant) []Target {
	out := make([]Target, 0, len(entries))
	seen := map[string]bool{}
	for _, q := range entries {
		t, ok := steps.FindTenant(reachable, q)
		switch {
		case ok:
		case steps.IsGUID(q):
			t = arm.Tenant{ID: strings.ToLower(q)}
		default:
			out = append(out, Target{Query: q, Tenant: arm.Tenant{ID: q}, Err: &steps.UnknownTenantError{Query: q, Reachable: reachable}})
			continue
		}
		if seen[t.ID] {
			continue // a domain and the ID of the same directory
		}
		seen[t.ID] = true
		out = append(out, Target{Query: q, Tenant: t})
	}
	return out
}
