// Package login is `palwiz login`: people with a device code or the
// browser, service principals with a secret or certificate, and the
// customer administrator's "create a dedicated service principal" path.
package login

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are login's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Config  *config.Config
	Connect *cmdutil.Connector
	Warn    func(string)
	// OpenURL opens the browser for --browser.
	OpenURL func(string) error
	Format  output.Format

	Tenant           string
	Browser          bool
	ServicePrincipal bool
	// ClientID is the service principal's (or a public client for people).
	ClientID       string
	Certificate    string
	RememberSecret bool

	// Kind is the kind of identity meant (--kind): login warns when the
	// account that signed in is not that kind.
	Kind cmdutil.KindFlag

	// Federated signs in with the pipeline's OIDC token (workload identity
	// federation); ManagedIdentity ("system", a client or resource ID) as
	// this machine's managed identity. Both for this run only.
	Federated       bool
	ManagedIdentity string

	CreateSP bool
	// SPName is the created service principal's name; PartnerID (cleaned)
	// is linked once it signs in.
	SPName, PartnerID, PartnerIDWarning string
}

// NewCmdLogin builds the command; runF replaces the run (tests).
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Connect: f.Connect, Warn: f.Connect.Warn}
	opts.OpenURL = func(url string) error { return openBrowser(f.IOStreams, f.Config, url) }
	var partnerID string
	cmd := &cobra.Command{
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

Pipelines sign in without a secret: --federated uses the pipeline's OIDC token
(workload identity federation: GitHub Actions, Azure DevOps, or a token file)
with AZURE_CLIENT_ID and AZURE_TENANT_ID, and says which; --managed-identity
uses this machine's managed identity (an Azure VM's build agent). Neither
stores anything: later commands sign in the same way from the environment
(docs/pipelines.md).

A customer's administrator can instead create a dedicated service principal
with --create-service-principal: palwiz creates the application, its service
principal and a secret (shown once), signs in as it and links --partner-id.

Tokens are kept in the OS keyring (or only in memory with --ephemeral).`,
		Example: `  palwiz login                                   # device code, any work account
  palwiz login --tenant contoso.onmicrosoft.com  # sign in to one directory (for MFA there)
  palwiz login --browser                         # browser sign-in
  palwiz login --kind service-account            # warns when the account looks like a person's
  echo "$SECRET" | palwiz login --service-principal --client-id e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 --tenant contoso.onmicrosoft.com
  palwiz login --service-principal --client-id e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501 --tenant contoso.onmicrosoft.com --certificate spn.pem
  palwiz login --create-service-principal --partner-id 4977985   # as the customer's administrator
  palwiz login --federated                       # in a pipeline: GitHub Actions, Azure DevOps or AZURE_FEDERATED_TOKEN_FILE
  palwiz login --managed-identity                # on an Azure VM: its system-assigned identity (or --managed-identity CLIENT_ID)`,
		Args: managedIdentityArg(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if err := validate(cmd, opts, partnerID); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	fl := cmd.Flags()
	fl.StringVar(&opts.Tenant, "tenant", "", "directory to sign in to: tenant ID or domain (default: your account's home directory)")
	_ = cmd.RegisterFlagCompletionFunc("tenant", f.CompleteTenants)
	fl.BoolVar(&opts.Browser, "browser", false, "sign in with the browser instead of a device code")
	fl.BoolVar(&opts.ServicePrincipal, "service-principal", false, "sign in as a service principal (needs --client-id and --tenant)")
	fl.StringVar(&opts.ClientID, "client-id", "", "application (client) ID: the service principal's, or your own public client for people (also PALWIZ_CLIENT_ID)")
	fl.StringVar(&opts.Certificate, "certificate", "", "the service principal's certificate: PEM with an unencrypted key, or PFX (password in PALWIZ_CERTIFICATE_PASSWORD)")
	fl.BoolVar(&opts.RememberSecret, "remember-secret", false, "keep the service principal's secret in the OS keyring for later runs")
	opts.Kind.Add(cmd)
	fl.BoolVar(&opts.CreateSP, "create-service-principal", false, "as the customer's administrator: create a dedicated service principal, then sign in as it and link it")
	fl.StringVar(&opts.SPName, "name", "", "display name of the created service principal (default PAL-<partner ID>-SPN)")
	fl.StringVar(&partnerID, "partner-id", "", "partner ID to link the created service principal to")
	fl.BoolVar(&opts.Federated, "federated", false, "sign in with the pipeline's OIDC token (workload identity federation), for this run only")
	fl.StringVar(&opts.ManagedIdentity, "managed-identity", "", "sign in as this machine's managed identity: system-assigned, or a user-assigned identity's client ID, for this run only")
	fl.Lookup("managed-identity").NoOptDefVal = auth.SystemAssigned
	return cmd
}

