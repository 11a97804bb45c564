package login

import (
	"context"
	"fmt"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// createServicePrincipal is the "accelerator script" path for a customer
// administrator: create an app, its service principal and a secret, show the
// secret once, then sign in as it and link the partner ID.
func createServicePrincipal(ctx context.Context, opts *Options) error {
	if opts.PartnerIDWarning != "" {
		opts.Warn(opts.PartnerIDWarning)
	}
	name := opts.SPName
	if name == "" {
		name = steps.ServicePrincipalName(opts.PartnerID)
	}
	errOut := opts.IO.ErrOut
	s, err := opts.Connect.Session(ctx, opts.ClientID)
	if err != nil {
		return err
	}
	if p := s.Profile(); p == nil || p.Kind != auth.KindUser {
		fmt.Fprintln(errOut, "Sign in as the customer's administrator first.")
		if _, err := cmdutil.DeviceCodeSignIn(ctx, opts.IO, s, opts.Tenant); err != nil {
			return err
		}
	}
	env := opts.Connect.EnvFor(s)
	fmt.Fprintf(errOut, "Creating application, service principal and secret %q…\n", output.Clean(name))
	created, err := steps.CreateServicePrincipal(ctx, env, name, 365*24*time.Hour)
	if err != nil {
		return err
	}
	if err := output.CreatedSP(opts.IO.Out, opts.Format, created); err != nil {
		return err
	}
	fmt.Fprintln(errOut, "Signing in as the new service principal (Entra ID can take a minute to replicate it)…")
	_, err = steps.SignInWhenReplicated(ctx, s, created.TenantID, created.AppID, created.Secret, 3*time.Minute, func(n int, _ error) {
		fmt.Fprintf(errOut, "  not ready yet (attempt %d): retrying…\n", n)
	})
	if err != nil {
		return err
	}
	if ts, err := steps.Tenants(ctx, env); err == nil {
		opts.Connect.RememberTenants(ctx, ts)
	}
	if opts.PartnerID == "" {
		fmt.Fprintln(errOut, "Signed in as the service principal. Link it with `palwiz link --partner-id ID`.")
		return nil
	}
	client, err := env.ARMClient("")
	if err != nil {
		return err
	}
	var as *steps.Actor
	if a, err := steps.WhoActs(ctx, env, created.TenantID); err == nil {
		as = &a
	}
	out, err := steps.Link(ctx, client, opts.PartnerID, false)
	if err != nil {
		return cmdutil.Acting(as, err)
	}
	if as != nil {
		fmt.Fprintln(errOut, output.Clean(as.String())+":")
	}
	fmt.Fprintln(errOut, output.Clean(out.Summary())+".")
	return nil
}
