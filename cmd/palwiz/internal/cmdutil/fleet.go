package cmdutil

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/fleet"
)

// FleetOp is one directory's part of a status, link or unlink run.
type FleetOp func(ctx context.Context, t fleet.Target) steps.TenantResult

// RunFleet runs op in every directory the flags name and prints one row
// each. Some directories failing is a PartialError (exit 4); all of them,
// exit 1. write says op changes something: who acts is named first. op
// names the operation in the journal.
func (f *Factory) RunFleet(ctx context.Context, env *steps.Env, format output.Format, fl FleetFlags, journalOp string, op FleetOp, write bool) error {
	run, err := f.PrepareFleet(ctx, env, fl, journalOp)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	var as *steps.Actor
	if write {
		if a, err := steps.WhoActs(ctx, env, ""); err == nil {
			as = &a
			if format != output.JSON {
				fmt.Fprintf(ios.ErrOut, "As %s, in each directory below.\n", output.Clean(a.Who()))
			}
		}
	}
	p := env.Session.Profile()
	res, _, runErr := RunFleetOf(ctx, run, func(ctx context.Context, t fleet.Target) (output.Row, bool) {
		r := steps.TenantResult{Tenant: t.Tenant, Err: t.Err}
		if t.Err == nil {
			r = op(ctx, t)
			r.Tenant = t.Tenant
		}
		fr := output.FleetResult{Dir: output.DirectoryOf(r.Tenant), Link: r.Link, Outcome: r.Outcome, Err: r.Err}
		if r.Err != nil {
			fr.ErrJSON = output.Describe(r.Err, steps.RemedyFor(r.Err, p), f.Config.EnvIdentity(), run.Name)
		}
		return output.FleetRowOf(fr), r.Err == nil
	})
	done := Completed(res)
	rows := make([]output.Row, len(done))
	for i, r := range done {
		rows[i] = r.Value
	}
	failed, err := output.FleetRows(ios.Out, format, rows, as)
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if failed > 0 {
		return &PartialError{Failed: failed, Total: len(rows), What: "directories"}
	}
	return nil
}