// validate checks the flags together, before anything is asked of a service.
func validate(cmd *cobra.Command, opts *Options, partnerID string) error {
	fl := cmd.Flags()
	if err := opts.Kind.Validate(); err != nil {
		return err
	}
	if err := cmdutil.MutuallyExclusive("--service-principal and --create-service-principal cannot be used together", opts.ServicePrincipal, opts.CreateSP); err != nil {
		return err
	}
	if err := validatePipeline(cmd, opts); err != nil {
		return err
	}
	if !opts.CreateSP && (fl.Changed("name") || fl.Changed("partner-id")) {
		return cmdutil.FlagErrorf("--name and --partner-id are for --create-service-principal")
	}
	if !opts.ServicePrincipal && (opts.Certificate != "" || opts.RememberSecret) {
		return cmdutil.FlagErrorf("--certificate and --remember-secret are for --service-principal")
	}
	if (opts.ServicePrincipal || opts.CreateSP) && opts.Browser {
		return cmdutil.FlagErrorf("--browser is for people; a service principal signs in with a secret or certificate")
	}
	if opts.ServicePrincipal {
		if opts.ClientID == "" {
			opts.ClientID = opts.Config.ClientID
		}
		if opts.ClientID == "" {
			return cmdutil.FlagErrorf("--service-principal needs --client-id (or PALWIZ_CLIENT_ID)")
		}
		if opts.Tenant == "" {
			return cmdutil.FlagErrorf("--service-principal needs --tenant: the customer's tenant ID or domain")
		}
		// The same checks as the wizard's form.
		if err := steps.ValidateClientID(opts.ClientID); err != nil {
			return cmdutil.FlagErrorf("--client-id %q: %v", opts.ClientID, err)
		}
		if err := steps.ValidateTenant(opts.Tenant); err != nil {
			return cmdutil.FlagErrorf("--tenant %q: %v", opts.Tenant, err)
		}
	}
	if opts.CreateSP && partnerID != "" {
		id, warning, err := steps.ValidatePartnerID(partnerID)
		if err != nil {
			return err
		}
		opts.PartnerID, opts.PartnerIDWarning = id, warning
	}
	return nil
}

func run(ctx context.Context, opts *Options) error {
	switch {
	case opts.Federated || opts.ManagedIdentity != "":
		return loginPipeline(ctx, opts)
	case opts.CreateSP:
		return createServicePrincipal(ctx, opts)
	case opts.ServicePrincipal:
		return loginServicePrincipal(ctx, opts)
	}
	clientID := opts.ClientID
	if clientID == "" {
		// The app the environment names is the one palwiz signs in with.
		clientID = opts.Config.ClientID
	}
	s, err := opts.Connect.Session(ctx, clientID)
	if err != nil {
		return err
	}
	var id *auth.Identity
	if opts.Browser {
		id, err = s.LoginBrowser(ctx, opts.Tenant, "", opts.OpenURL)
	} else {
		id, err = cmdutil.DeviceCodeSignIn(ctx, opts.IO, s, opts.Tenant)
	}
	if err != nil {
		return err
	}
	return report(ctx, opts, s, id)
}

