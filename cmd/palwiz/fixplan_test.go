package main

import (
	"strings"
	"testing"
)

// demoDelivered is what Fabrikam delivered to Contoso in the demo.
var demoDelivered = []string{"--delivered", "publisher=Fabrikam Consulting,Visit Booking,Case Desk,Route field requests,Weekly inspection digest,Regional Targets,Service Levels,Escalate overdue surveys"}

// The demo's fix plan as markdown, as docs/attribution-rules.md reviews it
// against the PAL guidance's tooling tables: every "palwiz can do this" is
// a change whose table row says yes (or, for a take-over, one that claims
// no credit), and every command is one unwrapped line.
func TestFixPlanMarkdownReview(t *testing.T) {
	h := signedInService(t, nil)
	r := h.run(append([]string{"fix", "-o", "md"}, demoDelivered...)...)
	mustCode(t, r, 0)
	md := r.stdout
	var can []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasSuffix(line, "(palwiz can do this)") {
			can = append(can, line)
		}
	}
	want := []string{
		`co-owner (CanEdit) of canvas app "Visit Booking"`, // Power App Canvas: GUI yes, PowerShell yes
		`the primary owner of flow "Route field requests"`, // Power Automate: yes for every tool
		`Take over dataset "Regional Targets"`,             // no row: claims "cannot tell", not the credit
	}
	if len(can) != len(want) {
		t.Fatalf("%d changes palwiz can make, want %d:\n%s", len(can), len(want), strings.Join(can, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(can[i], w) {
			t.Errorf("change %d: %q, want %q", i+1, can[i], w)
		}
	}
	for _, s := range []string{
		"**3 changes palwiz can make, 5 steps to do by hand.**",
		"Import solution ContosoHR into Contoso Production again",
		"Publish dataset \"Service Levels\" as a new semantic model",
		"Rebuild model-driven app \"Case Desk\" in development",
		"cannot be reused",
		"stops being the dataset's owner",
		"11 resources not marked as delivered are left alone.",
		"## Advice (does not move the credit)",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("the plan lacks %q:\n%s", s, md)
		}
	}
	for _, never := range []string{"ContosoExpenses", "add-solution-component", "--activate-plugins --", "now attributed"} {
		if strings.Contains(md, never) {
			t.Errorf("the plan holds %q", never)
		}
	}
}
