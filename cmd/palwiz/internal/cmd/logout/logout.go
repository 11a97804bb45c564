// Package logout is `palwiz logout`: forget the signed-in account, or
// everything palwiz wrote to the keyring.
package logout

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// Options are logout's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Connect *cmdutil.Connector
	Format  output.Format
	// All deletes every keyring item palwiz wrote for this cloud.
	All bool
}

// NewCmdLogout builds the command; runF replaces the run (tests).
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Connect: f.Connect}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the signed-in account and its tokens",
		Long: `Sign out: remove the account's tokens and palwiz's record of it from the OS keyring.
With --all, delete every keyring item palwiz ever wrote for this cloud (other
accounts, remembered secrets, leftovers of an interrupted write) and say how many.`,
		Example: `  palwiz logout
  palwiz logout --all      # leave nothing behind on this computer`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Data)
	cmd.Flags().BoolVar(&opts.All, "all", false, "delete every keyring item palwiz wrote")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	s, err := opts.Connect.Session(ctx, "")
	if err != nil {
		return err
	}
	var who *steps.Who
	if p := s.Profile(); p != nil {
		w := steps.Who{Kind: p.Kind, DisplayName: p.DisplayName, UPN: p.Username, TenantID: p.Tenant, HomeTenant: p.HomeTenant}
		if p.Kind == auth.KindServicePrincipal {
			w.AppID, w.UPN = p.ClientID, ""
		}
		who = &w
	}
	removed := 0
	if !opts.All {
		removed += opts.Connect.ForgetNames(ctx)
	}
	n, lerr := s.Logout(ctx, opts.All)
	removed += n
	if err := output.Logout(opts.IO.Out, opts.Format, who, removed, opts.All); err != nil {
		return err
	}
	if lerr != nil {
		return fmt.Errorf("some keyring items could not be removed: %w", lerr)
	}
	return nil
}
