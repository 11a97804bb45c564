// Package output holds every printer of palwiz's commands: the one output
// contract (docs/output.md) for people (table), programs (json, csv) and
// reports (md). Everything a service or a user supplied passes through
// Clean here before it reaches a terminal, a CSV or a Markdown file.
package output

import (
	"fmt"
	"strings"
)

// SchemaVersion is the version of the JSON documents palwiz prints. It
// changes only when a field changes meaning or goes away; new fields do not
// change it.
const SchemaVersion = 1

// Format is an output format.
type Format string

// Formats.
const (
	Table    Format = "table"
	JSON     Format = "json"
	CSV      Format = "csv"
	Markdown Format = "md"
)

// Data is what a data command offers: table, json and csv.
var Data = []Format{Table, JSON, CSV}

// Report is what a report-like command offers: Data and md.
var Report = []Format{Table, JSON, CSV, Markdown}

// Names lists formats for help and errors: "table, json or csv".
func Names(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// UnsupportedError is an --output value the command does not print.
type UnsupportedError struct {
	Value   string
	Allowed []Format
}

func (e *UnsupportedError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("--output %q: this command prints no data, so it takes no --output", e.Value)
	}
	return fmt.Sprintf("--output %q is not a format of this command: use %s", e.Value, Names(e.Allowed))
}

// Parse checks value against the formats a command offers ("" = table).
func Parse(value string, allowed []Format) (Format, error) {
	v := Format(strings.ToLower(strings.TrimSpace(value)))
	if v == "" {
		return Table, nil
	}
	for _, f := range allowed {
		if v == f {
			return f, nil
		}
	}
	if len(allowed) == 0 && v == Table {
		return Table, nil
	}
	return "", &UnsupportedError{Value: value, Allowed: allowed}
}
