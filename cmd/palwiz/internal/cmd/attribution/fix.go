package attribution

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/prompter"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// FixOptions are fix's inputs.
type FixOptions struct {
	scanner
	Prompter prompter.Prompter
	Format   output.Format
	Flags    ScanFlags
	Scan     steps.ScanOptions
	Fix      steps.FixOptions
	// Apply makes the changes; Yes skips the question.
	Apply, Yes bool
}

// NewCmdFix builds the command; runF replaces the run (tests).
func NewCmdFix(f *cmdutil.Factory, runF func(context.Context, *FixOptions) error) *cobra.Command {
	opts := &FixOptions{scanner: newScanner(f), Prompter: f.Prompter}
	var canvas, previous string
	cmd := &cobra.Command{
		Use:   "fix",
		Short: "Plan, then apply, the changes that attribute resources to the linked identity",
		Long: `Plan the attribution fixes: check the resources (as ` + "`palwiz check`" + ` does) and say,
for each one that is not attributed, what would make it so, as far as its
product allows. Nothing changes without --apply.

What palwiz can do itself (with --apply):
  canvas app   add the linked account as co-owner (default), or make it the
               owner with --canvas owner (the previous owner keeps CanEdit, or
               CanView with --previous-owner CanView)
  flow         add it as co-owner. The credit stays with the flow's creator,
               which never changes: palwiz says so and prints how to move it
               (import the flow in a solution as the linked account)
  bot          make it the bot's owner in Dataverse (its creator stays)
  dataset      take the dataset over; Power BI gives it to whoever is signed
               in, so palwiz must be signed in as the linked account

What only a person can do (palwiz prints the commands):
  solutions, model-driven apps and anything in a managed solution: import the
  solution again with the Power Platform CLI, signed in as the linked account.

After applying, palwiz reads each changed resource again and shows its new
verdict. --apply asks first unless --yes is given; without a terminal it needs
--yes. Exit code 4 means some changes (or part of the check) failed; the
others were made.`,
		Example: `  palwiz fix                                    # the plan, changes nothing
  palwiz fix --apply                            # asks, then applies
  palwiz fix --apply --yes --canvas owner --previous-owner CanView
  palwiz fix --environment "Contoso Sales" --product dataset --apply --yes
  palwiz fix -o json > plan.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if opts.Scan, err = opts.Flags.Options(); err != nil {
				return err
			}
			opts.Fix.CanvasApp, opts.Fix.PreviousOwnerRole = steps.CanvasFix(canvas), previous
			if err := opts.Fix.Validate(); err != nil {
				return cmdutil.FlagErrorf("%v: use --canvas co-owner|owner and --previous-owner CanEdit|CanView", err)
			}
			if opts.Apply && !opts.Yes && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("fix --apply changes owners in the customer's tenant: pass --yes to confirm when palwiz cannot ask")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFix(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, output.Report)
	opts.Flags.add(cmd, f)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Apply, "apply", false, "make the changes palwiz can make (asks first)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.StringVar(&canvas, "canvas", string(steps.CanvasCoOwner), "canvas apps: co-owner adds the linked account, owner makes it the owner")
	fl.StringVar(&previous, "previous-owner", "CanEdit", "with --canvas owner, what the previous owner keeps: CanEdit or CanView")
	fl.BoolVar(&opts.Fix.IncludeUnclear, "include-default", false, "also plan fixes in the Default environment, whose weight for PAL is unclear")
	_ = cmd.RegisterFlagCompletionFunc("canvas", cmdutil.CompleteWords(string(steps.CanvasCoOwner), string(steps.CanvasOwner)))
	_ = cmd.RegisterFlagCompletionFunc("previous-owner", cmdutil.CompleteWords("CanEdit", "CanView"))
	return cmd
}

func runFix(ctx context.Context, opts *FixOptions) error {
	env, dir, res, err := opts.scan(ctx, opts.Scan, opts.Flags.Tenant, opts.Format)
	if err != nil {
		return err
	}
	plan := steps.PlanFixes(res, opts.Fix)
	if !opts.Apply {
		if err := output.Plan(opts.IO.Out, opts.Format, dir, res, plan); err != nil {
			return err
		}
		if opts.Format != output.JSON {
			output.Failures(opts.IO.ErrOut, res)
		}
		if res.Partial() {
			return partial(res, "check behind the plan")
		}
		return nil
	}
	n := 0
	for _, x := range plan {
		if x.Applicable() {
			n++
		}
	}
	if n > 0 && !opts.Yes {
		if err := output.Plan(opts.IO.ErrOut, output.Table, dir, res, plan); err != nil {
			return err
		}
		ok, err := opts.Prompter.Confirm(ctx, fmt.Sprintf("Apply the %s palwiz can make?", cmdutil.Pluralise(n, "change")))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing changed.")
			return nil
		}
	}
	if as, err := steps.WhoActs(ctx, env, res.TenantID); err == nil && n > 0 {
		fmt.Fprintln(opts.IO.ErrOut, output.Clean(as.String())+": applying the changes.")
	}
	var prog func(steps.FixProgress)
	if opts.IO.ShowProgress() && opts.Format == output.Table {
		prog = func(p steps.FixProgress) { opts.IO.Progressf("Applying: %d of %d…", p.Done, p.Total) }
	}
	results, err := steps.ApplyFixes(ctx, env, res, plan, prog)
	if prog != nil {
		opts.IO.ClearProgress()
	}
	if err != nil {
		return err
	}
	failed, err := output.Results(opts.IO.Out, opts.Format, dir, res, results)
	if err != nil {
		return err
	}
	if opts.Format != output.JSON {
		output.Failures(opts.IO.ErrOut, res)
	}
	if failed > 0 {
		return &cmdutil.PartialError{Failed: failed, Total: n, What: "changes",
			Detail: fmt.Sprintf("%d of %d changes failed (see above); the others were made", failed, n)}
	}
	if res.Partial() {
		return partial(res, "check behind the plan")
	}
	return nil
}
