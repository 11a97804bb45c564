// Package report is `palwiz report`: the evidence report of one directory
// or many (Markdown, HTML or JSON, with a SHA-256 digest), and `palwiz
// report verify`, which checks a report written earlier.
package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/report"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/palwiz/palwiz/steps/fleet"
	"github.com/spf13/cobra"
)

// ciKeyVar is where palwiz reads the Customer Insights API key (as check does).
const ciKeyVar = "PALWIZ_CI_SUBSCRIPTION_KEY"

// html is the report format that is no --output of other commands.
const html output.Format = "html"

// Options are report's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Config  *config.Config
	Env     func(context.Context) (*steps.Env, error)
	Connect *cmdutil.Connector
	Factory *cmdutil.Factory
	Build   cmdutil.BuildInfo

	// Format is md, html or json.
	Format string
	// Out is the file to write ("" = standard output); Force replaces a
	// file palwiz did not write.
	Out   string
	Force bool

	Tenant         cmdutil.TenantFlag
	Fleet          cmdutil.FleetFlags
	Environments   []string
	Products       []attribution.Product
	ProductionOnly bool
	// Now is the clock (tests).
	Now func() time.Time
}

// NewCmdReport builds the command; runF replaces the run (tests).
func NewCmdReport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Env: f.Connect.Env, Connect: f.Connect, Factory: f, Build: f.Build, Now: time.Now}
	var format string
	var products []string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the evidence report: the link and the attribution, with a digest",
		Long: `Write the evidence report of one directory, or of many: for each, the identity
whose link earns the credit (name, user principal name or app ID, object ID,
member or guest), its Partner Admin Link as read now (partner ID and name,
state, first linked, last changed), the attribution of every resource by
product with its verdict and reason, what could not be checked and why, and
the facts of the run (time, palwiz version, cloud, who ran it, the request
IDs of failed reads).

Formats: md (for a pull request or a wiki), html (one self-contained file:
no script, nothing fetched, prints well) and json (the record; its schema is
in docs/report.md). Every format carries the SHA-256 digest of the JSON form,
printed when the report is written; ` + "`palwiz report verify FILE`" + ` checks a
report later. --out never replaces a file palwiz did not write (unless
--force).

A report is never an all-clear when a read failed: the failure is listed
first, and the exit code is 4. Customer Insights is read through Dataverse
where an environment hosts it; an instance outside Dataverse is checked only
when ` + ciKeyVar + ` holds its API key.`,
		Example: `  palwiz report --out contoso-pal.md
  palwiz report --format html --out evidence.html --tenant contoso.onmicrosoft.com
  palwiz report --all-tenants --format html --out fleet.html --journal report.jsonl
  palwiz report --tenants-file customers.csv --format json --out fleet.json
  palwiz report verify evidence.html`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = pickFormat(cmd, format); err != nil {
				return err
			}
			if err := opts.Fleet.Check(opts.Tenant.Value != ""); err != nil {
				return err
			}
			if opts.Products, err = parseProducts(products); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, []output.Format{output.Markdown, html, output.JSON})
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "", "md (default), html or json (the same as --output)")
	fl.StringVar(&opts.Out, "out", "", "write the report to FILE (never over a file palwiz did not write)")
	fl.BoolVar(&opts.Force, "force", false, "let --out replace a file palwiz did not write")
	opts.Tenant.Add(cmd, f, "")
	opts.Fleet.Add(cmd, true)
	fl.StringSliceVarP(&opts.Environments, "environment", "e", nil, "only these environments, Power BI workspaces or Customer Insights instances (ID or name)")
	fl.StringSliceVarP(&products, "product", "p", nil, "only these products (as for palwiz check)")
	fl.BoolVar(&opts.ProductionOnly, "production-only", false, "leave out the environments that do not count")
	_ = cmd.RegisterFlagCompletionFunc("format", cmdutil.CompleteWords(report.Formats...))
	_ = cmd.MarkFlagFilename("out")
	return cmd
}

// pickFormat reads --format and --output: either names the format.
func pickFormat(cmd *cobra.Command, format string) (string, error) {
	o, err := cmdutil.OutputFormat(cmd)
	if err != nil {
		return "", err
	}
	out := ""
	if o != output.Table {
		out = string(o)
	}
	format = strings.ToLower(strings.TrimSpace(format))
	switch {
	case format != "" && out != "" && format != out:
		return "", cmdutil.FlagErrorf("--format %s and --output %s disagree: give one of them", format, out)
	case format == "":
		format = out
	}
	if format == "" {
		return report.FormatMarkdown, nil
	}
	for _, f := range report.Formats {
		if format == f {
			return f, nil
		}
	}
	return "", cmdutil.FlagErrorf("--format %q: use md, html or json", format)
}

