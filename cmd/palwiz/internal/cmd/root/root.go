// Package root is the palwiz command: the wizard with no arguments, the
// commands under it, and the run that maps every outcome to an exit code
// and one error message (or one JSON object under --output json).
package root

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/attribution"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/link"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/login"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/logout"
	reportcmd "github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/report"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/status"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/tenants"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/unlink"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/version"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/whoami"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/wizard"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// runner is nil (the command's own run), or, when stub is set, a run that
// does nothing: tests that parse every example use it.
func runner[T any](stub bool) func(context.Context, *T) error {
	if !stub {
		return nil
	}
	return func(context.Context, *T) error { return nil }
}

// NewCmdRoot builds palwiz's command tree. stub replaces every command's run
// with one that does nothing (flag and example tests).
func NewCmdRoot(f *cmdutil.Factory, stub bool) *cobra.Command {
	g := &cmdutil.GlobalFlags{}
	root := &cobra.Command{
		Use:   "palwiz",
		Short: "Partner Admin Link for Power Platform and Customer Insights, guided",
		Long: `palwiz links the account you deliver with to your partner ID in a customer's
directory (Partner Admin Link), and checks that this account owns the apps,
flows, datasets and solutions that should earn the credit.

Run it with no command for the wizard. The commands below do each step from
scripts and pipelines. Try it without a tenant: palwiz demo.`,
		Example: `  palwiz demo                              # the wizard on a simulated cloud
  palwiz login                             # sign in with a device code
  palwiz link --partner-id 4977985         # link your Partner Location ID
  palwiz status --all-tenants -o json      # the link in every directory`,
		Args:          cmdutil.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Build.String(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			g.Apply(cmd, f.Config, f.IOStreams)
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if stub {
				return nil
			}
			return wizard.Run(cmd.Context(), cmd, wizard.NewOptions(f))
		},
	}
	cmdutil.SetFormats(root, nil)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetHelpFunc(cmdutil.HelpFunc(f.IOStreams))
	root.SetUsageFunc(cmdutil.UsageFunc)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	root.Flags().BoolP("version", "v", false, "print palwiz's version and build on one line")
	g.Add(root)

	root.AddGroup(&cobra.Group{ID: "steps", Title: "PAL steps:"}, &cobra.Group{ID: "sim", Title: "Simulated cloud:"})
	for _, c := range []*cobra.Command{
		login.NewCmdLogin(f, runner[login.Options](stub)),
		logout.NewCmdLogout(f, runner[logout.Options](stub)),
		whoami.NewCmdWhoami(f, runner[whoami.Options](stub)),
		tenants.NewCmdTenants(f, runner[tenants.Options](stub)),
		status.NewCmdStatus(f, runner[status.Options](stub)),
		link.NewCmdLink(f, runner[link.Options](stub)),
		unlink.NewCmdUnlink(f, runner[unlink.Options](stub)),
		attribution.NewCmdCheck(f, runner[attribution.CheckOptions](stub)),
		attribution.NewCmdFix(f, runner[attribution.FixOptions](stub)),
		newCmdReport(f, stub),
	} {
		c.GroupID = "steps"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{
		sim.NewCmdSim(f, runner[sim.Options](stub)),
		wizard.NewCmdDemo(f, runner[wizard.DemoOptions](stub)),
	} {
		c.GroupID = "sim"
		root.AddCommand(c)
	}
	root.AddCommand(version.NewCmdVersion(f, runner[version.Options](stub)), newCmdMan())
	return root
}

// newCmdReport is report with verify under it.
func newCmdReport(f *cmdutil.Factory, stub bool) *cobra.Command {
	c := reportcmd.NewCmdReport(f, runner[reportcmd.Options](stub))
	c.AddCommand(reportcmd.NewCmdVerify(f, runner[reportcmd.VerifyOptions](stub)))
	return c
}

// newCmdMan prints palwiz's manual page (roff), for `make man` and packagers.
func newCmdMan() *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print palwiz's manual page (roff)",
		Long:   "Print palwiz's manual page in roff, for man(1): palwiz man > palwiz.1",
		Hidden: true,
		Args:   cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			unwrapLong(cmd.Root())
			page, err := mcobra.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("build the manual page: %w", err)
			}
			page = page.WithSection("Exit codes", "0 ok, 1 error, 2 usage (bad input, or no terminal to ask on), 3 sign-in needed, "+
				"4 partial (some directories or services failed; the rest is reported), 130 cancelled.")
			_, err = fmt.Fprint(cmd.OutOrStdout(), page.Build(roff.NewDocument()))
			return err
		},
	}
}

