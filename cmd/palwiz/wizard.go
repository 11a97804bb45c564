package main

import (
	"context"
	"fmt"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/spf13/cobra"
)

// tuiAllowed reports whether the wizard may take over the terminal.
func (a *app) tuiAllowed() bool {
	return a.st.inTTY && a.st.outTTY && a.getenv("TERM") != "dumb" && !a.noPrompt && !truthy(a.getenv("PALWIZ_NO_PROMPT")) && !truthy(a.getenv("CI"))
}

const noTerminalHelp = `palwiz's wizard needs an interactive terminal. Without one, use the commands:

  palwiz login [--service-principal ...]   sign in to the customer's directory
  palwiz whoami                            who you are there (member or guest)
  palwiz tenants                           the directories you can reach
  palwiz status [--all-tenants]            the Partner Admin Link
  palwiz link --partner-id ID              link (or say it is already linked)
  palwiz unlink --yes                      remove the link

Run ` + "`palwiz --help`" + ` for everything, or ` + "`palwiz demo`" + ` in a terminal to try the wizard.`

// runWizard starts the TUI, or explains which commands to use without a terminal.
func (a *app) runWizard(ctx context.Context, demo bool) error {
	if !a.tuiAllowed() && !a.accessibleMode() {
		fmt.Fprintln(a.st.err, noTerminalHelp)
		return errSilentUsage
	}
	return a.startWizard(ctx, demo)
}

func (a *app) accessibleMode() bool {
	return a.accessible || truthy(a.getenv("ACCESSIBLE"))
}

func (a *app) demoCmd() *cobra.Command {
	var scenario string
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the wizard against the built-in simulated cloud",
		Long: `Run the full wizard in this process against palwiz's simulated Microsoft cloud
(the "demo" scenario): no tenant, no network. The device-code screen shows the
simulator's local sign-in page; open it in a browser to approve, or press the
demo key the screen shows.`,
		Example: "  palwiz demo\n  palwiz demo --accessible",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			sc, err := sim.LoadScenario(scenario, nil)
			if err != nil {
				return &usageError{err.Error()}
			}
			s, err := sim.Start(ctx, sim.Options{Scenario: sc})
			if err != nil {
				return err
			}
			a.closers = append(a.closers, func() { _ = s.Close() })
			a.simServer = s
			a.cloudName = cloud.Sim
			a.ephemeral = true
			return a.runWizard(ctx, true)
		},
	}
}
