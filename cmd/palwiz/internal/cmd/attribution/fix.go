package attribution

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/prompter"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/spf13/cobra"
)

// FixOptions are fix's inputs.
type FixOptions struct {
	scanner
	Prompter prompter.Prompter
	Format   output.Format
	Flags    ScanFlags
	Scan     attribution.ScanOptions
	Fix      attribution.FixOptions
	// Apply makes the changes; Yes skips the question.
	Apply, Yes bool
}

// NewCmdFix builds the command; runF replaces the run (tests).
func NewCmdFix(f *cmdutil.Factory, runF func(context.Context, *FixOptions) error) *cobra.Command {
	opts := &FixOptions{scanner: newScanner(f), Prompter: f.Prompter}
	var canvas, previous string
	var delivered []string
	var includeDefault bool
	cmd := &cobra.Command{
		Use:   "fix",
		Short: "Plan, then apply, the changes that attribute resources to the linked identity",
		Long: `Plan the attribution fixes: check the resources (as ` + "`palwiz check`" + ` does) and say,
for each one that is not attributed, what would move its verdict, as far as
its product allows. Nothing changes without --apply.

Only what the partner delivered: changes of ownership (a new owner, a
take-over, a re-import, a rebuild) are planned only for the resources you mark
with --delivered (a name or ID, environment=NAME, publisher=NAME for a managed
solution and everything in it); once anything is marked, the rest is left
alone. The plan says what the customer loses before anything is applied.

What palwiz can do itself (with --apply):
  canvas app   add the linked account as co-owner (default; nobody loses
               anything), or, for a delivered app, make it the owner with
               --canvas owner (the previous owner keeps CanEdit, or CanView)
  flow         make it the primary owner of a delivered solution-aware flow
               ("cannot tell" afterwards: PAL names the creator)
  dataset      take a delivered dataset over ("cannot tell" afterwards; the
               data source credentials must be entered again)

What only a person can do (palwiz prints the commands, once): import a
delivered solution again as the linked account, rebuild a component in
development and ship it in a managed solution, publish a Power BI model as
the linked account. Advice that does not move the credit (a flow's co-owner,
a bot's owner) is listed apart and never applied by --apply.

After applying, palwiz reads each changed resource again and shows its new
verdict; run it again and it applies nothing already in effect. --apply asks
first unless --yes is given; without a terminal it needs --yes. Exit code 4
means part of the check could not be read, or some changes failed.`,
		Example: `  palwiz fix                                    # the plan, changes nothing
  palwiz fix --delivered "publisher=Fabrikam Consulting" --delivered "Visit Booking"
  palwiz fix --apply                            # asks, then applies
  palwiz fix --apply --yes --canvas owner --previous-owner CanView --delivered environment="Contoso Production"
  palwiz fix -o md > plan.md`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if opts.Scan, err = opts.Flags.Options(); err != nil {
				return err
			}
			// The plan's advice must know a flow's co-owners.
			opts.Scan.FlowCoOwners = true
			d, err := attribution.ParseDelivered(delivered)
			if err != nil {
				return cmdutil.FlagErrorf("--delivered %v", err)
			}
			opts.Fix = attribution.FixOptions{CanvasApp: attribution.CanvasFix(canvas), PreviousOwnerRole: previous, Delivered: d}
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
	fl.StringVar(&canvas, "canvas", string(attribution.CanvasCoOwner), "canvas apps: co-owner adds the linked account, owner makes it the owner (delivered apps only)")
	fl.StringVar(&previous, "previous-owner", "CanEdit", "with --canvas owner, what the previous owner keeps: CanEdit or CanView")
	fl.StringSliceVar(&delivered, "delivered", nil, "what your organisation delivered: a name or ID, environment=NAME or publisher=NAME (repeat or comma-separate)")
	fl.BoolVar(&includeDefault, "include-default", false, "no longer needed: the Default environment counts as production")
	_ = fl.MarkDeprecated("include-default", "the Default environment counts as production, so its fixes are always planned")
	_ = cmd.RegisterFlagCompletionFunc("canvas", cmdutil.CompleteWords(string(attribution.CanvasCoOwner), string(attribution.CanvasOwner)))
	_ = cmd.RegisterFlagCompletionFunc("previous-owner", cmdutil.CompleteWords("CanEdit", "CanView"))
	return cmd
}

func runFix(ctx context.Context, opts *FixOptions) error {
	env, dir, res, err := opts.scan(ctx, opts.Scan, opts.Flags, opts.Format)
	if err != nil {
		return err
	}
	plan := attribution.PlanFixes(res, opts.Fix)
	if !opts.Apply {
		if err := output.Plan(opts.IO.Out, opts.Format, dir, res, plan); err != nil {
			return err
		}
		if opts.Format != output.JSON {
			output.Failures(opts.IO.ErrOut, res)
		}
		return partial(res, "check behind the plan")
	}
	return apply(ctx, opts, env, dir, res, plan)
}

// apply confirms (unless --yes), applies what palwiz can, and prints what
// happened and what is left for a person, once.
func apply(ctx context.Context, opts *FixOptions, env *steps.Env, dir output.Directory, res *attribution.ScanResult, plan *attribution.Plan) error {
	chosen := plan.Applicable()
	n := len(chosen)
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
	var actor *steps.Actor
	if as, err := steps.WhoActs(ctx, env, res.TenantID); err == nil && n > 0 {
		actor = &as
		if opts.Format != output.JSON {
			fmt.Fprintln(opts.IO.ErrOut, output.Clean(as.String())+": applying the changes.")
		}
	}
	var prog func(attribution.FixProgress)
	if opts.IO.ShowProgress() && opts.Format == output.Table {
		prog = func(p attribution.FixProgress) { opts.IO.Progressf("Applying: %d of %d…", p.Done, p.Total) }
	}
	results, applyErr := attribution.ApplyFixes(ctx, env, res, chosen, prog)
	if prog != nil {
		opts.IO.ClearProgress()
	}
	// The running record is printed whatever happened: on Ctrl-C (or
	// SIGTERM) and on failure it says which changes were made.
	rec := attribution.NewApplyRecord(results, applyErr)
	for _, r := range rec.Results {
		if r.After != nil {
			res.Replace(*r.After)
		}
	}
	if err := output.Results(opts.IO.Out, opts.Format, output.Applied{Dir: dir, Res: res, Plan: plan, Record: rec, As: actor}); err != nil {
		return err
	}
	if opts.Format != output.JSON {
		output.Failures(opts.IO.ErrOut, res)
	}
	switch {
	case rec.Stopped:
		return context.Canceled
	case applyErr != nil:
		return applyErr
	case !rec.Complete() && n > 0:
		return &cmdutil.PartialError{Failed: n - rec.Done, Total: n, What: "changes",
			Detail: output.Clean(rec.Headline()) + " See each change above."}
	}
	return partial(res, "check behind the plan")
}
