package cmdutil

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// FleetOp runs one operation in every directory given, reporting progress.
type FleetOp func(ts []arm.Tenant, progress func(done, total int)) []steps.TenantResult

// RunFleet runs op in every directory the identity reaches and prints one
// row each. Some directories failing is a PartialError (exit 4); all of
// them, exit 1. write says op changes something: who acts is named first.
func (f *Factory) RunFleet(ctx context.Context, env *steps.Env, format output.Format, op FleetOp, write bool) error {
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		return err
	}
	f.Connect.RememberTenants(ctx, ts)
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
	var prog func(int, int)
	if ios.ShowProgress() && format == output.Table {
		prog = func(done, total int) { ios.Progressf("%d of %d directories…", done, total) }
	}
	rows := op(ts, prog)
	if prog != nil {
		ios.ClearProgress()
	}
	p := env.Session.Profile()
	names := func(id string) string {
		if t, ok := steps.FindTenant(ts, id); ok {
			return t.DisplayName
		}
		return ""
	}
	results := make([]output.FleetResult, 0, len(rows))
	for _, r := range rows {
		res := output.FleetResult{Dir: output.DirectoryOf(r.Tenant), Link: r.Link, Outcome: r.Outcome, Err: r.Err}
		if r.Err != nil {
			res.ErrJSON = output.Describe(r.Err, steps.RemedyFor(r.Err, p), f.Config.EnvIdentity(), names)
		}
		results = append(results, res)
	}
	failed, err := output.Fleet(ios.Out, format, results, as)
	if err != nil {
		return err
	}
	if failed > 0 {
		return &PartialError{Failed: failed, Total: len(rows), What: "directories"}
	}
	return nil
}
