package main

import (
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/spf13/cobra"
)

// fixFlags are fix's own flags.
type fixFlags struct {
	apply, yes, includeDefault bool
	canvas, previous           string
	delivered                  []string
}

func (f *fixFlags) options() (attribution.FixOptions, error) {
	d, err := attribution.ParseDelivered(f.delivered)
	if err != nil {
		return attribution.FixOptions{}, &usageError{"--delivered " + err.Error()}
	}
	fo := attribution.FixOptions{CanvasApp: attribution.CanvasFix(f.canvas), PreviousOwnerRole: f.previous, Delivered: d}
	if err := fo.Validate(); err != nil {
		return fo, &usageError{err.Error() + ": use --canvas co-owner|owner and --previous-owner CanEdit|CanView"}
	}
	return fo, nil
}

func (a *app) fixCmd() *cobra.Command {
	var f scanFlags
	var ff fixFlags
	c := &cobra.Command{
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
first unless --yes is given; without a terminal it needs --yes.

Exit codes: 0 done, 1 error, 2 usage, 3 sign-in needed, 4 part of the check
could not be read or some changes failed.`,
		Example: `  palwiz fix                                   # the plan, changes nothing
  palwiz fix --delivered "publisher=Fabrikam Consulting" --delivered "Visit Booking"
  palwiz fix --apply                           # asks, then applies
  palwiz fix --apply --yes --canvas owner --previous-owner CanView --delivered environment="Contoso Production"
  palwiz fix -o md > plan.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json", "md")
			if err != nil {
				return err
			}
			fo, err := ff.options()
			if err != nil {
				return err
			}
			if ff.apply && !ff.yes && !a.interactive() {
				return usagef("fix --apply changes owners in the customer's tenant: pass --yes to confirm when palwiz cannot ask")
			}
			f.coOwners = true // the plan's advice must know a flow's co-owners
			env, res, err := a.scan(ctx, &f, format)
			if err != nil {
				return err
			}
			plan := attribution.PlanFixes(res, fo)
			if !ff.apply {
				if err := a.printPlan(res, plan, format); err != nil {
					return err
				}
				a.printFailures(res)
				return partial(res, "check behind the plan")
			}
			return a.applyPlan(ctx, env, res, plan, format, ff.yes)
		},
	}
	f.add(c)
	c.Flags().BoolVar(&ff.apply, "apply", false, "make the changes palwiz can make (asks first)")
	c.Flags().BoolVarP(&ff.yes, "yes", "y", false, "do not ask for confirmation")
	c.Flags().StringVar(&ff.canvas, "canvas", string(attribution.CanvasCoOwner), "canvas apps: co-owner (add the linked account) or owner (make it the owner; delivered apps only)")
	c.Flags().StringVar(&ff.previous, "previous-owner", "CanEdit", "with --canvas owner, what the previous owner keeps: CanEdit or CanView")
	c.Flags().StringSliceVar(&ff.delivered, "delivered", nil, "what your organisation delivered: a name or ID, environment=NAME or publisher=NAME (repeat or comma-separate)")
	c.Flags().BoolVar(&ff.includeDefault, "include-default", false, "no longer needed: the Default environment counts as production")
	_ = c.Flags().MarkDeprecated("include-default", "the Default environment counts as production, so its fixes are always planned")
	return c
}
