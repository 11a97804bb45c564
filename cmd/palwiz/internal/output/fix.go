package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/palwiz/palwiz/steps"
)

// FixJSON is one planned change.
type FixJSON struct {
	Kind        string       `json:"kind"`
	Resource    ResourceJSON `json:"resource"`
	Summary     string       `json:"summary"`
	Explanation string       `json:"explanation"`
	Automatic   bool         `json:"automatic"`
	Blocked     string       `json:"blocked,omitempty"`
	Attributes  bool         `json:"attributes"`
	Commands    []string     `json:"commands,omitempty"`
	Covers      []string     `json:"covers,omitempty"`
}

// Fix is the machine shape of f.
func Fix(f steps.Fix) FixJSON {
	return FixJSON{Kind: string(f.Kind), Resource: Resource(f.Resource), Summary: f.Summary, Explanation: f.Explanation,
		Automatic: f.Automatic, Blocked: f.Blocked, Attributes: f.Attributes, Commands: f.Commands, Covers: f.Covers}
}

// PlanDoc is the plan of attribution fixes.
type PlanDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Directory
	Linked LinkedJSON `json:"linked"`
	Plan   []FixJSON  `json:"plan"`
}

// FixResultJSON is what applying one fix did.
type FixResultJSON struct {
	Fix     FixJSON       `json:"fix"`
	Applied bool          `json:"applied"`
	Error   string        `json:"error,omitempty"`
	After   *ResourceJSON `json:"after,omitempty"`
}

// ResultsDoc is what fix --apply did.
type ResultsDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Directory
	Linked  LinkedJSON      `json:"linked"`
	Results []FixResultJSON `json:"results"`
	Applied int             `json:"applied"`
	Failed  int             `json:"failed"`
}

var fixCSV = []string{"kind", "resource.product", "resource.id", "resource.name", "resource.environmentName", "resource.verdict",
	"summary", "automatic", "blocked", "attributes", "commands"}

func fixRow(f FixJSON) []string {
	return []string{f.Kind, f.Resource.Product, f.Resource.ID, f.Resource.Name, f.Resource.EnvironmentName, f.Resource.Verdict,
		f.Summary, strconv.FormatBool(f.Automatic), f.Blocked, strconv.FormatBool(f.Attributes), strings.Join(f.Commands, " ; ")}
}

// fixMode says who does a fix.
func fixMode(f steps.Fix) string {
	switch {
	case f.Blocked != "":
		return "blocked: " + f.Blocked
	case f.Applicable():
		return "palwiz can do this"
	}
	return "by hand"
}

