package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/safefile"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/spf13/cobra"
)

func (a *app) simCmd() *cobra.Command {
	var listen, pagesListen, scenario, caOut string
	var verbose, force bool
	c := &cobra.Command{
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

These are simulator credentials, valid nowhere else.`,
		Example: `  palwiz sim                                   # prints the environment to use
  palwiz sim --listen 127.0.0.1:8443 --ca-out /tmp/palwiz-ca.pem
  palwiz sim -o json | head -1                 # address, CA and identities as JSON
  palwiz sim --scenario ./my-scenario.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			format, err := a.outputFormat("table", "json")
			if err != nil {
				return err
			}
			sc, err := sim.LoadScenario(scenario, safefile.Reader(ctx, maxScenarioFile))
			if ctx.Err() != nil {
				return errInterrupted
			}
			if err != nil {
				return &usageError{err.Error()}
			}
			opts := sim.Options{Addr: listen, PagesAddr: pagesListen, Scenario: sc}
			if verbose {
				opts.Logf = func(f string, args ...any) { fmt.Fprintf(a.st.err, f+"\n", args...) }
			}
			s, err := sim.Start(ctx, opts)
			if err != nil {
				return err
			}
			defer s.Close()
			removeCA := false
			if caOut == "" {
				dir := a.getenv("XDG_RUNTIME_DIR")
				if dir == "" {
					dir = os.TempDir()
				}
				caOut = filepath.Join(dir, "palwiz-sim-ca-"+strings.ReplaceAll(strings.TrimPrefix(s.URL(), "https://"), ":", "-")+".pem")
				removeCA = true
			}
			// Never over a file palwiz did not write (run as root, --ca-out
			// /etc/hosts would otherwise replace it); an earlier run's CA is ours.
			if err := safefile.Write(caOut, s.CAPEM(), safefile.Options{Perm: 0o644, Force: force, Ours: cloud.IsSimCA}); err != nil {
				var ee *safefile.ExistsError
				if errors.As(err, &ee) {
					return &usageError{"--ca-out: " + err.Error()}
				}
				return fmt.Errorf("write the CA file: %w", err)
			}
			if removeCA {
				defer os.Remove(caOut)
			}
			ids := s.Identities()
			env := map[string]string{"PALWIZ_CLOUD": "sim", "PALWIZ_SIM_URL": s.URL(), "PALWIZ_SIM_CA": caOut}
			if format == "json" {
				b, _ := json.Marshal(map[string]any{
					"url": s.URL(), "pagesUrl": s.PagesURL(), "deviceLoginUrl": s.DeviceLoginURL(), "caFile": caOut,
					"env": env, "scenario": ids.Scenario, "users": ids.Users, "servicePrincipals": ids.ServicePrincipals,
					"partners": ids.Partners, "tenants": ids.Tenants,
				})
				fmt.Fprintln(a.st.out, string(b))
			} else {
				a.printSimBanner(s, caOut, ids)
			}
			<-ctx.Done()
			if format != "json" {
				fmt.Fprintln(a.st.err, "Simulator stopped.")
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:0", "HTTPS address to serve on (loopback)")
	f.StringVar(&pagesListen, "pages-listen", "127.0.0.1:0", `plain-HTTP address of the sign-in pages ("off" serves them on the HTTPS address)`)
	f.StringVar(&scenario, "scenario", "demo", "embedded scenario name, or a scenario JSON file")
	f.StringVar(&caOut, "ca-out", "", "where to write the CA certificate (default: a temporary file removed on exit); an existing file is replaced only if an earlier palwiz sim wrote it")
	f.BoolVar(&force, "force", false, "let --ca-out replace a regular file palwiz did not write")
	f.BoolVar(&verbose, "verbose", false, "log every request to stderr")
	return c
}

// maxScenarioFile bounds a scenario file (the demo's is about 60 KB).
const maxScenarioFile = 32 << 20

func (a *app) printSimBanner(s *sim.Server, caOut string, ids sim.Identities) {
	w := a.st.out
	fmt.Fprintf(w, "palwiz simulated cloud: scenario %q\n\n", ids.Scenario)
	kv(w, "  API (HTTPS)", s.URL(), "  Sign-in page", s.DeviceLoginURL(), "  CA file", caOut)
	fmt.Fprintf(w, "\nUse it from another terminal:\n  export PALWIZ_CLOUD=sim PALWIZ_SIM_URL=%s PALWIZ_SIM_CA=%s\n", s.URL(), caOut)
	fmt.Fprintln(w, "\nPeople (run `palwiz login`, then pick one on the sign-in page):")
	tb := &table{header: []string{"  USER", "NAME", "NOTE"}}
	for _, u := range ids.Users {
		tb.add("  "+u.UPN, u.DisplayName, u.Note)
	}
	_ = tb.write(w, "table")
	fmt.Fprintln(w, "\nService principals (PALWIZ_CLIENT_SECRET=SECRET palwiz login --service-principal --client-id ID --tenant TENANT):")
	tb = &table{header: []string{"  NAME", "TENANT", "CLIENT ID", "SECRET"}}
	for _, sp := range ids.ServicePrincipals {
		tb.add("  "+sp.DisplayName, sp.Tenant, sp.ClientID, sp.Secret)
	}
	_ = tb.write(w, "table")
	fmt.Fprintln(w, "\nPartner IDs the simulated PAL service knows:")
	tb = &table{header: []string{"  ID", "NAME", "KIND"}}
	for _, p := range ids.Partners {
		kind := p.Kind
		if kind == "global" {
			kind = "global (PAL refuses it)"
		}
		tb.add("  "+p.ID, p.Name, kind)
	}
	_ = tb.write(w, "table")
	fmt.Fprintln(w, "\nDirectories:")
	tb = &table{header: []string{"  NAME", "DOMAIN", "TENANT ID", "MFA"}}
	for _, t := range ids.Tenants {
		mfa := ""
		if t.RequireMFA {
			mfa = "required"
		}
		tb.add("  "+t.DisplayName, t.Domain, t.ID, mfa)
	}
	_ = tb.write(w, "table")
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
}
