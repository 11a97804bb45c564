package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
)

// toInitiation gets past Welcome with a valid partner ID.
func toInitiation(t *testing.T, r *runner) {
	r.typeText("4977985")
	r.key("enter")
	r.waitFor("Which account will you deliver with?", 2*time.Second)
}

// signedIn gets to the identity card as the dedicated service account.
func signedIn(t *testing.T, r *runner, f *fakeBackend) {
	toInitiation(t, r)
	r.key("enter")
	r.waitFor("Code: ", 2*time.Second)
	f.approve()
	r.waitFor("This is you", 2*time.Second)
}

func toDirectory(t *testing.T, r *runner, f *fakeBackend) {
	signedIn(t, r, f)
	r.key("enter")
	r.waitFor("Which customer directory?", time.Second)
	r.settle()
}

// toDirectoryAsPerson signs in with the personal or guest account choice
// and goes to Directory.
func toDirectoryAsPerson(t *testing.T, r *runner, f *fakeBackend) {
	toInitiation(t, r)
	r.key("down", "down", "enter")
	r.waitFor("Code: ", 2*time.Second)
	f.approve()
	r.waitFor("This is you", 2*time.Second)
	r.key("enter")
	r.waitFor("Which customer directory?", time.Second)
	r.settle()
}

func toRegistration(t *testing.T, r *runner, f *fakeBackend) {
	toDirectory(t, r, f)
	r.key("enter")
	r.waitFor("2 of 3 · Registration", time.Second)
	r.waitFor("What palwiz will do", time.Second)
}

func toAttribution(t *testing.T, r *runner, f *fakeBackend) {
	toRegistration(t, r, f)
	r.key("enter")
	r.waitFor("Linked to partner", time.Second)
	r.key("enter")
	r.waitFor("3 of 3 · Attribution", time.Second)
	r.settle()
}

func toValidation(t *testing.T, r *runner, f *fakeBackend) {
	toAttribution(t, r, f)
	r.key("enter")
	r.waitFor("Is ", time.Second)
	r.settle()
}

func toDone(t *testing.T, r *runner, f *fakeBackend) {
	toValidation(t, r, f)
	r.key("enter")
	r.waitFor("Next", time.Second)
}

// toSPForm opens the service-principal form.
func toSPForm(t *testing.T, r *runner) {
	toInitiation(t, r)
	r.key("down", "enter")
	r.waitFor("Sign in as a service principal", time.Second)
}

// fillSP types the three values into the service-principal form.
func fillSP(r *runner, tenant, client, secret string) {
	r.typeText(tenant)
	r.key("tab")
	r.typeText(client)
	r.key("tab", "tab")
	r.typeText(secret)
}

// toRequest opens the request for the customer's administrator and signs it.
func toRequest(t *testing.T, r *runner) {
	toInitiation(t, r)
	r.key("down", "down", "down", "enter")
	r.waitFor("A request for the customer's administrator", time.Second)
	r.key("e")
	r.typeText("Fabrikam Consulting")
	r.key("enter")
	r.typeText("Ana Lopez")
	r.key("enter")
}

func threeTenants(f *fakeBackend, _ *Options) {
	f.tenants = []steps.Tenant{contoso, northwind, woodgrove}
	f.probe[tWoodgrove] = mfaErr
	f.switchErr[tWoodgrove] = mfaErr
	guest := serviceWho
	guest.DisplayName, guest.UPN, guest.ObjectID = "Ana Lopez", "ana.lopez@fabrikam.example", "9a4f0d2b-5e6f-4071-bc83-9b4d00000203"
	guest.TenantID, guest.TenantName, guest.TenantDomain, guest.UserType = tNorthwind, "Northwind Traders", "northwind.onmicrosoft.com", "Guest"
	guest.Warnings = []string{"This is a guest account: a link made here counts only in Northwind Traders. Link again in each customer directory (the guest has a different object ID in each)."}
	f.who[tNorthwind] = guest
}

func demoOpts(f *fakeBackend, o *Options) {
	o.Demo = &Demo{SignInPage: "http://127.0.0.1:41234/devicelogin", ApproveAs: "pal-service@contoso.onmicrosoft.com", PartnerID: "4977985",
		Approve:        func(context.Context, string, string) error { f.approve(); return nil },
		ApproveBrowser: func(context.Context, string, string) error { f.approve(); return nil }}
}

