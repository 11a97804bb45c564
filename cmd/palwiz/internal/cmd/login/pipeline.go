package login

import (
	"context"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/spf13/cobra"
)

// managedIdentityArg lets `--managed-identity CLIENT_ID` name the identity
// with a space, as the flag's value is optional (no value: the
// system-assigned identity); login takes no other argument.
func managedIdentityArg(opts *Options) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 1 && cmd.Flags().Changed("managed-identity") && opts.ManagedIdentity == auth.SystemAssigned {
			opts.ManagedIdentity = args[0]
			return nil
		}
		return cmdutil.NoArgs(cmd, args)
	}
}

// validatePipeline checks --federated and --managed-identity against the
// other ways to sign in: they take the identity from the pipeline, so the
// flags that name one do not go with them.
func validatePipeline(cmd *cobra.Command, opts *Options) error {
	mi := cmd.Flags().Changed("managed-identity")
	if !opts.Federated && !mi {
		return nil
	}
	if mi && strings.TrimSpace(opts.ManagedIdentity) == "" {
		return cmdutil.FlagErrorf("--managed-identity takes a user-assigned identity's client ID, or nothing for the system-assigned identity")
	}
	if opts.Federated && mi {
		return cmdutil.FlagErrorf("--federated and --managed-identity cannot be used together: choose one way to sign in")
	}
	which := "--federated"
	if mi {
		which = "--managed-identity"
	}
	for _, other := range []string{"service-principal", "create-service-principal", "browser", "client-id", "tenant", "certificate", "remember-secret"} {
		if cmd.Flags().Changed(other) {
			hint := ""
			if opts.Federated && (other == "client-id" || other == "tenant") {
				hint = ": set AZURE_CLIENT_ID and AZURE_TENANT_ID, as every later command reads them"
			}
			return cmdutil.FlagErrorf("%s cannot be used with --%s%s", which, other, hint)
		}
	}
	return nil
}

// loginPipeline signs in as the pipeline's identity for this run, says who
// and how, and what later commands need to sign in the same way.
func loginPipeline(ctx context.Context, opts *Options) error {
	var e auth.EnvIdentity
	if opts.Federated {
		env := opts.Config.Identity()
		if missing := env.FederatedMissing(); missing != "" {
			return &auth.Error{Reason: auth.ReasonFederationUnavailable, Message: "palwiz cannot sign in with workload identity federation here: " + missing,
				NextStep: "See docs/pipelines.md for the variables each platform needs"}
		}
		// The federated token, even when a secret is also set.
		e = env
		e.Secret, e.CertFile, e.ManagedIdentity = "", "", ""
	} else {
		e = auth.EnvIdentity{ManagedIdentity: strings.TrimSpace(opts.ManagedIdentity)}
	}
	s, id, err := opts.Connect.SignInAs(ctx, e)
	if err != nil {
		return err
	}
	if err := report(ctx, opts, s, id); err != nil {
		return err
	}
	if opts.Format == output.JSON {
		return nil
	}
	if opts.Federated {
		fmt.Fprintf(opts.IO.ErrOut, "Later palwiz commands sign in the same way, with %s, while the environment names it.\n", output.Clean(e.Federated.Describe()))
		return nil
	}
	if have := strings.TrimSpace(opts.Config.IdentityEnv["PALWIZ_MANAGED_IDENTITY"]); !strings.EqualFold(have, e.ManagedIdentity) {
		fmt.Fprintf(opts.IO.ErrOut, "For later palwiz commands to sign in as this identity, set PALWIZ_MANAGED_IDENTITY=%s.\n", output.Clean(e.ManagedIdentity))
	}
	return nil
}
