package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/palwiz/palwiz/steps"
)

// Demo-like identities for the fake backend.
const (
	tContoso   = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	tNorthwind = "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	tWoodgrove = "4bae7f3c-9f5d-4e80-8c1b-00000000a004"
	tFabrikam  = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
)

var (
	contoso   = steps.Tenant{ID: tContoso, DisplayName: "Contoso Ltd", DefaultDomain: "contoso.onmicrosoft.com"}
	northwind = steps.Tenant{ID: tNorthwind, DisplayName: "Northwind Traders", DefaultDomain: "northwind.onmicrosoft.com"}
	woodgrove = steps.Tenant{ID: tWoodgrove, DisplayName: "Woodgrove Bank", DefaultDomain: "woodgrove.onmicrosoft.com"}
	fabrikam  = steps.Tenant{ID: tFabrikam, DisplayName: "Fabrikam Consulting", DefaultDomain: "fabrikam.example"}

	fixedNow = time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	// firstLinked is when the links already there were made.
	firstLinked = time.Date(2025, 3, 3, 14, 0, 0, 0, time.UTC)

	serviceWho = steps.Who{Kind: steps.KindUser, DisplayName: "PAL Service Account (Fabrikam)", UPN: "pal-service@contoso.onmicrosoft.com",
		ObjectID: "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", TenantID: tContoso, TenantName: "Contoso Ltd", TenantDomain: "contoso.onmicrosoft.com", UserType: "Member"}

	mfaErr = &steps.AuthError{Reason: steps.ReasonMFARequired, Code: 50076, Tenant: tWoodgrove, Claims: `{"access_token":{"capolids":{"essential":true,"values":["mfa"]}}}`,
		Message: "directory " + tWoodgrove + " requires multi-factor authentication for this account", NextStep: "Sign in to it with MFA: `palwiz login --tenant " + tWoodgrove + "` (or add --browser)"}
)

var partnerNames = map[string]string{"4977985": "Fabrikam Consulting (Seattle)", "5127255": "Tailspin Partners (Dublin)"}

// fakeBackend answers at once from fields a test sets; Wait blocks until
// the code is approved (approve) or the context ends.
type fakeBackend struct {
	mu         sync.Mutex
	profile    *steps.Profile
	dcErr      error
	approvals  chan struct{}
	waitErr    error
	spErr      error
	whoErr     error
	who        map[string]steps.Who // by tenant
	tenants    []steps.Tenant
	tenantsErr error
	probe      map[string]error
	switchErr  map[string]error
	current    string
	links      map[string]*steps.PartnerLink // by tenant
	readErr    error
	writeErr   error
	signOutErr error
	calls      []string
	claims     []string
}

func newFake() *fakeBackend {
	return &fakeBackend{
		approvals: make(chan struct{}, 16),
		who:       map[string]steps.Who{tContoso: serviceWho},
		tenants:   []steps.Tenant{contoso},
		probe:     map[string]error{},
		switchErr: map[string]error{},
		current:   tContoso,
		links:     map[string]*steps.PartnerLink{},
	}
}

// approve lets one waiting sign-in through.
func (f *fakeBackend) approve() { f.approvals <- struct{}{} }

