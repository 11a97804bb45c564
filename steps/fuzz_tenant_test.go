package steps

import (
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/arm"
)

// FuzzFindTenant: --tenant and --use take a directory's GUID, domain or
// name as a person types it. A match is always one of the directories, by
// one of its names compared without case; the GUID test accepts only GUIDs.
func FuzzFindTenant(f *testing.F) {
	f.Add("contoso.onmicrosoft.com", "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", "Contoso Ltd", "contoso.onmicrosoft.com", "contoso.com")
	f.Add(" CONTOSO LTD ", "x", "Contoso Ltd", "", "")
	f.Add("", "", "", "", "")
	f.Add("2C8E5F1A-7D3B-4C6E-8A9F-C0DE00000002", "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", "", "", "")
	f.Add("ſtraße", "id", "STRASSE", "ſtraße", "")
	f.Fuzz(func(t *testing.T, q, id, name, domain, extra string) {
		ts := []arm.Tenant{{ID: id, DisplayName: name, DefaultDomain: domain, Domains: []string{extra}}, {ID: "other", DisplayName: "Other"}}
		got, ok := FindTenant(ts, q)
		if !ok {
			return
		}
		qq := strings.TrimSpace(q)
		matches := func(tn arm.Tenant) bool {
			for _, s := range append([]string{tn.ID, tn.DisplayName, tn.DefaultDomain}, tn.Domains...) {
				if strings.EqualFold(s, qq) {
					return true
				}
			}
			return false
		}
		if !matches(got) || got.ID != ts[0].ID && got.ID != ts[1].ID {
			t.Fatalf("FindTenant(%q) = %+v", q, got)
		}
		if IsGUID(q) && len(q) != 36 {
			t.Fatalf("IsGUID(%q)", q)
		}
	})
}
