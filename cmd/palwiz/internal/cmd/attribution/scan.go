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

func (s *ScanFlags) add(cmd *cobra.Command, f *cmdutil.Factory) {
	fl := cmd.Flags()
	s.Tenant.Add(cmd, f, "")
	fl.StringSliceVarP(&s.Environments, "environment", "e", nil, "only these environments, Power BI workspaces or Customer Insights instances (ID or name; repeat or comma-separate)")
	fl.StringSliceVarP(&s.Products, "product", "p", nil, "only these products: "+strings.Join(steps.ProductNames(), ", "))
	fl.BoolVar(&s.ProductionOnly, "production-only", false, "leave out the environments that do not count (sandbox, developer, trial…)")
	fl.StringVar(&s.LinkedObjectID, "linked-object-id", "", "check for this object ID instead of the signed-in identity (an administrator checking the dedicated account)")
	fl.StringVar(&s.LinkedUPN, "linked-upn", "", "the UPN that goes with --linked-object-id (Power BI names owners by UPN)")
	_ = cmd.RegisterFlagCompletionFunc("environment", f.CompleteEnvironments)
	_ = cmd.RegisterFlagCompletionFunc("product", cmdutil.CompleteList(steps.ProductNames()...))
}

// Options turns the flags into scan options; bad values are usage errors.
func (s *ScanFlags) Options() (steps.ScanOptions, error) {
	var o steps.ScanOptions
	products, err := steps.ParseProducts(s.Products)
	if err != nil {
		return o, cmdutil.FlagErrorf("--product: %v", err)
	}
	o.Products = products
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
	o.LinkedObjectID, o.LinkedUPN = s.LinkedObjectID, s.LinkedUPN
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
}

func newScanner(f *cmdutil.Factory) scanner {
	return scanner{IO: f.IOStreams, Config: f.Config, Env: f.Connect.Env, Connect: f.Connect, Reauth: f.Reauth}
}

// scan signs in, resolves the directory and scans it, with progress on a
// terminal. It returns the directory as palwiz names it.
func (sc scanner) scan(ctx context.Context, opts steps.ScanOptions, tenantFlag cmdutil.TenantFlag, format output.Format) (*steps.Env, output.Directory, *steps.ScanResult, error) {
	env, err := sc.Env(ctx)
	if err != nil {
		return nil, output.Directory{}, nil, err
	}
	tenant, err := tenantFlag.Resolve(ctx, env)
	if err != nil {
		return nil, output.Directory{}, nil, err
	}
	if tenant == "" {
		tenant = env.Session.Profile().Tenant
	}
	opts.Tenant = tenant
	opts.CISubscriptionKey = sc.Config.CISubscriptionKey
	if !sc.Config.GoMemLimitSet {
		opts.MemoryLimit = steps.DefaultMemoryLimit
	}
	var prog func(steps.ScanProgress)
	if sc.IO.ShowProgress() && format == output.Table {
		last := time.Time{}
		prog = func(p steps.ScanProgress) {
			if !p.Done && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			sc.IO.Progressf("Checking: %d of %d environments, %d of %d workspaces, %d resources, %d requests…",
				p.EnvironmentsDone, p.Environments, p.WorkspacesDone, p.Workspaces, p.Resources, p.Requests)
		}
	}
	var res *steps.ScanResult
	err = steps.WithReauth(ctx, env, tenant, func() (err error) {
		res, err = steps.Scan(ctx, env, opts, prog)
		return err
	}, sc.Reauth(env))
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

// partial ends a command whose output is printed but incomplete.
func partial(res *steps.ScanResult, what string) error {
	return &cmdutil.PartialError{Failed: len(res.Failures), What: what,
		Detail: cmdutil.Pluralise(len(res.Failures), "part") + " of the " + what + " failed (listed above); everything else is reported"}
}
