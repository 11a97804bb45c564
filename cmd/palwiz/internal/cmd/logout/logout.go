// Package logout is `palwiz logout`: forget the signed-in account, or
// everything palwiz wrote to the keyring.
package logout

import (
	"context"

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

// run signs out in the keyring itself (never through a session that fell
// back to memory), then reads it again and says what it found.
func run(ctx context.Context, opts *Options) error {
	if _, err := opts.Connect.Cloud(); err != nil {
		return err
	}
	st := opts.Connect.Store()
	if st == nil {
		return output.Logout(opts.IO.Out, opts.Format, output.LogoutResult{All: opts.All, Ephemeral: true})
	}
	removed := 0
	if !opts.All {
		removed += opts.Connect.ForgetNames(ctx)
	}
	res, err := auth.SignOut(ctx, st, opts.All)
	out := output.LogoutResult{Removed: removed + res.Removed, All: opts.All, Left: res.Left, Verified: err == nil, Searched: res.Searched}
	if p := res.Profile; p != nil {
		w := steps.Who{Kind: p.Kind, DisplayName: p.DisplayName, UPN: p.Username, TenantID: p.Tenant, HomeTenant: p.HomeTenant}
		if p.Kind == auth.KindServicePrincipal {
			w.AppID, w.UPN = p.ClientID, ""
		}
		out.Who = &w
	}
	if perr := output.Logout(opts.IO.Out, opts.Format, out); perr != nil {
		return perr
	}
	return err
}
