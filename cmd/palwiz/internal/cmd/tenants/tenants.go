// Package tenants is `palwiz tenants`: the directories the identity
// reaches, and switching between them.
package tenants

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are tenants' inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Env     func(context.Context) (*steps.Env, error)
	Connect *cmdutil.Connector
	Reauth  func(*steps.Env) steps.Reauth
	Format  output.Format
	// Use is the directory to switch to ("" = only list).
	Use string
}

// NewCmdTenants builds the command; runF replaces the run (tests).
func NewCmdTenants(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth}
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "List the directories this identity can reach, or switch to one",
		Long: `List the directories (tenants) the signed-in identity can reach. The current one is
marked with *. With --use, switch to another directory: palwiz gets a token there
first, so a directory that demands MFA or blocks the sign-in says so now.`,
		Example: "  palwiz tenants\n  palwiz tenants --use northwind.onmicrosoft.com\n  palwiz tenants -o csv > directories.csv",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("use") && opts.Use == "" {
				return cmdutil.FlagErrorf("--use needs a directory: a tenant ID, domain or name")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	cmd.Flags().StringVar(&opts.Use, "use", "", "switch to this directory (tenant ID, domain or name)")
	_ = cmd.RegisterFlagCompletionFunc("use", f.CompleteTenants)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		return err
	}
	opts.Connect.RememberTenants(ctx, ts)
	if opts.Use != "" {
		t, ok := steps.FindTenant(ts, opts.Use)
		if !ok {
			return &steps.UnknownTenantError{Query: opts.Use, Reachable: ts}
		}
		err := steps.WithReauth(ctx, env, t.ID, func() error { return steps.SwitchTenant(ctx, env, t) }, opts.Reauth(env))
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Now using %s.\n", output.DirectoryOf(t).Label())
	}
	return output.Tenants(opts.IO.Out, opts.Format, ts, env.Session.Profile().Tenant)
}
