package tui

import (
	"context"
	"fmt"
	"sync"

	"github.com/palwiz/palwiz/steps"
)

// Backend is the work behind the wizard: sign-in, directories and the
// partner link. The wizard calls it only from commands, never from Update,
// so a slow network never freezes the screen. NewBackend is the real one;
// tests may pass fakes.
type Backend interface {
	// Profile is the identity signed in before the wizard started, or nil.
	Profile(ctx context.Context) *steps.Profile
	StartDeviceCode(ctx context.Context, tenant, claims string) (*steps.DeviceCode, error)
	WaitDeviceCode(ctx context.Context, dc *steps.DeviceCode) (*steps.Identity, error)
	LoginBrowser(ctx context.Context, tenant, claims string, open func(url string) error) (*steps.Identity, error)
	LoginServicePrincipal(ctx context.Context, tenant, clientID string, cred steps.SPCredential) (*steps.Identity, error)
	WhoAmI(ctx context.Context) (steps.Who, error)
	Tenants(ctx context.Context) ([]steps.Tenant, error)
	// ProbeTenant gets a token for the directory without switching to it,
	// so the list can say which directories need a new sign-in and why.
	ProbeTenant(ctx context.Context, tenantID string) error
	SwitchTenant(ctx context.Context, t steps.Tenant) error
	ReadLink(ctx context.Context, tenantID string) (*steps.PartnerLink, error)
	Link(ctx context.Context, tenantID string, current *steps.PartnerLink, partnerID string, force bool) (steps.Outcome, error)
	// SignOut forgets the identity and deletes every keyring item palwiz wrote.
	SignOut(ctx context.Context) (int, error)
}

// NewBackend is the Backend over the steps package and a session.
func NewBackend(env *steps.Env) Backend {
	return &stepsBackend{env: env, wrote: map[string]steps.Outcome{}}
}

type stepsBackend struct {
	env *steps.Env
	// wrote is the last link write per directory, so reading the link back
	// waits for the service's replicas to show it (steps.ReadBack).
	mu    sync.Mutex
	wrote map[string]steps.Outcome
}

// forget drops the writes remembered for the identity that signs in again.
func (b *stepsBackend) forget() {
	b.mu.Lock()
	clear(b.wrote)
	b.mu.Unlock()
}

func (b *stepsBackend) Profile(context.Context) *steps.Profile { return b.env.Session.Profile() }

func (b *stepsBackend) StartDeviceCode(ctx context.Context, tenant, claims string) (*steps.DeviceCode, error) {
	b.forget()
	return b.env.Session.StartDeviceCode(ctx, tenant, claims)
}

func (b *stepsBackend) WaitDeviceCode(ctx context.Context, dc *steps.DeviceCode) (*steps.Identity, error) {
	return b.env.Session.Wait(ctx, dc)
}

func (b *stepsBackend) LoginBrowser(ctx context.Context, tenant, claims string, open func(string) error) (*steps.Identity, error) {
	b.forget()
	return b.env.Session.LoginBrowser(ctx, tenant, claims, open)
}

func (b *stepsBackend) LoginServicePrincipal(ctx context.Context, tenant, clientID string, cred steps.SPCredential) (*steps.Identity, error) {
	b.forget()
	return b.env.Session.LoginServicePrincipal(ctx, tenant, clientID, cred)
}

func (b *stepsBackend) WhoAmI(ctx context.Context) (steps.Who, error) {
	return steps.WhoAmI(ctx, b.env)
}

func (b *stepsBackend) Tenants(ctx context.Context) ([]steps.Tenant, error) {
	return steps.Tenants(ctx, b.env)
}

func (b *stepsBackend) ProbeTenant(ctx context.Context, tenantID string) error {
	return steps.ProbeTenant(ctx, b.env, tenantID)
}

func (b *stepsBackend) SwitchTenant(ctx context.Context, t steps.Tenant) error {
	return steps.SwitchTenant(ctx, b.env, t)
}

func (b *stepsBackend) ReadLink(ctx context.Context, tenantID string) (*steps.PartnerLink, error) {
	c, err := b.env.ARMClient(tenantID)
	if err != nil {
		return nil, fmt.Errorf("set up the Azure Resource Manager client: %w", err)
	}
	b.mu.Lock()
	o := b.wrote[tenantID]
	b.mu.Unlock()
	return steps.ReadBack(ctx, c, o)
}

func (b *stepsBackend) Link(ctx context.Context, tenantID string, current *steps.PartnerLink, partnerID string, force bool) (steps.Outcome, error) {
	c, err := b.env.ARMClient(tenantID)
	if err != nil {
		return steps.Outcome{}, fmt.Errorf("set up the Azure Resource Manager client: %w", err)
	}
	o, err := steps.LinkFrom(ctx, c, current, partnerID, force)
	if err == nil {
		b.mu.Lock()
		b.wrote[tenantID] = o
		b.mu.Unlock()
	}
	return o, err
}

func (b *stepsBackend) SignOut(ctx context.Context) (int, error) {
	return b.env.Session.Logout(ctx, true)
}
