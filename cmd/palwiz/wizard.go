package main

import (
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/spf13/cobra"
)

// tuiAllowed reports whether the wizard may take over the terminal.
func (a *app) tuiAllowed() bool {
	return a.st.inTTY && a.st.outTTY && a.getenv("TERM") != "dumb" && !a.noPrompt && !truthy(a.getenv("PALWIZ_NO_PROMPT")) && !truthy(a.getenv("CI"))
}

// stepCommands are the commands that do each step of the wizard, in its
// order, with the arguments they need; the fallback lists those that exist.
var stepCommands = []struct{ step, name, args, what string }{
	{"1 Initiation", "login", " [--service-principal]", "sign in"},
	{"", "whoami", "", "who you are there"},
	{"", "tenants", "", "directories you reach"},
	{"2 Registration", "status", "", "the link, if any"},
	{"", "link", " --partner-id ID", "link your partner ID"},
	{"", "unlink", " --yes", "remove the link"},
	{"3 Attribution", "check", "", "who owns what counts"},
	{"", "fix", " [--apply]", "the fix plan"},
	{"  Validation", "status", "", "read the link back"},
	{"", "report", "", "the evidence report"},
}

// noTerminalHelp says why the wizard does not start, offers its accessible
// mode, and names the command for every step (those root has).
func noTerminalHelp(root *cobra.Command, demo, dumb bool) string {
	var b strings.Builder
	if dumb {
		b.WriteString("palwiz's wizard draws a full screen, and TERM=dumb has no cursor control.\n\n")
	} else {
		b.WriteString("palwiz's wizard needs an interactive terminal.\n\n")
	}
	again := "palwiz --accessible"
	if demo {
		again = "palwiz demo --accessible"
	}
	fmt.Fprintf(&b, "To answer the same questions line by line (also for screen readers):\n\n  %s    (or ACCESSIBLE=1)\n\n", again)
	b.WriteString("Or do each step with its command:\n\n")
	step := ""
	for _, c := range stepCommands {
		if c.step != "" {
			step = c.step
		}
		cmd, _, err := root.Find([]string{c.name})
		if err != nil || cmd == root || cmd.Name() != c.name {
			continue
		}
		fmt.Fprintf(&b, "  %-14s  %-34s  %s\n", step, "palwiz "+c.name+c.args, c.what)
		step = ""
	}
	b.WriteString("\nRun `palwiz --help` for everything.")
	return b.String()
}

// runWizard starts the TUI (or its accessible mode), or explains what to
// use instead when there is no terminal to draw on.
func (a *app) runWizard(cmd *cobra.Command, demo bool) error {
	if !a.tuiAllowed() && !a.accessibleMode() {
		dumb := a.st.inTTY && a.st.outTTY && a.getenv("TERM") == "dumb"
		fmt.Fprintln(a.st.err, noTerminalHelp(cmd.Root(), demo, dumb))
		return errSilentUsage
	}
	return a.startWizard(cmd.Context(), demo)
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
			return a.runWizard(cmd, true)
		},
	}
}
