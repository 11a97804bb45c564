package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

type loginOpts struct {
	tenant           string
	browser          bool
	servicePrincipal bool
	clientID         string
	certificate      string
	rememberSecret   bool
	createSP         bool
	spName           string
	partnerID        string
}

func (a *app) loginCmd() *cobra.Command {
	var o loginOpts
	c := &cobra.Command{
		Use:   "login",
		Short: "Sign in to the customer's directory",
		Long: `Sign in as the identity that should earn the credit.

People sign in with a device code by default: palwiz shows a code and an address;
open it on any device, enter the code and approve. Use --browser where the
directory blocks device code sign-in (palwiz says when).

Service principals sign in with --service-principal, a client ID and either a
certificate file (PEM or PFX) or a secret. The secret is read from
PALWIZ_CLIENT_SECRET or standard input, never from a flag, so it stays out of
your shell history and process list.

Tokens are kept in the OS keyring (or only in memory with --ephemeral).`,
		Example: `  palwiz login                                  # device code, any work account
  palwiz login --tenant contoso.onmicrosoft.com  # sign in to one directory (for MFA there)
  palwiz login --browser                        # browser sign-in
  PALWIZ_CLIENT_SECRET=... palwiz login --service-principal --client-id APP_ID --tenant TENANT
  palwiz login --service-principal --client-id APP_ID --tenant TENANT --certificate spn.pem
  palwiz login --create-service-principal --partner-id 4977985   # as the customer's admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.login(cmd.Context(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.tenant, "tenant", "", "directory to sign in to: tenant ID or domain (default: your account's home directory)")
	f.BoolVar(&o.browser, "browser", false, "sign in with the browser instead of a device code")
	f.BoolVar(&o.servicePrincipal, "service-principal", false, "sign in as a service principal (needs --client-id and --tenant)")
	f.StringVar(&o.clientID, "client-id", "", "application (client) ID: the service principal's, or your own public client for people (also PALWIZ_CLIENT_ID)")
	f.StringVar(&o.certificate, "certificate", "", "service principal certificate: PEM with an unencrypted key, or PFX (password in PALWIZ_CERTIFICATE_PASSWORD)")
	f.BoolVar(&o.rememberSecret, "remember-secret", false, "keep the service principal's secret in the OS keyring for later runs")
	f.BoolVar(&o.createSP, "create-service-principal", false, "as the customer's administrator: create a dedicated service principal, then sign in as it and link it")
	f.StringVar(&o.spName, "name", "", "display name of the created service principal (default PAL-<partner ID>-SPN)")
	f.StringVar(&o.partnerID, "partner-id", "", "partner ID to link the created service principal to")
	return c
}

func (a *app) login(ctx context.Context, o loginOpts) error {
	if o.createSP {
		return a.createServicePrincipal(ctx, o)
	}
	if !o.servicePrincipal && (o.certificate != "" || o.rememberSecret) {
		return usagef("--certificate and --remember-secret are for --service-principal")
	}
	if o.servicePrincipal && o.browser {
		return usagef("--browser is for people; a service principal signs in with a secret or certificate")
	}
	if o.servicePrincipal {
		return a.loginSP(ctx, o)
	}
	clientID := o.clientID
	if clientID == "" {
		// The app the environment names is the one palwiz signs in with.
		clientID = a.getenv("PALWIZ_CLIENT_ID")
	}
	s, err := a.getSession(ctx, clientID)
	if err != nil {
		return err
	}
	var id *auth.Identity
	if o.browser {
		id, err = s.LoginBrowser(ctx, o.tenant, "", a.openBrowser)
	} else {
		id, err = a.deviceCodeLogin(ctx, s, o.tenant)
	}
	if err != nil {
		return err
	}
	a.rememberDirectory(ctx)
	return a.reportLogin(id)
}

func (a *app) deviceCodeLogin(ctx context.Context, s *auth.Session, tenant string) (*auth.Identity, error) {
	dc, err := s.StartDeviceCode(ctx, tenant, "")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(a.st.err, "To sign in, open %s and enter the code %s\n", dc.VerificationURL, dc.UserCode)
	left := time.Until(dc.ExpiresOn).Round(time.Minute)
	fmt.Fprintf(a.st.err, "The code expires in %s (at %s). Waiting for you to sign in… (Ctrl-C to stop)\n", left, dc.ExpiresOn.Local().Format("15:04"))
	stop := a.countdown(dc.ExpiresOn)
	id, err := s.Wait(ctx, dc)
	stop()
	return id, err
}

// countdown redraws the remaining time on a terminal; it returns a stop function.
func (a *app) countdown(until time.Time) func() {
	if !a.st.errTTY {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(a.st.err, "\r\x1b[K")
				return
			case <-t.C:
				left := time.Until(until).Truncate(time.Second)
				if left < 0 {
					left = 0
				}
				fmt.Fprintf(a.st.err, "\r\x1b[K  %s left", left)
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (a *app) openBrowser(url string) error {
	fmt.Fprintf(a.st.err, "Sign in in your browser: %s\n", url)
	if truthy(a.getenv("PALWIZ_NO_BROWSER")) {
		return nil
	}
	// The browser gets palwiz's environment without its secrets.
	if err := auth.OpenBrowser(url, nil); err != nil {
		fmt.Fprintln(a.st.err, "Could not open a browser; open the address above yourself.")
	}
	return nil
}

// rememberDirectory keeps the signed-in directory's name in the profile
// (best effort), so that write commands name it without asking Azure.
func (a *app) rememberDirectory(ctx context.Context) {
	if a.session == nil || !a.session.Persistent() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p := a.session.Profile()
	if p == nil {
		return
	}
	steps.DirectoryName(ctx, &steps.Env{Cloud: a.cloud, Session: a.session}, p.Tenant)
}

func (a *app) reportLogin(id *auth.Identity) error {
	if a.output == "json" {
		return writeJSON(a.st.out, map[string]any{
			"kind": id.Kind, "username": id.Username, "displayName": id.DisplayName, "objectId": id.ObjectID,
			"tenantId": id.TenantID, "homeTenant": id.HomeTenant, "clientId": id.ClientID,
		})
	}
	if id.Kind == auth.KindServicePrincipal {
		fmt.Fprintf(a.st.out, "Signed in as service principal %s in directory %s.\n", id.ClientID, id.TenantID)
	} else {
		name := id.Username
		if id.DisplayName != "" {
			name = id.DisplayName + " (" + id.Username + ")"
		}
		fmt.Fprintf(a.st.out, "Signed in as %s in directory %s.\n", name, id.TenantID)
	}
	if a.session != nil && !a.session.Persistent() {
		fmt.Fprintln(a.st.out, "Tokens are in memory only: the next command will ask you to sign in again.")
	}
	return nil
}

func (a *app) loginSP(ctx context.Context, o loginOpts) error {
	clientID := o.clientID
	if clientID == "" {
		clientID = a.getenv("PALWIZ_CLIENT_ID")
	}
	if clientID == "" {
		return usagef("--service-principal needs --client-id (or PALWIZ_CLIENT_ID)")
	}
	if o.tenant == "" {
		return usagef("--service-principal needs --tenant: the customer's tenant ID or domain")
	}
	// The same checks as the wizard's form.
	if err := steps.ValidateClientID(clientID); err != nil {
		return usagef("--client-id %q: %v", clientID, err)
	}
	if err := steps.ValidateTenant(o.tenant); err != nil {
		return usagef("--tenant %q: %v", o.tenant, err)
	}
	cred := auth.SPCredential{CertFile: o.certificate, CertPassword: a.getenv("PALWIZ_CERTIFICATE_PASSWORD"), Remember: o.rememberSecret}
	if o.certificate == "" {
		secret, err := a.secretFromEnvOrStdin()
		if err != nil {
			return err
		}
		cred.Secret = secret
	} else if _, err := os.Stat(o.certificate); err != nil {
		return usagef("cannot read the certificate %s: %v", o.certificate, errors.Unwrap(err))
	}
	s, err := a.getSession(ctx, "")
	if err != nil {
		return err
	}
	id, err := s.LoginServicePrincipal(ctx, o.tenant, clientID, cred)
	if err != nil {
		return err
	}
	a.rememberDirectory(ctx)
	return a.reportLogin(id)
}

// secretFromEnvOrStdin reads a client secret: PALWIZ_CLIENT_SECRET, then
// standard input when it is not a terminal, then a masked prompt. Ctrl-C
// and SIGTERM end either wait.
func (a *app) secretFromEnvOrStdin() (string, error) {
	if v := a.getenv("PALWIZ_CLIENT_SECRET"); v != "" {
		return v, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stdinSecret != "" {
		return a.stdinSecret, nil
	}
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if !a.st.inTTY {
		line, err := auth.ReadLine(ctx, a.st.in, 8192)
		if ctx.Err() != nil {
			return "", errInterrupted
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if err != nil && err != io.EOF {
				return "", fmt.Errorf("read the secret from standard input: %w", err)
			}
			return "", usagef("no client secret: set PALWIZ_CLIENT_SECRET or pipe the secret on standard input")
		}
		a.stdinSecret = line
		return line, nil
	}
	if !a.interactive() {
		return "", usagef("no client secret: set PALWIZ_CLIENT_SECRET or pipe the secret on standard input")
	}
	f, ok := a.st.in.(*os.File)
	if !ok {
		return "", usagef("no client secret: set PALWIZ_CLIENT_SECRET")
	}
	fmt.Fprint(a.st.err, "Client secret (input hidden): ")
	s, err := auth.ReadSecret(ctx, f)
	fmt.Fprintln(a.st.err)
	if ctx.Err() != nil {
		return "", errInterrupted
	}
	if err != nil {
		return "", fmt.Errorf("read the secret: %w", err)
	}
	if s == "" {
		return "", usagef("no client secret entered")
	}
	a.stdinSecret = s
	return s, nil
}
