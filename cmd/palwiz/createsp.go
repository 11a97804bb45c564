package main

import (
	"context"
	"fmt"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// createServicePrincipal is the "accelerator script" path for a customer
// administrator: create an app, its service principal and a secret, show the
// secret once, then sign in as it and link the partner ID.
func (a *app) createServicePrincipal(ctx context.Context, o loginOpts) error {
	var id string
	if o.partnerID != "" {
		var warning string
		var err error
		id, warning, err = steps.ValidatePartnerID(o.partnerID)
		if err != nil {
			return &usageError{err.Error()}
		}
		if warning != "" {
			a.warn(warning)
		}
	}
	name := o.spName
	if name == "" {
		name = "PAL-" + id + "-SPN"
		if id == "" {
			name = "PAL-partner-SPN"
		}
	}
	s, err := a.getSession(ctx, o.clientID)
	if err != nil {
		return err
	}
	if p := s.Profile(); p == nil || p.Kind != auth.KindUser {
		fmt.Fprintln(a.st.err, "Sign in as the customer's administrator first.")
		if _, err := a.deviceCodeLogin(ctx, s, o.tenant); err != nil {
			return err
		}
	}
	env := &steps.Env{Cloud: a.cloud, Session: s}
	fmt.Fprintf(a.st.err, "Creating application, service principal and secret %q…\n", name)
	created, err := steps.CreateServicePrincipal(ctx, env, name, 365*24*time.Hour)
	if err != nil {
		return err
	}
	if a.output == "json" {
		_ = writeJSON(a.st.out, map[string]any{"displayName": created.DisplayName, "tenantId": created.TenantID, "appId": created.AppID,
			"servicePrincipalObjectId": created.ObjectID, "secret": created.Secret, "secretExpires": created.Expires.Format(time.RFC3339)})
	} else {
		kv(a.st.out, "Service principal", created.DisplayName, "Directory", created.TenantID, "Application (client) ID", created.AppID,
			"Object ID", created.ObjectID, "Secret expires", created.Expires.Format("2006-01-02"))
		fmt.Fprintf(a.st.out, "Client secret (shown only now; palwiz does not keep it): %s\n", created.Secret)
	}
	fmt.Fprintln(a.st.err, "Signing in as the new service principal (Entra ID can take a minute to replicate it)…")
	_, err = steps.SignInWhenReplicated(ctx, s, created.TenantID, created.AppID, created.Secret, 3*time.Minute, func(n int, err error) {
		fmt.Fprintf(a.st.err, "  not ready yet (attempt %d): retrying…\n", n)
	})
	if err != nil {
		return err
	}
	if id == "" {
		fmt.Fprintln(a.st.err, "Signed in as the service principal. Link it with `palwiz link --partner-id ID`.")
		return nil
	}
	env = &steps.Env{Cloud: a.cloud, Session: s}
	client, err := env.ARMClient("")
	if err != nil {
		return err
	}
	out, err := steps.Link(ctx, client, id, false)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.st.err, out.Summary()+".")
	return nil
}