func parseProducts(items []string) ([]attribution.Product, error) {
	var out []attribution.Product
	for _, item := range items {
		for _, x := range strings.Split(item, ",") {
			if strings.TrimSpace(x) == "" {
				continue
			}
			p, err := attribution.ParseProduct(x)
			if err != nil {
				return nil, cmdutil.FlagErrorf("--product: %v", err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func run(ctx context.Context, opts *Options) error {
	env, err := opts.Env(ctx)
	if err != nil {
		return err
	}
	ro := opts.collectOptions(ctx, env)
	var dirs []report.Directory
	scope := "tenant"
	if opts.Fleet.On() {
		scope = "all-tenants"
		if opts.Fleet.TenantsFile != "" {
			scope = "tenants-file"
		}
		if dirs, err = opts.collectFleet(ctx, env, ro); err != nil {
			return err
		}
	} else {
		t, err := opts.directory(ctx, env)
		if err != nil {
			return err
		}
		dirs = []report.Directory{report.Collect(ctx, env, t, ro)}
		if ctx.Err() != nil {
			return cmdutil.ErrCancel
		}
	}
	doc := report.Assemble(opts.runFacts(ctx, env, scope), dirs)
	if err := opts.write(ctx, doc); err != nil {
		return err
	}
	if !doc.Complete() {
		n := doc.Summary.Incomplete + doc.Summary.Failed
		return &cmdutil.PartialError{Failed: n, What: "directories",
			Detail: fmt.Sprintf("%d of %d director%s could not be read in full; the report lists what failed and why", n, len(dirs), map[bool]string{true: "y", false: "ies"}[len(dirs) == 1])}
	}
	return nil
}

// directory is the one directory of a single report (--tenant, or the current one).
func (opts *Options) directory(ctx context.Context, env *steps.Env) (arm.Tenant, error) {
	if opts.Tenant.Value != "" {
		return steps.ResolveTenant(ctx, env, opts.Tenant.Value)
	}
	t, err := steps.CurrentTenant(ctx, env)
	if err != nil {
		if p := env.Session.Profile(); p != nil && !isAuth(err) {
			return arm.Tenant{ID: p.Tenant}, nil
		}
		return arm.Tenant{}, err
	}
	return t, nil
}

func isAuth(err error) bool {
	var ae *auth.Error
	return errors.As(err, &ae)
}

func (opts *Options) collectOptions(ctx context.Context, env *steps.Env) report.Options {
	p := env.Session.Profile()
	names := opts.Connect.NameOf(ctx)
	return report.Options{
		Scan: attribution.ScanOptions{Environments: opts.Environments, Products: opts.Products, SkipNonProduction: opts.ProductionOnly,
			CISubscriptionKey: opts.Config.CISubscriptionKey},
		Describe: func(_ string, err error) report.Error {
			e := output.Describe(err, steps.RemedyFor(err, p), opts.Config.EnvIdentity(), names)
			return report.Error{Code: e.Code, Message: e.Message, NextStep: e.NextStep, RequestID: e.RequestID}
		},
		Now: opts.Now,
	}
}

// collectFleet checks every directory the fleet flags name, with the
// journal and the progress line.
func (opts *Options) collectFleet(ctx context.Context, env *steps.Env, ro report.Options) ([]report.Directory, error) {
	op := cmdutil.JournalOp("report", strings.Join(opts.Environments, ","), productNames(opts.Products), map[bool]string{true: "--production-only"}[opts.ProductionOnly])
	run, err := opts.Factory.PrepareFleet(ctx, env, opts.Fleet, op)
	if err != nil {
		return nil, err
	}
	res, _, err := cmdutil.RunFleetOf(ctx, run, func(ctx context.Context, t fleet.Target) (report.Directory, bool) {
		if t.Err != nil {
			return report.Failed(t.Tenant, t.Err, ro), false
		}
		d := report.Collect(ctx, env, t.Tenant, ro)
		return d, d.Status == report.StatusComplete
	})
	if err != nil {
		return nil, err
	}
	dirs := make([]report.Directory, len(res))
	for i, r := range res {
		dirs[i] = r.Value
	}
	return dirs, nil
}

func productNames(ps []attribution.Product) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}

// runFacts are the run's facts: when, which palwiz, which cloud, who.
func (opts *Options) runFacts(ctx context.Context, env *steps.Env, scope string) report.Run {
	r := report.Run{Generated: opts.Now().UTC(), Palwiz: report.Build{Version: opts.Build.Version, Commit: opts.Build.Commit},
		Cloud: "public", Scope: scope}
	if env.Cloud != nil && env.Cloud.IsSim() {
		r.Cloud = "sim"
	}
	if len(opts.Environments) > 0 || len(opts.Products) > 0 || opts.ProductionOnly {
		r.Filter = &report.Filter{Environments: opts.Environments, ProductionOnly: opts.ProductionOnly}
		for _, p := range opts.Products {
			r.Filter.Products = append(r.Filter.Products, string(p))
		}
	}
	if a, err := steps.WhoActs(ctx, env, ""); err == nil {
		r.RanBy = report.Identity{Kind: string(a.Kind), DisplayName: a.Name, UPN: a.Username, AppID: a.AppID, ObjectID: a.ObjectID,
			TenantID: a.TenantID, Source: a.Source}
	} else if p := env.Session.Profile(); p != nil {
		r.RanBy = report.Identity{Kind: string(p.Kind), DisplayName: p.DisplayName, UPN: p.Username, AppID: p.ClientID, TenantID: p.HomeTenant}
	}
	return r
}

// write renders the report to --out (through safefile: never over a file
// palwiz did not write) or standard output, and prints its digest.
func (opts *Options) write(ctx context.Context, doc *report.Document) error {
	b, digest, err := report.Render(doc, opts.Format)
	if err != nil {
		return err
	}
	if opts.Out == "" {
		if _, err := opts.IO.Out.Write(b); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "SHA-256 of the report's JSON form: %s\n", digest)
		return nil
	}
	if err := report.WriteFile(opts.Out, b, opts.Force); err != nil {
		var ee *report.ExistsError
		if errors.As(err, &ee) {
			return cmdutil.FlagErrorf("--out: %v", err)
		}
		return err
	}
	fmt.Fprintf(opts.IO.Out, "%s  %s\n", digest, opts.Out)
	return nil
}