func linkedTo(id, name string) func(f *fakeBackend, o *Options) {
	return func(f *fakeBackend, o *Options) {
		f.links[tContoso] = &steps.PartnerLink{PartnerID: id, PartnerName: name, TenantID: tContoso, State: "Active", CreatedTime: firstLinked, UpdatedTime: firstLinked}
	}
}

// envIdentity: PALWIZ_CLIENT_ID, PALWIZ_TENANT and a secret named the
// customer's service principal; the backend is signed in as it.
func envIdentity(f *fakeBackend, o *Options) {
	f.profile = &steps.Profile{Kind: steps.KindServicePrincipal, ClientID: "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"}
	o.EnvIdentity = "service principal e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 in directory contoso.onmicrosoft.com (PALWIZ_CLIENT_ID, PALWIZ_TENANT)"
}

// hostsCustomerInsights: Contoso Production's Dataverse hosts a Customer
// Insights - Data instance, which palwiz reads through Dataverse.
func hostsCustomerInsights(sc *sim.Scenario) {
	sc.PowerPlatform.Tenants[0].Environments[1].Dataverse.CustomerInsights = true
}

// meganSignsIn: a customer's maker approves the sign-in meant for the
// dedicated service account.
func meganSignsIn(f *fakeBackend, _ *Options) {
	w := serviceWho
	w.DisplayName, w.UPN, w.ObjectID = "Megan Bowen", "megan.bowen@contoso.onmicrosoft.com", "1a2b3c4d-5e6f-4a70-8b91-c0de00000311"
	w.HomeTenant = tContoso
	f.who[tContoso] = w
}

// anaAtHome: Ana signs in at home (Fabrikam, the partner's own directory)
// and is a guest in two customers' directories.
func anaAtHome(f *fakeBackend, _ *Options) {
	ana := steps.Who{Kind: steps.KindUser, DisplayName: "Ana Lopez", UPN: "ana.lopez@fabrikam.example", ObjectID: "9a4f0d2b-5e6f-4071-bc83-000000000201",
		TenantID: tFabrikam, TenantName: "Fabrikam Consulting", TenantDomain: "fabrikam.example", HomeTenant: tFabrikam, UserType: "Member"}
	f.who = map[string]steps.Who{tFabrikam: ana}
	for _, t := range []steps.Tenant{contoso, northwind} {
		g := ana
		g.TenantID, g.TenantName, g.TenantDomain, g.UserType = t.ID, t.DisplayName, t.DefaultDomain, "Guest"
		f.who[t.ID] = g
	}
	f.tenants, f.current = []steps.Tenant{fabrikam, contoso, northwind}, tFabrikam
}

var tailspin = linkedTo("5127255", "Tailspin Partners (Dublin)")

