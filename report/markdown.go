package report

import (
	"bytes"
	"fmt"
	"strings"
)

// mdTable writes a Markdown table; cells are escaped by the caller.
func mdTable(b *bytes.Buffer, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	b.WriteString("\n")
}

// markdown renders the report for a pull request or a wiki, with the JSON
// form (which the digest covers) folded away at the end.
func markdown(d *Document, digest string, js []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", md(d.Title))
	fmt.Fprintf(&b, "Generated %s by palwiz %s on the %s cloud, signed in as %s. SHA-256 of the JSON form: `%s`\n\n",
		when(d.Run.Generated), md(d.Run.Palwiz.Version), md(d.Run.Cloud), md(who(&d.Run.RanBy)), digest)
	if d.Run.Cloud == "sim" {
		b.WriteString("> This report comes from palwiz's simulated cloud (a demonstration), not from Microsoft's services.\n\n")
	}
	fmt.Fprintf(&b, "**%s**\n\n", md(d.Summary.Headline))
	if len(d.Directories) > 1 {
		b.WriteString("## Directories\n\n")
		var rows [][]string
		for _, dir := range d.Directories {
			rows = append(rows, fleetRow(dir, md))
		}
		mdTable(&b, fleetHeader, rows)
	}
	for _, dir := range d.Directories {
		mdDirectory(&b, dir, len(d.Directories) > 1)
	}
	mdRun(&b, d)
	fence := fenceFor(js)
	fmt.Fprintf(&b, "<details><summary>The JSON form of this report (%s); verify with <code>palwiz report verify FILE</code></summary>\n\n%s\n%sjson\n%s%s\n\n</details>\n",
		digest, mdMarker, fence, js, fence)
	return b.Bytes()
}