func loginServicePrincipal(ctx context.Context, opts *Options) error {
	cred := auth.SPCredential{CertFile: opts.Certificate, CertPassword: opts.Config.CertificatePassword, Remember: opts.RememberSecret}
	if opts.Certificate != "" {
		if _, err := os.Stat(opts.Certificate); err != nil {
			return cmdutil.FlagErrorf("cannot read the certificate %s: %v", opts.Certificate, errors.Unwrap(err))
		}
	} else {
		secret, err := opts.Connect.Secret()
		if err != nil {
			return err
		}
		cred.Secret = secret
	}
	s, err := opts.Connect.Session(ctx, "")
	if err != nil {
		return err
	}
	id, err := s.LoginServicePrincipal(ctx, opts.Tenant, opts.ClientID, cred)
	if err != nil {
		return err
	}
	return report(ctx, opts, s, id)
}

// report prints who signed in, as the directory names them, and remembers
// the directories this identity reaches (for names and completion).
func report(ctx context.Context, opts *Options, s *auth.Session, id *auth.Identity) error {
	env := opts.Connect.EnvFor(s)
	w := steps.Who{Kind: id.Kind, DisplayName: id.DisplayName, UPN: id.Username, ObjectID: id.ObjectID, TenantID: id.TenantID,
		HomeTenant: id.HomeTenant, TokensInStore: s.Persistent(), SignIn: s.Profile().SignInMethod()}
	if id.Kind == auth.KindServicePrincipal {
		// A sign-in with a secret says nothing of the principal's name:
		// the directory does (one request).
		w.AppID, w.UPN = id.ClientID, ""
		if who, err := steps.WhoAmI(ctx, env); err == nil {
			w = who
		}
	}
	var homeNote string
	if ts, err := steps.Tenants(ctx, env); err == nil {
		homeNote = guestHomeNote(w, ts)
		opts.Connect.RememberTenants(ctx, ts)
		if s.Persistent() {
			// The profile keeps the directory's name, so that writes name
			// it without asking Azure.
			steps.RememberNames(ctx, env, ts, w.TenantID)
		}
		if t, ok := steps.FindTenant(ts, w.TenantID); ok && w.TenantName == "" {
			w.TenantName, w.TenantDomain = t.DisplayName, t.DefaultDomain
		}
	}
	return cmdutil.ShowIdentity(opts.IO, opts.Format, opts.Warn, chosenKind(opts), w, output.Login, homeNote)
}

// guestHomeNote says, when the directory signed in to is the home of an
// account that is a guest in customers' directories, that PAL credit is
// earned in those and how to switch ("" otherwise): palwiz never
// preselects a guest's home directory for a link (steps.PreselectTenant).
func guestHomeNote(w steps.Who, ts []arm.Tenant) string {
	pick := steps.PreselectTenant(w, ts, w.TenantID)
	if pick == "" || strings.EqualFold(pick, w.TenantID) {
		return ""
	}
	var others []string
	for _, t := range ts {
		if !strings.EqualFold(t.ID, w.HomeTenant) {
			others = append(others, output.DirectoryOf(t).Short())
		}
	}
	t, _ := steps.FindTenant(ts, pick)
	return fmt.Sprintf("This is your home directory; you are a guest in %s. PAL credit is earned in the customer's directory: switch before linking, e.g. `palwiz tenants --use %s`.",
		strings.Join(others, ", "), first(t.DefaultDomain, t.ID))
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// chosenKind is the kind of identity meant: --kind, or a service principal
// when signing in as one.
func chosenKind(opts *Options) string {
	if opts.Kind.Value == "" && opts.ServicePrincipal {
		return "service-principal"
	}
	return opts.Kind.Value
}

// openBrowser shows the sign-in address and opens the system browser, unless
// PALWIZ_NO_BROWSER says not to.
func openBrowser(ios *iostreams.IOStreams, cfg *config.Config, url string) error {
	fmt.Fprintf(ios.ErrOut, "Sign in in your browser: %s\n", output.Clean(url))
	if cfg.NoBrowser {
		return nil
	}
	// The browser gets palwiz's environment without its secrets.
	if err := auth.OpenBrowser(url, nil); err != nil {
		fmt.Fprintln(ios.ErrOut, "Could not open a browser; open the address above yourself.")
	}
	return nil
}