// Plan prints the plan of fixes for dir.
func Plan(w io.Writer, f Format, dir Directory, res *steps.ScanResult, plan []steps.Fix) error {
	if dir.TenantID == "" {
		dir.TenantID = res.TenantID
	}
	doc := PlanDoc{SchemaVersion: SchemaVersion, Directory: dir, Linked: Linked(res.Linked), Plan: make([]FixJSON, 0, len(plan))}
	for _, x := range plan {
		doc.Plan = append(doc.Plan, Fix(x))
	}
	switch f {
	case JSON:
		return writeJSON(w, doc)
	case CSV:
		t := newTable(fixCSV...)
		for _, x := range doc.Plan {
			t.add(fixRow(x)...)
		}
		return t.write(w, CSV)
	case Markdown:
		fmt.Fprintf(w, "# Attribution fixes for %s in %s\n\n", md(res.Linked.Name()), md(dir.Label()))
		if len(plan) == 0 {
			fmt.Fprintln(w, "Nothing to fix.")
		}
		for i, x := range plan {
			fmt.Fprintf(w, "%d. **%s** (%s)\n\n   %s\n", i+1, md(x.Summary), md(fixMode(x)), md(x.Explanation))
			if len(x.Covers) > 0 {
				fmt.Fprintf(w, "\n   Also attributes: %s\n", md(strings.Join(x.Covers, ", ")))
			}
			if len(x.Commands) > 0 {
				cmds := make([]string, len(x.Commands))
				for j, c := range x.Commands {
					cmds[j] = Clean(c)
				}
				fmt.Fprintf(w, "\n   ```\n   %s\n   ```\n", strings.Join(cmds, "\n   "))
			}
			fmt.Fprintln(w)
		}
		return nil
	}
	linkedHeader(w, io.Discard, dir, res)
	if len(plan) == 0 {
		fmt.Fprintln(w, "Nothing to fix: every resource that counts is attributed, or palwiz cannot tell and says why in `palwiz check`.")
		return nil
	}
	auto, manual := 0, 0
	for i, x := range plan {
		switch {
		case x.Blocked != "":
		case x.Applicable():
			auto++
		default:
			manual++
		}
		line(w, "%2d. %s", i+1, x.Summary)
		line(w, "    [%s]", fixMode(x))
		fmt.Fprintf(w, "    %s\n", wrap(Clean(x.Explanation), 90, "    "))
		if len(x.Covers) > 0 {
			line(w, "    Also attributes: %s", strings.Join(x.Covers, ", "))
		}
		for _, c := range x.Commands {
			line(w, "      %s", c)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d change%s palwiz can make (`palwiz fix --apply`), %d to do by hand.\n", auto, plural(auto), manual)
	return nil
}

// wrap breaks text at width, indenting the following lines.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// Results prints what applying the fixes did; it returns how many of the
// fixes palwiz should have made failed.
func Results(w io.Writer, f Format, dir Directory, res *steps.ScanResult, results []steps.FixResult) (failed int, err error) {
	if dir.TenantID == "" {
		dir.TenantID = res.TenantID
	}
	doc := ResultsDoc{SchemaVersion: SchemaVersion, Directory: dir, Linked: Linked(res.Linked), Results: make([]FixResultJSON, 0, len(results))}
	for _, r := range results {
		j := FixResultJSON{Fix: Fix(r.Fix), Applied: r.Applied, Error: r.Error}
		if r.After != nil {
			a := Resource(*r.After)
			j.After = &a
		}
		doc.Results = append(doc.Results, j)
		switch {
		case r.Applied:
			doc.Applied++
		case r.Fix.Applicable():
			doc.Failed++
		}
	}
	switch f {
	case JSON:
		return doc.Failed, writeJSON(w, doc)
	case CSV:
		t := newTable(append(append([]string{}, fixCSV...), "applied", "error", "after.verdict", "after.reason")...)
		for _, r := range doc.Results {
			verdict, reason := "", ""
			if r.After != nil {
				verdict, reason = r.After.Verdict, r.After.Reason
			}
			t.add(append(fixRow(r.Fix), strconv.FormatBool(r.Applied), r.Error, verdict, reason)...)
		}
		return doc.Failed, t.write(w, CSV)
	case Markdown:
		fmt.Fprintf(w, "# Attribution fixes applied for %s in %s\n\n", md(res.Linked.Name()), md(dir.Label()))
		t := newTable("Change", "Result", "Verdict now")
		for _, r := range results {
			result, now := "to do by hand", ""
			switch {
			case r.Applied:
				result = "done"
			case r.Fix.Applicable():
				result = "failed: " + r.Error
			}
			if r.After != nil {
				now = r.After.Verdict.Label()
			}
			t.add(r.Fix.Summary, result, now)
		}
		return doc.Failed, t.write(w, Markdown)
	}
	var manual []steps.FixResult
	for _, r := range results {
		switch {
		case r.Applied && r.After != nil:
			line(w, "Done: %s", r.Fix.Summary)
			line(w, "      now %s: %s", r.After.Verdict.Label(), r.After.Reason)
			for _, n := range r.After.Notes {
				line(w, "      %s", n)
			}
		case r.Applied:
			line(w, "Done: %s", r.Fix.Summary)
			line(w, "      %s", r.Error)
		case r.Fix.Applicable():
			line(w, "Failed: %s", r.Fix.Summary)
			line(w, "      %s", r.Error)
		default:
			manual = append(manual, r)
		}
	}
	if len(manual) > 0 {
		fmt.Fprintln(w, "\nStill to do by hand:")
		for _, r := range manual {
			line(w, "  %s", r.Fix.Summary)
			if r.Fix.Blocked != "" {
				line(w, "    %s", r.Fix.Blocked)
			}
			for _, c := range r.Fix.Commands {
				line(w, "      %s", c)
			}
		}
	}
	return doc.Failed, nil
}
