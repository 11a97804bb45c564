package attribution

import (
	"context"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/report"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/fleet"
)

// checkFleetFlags refuses what a check over many directories cannot do.
func (opts *CheckOptions) checkFleetFlags() error {
	if err := opts.Fleet.Check(opts.Flags.Tenant.Value != ""); err != nil {
		return err
	}
	if opts.Fleet.On() && opts.Flags.LinkedObjectID != "" {
		return cmdutil.FlagErrorf("--linked-object-id names one directory's object: it cannot be used with --all-tenants or --tenants-file")
	}
	return nil
}

// runCheckFleet checks every directory the fleet flags name: one row each
// (the verdicts in numbers; `palwiz report` has every resource).
func runCheckFleet(ctx context.Context, opts *CheckOptions) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(opts.Scan.Products))
	for i, p := range opts.Scan.Products {
		names[i] = string(p)
	}
	op := cmdutil.JournalOp("check", strings.Join(opts.Scan.Environments, ","), strings.Join(names, ","),
		map[bool]string{true: "--production-only"}[opts.Scan.SkipNonProduction])
	run, err := opts.factory.PrepareFleet(ctx, env, opts.Fleet, op)
	if err != nil {
		return err
	}
	p := env.Session.Profile()
	ro := report.Options{
		Scan: opts.Scan,
		Describe: func(_ string, err error) report.Error {
			e := output.Describe(err, steps.RemedyFor(err, p), opts.Config.EnvIdentity(), run.Name)
			return report.Error{Code: e.Code, Message: e.Message, NextStep: e.NextStep, RequestID: e.RequestID}
		},
	}
	ro.Scan.CISubscriptionKey = opts.Config.CISubscriptionKey
	res, _, runErr := cmdutil.RunFleetOf(ctx, run, func(ctx context.Context, t fleet.Target) (output.CheckRow, bool) {
		var d report.Directory
		if t.Err != nil {
			d = report.Failed(t.Tenant, t.Err, ro)
		} else {
			d = report.Collect(ctx, env, t.Tenant, ro)
		}
		return output.CheckRowOf(d), d.Status == report.StatusComplete
	})
	done := cmdutil.Completed(res)
	rows := make([]output.CheckRow, len(done))
	for i, r := range done {
		rows[i] = r.Value
	}
	failed, err := output.CheckFleet(opts.IO.Out, opts.Format, rows)
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if failed == 0 {
		return nil
	}
	pe := &cmdutil.PartialError{Failed: failed, What: "directories",
		Detail: fmt.Sprintf("%d of %d directories could not be checked in full; see the rows above", failed, len(rows))}
	if output.AllFailed(rows) {
		pe.Total = len(rows) // nothing was read anywhere: exit 1
	}
	return pe
}
