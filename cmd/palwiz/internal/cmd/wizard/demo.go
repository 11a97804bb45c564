package wizard

import (
	"context"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/tui"
	"github.com/spf13/cobra"
)

// DemoOptions are demo's inputs.
type DemoOptions struct {
	*Options
	// Scenario is the simulated cloud to run against.
	Scenario *sim.Scenario
}

// NewCmdDemo builds `palwiz demo`; runF replaces the run (tests).
func NewCmdDemo(f *cmdutil.Factory, runF func(context.Context, *DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{Options: NewOptions(f)}
	var scenario string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the wizard against the built-in simulated cloud",
		Long: `Run the full wizard in this process against palwiz's simulated Microsoft cloud
(the "demo" scenario): no tenant, no network, tokens only in memory. The
device-code screen shows the simulator's local sign-in page; open it in a
browser to approve, or press the demo key the screen shows.`,
		Example: "  palwiz demo\n  palwiz demo --accessible",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := cmdutil.OutputFormat(cmd); err != nil {
				return err
			}
			sc, err := sim.LoadScenario(scenario, nil)
			if err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			opts.Scenario = sc
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDemo(cmd.Context(), cmd, opts)
		},
	}
	cmdutil.SetFormats(cmd, nil)
	cmd.Flags().StringVar(&scenario, "scenario", "demo", "embedded scenario to run against")
	_ = cmd.RegisterFlagCompletionFunc("scenario", cmdutil.CompleteWords("demo"))
	return cmd
}

func runDemo(ctx context.Context, cmd *cobra.Command, opts *DemoOptions) error {
	if !opts.allowed() && !opts.Config.Accessible {
		return Run(ctx, cmd, opts.Options)
	}
	s, err := sim.Start(ctx, sim.Options{Scenario: opts.Scenario})
	if err != nil {
		return err
	}
	opts.Connect.OnClose(func() { _ = s.Close() })
	opts.Connect.UseSim(s)
	opts.Config.Ephemeral = true
	opts.Sim = s
	return Run(ctx, cmd, opts.Options)
}

// Demo wires the demo from the scenario: the simulator's sign-in page,
// the accounts the demo key approves as, and the pre-filled values.
func Demo(s *sim.Server) *tui.Demo {
	ids := s.Identities()
	d := &tui.Demo{
		SignInPage: s.DeviceLoginURL(),
		Approve: func(_ context.Context, userCode, upn string) error {
			return s.ApproveDeviceCode(userCode, upn, true)
		},
		ApproveBrowser: approveBrowser,
	}
	roles := sim.DemoRoles{}
	if ids.Demo != nil {
		roles = *ids.Demo
	}
	d.ApproveAs, d.PersonalAs, d.PartnerID = roles.ServiceAccount, roles.PersonalAccount, roles.PartnerID
	if d.ApproveAs == "" && len(ids.Users) > 0 {
		d.ApproveAs = ids.Users[0].UPN
	}
	if d.PersonalAs == "" {
		d.PersonalAs = d.ApproveAs
	}
	if d.PartnerID == "" {
		for _, p := range ids.Partners {
			if p.Kind == "location" || p.Kind == "" {
				d.PartnerID = p.ID
				break
			}
		}
	}
	for i, sp := range ids.ServicePrincipals {
		if sp.ClientID != roles.ServicePrincipal && (roles.ServicePrincipal != "" || i > 0) {
			continue
		}
		tenant := sp.Tenant
		for _, t := range ids.Tenants {
			if t.ID == sp.Tenant && t.Domain != "" {
				tenant = t.Domain
			}
		}
		d.ServicePrincipal = &tui.DemoSP{Tenant: tenant, ClientID: sp.ClientID, Secret: sp.Secret}
		break
	}
	return d
}
