package sim

import (
	"net/http"
	"strings"
	"testing"
)

// The scenario fields the attribution rules need: a solution-aware flow's
// primary owner and a dataset's publisher are checked like every reference.
func TestPPOwnerAndPublisherValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(*PowerPlatform)
		want string
	}{
		{"flow owner unknown", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Flows[5].Owner = "00000000-0000-4000-8000-00000000dead"
		}, "flows[5] (Weekly inspection digest).owner"},
		{"flow owner outside a solution", func(p *PowerPlatform) {
			p.Tenants[0].Environments[1].Flows[0].Owner = "1a2b3c4d-5e6f-4a70-8b91-c0de00000311"
		}, "only a flow in a solution has a primary owner"},
		{"dataset publisher unknown", func(p *PowerPlatform) {
			p.Tenants[0].Workspaces[0].Datasets[0].PublishedBy = "00000000-0000-4000-8000-00000000dead"
		}, "datasets[0] (Sales Pipeline).publishedBy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := LoadScenario("demo", nil)
			if err != nil {
				t.Fatal(err)
			}
			c.edit(sc.PowerPlatform)
			if err := sc.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// Dataverse's table metadata tells where Customer Insights - Data lives:
// EntityDefinitions(LogicalName='msdynci_customerprofile') answers 200 in an
// organisation that hosts an instance and 404 elsewhere; known tables answer.
func TestPPCustomerInsightsTable(t *testing.T) {
	ts := startSim(t, func(sc *Scenario) {
		sc.PowerPlatform.Tenants[0].Environments[1].Dataverse.CustomerInsights = true
	})
	def := func(org, logical string) answer {
		tok := ts.spToken(tContoso, spApp, spSecret, "https://"+org+".crm.dynamics.com/.default")
		return ppDo(t, ts, http.MethodGet, "https://"+org+".api.crm.dynamics.com/api/data/v9.2/EntityDefinitions(LogicalName='"+logical+"')?$select=LogicalName", tok, nil, nil)
	}
	a := def("contosoprod", "msdynci_customerprofile")
	ppMust(t, a, http.StatusOK)
	if m := a.json(t); m["LogicalName"] != "msdynci_customerprofile" || m["EntitySetName"] != "msdynci_customerprofiles" {
		t.Errorf("the definition: %s", a.body)
	}
	if a := def("contosouat", "msdynci_customerprofile"); a.status != http.StatusNotFound || !strings.Contains(string(a.body), "0x80040217") {
		t.Errorf("an organisation without Customer Insights: %d %s", a.status, a.body)
	}
	if a := def("contosouat", "bot"); a.status != http.StatusOK {
		t.Errorf("a table the organisation has: %d %s", a.status, a.body)
	}
}
