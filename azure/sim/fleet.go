package sim

import "fmt"

// FleetScenario is a partner consultant with guest accounts in n-1 customer
// directories (n directories in all), for fleet tests and benchmarks. The
// consultant is fleet@fabrikam.example; every third customer is already
// linked to partner 5127255.
func FleetScenario(n int) *Scenario {
	if n < 1 {
		n = 1
	}
	guid := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }
	sc := &Scenario{
		Name:        fmt.Sprintf("fleet-%d", n),
		Description: fmt.Sprintf("A consultant with guest accounts in %d customer directories.", n-1),
		Partners: []Partner{
			{ID: "4977985", Name: "Fabrikam Consulting (Seattle)", Kind: "location"},
			{ID: "5127255", Name: "Tailspin Partners (Dublin)", Kind: "location"},
		},
		Settings: Settings{TenantsPageSize: 100},
	}
	u := User{ObjectID: guid(0xf1ee7, 0), UserPrincipalName: "fleet@fabrikam.example", DisplayName: "Fleet Consultant", HomeTenant: guid(0x7e4a47, 0)}
	for i := 0; i < n; i++ {
		t := Tenant{ID: guid(0x7e4a47, i), DisplayName: fmt.Sprintf("Customer %03d", i), DefaultDomain: fmt.Sprintf("customer%03d.onmicrosoft.com", i)}
		if i == 0 {
			t.DisplayName, t.DefaultDomain = "Fabrikam Consulting", "fabrikam.example"
		} else {
			g := Guest{Tenant: t.ID, ObjectID: guid(0x6e57, i)}
			u.Guests = append(u.Guests, g)
			if i%3 == 0 {
				sc.Links = append(sc.Links, Link{Tenant: t.ID, ObjectID: g.ObjectID, PartnerID: "5127255"})
			}
		}
		sc.Tenants = append(sc.Tenants, t)
	}
	sc.Users = []User{u}
	return sc
}
