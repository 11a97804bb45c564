package tui

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/palwiz/palwiz/report"
)

// Validation's share of the flow: the offer to write the evidence report
// (palwiz report for this directory), its questions and its words. Both
// renderers ask the same fields and say the same notes.

// reportOffer is the offer, as a key's help and as the accessible question.
const reportOffer = "write the evidence report"

// reportAsk is the accessible runner's question.
const reportAsk = "Write the evidence report for this directory (as palwiz report does)?"

// reportChoice is what the user chose: a format and a path ("" takes the
// default name).
type reportChoice struct {
	format, path string
}

// reportName is the default name of the report in format, in the
// wizard's working directory: named after the directory and the day.
func (f *facts) reportName(format string, now time.Time) string {
	return report.FileName(f.tenant.DefaultDomain, f.tenant.ID, now, format)
}

// reportTarget is where the report goes: the path typed (relative to the
// working directory), or the default for the format.
func (f *facts) reportTarget(dir string, c reportChoice, now time.Time) string {
	p := strings.TrimSpace(c.path)
	switch {
	case p == "":
		return filepath.Join(dir, f.reportName(c.format, now))
	case filepath.IsAbs(p):
		return p
	}
	return filepath.Join(dir, p)
}

// reportFormats are the formats offered, as label, value pairs.
var reportFormats = []string{
	"HTML (one self-contained page, prints well)", "html",
	"Markdown (for a pull request or a wiki)", "md",
	"JSON (the documented schema)", "json",
}

// reportFields ask for the format and the path; the path's placeholder is
// the default name for the format chosen (the accessible runner asks the
// path after the format, naming that default in the question).
func (f *facts) reportFields(c *reportChoice, now time.Time) []huh.Field {
	return []huh.Field{reportFormatField(c, false), f.reportPathField(c, now, false)}
}

func reportFormatField(c *reportChoice, acc bool) *huh.Select[string] {
	if acc {
		return newSelect("Report format", &c.format, reportFormats...)
	}
	var opts []huh.Option[string]
	for i := 0; i+1 < len(reportFormats); i += 2 {
		opts = append(opts, huh.NewOption(reportFormats[i], reportFormats[i+1]))
	}
	return huh.NewSelect[string]().Title("Report format").Options(opts...).Value(&c.format)
}

func (f *facts) reportPathField(c *reportChoice, now time.Time, acc bool) *huh.Input {
	def := func() string { return f.reportName(cmpOr(c.format, "html"), now) }
	title := "Save as"
	if acc {
		title = withDefault(title, cmpOr(c.path, def()), acc)
	}
	return huh.NewInput().Title(title).Prompt("> ").
		Description("In the directory palwiz was started in; empty takes the name shown. palwiz never replaces a file it did not write.").
		PlaceholderFunc(def, &c.format).
		Value(&c.path)
}

// shownPath is path as the user named it: relative to the directory
// palwiz works in when it is inside it.
func shownPath(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// reportWritten is what is said once the report is written (path as
// shownPath gives it).
func reportWritten(path, digest string) []note {
	return []note{
		{noteOK, "Wrote the evidence report to " + path + "."},
		{noteInfo, "Digest (SHA-256 of its JSON form): " + digest + ". palwiz report verify " + path + " checks it later."},
	}
}

// reportNotWritten says why the report was not written; a file palwiz did
// not write is left alone and another name is offered (suggest, as
// shownPath gives it).
func reportNotWritten(dir string, err error) (ns []note, suggest string) {
	var ee *report.ExistsError
	if errors.As(err, &ee) {
		path := shownPath(dir, ee.Path)
		what := path + " exists and palwiz did not write it, so palwiz leaves it alone."
		if k := ee.NotRegular(); k != "" {
			what = path + " is " + k + ", not a file palwiz wrote; palwiz leaves it alone."
		}
		next := "Choose another name."
		if ee.Suggest != "" {
			suggest = shownPath(dir, ee.Suggest)
			next = "Choose another name, such as " + suggest + "."
		}
		return []note{{noteWarn, what + " " + next}}, suggest
	}
	what, next := explain(err)
	return []note{{noteBad, join(" ", "The report was not written: "+strings.TrimRight(what, ".")+".", next)}}, ""
}
