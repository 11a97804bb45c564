// Package attribution is `palwiz check` and `palwiz fix`: which resources
// earn the partner credit, and the changes that make the rest do so.
package attribution

import (
	"context"
	"strings"
	"time"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
	"github.com/spf13/cobra"
)

// ciKeyVar is where palwiz reads the Customer Insights API key: a secret,
// so never a flag.
const ciKeyVar = "PALWIZ_CI_SUBSCRIPTION_KEY"

// ScanFlags are the flags check and fix share, parsed into scan options.
type ScanFlags struct {
	Tenant         cmdutil.TenantFlag
	Environments   []string
	Products       []string
	ProductionOnly bool
	LinkedObjectID string
	LinkedUPN      string
}

// ProductNames are the names --product takes, canonical ones first.
func ProductNames() []string {
	names := make([]string, len(attribution.Products))
	for i, p := range attribution.Products {
		names[i] = string(p)
	}
	return names
}

func (s *ScanFlags) add(cmd *cobra.Command, f *cmdutil.Factory) {
	fl := cmd.Flags()
	s.Tenant.Add(cmd, f, "")
	fl.StringSliceVarP(&s.Environments, "environment", "e", nil, "only these environments, Power BI workspaces or Customer Insights instances (ID or name; repeat or comma-separate)")
	fl.StringSliceVarP(&s.Products, "product", "p", nil, "only these products: "+strings.Join(ProductNames(), ", "))
	fl.BoolVar(&s.ProductionOnly, "production-only", false, "leave out the environments that do not count (sandbox, developer, trial…)")
	fl.StringVar(&s.LinkedObjectID, "linked-object-id", "", "check for this object ID instead of the signed-in identity (an administrator checking the dedicated account)")
	fl.StringVar(&s.LinkedUPN, "linked-upn", "", "the UPN that goes with --linked-object-id (Power BI names owners by UPN)")
	_ = cmd.RegisterFlagCompletionFunc("environment", f.CompleteEnvironments)
	_ = cmd.RegisterFlagCompletionFunc("product", cmdutil.CompleteList(ProductNames()...))
}

// Options turns the flags into scan options; bad values are usage errors.
func (s *ScanFlags) Options() (attribution.ScanOptions, error) {
	var o attribution.ScanOptions
	for _, item := range s.Products {
		for _, x := range strings.Split(item, ",") {
			if strings.TrimSpace(x) == "" {
				continue
			}
			p, err := attribution.ParseProduct(x)
			if err != nil {
				return o, cmdutil.FlagErrorf("--product: %v", err)
			}
			o.Products = append(o.Products, p)
		}
	}
	for _, e := range s.Environments {
		if e = strings.TrimSpace(e); e != "" {
			o.Environments = append(o.Environments, e)
		}
	}
	if s.LinkedUPN != "" && s.LinkedObjectID == "" {
		return o, cmdutil.FlagErrorf("--linked-upn needs --linked-object-id (the object ID every check compares against)")
	}
	if s.LinkedObjectID != "" && !steps.IsGUID(s.LinkedObjectID) {
		return o, cmdutil.FlagErrorf("--linked-object-id %q is not an object ID: use the GUID shown by `palwiz whoami` or the PAL link", s.LinkedObjectID)
	}
	o.SkipNonProduction = s.ProductionOnly
	return o, nil
}

// scanner is what check and fix need to scan.
type scanner struct {
	IO      *iostreams.IOStreams
	Config  *config.Config
	Env     func(context.Context) (*steps.Env, error)
	Connect *cmdutil.Connector
	Reauth  func(*steps.Env) steps.Reauth
	Warn    func(string)
}

func newScanner(f *cmdutil.Factory) scanner {
	return scanner{IO: f.IOStreams, Config: f.Config, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth, Warn: f.Connect.Warn}
}

// scan signs in, resolves the directory and the linked identity (or the one
// --linked-object-id names) and scans, with progress on a terminal. It
// returns the directory as palwiz names it.
func (sc scanner) scan(ctx context.Context, opts attribution.ScanOptions, flags ScanFlags, format output.Format) (*steps.Env, output.Directory, *attribution.ScanResult, error) {
	env, err := sc.Env(ctx)
	if err != nil {
		return nil, output.Directory{}, nil, err
	}
	tenant, err := flags.Tenant.Resolve(ctx, env)
	if err != nil {
		return nil, output.Directory{}, nil, err
	}
	if tenant == "" {
		tenant = env.Session.Profile().Tenant
	}
	opts.Tenant = tenant
	opts.CISubscriptionKey = sc.Config.CISubscriptionKey
	if !sc.Config.GoMemLimitSet {
		opts.MemoryLimit = attribution.DefaultMemoryLimit
	}
	reauth := sc.Reauth(env)
	var linked attribution.LinkedIdentity
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		linked, err = attribution.ResolveLinked(ctx, env, tenant)
		return err
	}, reauth)
	if err != nil {
		return env, output.Directory{}, nil, err
	}
	linked, warning, err := attribution.ForIdentity(linked, flags.LinkedObjectID, flags.LinkedUPN)
	if err != nil {
		return env, output.Directory{}, nil, cmdutil.FlagErrorf("--linked-object-id: %v", err)
	}
	if warning != "" {
		sc.Warn(warning)
	}
	opts.Linked = &linked
	var prog func(attribution.ScanProgress)
	if sc.IO.ShowProgress() && format == output.Table {
		last := time.Time{}
		prog = func(p attribution.ScanProgress) {
			if !p.Done && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			sc.IO.Progressf("Checking: %d of %d environments, %d of %d workspaces, %d resources, %d requests…",
				p.EnvironmentsDone, p.Environments, p.WorkspacesDone, p.Workspaces, p.Resources, p.Requests)
		}
	}
	var res *attribution.ScanResult
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		res, err = attribution.Scan(ctx, env, opts, prog)
		return err
	}, reauth)
	if prog != nil {
		sc.IO.ClearProgress()
	}
	if err != nil {
		return env, output.Directory{}, res, err
	}
	dir := sc.Connect.Directory(ctx, env, tenant, format == output.Table || format == output.Markdown)
	if len(opts.Environments) == 0 {
		names := make([]string, 0, len(res.Environments))
		for _, e := range res.Environments {
			names = append(names, e.Name)
		}
		sc.Connect.RememberEnvironments(ctx, tenant, names)
	}
	return env, dir, res, nil
}

// partial ends a command whose output is printed but incomplete: the
// domain says when (a read failed), the command maps it to exit code 4.
func partial(res *attribution.ScanResult, what string) error {
	sum := attribution.Summarize(res)
	if sum.ExitCode() != attribution.ExitPartial {
		return nil
	}
	return &cmdutil.PartialError{Failed: len(sum.NotChecked), What: what,
		Detail: cmdutil.Pluralise(len(sum.NotChecked), "part") + " of the " + what + " could not be read (listed above); everything else is reported"}
}