// unwrapLong joins the lines of each paragraph of the commands' long help:
// man(1) fills paragraphs itself, and keeps indented lines as they are.
func unwrapLong(c *cobra.Command) {
	var b strings.Builder
	for i, l := range strings.Split(c.Long, "\n") {
		switch {
		case i == 0:
		case l == "" || strings.HasPrefix(l, " ") || b.Len() == 0 || strings.HasSuffix(b.String(), "\n"):
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
		b.WriteString(l)
	}
	c.Long = b.String()
	for _, s := range c.Commands() {
		unwrapLong(s)
	}
}

// Run executes palwiz with args and returns the exit code. It never
// panics: an internal error is reported as one, without a stack trace
// (PALWIZ_DEBUG=1 prints it). kr overrides the OS keyring (tests).
func Run(ctx context.Context, args []string, ios *iostreams.IOStreams, cfg *config.Config, kr keyring.Backend, build cmdutil.BuildInfo) (code int) {
	f := cmdutil.NewFactory(ios, cfg, kr, build)
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(ios.ErrOut, "palwiz hit an internal error (%v). Please report it with the command you ran; set PALWIZ_DEBUG=1 for details.\n", r)
			if cfg.Debug {
				fmt.Fprintln(ios.ErrOut, string(debug.Stack()))
			}
			code = cmdutil.ExitError
		}
	}()
	defer f.Connect.Close()
	f.Connect.SetContext(ctx)
	ios.SetColorEnabled(cfg.Colour())
	ios.SetNeverPrompt(!cfg.MayPrompt())

	root := NewCmdRoot(f, false)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	code = cmdutil.ExitCode(ctx, err)
	var silent *cmdutil.SilentError
	if errors.As(err, &silent) {
		return code
	}
	printError(f, cmd, err, code)
	return code
}

// printError reports err on stderr: as one JSON object when --output json
// was asked for, otherwise in a line (two for a usage error, naming the
// command's own help).
func printError(f *cmdutil.Factory, cmd *cobra.Command, err error, code int) {
	format := output.Table
	if cmd != nil {
		if fl := cmd.Flags().Lookup("output"); fl != nil && fl.Value.String() == string(output.JSON) {
			format = output.JSON
		}
	}
	p := f.Connect.Profile()
	id := f.Config.Identity()
	pipeline := id.Complete() && p != nil && (p.ClientID == id.ClientID || p.ManagedIdentity != "")
	var acting *cmdutil.ActingError
	var as *steps.Actor
	if errors.As(err, &acting) {
		as, err = &acting.As, acting.Err
	}
	e := output.Describe(err, steps.RemedyFor(err, p), pipeline, f.Connect.NameOf(context.Background()))
	var pe *cmdutil.PartialError
	if errors.As(err, &pe) {
		e.Code = "partial"
	}
	if code == cmdutil.ExitCancelled {
		e = output.ErrorJSON{Code: "cancelled", Message: "Cancelled"}
	}
	if code == cmdutil.ExitUsage && e.Code == "error" {
		e.Code = "usage"
	}
	// A usage error names the command's own help, unless it is about a
	// directory (the message lists the ones there are).
	help := ""
	var ut *steps.UnknownTenantError
	var ae *auth.Error
	if code == cmdutil.ExitUsage && cmd != nil && !errors.As(err, &ut) && !errors.As(err, &ae) {
		help = cmd.CommandPath()
	}
	output.PrintError(f.IOStreams.ErrOut, format, e, f.IOStreams.ColorEnabled(), help, as)
}
