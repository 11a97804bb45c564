package steps

import (
	"context"
	"errors"

	"github.com/palwiz/palwiz/azure/auth"
)

// Reauth signs a person in again for the directory that refused an
// operation (need.Tenant, with need.Claims). The commands ask at the
// terminal and show a device code; the wizard shows its sign-in screen. It
// returns ErrReauthDeclined when the person says no.
type Reauth func(ctx context.Context, need *auth.Error) error

// ErrReauthDeclined says the person chose not to sign in again.
var ErrReauthDeclined = errors.New("sign-in declined")

// personSignIn returns the sign-in failure behind err when a person's new
// device-code sign-in would fix it: NeedsSignIn's failures but those that
// need the browser (Conditional Access, device code blocked), and only for
// a person (a service principal signs in with its secret or certificate).
func personSignIn(env *Env, err error) (*auth.Error, bool) {
	ae, ok := NeedsSignIn(err)
	if !ok || !ae.NeedsInteraction() {
		return nil, false
	}
	if env == nil || env.Session == nil {
		return nil, false
	}
	if p := env.Session.Profile(); p == nil || p.Kind != auth.KindUser {
		return nil, false
	}
	return ae, true
}

// WithReauth runs op. When op fails because tenant ("" = the current
// directory) demands a new interactive sign-in, and reauth is set, it calls
// reauth for that directory and, once signed in, runs op once more. Every
// command and both wizard renderers go through it, so the rule is one.
func WithReauth(ctx context.Context, env *Env, tenant string, op func() error, reauth Reauth) error {
	err := op()
	ae, ok := personSignIn(env, err)
	if !ok || reauth == nil {
		return err
	}
	need := *ae
	if need.Tenant == "" {
		need.Tenant = tenant
	}
	if need.Tenant == "" {
		if p := env.Session.Profile(); p != nil {
			need.Tenant = p.Tenant
		}
	}
	if rerr := reauth(ctx, &need); rerr != nil {
		if errors.Is(rerr, ErrReauthDeclined) {
			return err
		}
		return rerr
	}
	return op()
}

// SignInAgain is the device-code sign-in a Reauth usually runs: it starts
// the sign-in for need's directory with its claims challenge, hands the code
// to show, and waits for the person to finish.
func SignInAgain(ctx context.Context, env *Env, need *auth.Error, show func(*auth.DeviceCode)) error {
	dc, err := env.Session.StartDeviceCode(ctx, need.Tenant, need.Claims)
	if err != nil {
		return err
	}
	if show != nil {
		show(dc)
	}
	_, err = env.Session.Wait(ctx, dc)
	return err
}
