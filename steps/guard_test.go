package steps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

const (
	fabrikamID  = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	northwindID = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
)

var (
	fabrikam  = arm.Tenant{ID: fabrikamID, DisplayName: "Fabrikam Consulting", DefaultDomain: "fabrikam.example"}
	contoso   = arm.Tenant{ID: contosoID, DisplayName: "Contoso Ltd", DefaultDomain: "contoso.onmicrosoft.com"}
	northwind = arm.Tenant{ID: northwindID, DisplayName: "Northwind Traders"}
	ana       = steps.Who{Kind: auth.KindUser, UPN: "ana.lopez@fabrikam.example", DisplayName: "Ana Lopez", TenantID: fabrikamID, HomeTenant: fabrikamID, UserType: "Member"}
	service   = steps.Who{Kind: auth.KindUser, UPN: "pal-service@contoso.onmicrosoft.com", DisplayName: "PAL Service Account (Fabrikam)", TenantID: contosoID, HomeTenant: contosoID, UserType: "Member"}
	megan     = steps.Who{Kind: auth.KindUser, UPN: "megan.bowen@contoso.onmicrosoft.com", DisplayName: "Megan Bowen", TenantID: contosoID, HomeTenant: contosoID, UserType: "Member"}
	spn       = steps.Who{Kind: auth.KindServicePrincipal, AppID: spApp, DisplayName: "PAL-4977985-SPN", TenantID: contosoID, HomeTenant: contosoID}
)

func codes(ws []steps.Warning) string {
	var out []string
	for _, w := range ws {
		if w.Message == "" || w.NextStep == "" || !w.Confirm {
			out = append(out, "incomplete")
		}
		out = append(out, string(w.Code))
	}
	return strings.Join(out, ",")
}

func TestLinkWarnings(t *testing.T) {
	all := []arm.Tenant{fabrikam, contoso, northwind}
	cases := []struct {
		name      string
		who       steps.Who
		target    arm.Tenant
		reachable []arm.Tenant
		partner   string
		want      string
	}{
		{"a guest linking in its home directory", ana, fabrikam, all, "", "home-directory"},
		{"and it is the partner's own", ana, fabrikam, all, "Fabrikam Consulting (Seattle)", "home-directory,partner-directory"},
		{"a guest linking in a customer's directory", ana, contoso, all, "Fabrikam Consulting (Seattle)", ""},
		{"the dedicated account in its (customer's) home", service, contoso, []arm.Tenant{contoso}, "Fabrikam Consulting (Seattle)", ""},
		{"a home directory with no other directory", ana, fabrikam, []arm.Tenant{fabrikam}, "", ""},
		{"the partner's directory by name", service, arm.Tenant{ID: "x", DisplayName: "fabrikam consulting"}, nil, "Fabrikam Consulting (London)", "partner-directory"},
		{"a name that only starts the same", service, arm.Tenant{ID: "x", DisplayName: "Fabrikamo"}, nil, "Fabrikam", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(steps.LinkWarnings(c.who, c.target, c.reachable, c.partner)); got != c.want {
				t.Errorf("warnings %q, want %q", got, c.want)
			}
		})
	}
	w := steps.LinkWarnings(ana, fabrikam, all, "")[0]
	if !strings.Contains(w.Message, "guest in Contoso Ltd, Northwind Traders") || !strings.Contains(w.NextStep, "customer's directory") {
		t.Errorf("warning %+v", w)
	}
}

func TestKindWarnings(t *testing.T) {
	guest := ana
	guest.TenantID, guest.UserType, guest.UPN = contosoID, "Guest", "ana.lopez_fabrikam.example#EXT#@contoso.onmicrosoft.com"
	cases := []struct {
		chosen string
		who    steps.Who
		want   string
	}{
		{"service-account", service, ""},
		{"service-account", megan, "looks-personal"}, // a customer maker approved on the page
		{"service-account", guest, "account-kind"},
		{"service-account", spn, "account-kind"},
		{"service-principal", service, "account-kind"},
		{"service-principal", spn, ""},
		{"user", guest, ""},
		{"user", megan, ""},
		{"user", spn, "account-kind"},
		{"", megan, ""},
	}
	for _, c := range cases {
		if got := codes(steps.KindWarnings(c.chosen, c.who)); got != c.want {
			t.Errorf("%s as %s: %q, want %q", c.who.UPN+c.who.AppID, c.chosen, got, c.want)
		}
	}
	for _, w := range []steps.Who{service, spn, {Kind: auth.KindUser, UPN: "it-admin@contoso.onmicrosoft.com", DisplayName: "Contoso IT Administrator"},
		{Kind: auth.KindUser, UPN: "lee.gu@contoso.onmicrosoft.com", DisplayName: "Integration Account"}} {
		if steps.LooksPersonal(w) {
			t.Errorf("%s looks personal", w.UPN)
		}
	}
}

func TestPreselectTenant(t *testing.T) {
	all := []arm.Tenant{fabrikam, contoso, northwind}
	cases := []struct {
		name      string
		who       steps.Who
		reachable []arm.Tenant
		current   string
		want      string
	}{
		{"a guest signed in at home: never its home", ana, all, fabrikamID, contosoID},
		{"a guest already in a customer's directory", ana, all, northwindID, northwindID},
		{"the dedicated account at home", service, []arm.Tenant{contoso}, contosoID, contosoID},
		{"only the home directory", ana, []arm.Tenant{fabrikam}, fabrikamID, fabrikamID},
		{"nothing to pick", ana, nil, fabrikamID, ""},
	}
	for _, c := range cases {
		if got := steps.PreselectTenant(c.who, c.reachable, c.current); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Against the simulator: Ana signs in at home (Fabrikam), reaches three
// customer directories, and palwiz warns before linking in Fabrikam.
func TestGuardRailsAgainstTheSimulator(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, "ana.lopez@fabrikam.example", "")
	env := &steps.Env{Cloud: w.Cloud, Session: w.Session}
	ctx := context.Background()
	who, err := steps.WhoAmI(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if !steps.GuestElsewhere(who, ts) {
		t.Fatalf("Ana reaches %d directories and is not a guest elsewhere", len(ts))
	}
	home, _ := steps.FindTenant(ts, fabrikamID)
	if got := codes(steps.LinkWarnings(who, home, ts, "Fabrikam Consulting (Seattle)")); got != "home-directory,partner-directory" {
		t.Errorf("warnings %q", got)
	}
	if got := steps.PreselectTenant(who, ts, who.TenantID); got == "" || strings.EqualFold(got, fabrikamID) {
		t.Errorf("preselected %q", got)
	}
}
