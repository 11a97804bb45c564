package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/palwiz/palwiz/azure/auth"
)

// withReauth runs op; when it fails because the directory demands a new
// interactive sign-in (MFA, an expired session) and palwiz may ask, it offers
// that sign-in for the directory, passing the claims challenge on, and runs
// op once more.
func (a *app) withReauth(ctx context.Context, tenant string, op func() error) error {
	err := op()
	var ae *auth.Error
	if err == nil || !errors.As(err, &ae) || !ae.NeedsInteraction() || !a.interactive() || a.session == nil {
		return err
	}
	if ae.Tenant != "" {
		tenant = ae.Tenant
	}
	if p := a.session.Profile(); p == nil || p.Kind != auth.KindUser {
		return err
	}
	fmt.Fprintln(a.st.err, ae.Error())
	ok, cerr := a.confirm(ctx, "Sign in to that directory now?")
	if cerr != nil {
		return cerr
	}
	if !ok {
		return err
	}
	dc, serr := a.session.StartDeviceCode(ctx, tenant, ae.Claims)
	if serr != nil {
		return serr
	}
	fmt.Fprintf(a.st.err, "To sign in, open %s and enter the code %s\n", dc.VerificationURL, dc.UserCode)
	stop := a.countdown(dc.ExpiresOn)
	_, werr := a.session.Wait(ctx, dc)
	stop()
	if werr != nil {
		return werr
	}
	return op()
}