// fenceFor is a code fence longer than any run of backticks in js.
func fenceFor(js []byte) string {
	longest, run := 0, 0
	for _, c := range js {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

var fleetHeader = []string{"Directory", "Tenant ID", "Status", "Linked", "Partner", "Attributed", "Not attributed", "Cannot tell", "Does not count", "Not checked"}

// fleetRow is a directory's row in the fleet summary table.
func fleetRow(dir Directory, esc func(string) string) []string {
	name := dir.TenantName
	if name == "" {
		name = dir.TenantDomain
	}
	c := Counts{}
	if dir.Counts != nil {
		c = *dir.Counts
	}
	counts := []string{itoa(c.Attributed), itoa(c.NotAttributed), itoa(c.CannotTell), itoa(c.DoesNotCount), itoa(c.NotChecked)}
	if dir.Status == StatusFailed && dir.Counts == nil {
		counts = []string{"–", "–", "–", "–", "all"}
	}
	return append([]string{esc(name), esc(dir.TenantID), esc(dir.Status), esc(linkedWord(dir.Link)), esc(partner(dir.Link))}, counts...)
}

func mdDirectory(b *bytes.Buffer, dir Directory, fleet bool) {
	h := "##"
	if fleet {
		fmt.Fprintf(b, "## %s\n\n", md(label(dir)))
		h = "###"
	}
	fmt.Fprintf(b, "**Status: %s.** %s\n\n", md(statusWord(dir.Status)), md(dir.Headline))
	if e := dir.Error; e != nil {
		fmt.Fprintf(b, "%s Not checked\n\n- %s%s%s\n\n", h, md(e.Message), nextStep(e.NextStep), requestID(e.RequestID))
	}
	if len(dir.NotChecked) > 0 {
		fmt.Fprintf(b, "%s Not checked\n\n", h)
		for _, nc := range dir.NotChecked {
			fmt.Fprintf(b, "- **%s**: %s%s%s\n", md(nc.Where), md(nc.Message), nextStep(nc.NextStep), requestID(nc.RequestID))
		}
		b.WriteString("\n")
	}
	if id := dir.Identity; id != nil {
		fmt.Fprintf(b, "%s Identity\n\n", h)
		rows := [][]string{{"Name", md(id.DisplayName)}}
		if id.Kind == "servicePrincipal" {
			rows = append(rows, []string{"App ID", md(id.AppID)})
		} else {
			rows = append(rows, []string{"User principal name", md(id.UPN)})
		}
		rows = append(rows, []string{"Object ID", md(id.ObjectID)}, []string{"Kind", md(kindWord(id))})
		mdTable(b, []string{"", ""}, rows)
	}
	if l := dir.Link; l != nil {
		fmt.Fprintf(b, "%s Partner Admin Link (read %s)\n\n", h, when(l.ReadAt))
		if !l.Linked {
			b.WriteString("Not linked: this identity has no Partner Admin Link in this directory.\n\n")
		} else {
			mdTable(b, []string{"Partner", "State", "First linked", "Last changed"},
				[][]string{{md(partner(l)), md(l.State), md(whenStamp(l.FirstLinked)), md(whenStamp(l.LastChanged))}})
		}
	}
	if len(dir.Coverage) > 0 {
		mdCoverage(b, dir, h)
	}
	if len(dir.Unchecked) > 0 {
		fmt.Fprintf(b, "%s Not read\n\n", h)
		for _, u := range dir.Unchecked {
			fmt.Fprintf(b, "- **%s**: %s\n", md(u.Product), md(u.Reason))
		}
		b.WriteString("\n")
	}
	if len(dir.Notes) > 0 {
		fmt.Fprintf(b, "%s Notes\n\n", h)
		for _, n := range dir.Notes {
			fmt.Fprintf(b, "- %s\n", md(n))
		}
		b.WriteString("\n")
	}
}

func mdCoverage(b *bytes.Buffer, dir Directory, h string) {
	fmt.Fprintf(b, "%s Coverage by product\n\n", h)
	var rows [][]string
	for _, c := range dir.Coverage {
		rows = append(rows, coverageRow(c, md))
	}
	mdTable(b, coverageHeader, rows)
	for _, c := range dir.Coverage {
		if len(c.Resources) == 0 {
			continue
		}
		fmt.Fprintf(b, "%s# %s\n\n", h, md(c.Name))
		var rs [][]string
		for _, r := range c.Resources {
			rs = append(rs, resourceRow(r, md))
		}
		mdTable(b, resourceHeader, rs)
	}
}

var coverageHeader = []string{"Product", "Attributed", "Not attributed", "Cannot tell", "Does not count", "Not checked", "Note"}

func coverageRow(c Coverage, esc func(string) string) []string {
	if !c.Checked {
		return []string{esc(c.Name), "–", "–", "–", "–", "–", esc("not checked: " + c.Note)}
	}
	return []string{esc(c.Name), itoa(c.Attributed), itoa(c.NotAttributed), itoa(c.CannotTell), itoa(c.DoesNotCount), itoa(c.NotChecked), esc(c.Note)}
}

var resourceHeader = []string{"Environment", "Type", "Name", "Held by", "Verdict", "Why"}

func resourceRow(r Resource, esc func(string) string) []string {
	held := holder(r.Holder)
	if held != "" && r.Role != "" {
		held = r.Role + ": " + held
	}
	return []string{esc(r.EnvironmentName), esc(r.EnvironmentType), esc(r.Name), esc(held), esc(verdictWord(r.Verdict)), esc(r.Reason)}
}

func nextStep(s string) string {
	if s == "" {
		return ""
	}
	return " Next: " + md(s)
}

func requestID(s string) string {
	if s == "" {
		return ""
	}
	return " (request ID `" + strings.ReplaceAll(clean(s), "`", "") + "`)"
}

func mdRun(b *bytes.Buffer, d *Document) {
	r := d.Run
	b.WriteString("## About this report\n\n")
	rows := [][]string{
		{"Generated", when(r.Generated)},
		{"palwiz", md(strings.TrimSpace(r.Palwiz.Version + " " + r.Palwiz.Commit))},
		{"Cloud", md(r.Cloud)},
		{"Run by", md(who(&r.RanBy))},
		{"Run by (object ID, directory)", md(r.RanBy.ObjectID + " in " + r.RanBy.TenantID)},
		{"Directories", md(scopeWord(r.Scope))},
	}
	if f := r.Filter; f != nil {
		rows = append(rows, []string{"Limited to", md(filterWords(f))})
	}
	rows = append(rows, []string{"Requests (checks)", itoa(int(r.Requests))})
	mdTable(b, []string{"", ""}, rows)
	if len(r.Failures) > 0 {
		b.WriteString("### Failed reads\n\n")
		var rs [][]string
		for _, f := range r.Failures {
			rs = append(rs, []string{md(f.Where), md(f.Code), md(f.Message), md(f.RequestID)})
		}
		mdTable(b, []string{"Where", "Code", "What happened", "Request ID"}, rs)
	}
}

func filterWords(f *Filter) string {
	var parts []string
	if len(f.Environments) > 0 {
		parts = append(parts, "environments "+strings.Join(f.Environments, ", "))
	}
	if len(f.Products) > 0 {
		parts = append(parts, "products "+strings.Join(f.Products, ", "))
	}
	if f.ProductionOnly {
		parts = append(parts, "production environments only")
	}
	return strings.Join(parts, "; ")
}
