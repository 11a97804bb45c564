// Package sim is `palwiz sim`: the simulated Microsoft cloud, served for
// other terminals and clients.
package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/safefile"
	azsim "github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/spf13/cobra"
)

// Options are sim's inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config *config.Config
	Format output.Format

	Listen, PagesListen string
	// Scenario is an embedded scenario's name or a scenario file (--scenario).
	Scenario string
	// CAOut is where the CA certificate goes ("" = a temporary file).
	CAOut string
	// Force lets --ca-out replace a regular file palwiz did not write.
	Force   bool
	Verbose bool
}

// NewCmdSim builds the command; runF replaces the run (tests).
func NewCmdSim(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the simulated Microsoft cloud for other terminals and clients",
		Long: `Serve palwiz's simulated Microsoft cloud on loopback until stopped (Ctrl-C):
Entra ID sign-in, Azure Resource Manager (directories and Partner Admin Link),
Microsoft Graph and the Power Platform services, from a scenario.

It serves HTTPS with a certificate for the real host names, signed by a CA that
exists only while it runs (written to --ca-out). Point palwiz at it with the
environment it prints; every request then goes to the simulator.

The default scenario "demo" has a partner (Fabrikam Consulting, location IDs
4977985 and 4977986, global ID 4977984) and three customer directories (Contoso,
Northwind Traders, and Woodgrove Bank, which demands MFA). Its test identities:

  people (pick them on the sign-in page after ` + "`palwiz login`" + `):
    pal-service@contoso.onmicrosoft.com   Contoso's dedicated PAL service account
    ana.lopez@fabrikam.example            a consultant, guest in all three customers
    it-admin@contoso.onmicrosoft.com      Contoso's administrator
    former.consultant@fabrikam.example    a disabled account
  service principals (` + "`palwiz login --service-principal`" + `):
    PAL-4977985-SPN   tenant contoso.onmicrosoft.com
                      client ID e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501
                      secret sim-contoso-spn-secret-1
    Fabrikam Delivery Pipeline   tenant northwind.onmicrosoft.com
                      client ID a3c4d5e6-f708-4192-a3b4-c5d6e7f80601
                      secret sim-northwind-pipeline-secret-1
                      or workload identity federation (` + "`palwiz login --federated`" + `):
                      GitHub Actions repo:fabrikam/pal-delivery:environment:northwind,
                      Azure DevOps sc://fabrikam/PAL/northwind-pal
  this machine's managed identity (` + "`palwiz login --managed-identity`" + `):
    contoso-build-agent   tenant contoso.onmicrosoft.com, system-assigned

It also plays GitHub Actions' and Azure DevOps' OIDC issuers and token
endpoints, and a VM's instance metadata service (docs/pipelines.md).

These are simulator credentials, valid nowhere else.`,
		Example: `  palwiz sim                                    # prints the environment to use
  palwiz sim --listen 127.0.0.1:8443 --ca-out /tmp/palwiz-ca.pem
  palwiz sim -o json | head -1                  # address, CA and identities as JSON
  palwiz sim --scenario ./my-scenario.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Format, err = cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.SetFormats(cmd, []output.Format{output.Table, output.JSON})
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:0", "HTTPS address to serve on (loopback)")
	fl.StringVar(&opts.PagesListen, "pages-listen", "127.0.0.1:0", `plain-HTTP address of the sign-in pages ("off" serves them on the HTTPS address)`)
	fl.StringVar(&opts.Scenario, "scenario", "demo", "embedded scenario name, or a scenario JSON file")
	fl.StringVar(&opts.CAOut, "ca-out", "", "where to write the CA certificate (default: a temporary file removed on exit); an existing file is replaced only if an earlier palwiz sim wrote it")
	fl.BoolVar(&opts.Force, "force", false, "let --ca-out replace a regular file palwiz did not write")
	fl.BoolVar(&opts.Verbose, "verbose", false, "log every request to stderr")
	_ = cmd.RegisterFlagCompletionFunc("scenario", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"demo"}, cobra.ShellCompDirectiveDefault
	})
	return cmd
}

// maxScenarioFile bounds a scenario file (the demo's is about 60 KB).
const maxScenarioFile = 32 << 20

func run(ctx context.Context, opts *Options) error {
	sc, err := azsim.LoadScenario(opts.Scenario, safefile.Reader(ctx, maxScenarioFile))
	if ctx.Err() != nil {
		return cmdutil.ErrCancel
	}
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	so := azsim.Options{Addr: opts.Listen, PagesAddr: opts.PagesListen, Scenario: sc}
	if opts.Verbose {
		so.Logf = func(f string, args ...any) { fmt.Fprintf(opts.IO.ErrOut, f+"\n", args...) }
	}
	s, err := azsim.Start(ctx, so)
	if err != nil {
		return err
	}
	defer s.Close()
	caOut, removeCA := opts.CAOut, false
	if caOut == "" {
		dir := opts.Config.RuntimeDir
		if dir == "" {
			dir = os.TempDir()
		}
		caOut = filepath.Join(dir, "palwiz-sim-ca-"+strings.ReplaceAll(strings.TrimPrefix(s.URL(), "https://"), ":", "-")+".pem")
		removeCA = true
	}
	// Never over a file palwiz did not write (run as root, --ca-out
	// /etc/hosts would otherwise replace it); an earlier run's CA is ours.
	if err := safefile.Write(caOut, s.CAPEM(), safefile.Options{Perm: 0o644, Force: opts.Force, Ours: cloud.IsSimCA}); err != nil {
		var ee *safefile.ExistsError
		if errors.As(err, &ee) {
			return cmdutil.FlagErrorf("--ca-out: %v", err)
		}
		return fmt.Errorf("write the CA file: %w", err)
	}
	if removeCA {
		defer os.Remove(caOut)
	}
	info := output.SimInfo{URL: s.URL(), PagesURL: s.PagesURL(), DeviceLoginURL: s.DeviceLoginURL(), CAFile: caOut,
		Env:        map[string]string{"PALWIZ_CLOUD": "sim", "PALWIZ_SIM_URL": s.URL(), "PALWIZ_SIM_CA": caOut},
		Identities: s.Identities()}
	if err := output.Sim(opts.IO.Out, opts.Format, info); err != nil {
		return err
	}
	<-ctx.Done()
	if opts.Format != output.JSON {
		fmt.Fprintln(opts.IO.ErrOut, "Simulator stopped.")
	}
	return nil
}