func (f *fakeBackend) call(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Profile(context.Context) *steps.Profile { return f.profile }

func (f *fakeBackend) StartDeviceCode(_ context.Context, tenant, claims string) (*steps.DeviceCode, error) {
	f.call("StartDeviceCode " + tenant)
	f.mu.Lock()
	f.claims = append(f.claims, claims)
	if claims != "" {
		// Signing in with the claims challenge answers it (MFA done).
		delete(f.switchErr, tenant)
	}
	f.mu.Unlock()
	if f.dcErr != nil {
		return nil, f.dcErr
	}
	return &steps.DeviceCode{UserCode: "HQ7XK9M2B", VerificationURL: "https://microsoft.com/devicelogin",
		ExpiresOn: fixedNow.Add(15 * time.Minute)}, nil
}

func (f *fakeBackend) WaitDeviceCode(ctx context.Context, _ *steps.DeviceCode) (*steps.Identity, error) {
	select {
	case <-f.approvals:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.waitErr != nil {
		return nil, f.waitErr
	}
	return &steps.Identity{Kind: steps.KindUser, Username: "pal-service@contoso.onmicrosoft.com", TenantID: tContoso}, nil
}

// fakeAuthorizeURL is a browser sign-in address as long as Entra ID's.
const fakeAuthorizeURL = "http://localhost:53123/authorize?client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46" +
	"&redirect_uri=http%3A%2F%2Flocalhost%3A53123&response_type=code&response_mode=form_post" +
	"&scope=https%3A%2F%2Fmanagement.azure.com%2F.default+openid+offline_access+profile" +
	"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=Zm9vYmFy"

func (f *fakeBackend) LoginBrowser(ctx context.Context, _, _ string, open func(string) error) (*steps.Identity, error) {
	_ = open(fakeAuthorizeURL)
	return f.WaitDeviceCode(ctx, nil)
}

func (f *fakeBackend) LoginServicePrincipal(_ context.Context, tenant, clientID string, cred steps.SPCredential) (*steps.Identity, error) {
	how := "secret"
	if cred.CertFile != "" {
		how = "certificate " + cred.CertFile
	}
	f.call("LoginServicePrincipal " + tenant + " " + clientID + " " + how)
	if f.spErr != nil {
		return nil, f.spErr
	}
	return &steps.Identity{Kind: steps.KindServicePrincipal, ClientID: clientID, TenantID: tContoso}, nil
}

func (f *fakeBackend) WhoAmI(context.Context) (steps.Who, error) {
	f.call("WhoAmI")
	if f.whoErr != nil {
		return steps.Who{}, f.whoErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.who[f.current]
	if !ok {
		return steps.Who{}, errors.New("no identity in " + f.current)
	}
	return w, nil
}

func (f *fakeBackend) Tenants(context.Context) ([]steps.Tenant, error) {
	f.call("Tenants")
	return f.tenants, f.tenantsErr
}

func (f *fakeBackend) ProbeTenant(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.probe[id]
}

func (f *fakeBackend) SwitchTenant(_ context.Context, t steps.Tenant) error {
	f.call("SwitchTenant " + t.DisplayName)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.switchErr[t.ID]; err != nil {
		return err
	}
	f.current = t.ID
	return nil
}

func (f *fakeBackend) ReadLink(_ context.Context, tenant string) (*steps.PartnerLink, error) {
	f.call("ReadLink")
	if f.readErr != nil {
		return nil, f.readErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.links[tenant], nil
}

func (f *fakeBackend) Link(ctx context.Context, tenant string, current *steps.PartnerLink, partnerID string, force bool) (steps.Outcome, error) {
	f.call("Link " + partnerID)
	return steps.LinkFrom(ctx, &fakeLinks{f: f, tenant: tenant}, current, partnerID, force)
}

func (f *fakeBackend) SignOut(context.Context) (int, error) {
	f.call("SignOut")
	return 4, f.signOutErr
}

// fakeLinks is the Management Partner API over the fake's links.
type fakeLinks struct {
	f      *fakeBackend
	tenant string
}

func (l *fakeLinks) GetLink(context.Context) (*steps.PartnerLink, error) {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	return l.f.links[l.tenant], nil
}

func (l *fakeLinks) put(id string) (*steps.PartnerLink, error) {
	return l.write(id, time.Time{})
}

// write links to id; a link made before keeps its createdTime (a move).
func (l *fakeLinks) write(id string, created time.Time) (*steps.PartnerLink, error) {
	if l.f.writeErr != nil {
		return nil, l.f.writeErr
	}
	if strings.HasPrefix(id, "4977984") {
		return nil, &steps.ServiceCallError{Op: "link", Status: 400, Code: steps.CodePartnerInvalid, Message: "Invalid partner id"}
	}
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	w := l.f.who[l.tenant]
	link := &steps.PartnerLink{PartnerID: id, PartnerName: partnerNames[id], TenantID: l.tenant, ObjectID: w.ObjectID, State: "Active", Version: 1,
		CreatedTime: cmpOrTime(created, fixedNow), UpdatedTime: fixedNow}
	l.f.links[l.tenant] = link
	return link, nil
}

func (l *fakeLinks) CreateLink(_ context.Context, id string) (*steps.PartnerLink, error) {
	return l.put(id)
}
func (l *fakeLinks) UpdateLink(_ context.Context, id string) (*steps.PartnerLink, error) {
	l.f.mu.Lock()
	var created time.Time
	if cur := l.f.links[l.tenant]; cur != nil {
		created = cur.CreatedTime
	}
	l.f.mu.Unlock()
	return l.write(id, created)
}

func cmpOrTime(t, d time.Time) time.Time {
	if t.IsZero() {
		return d
	}
	return t
}
func (l *fakeLinks) DeleteLink(context.Context, string) error { return nil }