var screenCases = []screenCase{
	// Welcome
	{name: "welcome_empty", want: []string{"┃ Your partner ID", "Associated Partner ID", "enter continue"}},
	{name: "welcome_valid", drive: func(t *testing.T, r *runner, f *fakeBackend) { r.typeText("4977985") },
		want: []string{"✓ 4977985 has the shape"}},
	{name: "welcome_not_digits", drive: func(t *testing.T, r *runner, f *fakeBackend) { r.typeText("49A7") },
		want: []string{"✗", "is not a partner ID"}},
	{name: "welcome_not_seven_digits", drive: func(t *testing.T, r *runner, f *fakeBackend) { r.typeText("12345") },
		want: []string{"! 12345 has 5 digits", "not your organisation's Partner Global ID"}},
	{name: "welcome_enter_empty", drive: func(t *testing.T, r *runner, f *fakeBackend) { r.key("enter") },
		want: []string{"✗ Type your Partner Location ID"}},
	{name: "welcome_demo_prefilled", setup: demoOpts, want: []string{"DEMO · simulated cloud", "> 4977985"}},
	{name: "help_overlay", drive: func(t *testing.T, r *runner, f *fakeBackend) { r.key("?") },
		want: []string{"Help · Welcome", "Partner Location ID", "esc"}},

	// Initiation
	{name: "initiation_choose", drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r) },
		want: []string{"▸ Dedicated service account (recommended)", "+ One identity", "− The customer must create", "enter select"}},
	{name: "initiation_choose_guest", drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("down", "down") },
		want: []string{"▸ Personal or guest account", "spreadsheet"}},
	{name: "initiation_continue_as", setup: func(f *fakeBackend, o *Options) {
		f.profile = &steps.Profile{Kind: steps.KindUser, Username: "pal-service@contoso.onmicrosoft.com"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r) },
		want: []string{"▸ Continue as pal-service@contoso.onmicrosoft.com", "signed in earlier as"}},
	{name: "initiation_env_identity", setup: envIdentity, drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r) },
		want: []string{"▸ Continue as service principal e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", "as service principal e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 (environment)", "Named by the environment: service principal"}},
	{name: "initiation_device_code", drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter") },
		want: []string{"https://microsoft.com/devicelogin", "Code: HQ7XK9M2B", "expires in 15:00", "b browser", "c copy code"}},
	{name: "initiation_device_code_copied", drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter", "c") },
		want: []string{"✓ Copied the code to the clipboard"}},
	{name: "initiation_device_code_demo", setup: demoOpts, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		r.key("enter")
		r.waitFor("Which account", time.Second)
		r.key("enter")
	}, want: []string{"http://127.0.0.1:41234/devicelogin", "press a to approve as", "a approve (demo)"}},
	{name: "initiation_device_code_error", setup: func(f *fakeBackend, o *Options) {
		f.dcErr = &steps.ServiceError{Message: "Could not connect to the service", NextStep: "Check your network or proxy (HTTPS_PROXY)"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter") },
		want: []string{"✗ Could not connect to the service.", "r try again"}},
	{name: "initiation_declined", setup: func(f *fakeBackend, o *Options) {
		f.waitErr = &steps.AuthError{Reason: steps.ReasonDeclined, Message: "The sign-in was declined on the sign-in page", NextStep: "Run `palwiz login` again and choose Continue to approve it"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toInitiation(t, r)
		r.key("enter")
		r.waitFor("Code: ", time.Second)
		f.approve()
		r.waitFor("declined", time.Second)
	}, want: []string{"✗ The sign-in was declined on the sign-in page."}},
	{name: "initiation_browser", drive: func(t *testing.T, r *runner, f *fakeBackend) { toInitiation(t, r); r.key("enter", "b") },
		want: []string{"http://localhost:53123/authorize?client_id=04b07795", "state=Zm9vYmFy", "Waiting for the browser sign-in", "d device code", "c copy address"}},
	{name: "initiation_browser_demo", setup: demoOpts, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		r.key("enter")
		r.waitFor("Which account", time.Second)
		r.key("enter", "b")
	}, want: []string{"state=Zm9vYmFy", "a approve (demo)", "press a to approve as"}},
	{name: "initiation_service_principal_form", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toSPForm(t, r)
		fillSP(r, "contoso.onmicrosoft.com", "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", "s3cr3t-value")
	}, want: []string{"┃ Client secret", "> ************", "never shows it", "enter sign in"}},
	{name: "initiation_service_principal_incomplete", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toSPForm(t, r)
		r.typeText("contoso.onmicrosoft.com")
	}, want: []string{"┃ Directory", "enter next field", "tab next field"}},
	{name: "initiation_service_principal_certificate", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toSPForm(t, r)
		r.typeText("contoso.onmicrosoft.com")
		r.key("tab")
		r.typeText("e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501")
		r.key("tab", "down")
	}, want: []string{"▸ a certificate file (PEM or PFX)", "Certificate file", "Certificate password"}},
	{name: "initiation_service_principal_refused", setup: func(f *fakeBackend, o *Options) {
		f.spErr = &steps.AuthError{Reason: steps.ReasonBadSecret, Code: 7000215, Message: "Entra ID refused the client secret", NextStep: "Pass the secret's value (not its ID) in PALWIZ_CLIENT_SECRET or on standard input; it may have expired"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toSPForm(t, r)
		fillSP(r, "contoso.onmicrosoft.com", "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501", "wrong")
		r.key("enter")
		r.waitFor("refused", time.Second)
	}, want: []string{"✗ Entra ID refused the client secret (AADSTS7000215).", "the secret's value (not its ID)"}},
	{name: "initiation_service_principal_bad_client_id", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toSPForm(t, r)
		r.typeText("contoso.onmicrosoft.com")
		r.key("tab")
		r.typeText("not-a-guid")
		r.key("enter")
	}, want: []string{"✗ The application (client) ID is a GUID"}},
	{name: "initiation_card", drive: signedIn,
		want: []string{"PAL Service Account (Fabrikam)", "member user", "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", "as pal-service@contoso.onmicrosoft.com · in Contoso Ltd"}},
	{name: "initiation_card_foreign", setup: func(f *fakeBackend, o *Options) {
		w := serviceWho
		w.ObjectID, w.UserType, w.Foreign = "", "", true
		w.Warnings = []string{"This account has no user object of its own in Contoso Ltd (a CSP, GDAP or foreign sign-in). PAL links only identities that exist in the customer's directory: ask the customer for a dedicated account or a guest invitation."}
		f.who[tContoso] = w
	}, drive: signedIn, want: []string{"! This account has no user object", "✗ PAL cannot link this sign-in"}},
	{name: "initiation_who_error", setup: func(f *fakeBackend, o *Options) {
		f.whoErr = &steps.ServiceError{Message: "The service did not answer in time", NextStep: "Check your network or proxy and run the command again"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toInitiation(t, r)
		r.key("enter")
		r.waitFor("Code: ", time.Second)
		f.approve()
		r.waitFor("did not answer", time.Second)
	}, want: []string{"✗ The service did not answer in time.", "r try again"}},
	{name: "initiation_admin_request", drive: func(t *testing.T, r *runner, f *fakeBackend) { toRequest(t, r) },
		want: []string{"A request for the customer's administrator", "Fabrikam Consulting would", "s save to pal-account-request.txt"}},
	{name: "initiation_admin_request_saved", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toRequest(t, r)
		r.key("s")
		r.waitFor("Saved to", time.Second)
	}, want: []string{"✓ Saved to", "pal-accoun"}, showsDir: true},
	{name: "initiation_admin_request_exists", showsDir: true, setup: func(f *fakeBackend, o *Options) {
		if err := os.WriteFile(filepath.Join(o.WorkDir, requestFile), []byte("an earlier request\n"), 0o600); err != nil {
			panic(err)
		}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toRequest(t, r)
		r.key("s")
		r.waitFor("Replace the saved request?", time.Second)
	}, want: []string{"Replace the saved request?", "exists", "Replace it", "▸ Keep it"}},

	{name: "initiation_kind_mismatch", setup: meganSignsIn, drive: signedIn,
		want: []string{"! You chose a dedicated service account, but", "(Megan Bowen) looks like a person's", "the credit follows the account that owns the work"}},
	{name: "initiation_kind_confirm", setup: meganSignsIn, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		signedIn(t, r, f)
		r.key("enter")
	}, want: []string{"Continue as megan.bowen@contoso.onmicrosoft.com", "anyway?", "▸ Sign in again", "y continue anyway"}},

	// Directory
	{name: "directory_one", drive: toDirectory, want: []string{"▸ ● Contoso Ltd", "current", "enter continue here"}},
	{name: "directory_three", setup: threeTenants, drive: toDirectory,
		want: []string{"● Contoso Ltd", "○ Northwind Traders", "ready", "sign-in needed: needs MFA"}},
	{name: "directory_mfa_selected", setup: threeTenants, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("down", "down")
	}, want: []string{"▸ ○ Woodgrove Bank", "requires multi-factor", "Press enter to sign in again"}},
	{name: "directory_filter", setup: threeTenants, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("/")
		r.typeText("north")
	}, want: []string{"north", "Northwind Traders"}},
	{name: "directory_switched_guest", setup: threeTenants, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("down", "enter")
		r.waitFor("Now working in Northwind", time.Second)
	}, want: []string{"● Northwind Traders", "You are a guest", "as ana.lopez@fabrikam.example · in Northwind Traders"}},
	{name: "directory_reauth", setup: threeTenants, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("down", "down", "enter")
		r.waitFor("needs a new sign-in", time.Second)
	}, want: []string{"Woodgrove Bank needs a new sign-in", "enter sign in again", "b browser"}},
	{name: "directory_reauth_device_code", setup: threeTenants, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("down", "down", "enter")
		r.waitFor("needs a new sign-in", time.Second)
		r.key("enter")
	}, want: []string{"Sign in again for Woodgrove Bank", "Code: HQ7XK9M2B"}},
	{name: "directory_list_error", setup: func(f *fakeBackend, o *Options) {
		f.tenantsErr = &steps.ServiceError{Message: "Azure Resource Manager had a server error: The simulator injected this failure (Internal Server Error)", NextStep: "Run the command again in a moment"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		signedIn(t, r, f)
		r.key("enter")
	}, want: []string{"✗ Azure Resource Manager had a server error", "r try again"}},

	{name: "directory_guest_home", setup: anaAtHome, drive: toDirectoryAsPerson,
		want: []string{"● Fabrikam Consulting", "▸ ○ Contoso Ltd", "enter switch to it"}},

	// Registration
	{name: "registration_link", drive: toRegistration,
		want: []string{"none: not linked to any partner ID in Contoso Ltd", "link it to partner ID 4977985", "enter link"}},
	{name: "registration_nothing_to_do", setup: linkedTo("4977985", "Fabrikam Consulting (Seattle)"), drive: toRegistration,
		want: []string{"Fabrikam Consulting (Seattle) (4977985)", "nothing to do"}},
	{name: "registration_move", setup: tailspin, drive: toRegistration,
		want: []string{"move the link from Tailspin Partners (Dublin) (5127255)", "! Moving the link takes the credit"}},
	{name: "registration_move_confirm", setup: tailspin, drive: func(t *testing.T, r *runner, f *fakeBackend) { toRegistration(t, r, f); r.key("enter") },
		want: []string{"Move the link from Tailspin Partners (Dublin)", "Move it", "y move it"}},
	{name: "registration_move_kept", setup: tailspin, drive: func(t *testing.T, r *runner, f *fakeBackend) { toRegistration(t, r, f); r.key("enter", "n") },
		want: []string{"· The link stays with Tailspin Partners (Dublin) (5127255)."}},
	{name: "registration_moved", setup: tailspin, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toRegistration(t, r, f)
		r.key("enter", "y")
		r.waitFor("Moved", time.Second)
	}, want: []string{"✓ Moved the link from partner Tailspin Partners", "Partner ID    4977985", "Linked        to Fabrikam Consulting (Seattle) since 22 November 2026", "(first linked 3 March 2025)"}},
	{name: "registration_linked", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toRegistration(t, r, f)
		r.key("enter")
		r.waitFor("Linked to", time.Second)
	}, want: []string{"✓ Linked to partner Fabrikam Consulting (Seattle) (4977985).", "Partner name  Fabrikam Consulting (Seattle)", "Linked since  22 November 2026"}},
	{name: "registration_guest_home", setup: anaAtHome, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectoryAsPerson(t, r, f)
		r.key("up", "enter")
		r.waitFor("What palwiz will do", time.Second)
	}, want: []string{"! Fabrikam Consulting is the home directory of ana.lopez@fabrikam.example,", "which is a guest in Contoso Ltd, Northwind Traders.", "enter link"}},
	{name: "registration_guest_home_confirm", setup: anaAtHome, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectoryAsPerson(t, r, f)
		r.key("up", "enter")
		r.waitFor("What palwiz will do", time.Second)
		r.key("enter")
	}, want: []string{"Link ana.lopez@fabrikam.example in Fabrikam", "Consulting anyway?", "▸ Not here"}},
	{name: "registration_edit_partner_id", setup: tailspin, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toRegistration(t, r, f)
		r.key("e")
		r.waitFor("Your partner ID", time.Second)
	}, want: []string{"> 4977985", "enter back to Registration", "esc keep the partner ID"}},
	{name: "registration_partner_id_invalid", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		r.typeText("4977984")
		r.key("enter")
		r.waitFor("Which account", time.Second)
		r.key("enter")
		r.waitFor("Code: ", time.Second)
		f.approve()
		r.waitFor("This is you", time.Second)
		r.key("enter")
		r.waitFor("Which customer", time.Second)
		r.key("enter")
		r.waitFor("What palwiz will do", time.Second)
		r.key("enter")
		r.waitFor("✗", time.Second)
	}, want: []string{"✗ Microsoft does not recognise that partner ID", "Location ID", "e change the partner ID"}},
	{name: "registration_read_error", setup: func(f *fakeBackend, o *Options) {
		f.readErr = &steps.ServiceError{Message: "Azure is throttling requests and the retries ran out", NextStep: "Wait a minute and run the command again"}
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDirectory(t, r, f)
		r.key("enter")
		r.waitFor("throttling", time.Second)
	}, want: []string{"✗ Azure is throttling requests", "r try again"}},

	// Attribution
	{name: "attribution_why", drive: toAttribution, want: []string{"▸ Why it matters │ Product rules", "A link on its own earns nothing"}},
	{name: "attribution_rules", drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("right") },
		want: []string{"Power Apps (canvas)", "own or co-own the app", "Set-AdminPowerAppOwner"}},
	{name: "attribution_rules_scrolled", drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("right", "pgdown") },
		want: []string{"Why it matters │ ▸ Product rules", "Power BI", "↑"}, afterResize: "attribution_rules"},
	{name: "attribution_solutions", drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("right", "right") },
		want: []string{"managed solutions, imported by the linked account", "no solution path for Power BI"}},
	{name: "attribution_tooling", drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("left") },
		want: []string{"GUI  PowerShell  PP CLI  DevOps + Build Tools", "Power Apps model-driven  no   no          yes     yes"}},
	{name: "attribution_results", attributor: simAttr(nil), drive: toAttribution,
		want: []string{"▸ Your resources", "judged for pal-service@contoso.onmicrosoft.com", "Marks:  ✓ attributed  ✗ not attributed  ? cannot tell  · does not count",
			"Canvas apps · the rule looks at the owner / co-owner", "Name", "Environment", "Role", "Held by", "The linked account owns the app.", "d more details"}},
	{name: "attribution_results_scrolled", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		r.key("pgdown", "pgdown", "pgdown", "pgdown", "pgdown")
	}, want: []string{"creator    Megan Bowen", "importer   Lee Gu", "imported last"}, afterResize: "attribution_results"},
	{name: "attribution_results_details", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		r.key("d")
	}, want: []string{"· Default environment: it counts as production", "d fewer details"}},
	{name: "attribution_plan", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("right") },
		want: []string{"▸ Fix plan", "4 changes palwiz can make", "13 changes of ownership wait", "▸ [x] Add pal-service", "space tick", "a apply 4"}},
	{name: "attribution_plan_advice", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		r.key("right", "down", "down", "down", "down")
	}, want: []string{"▸ [ ] Advice, does not move the credit: Add", "Lets the linked account manage the flow.", "a apply 4"}},
	{name: "attribution_plan_unticked", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		r.key("right", "down", "space")
	}, want: []string{"  [x] Add pal-service", "▸ [ ] Add pal-service", "a apply 3"}},
	{name: "attribution_plan_by_hand", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Case Desk")
		r.key("left")
	}, want: []string{"▸ Fix plan", "Nothing palwiz can change; 1 step to do by hand.", "resources not marked as delivered are left alone"}},
	{name: "attribution_plan_commands", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Case Desk")
		r.key("left", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown")
	}, want: []string{"Commands never wrap", "$ pac solution export --name <YourSolution>", "→", "c copy commands"}, afterResize: "attribution_plan_by_hand"},
	{name: "attribution_plan_commands_scrolled", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Case Desk")
		r.key("left", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", ">", ">")
	}, want: []string{"$ ←", "--managed   # in your dev", "--publish-changes"}, afterResize: "attribution_plan_by_hand"},
	{name: "attribution_plan_copied", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Case Desk")
		r.key("left", "c", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown")
	}, want: []string{"✓ Copied 4 commands to the clipboard"}, afterResize: "attribution_plan_by_hand"},
	{name: "attribution_delivered", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) { toAttribution(t, r, f); r.key("right", "right") },
		want: []string{"▸ Delivered", "Which of these did your organisation deliver?", "[ ] ✗ Canvas app \"Team Birthdays\"", "space mark delivered"}},
	{name: "attribution_delivered_marked", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Regional Targets")
	}, want: []string{"[x] ✗ Power BI dataset \"Regional Targets\"", "a apply 1"}},
	{name: "attribution_apply_confirm", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		markDelivered(t, r, "Regional Targets")
		r.key("a")
	}, want: []string{"Make 1 change now?", "What the customer loses: This takes dataset", "stops being the", "y apply"}},
	{name: "attribution_applied", attributor: simAttr(nil), drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		r.key("a", "y")
		r.waitFor("All done", 10*time.Second)
	}, want: []string{"All done: 4 changes done.", "✓ Done: Add pal-service@contoso.onmicrosoft.com as co-owner (CanEdit) of", "(now attributed)"}},
	{name: "attribution_failed_reads", attributor: func(t testing.TB) Attributor {
		a := newSimAttributor(t, nil)
		everyPowerPlatformHost(a.sim)
		return stableRequestIDs{a}
	}, drive: toAttribution, want: []string{"✗ Not checked: Everything in", "Incomplete: "}},
	{name: "attribution_customer_insights_top", attributor: simAttr(hostsCustomerInsights), drive: toAttribution,
		want: []string{"36 resources in Contoso Ltd", "7 cannot tell"}},
	{name: "attribution_customer_insights", attributor: simAttr(hostsCustomerInsights), afterResize: "attribution_customer_insights_top", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		for !strings.Contains(r.screen(), "Customer Insights instances ·") && strings.Contains(r.screen(), "pgdn") {
			r.key("pgdown")
		}
		r.settle()
	}, want: []string{"Customer Insights instances · the rule looks at the user", "? Contoso Production", "cannot tell unless the account uses"}},
	{name: "attribution_scan_error", attributor: func(testing.TB) Attributor {
		return failingAttributor{&steps.ServiceError{Message: "Could not connect to the service", NextStep: "Check your network or proxy"}}
	}, drive: toAttribution, want: []string{"✗ Could not connect to the service.", "palwiz says nothing about attribution", "r check again"}},

	// Validation
	{name: "validation_yes", drive: toValidation, want: []string{"✓ YES", "Partner name  Fabrikam Consulting (Seattle)", "Partner ID    4977985"}},
	{name: "validation_no", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		f.mu.Lock()
		delete(f.links, tContoso)
		f.mu.Unlock()
		r.key("enter")
		r.waitFor("NO", time.Second)
	}, want: []string{"✗ NO", "earns no partner credit"}},
	{name: "validation_other_partner", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		f.mu.Lock()
		f.links[tContoso] = &steps.PartnerLink{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tContoso, State: "Active"}
		f.mu.Unlock()
		r.key("enter")
		r.waitFor("YES", time.Second)
	}, want: []string{"✓ YES", "! This is not the partner ID you chose (4977985)"}},
	{name: "validation_error", drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toAttribution(t, r, f)
		f.readErr = &steps.ServiceError{Message: "Could not connect to the service", NextStep: "Check your network or proxy"}
		r.key("enter")
		r.waitFor("✗", time.Second)
	}, want: []string{"✗ Could not connect to the service.", "r try again"}},

	{name: "validation_coverage", attributor: simAttr(nil), drive: toValidation,
		want: []string{"✓ YES", "What earns credit for Fabrikam Consulting (Seattle) (4977985) in Contoso Ltd:", "Canvas apps: 4 of 8 attributed", "Next: palwiz can do it"}},

	// Done
	{name: "done", drive: toDone,
		want: []string{"✓ Validated: linked to Fabrikam Consulting (Seattle) (4977985)", "Sign out and wipe", "▸ Keep them"}},
	{name: "done_ephemeral", setup: func(f *fakeBackend, o *Options) { o.Ephemeral = true }, drive: toDone,
		want: []string{"▸ Sign out", "--ephemeral"}},
	{name: "done_sign_out_error", setup: func(f *fakeBackend, o *Options) {
		o.Ephemeral = true
		f.signOutErr = errors.New("delete keyring item msal.user: the Secret Service did not answer")
	}, drive: func(t *testing.T, r *runner, f *fakeBackend) {
		toDone(t, r, f)
		r.key("enter")
		r.waitFor("✗ Delete", time.Second)
	}, want: []string{"✗ Delete keyring item", "Choose again"}},
	{name: "done_coverage", attributor: simAttr(nil), drive: toDone,
		want: []string{"Customer Insights instances: not checked outside Dataverse", "Sign out and wipe"}},
	{name: "quit_dialog", drive: func(t *testing.T, r *runner, f *fakeBackend) { signedIn(t, r, f); r.key("q") },
		want: []string{"Quit palwiz?", "partner link is not", "y quit"}},
}

// markDelivered ticks the named resources on the Delivered topic (and
// stays there).
func markDelivered(t *testing.T, r *runner, names ...string) {
	t.Helper()
	r.waitFor("judged for", 10*time.Second)
	r.key("right", "right")
	r.waitFor("▸ Delivered", time.Second)
	at := 0
	for i, row := range r.m.f.attr.candidates() {
		if slices.Contains(names, row.Name) {
			for ; at < i; at++ {
				r.key("down")
			}
			r.key("space")
		}
	}
	r.settle()
}
