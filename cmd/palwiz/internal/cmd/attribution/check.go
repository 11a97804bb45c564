package attribution

import (
	"context"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/spf13/cobra"
)

// CheckOptions are check's inputs.
type CheckOptions struct {
	scanner
	Format output.Format
	Flags  ScanFlags
	// Scan is the scan the flags ask for.
	Scan attribution.ScanOptions
	// Fleet are --all-tenants, --tenants-file and their journal.
	Fleet   cmdutil.FleetFlags
	factory *cmdutil.Factory
}

// NewCmdCheck builds the command; runF replaces the run (tests).
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{scanner: newScanner(f), factory: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Show which apps, flows, datasets and solutions earn the partner credit",
		Long: `Check attribution: for every resource that can earn Partner Admin Link credit
in the directory's environments, Power BI workspaces and Customer Insights
instances, say whether it is attributed to the linked identity, and why.

Each product has its own rule (see the PAL guidance): a canvas app needs the
linked account as owner or co-owner; a flow, model-driven app or bot needs it
as creator; a Power BI dataset as publisher; a managed solution as the last
account to import it (which then owns everything in it); Customer Insights any
active user. Production and Default environments count (Microsoft calls the
Default environment a special type of production environment). Where the
sources do not settle it (co-ownership through a group, a flow owned but not
created, a dataset taken over rather than published, a role in Customer
Insights without activity) palwiz says "cannot tell" and why.

Verdicts: attributed, not attributed, does not count (not production),
cannot tell. Run ` + "`palwiz fix`" + ` for what to do about the rest.

The check needs a Power Platform administrator (or environment admin) and
changes nothing. Customer Insights is read through Dataverse where an
environment hosts it; an instance outside Dataverse is checked only when
` + ciKeyVar + ` holds its API key (Customer Insights > Settings >
Permissions > APIs).
Exit code 4 means part of the check failed (listed on stderr); the rest is
reported.`,
		Example: `  palwiz check
  palwiz check --environment "Contoso Production" --product canvas-app,flow
  palwiz check -o csv > attribution.csv
  palwiz check -o md > attribution.md
  palwiz check --all-tenants -o csv --journal check.jsonl   # one row per directory
  palwiz check --linked-object-id 5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101 \
      --linked-upn pal-service@contoso.onmicrosoft.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if opts.Scan, err = opts.Flags.Options(); err != nil {
				return err
			}
			if err := opts.checkFleetFlags(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Report)
	opts.Flags.add(cmd, f)
	opts.Fleet.Add(cmd, true)
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if opts.Fleet.On() {
		return runCheckFleet(ctx, opts)
	}
	_, dir, res, err := opts.scan(ctx, opts.Scan, opts.Flags, opts.Format)
	if err != nil {
		return err
	}
	// The coverage by product names the next step from the plan palwiz
	// would make (nothing is changed).
	cov := attribution.CoverageByProduct(res, attribution.PlanFixes(res, attribution.FixOptions{}))
	if err := output.CheckResult(opts.IO.Out, opts.IO.ErrOut, opts.Format, dir, res, cov); err != nil {
		return err
	}
	return partial(res, "check")
}
