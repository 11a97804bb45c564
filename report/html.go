package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"clean":          clean,
	"when":           when,
	"stamp":          whenStamp,
	"partner":        partner,
	"linked":         linkedWord,
	"who":            who,
	"holder":         holder,
	"verdict":        verdictWord,
	"status":         statusWord,
	"kind":           kindWord,
	"label":          label,
	"scope":          scopeWord,
	"filter":         filterWords,
	"fleetRow":       func(d Directory) []string { return fleetRow(d, clean) },
	"covRow":         func(c Coverage) []string { return coverageRow(c, clean) },
	"resRow":         func(r Resource) []string { return resourceRow(r, clean) },
	"fleetHeader":    func() []string { return fleetHeader },
	"coverageHeader": func() []string { return coverageHeader },
	"resourceHeader": func() []string { return resourceHeader },
	"trim":           strings.TrimSpace,
	"lower":          strings.ToLower,
}).Parse(htmlTemplate))

// htmlReport renders the report as one self-contained HTML file: inline
// CSS (with a print stylesheet), no script, nothing fetched (its Content
// Security Policy forbids it), and the JSON form kept, hidden, for Verify.
func htmlReport(d *Document, digest string, js []byte) ([]byte, error) {
	var b bytes.Buffer
	err := htmlTmpl.Execute(&b, struct {
		*Document
		Digest string
		JSON   string
		Fleet  bool
	}{d, digest, string(js), len(d.Directories) > 1})
	if err != nil {
		return nil, fmt.Errorf("render the HTML report: %w", err)
	}
	return b.Bytes(), nil
}
