// Package wizard is palwiz with no command (the wizard) and `palwiz demo`
// (the wizard against the built-in simulated cloud): the gate that decides
// whether the full-screen wizard may start, and what it prints afterwards.
package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/tui"
	"github.com/spf13/cobra"
)

// Options are the wizard's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Config  *config.Config
	Connect *cmdutil.Connector
	// Sim is the in-process simulator of `palwiz demo` (nil: the configured cloud).
	Sim *sim.Server
}

// NewOptions are the wizard's inputs from the factory.
func NewOptions(f *cmdutil.Factory) *Options {
	return &Options{IO: f.IOStreams, Config: f.Config, Connect: f.Connect}
}

// allowed reports whether the full-screen wizard may take over the terminal.
func (o *Options) allowed() bool {
	return o.IO.IsStdinTTY() && o.IO.IsStdoutTTY() && o.Config.Term != "dumb" && o.Config.MayPrompt()
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

// Run starts the wizard (or its accessible mode), or explains what to use
// instead when there is no terminal to draw on. cmd is the command that runs
// it (the fallback lists the root's commands).
func Run(ctx context.Context, cmd *cobra.Command, opts *Options) error {
	if !opts.allowed() && !opts.Config.Accessible {
		dumb := opts.IO.IsStdinTTY() && opts.IO.IsStdoutTTY() && opts.Config.Term == "dumb"
		fmt.Fprintln(opts.IO.ErrOut, noTerminalHelp(cmd.Root(), opts.Sim != nil || cmd.Name() == "demo", dumb))
		return &cmdutil.SilentError{Code: cmdutil.ExitUsage}
	}
	return start(ctx, opts)
}

// start runs the Bubble Tea wizard (or, with --accessible, the same flow as
// line-by-line prompts), then prints what it did.
func start(ctx context.Context, opts *Options) error {
	// Notes (keyring trouble) must not scribble over the full-screen wizard:
	// hold them until it ends.
	release := opts.IO.HoldStderr()
	defer release()

	s, err := session(ctx, opts)
	if err != nil {
		return err
	}
	env := opts.Connect.EnvFor(s)
	to := tui.Options{
		Backend:    tui.NewBackend(env),
		Attributor: tui.NewAttributor(env, opts.Config.CISubscriptionKey),
		Ephemeral:  opts.Config.Ephemeral || s.FromEnvironment(),
		PartnerID:  opts.Config.PartnerID,
		NoColor:    opts.Config.NoColor,
		In:         opts.IO.In,
		Out:        opts.IO.Out,
		OpenURL:    func(url string) error { return openQuietly(opts.Config, url) },
	}
	if s.FromEnvironment() {
		to.EnvIdentity = opts.Config.Identity().Describe()
	}
	if opts.Sim != nil {
		to.Demo = Demo(opts.Sim)
	}
	var res tui.Result
	if opts.Config.Accessible {
		res, err = tui.RunAccessible(ctx, to)
	} else {
		res, err = tui.Run(ctx, to)
	}
	release()
	if errors.Is(err, tui.ErrCancelled) || errors.Is(err, context.Canceled) {
		return cmdutil.ErrCancel
	}
	if err != nil {
		return err
	}
	// Both faces end with the same summary, once the full screen is gone.
	if sum := tui.Summary(res, s.Persistent()); sum != "" {
		for _, l := range strings.Split(sum, "\n") {
			fmt.Fprintln(opts.IO.Out, output.Clean(l))
		}
	}
	// An attribution check that failed in part or in full was said first
	// in the summary; the exit code says it too, as the commands' does.
	if res.Partial() {
		return &cmdutil.SilentError{Code: cmdutil.ExitPartial}
	}
	return nil
}

// session is the sign-in the wizard starts with. An identity the
// environment variables name completely (PALWIZ_CLIENT_ID, PALWIZ_TENANT and
// a secret or certificate) signs in for this run only and is the one the
// wizard acts as. Named without a secret, a stored sign-in must be that
// identity, or the wizard does not start (palwiz never acts silently as
// another identity); with nobody signed in, the wizard's sign-ins use the
// app PALWIZ_CLIENT_ID names, as `palwiz login` does. The demo's simulated
// cloud knows none of a real pipeline's identities: it ignores them.
func session(ctx context.Context, opts *Options) (*auth.Session, error) {
	if opts.Sim != nil {
		return opts.Connect.Session(ctx, "")
	}
	id := opts.Config.Identity()
	if id.Complete() {
		env, err := opts.Connect.Env(ctx)
		if err != nil {
			return nil, err
		}
		return env.Session, nil
	}
	s, err := opts.Connect.Session(ctx, id.ClientID)
	if err != nil {
		return nil, err
	}
	if s.Profile() != nil {
		if err := s.CheckEnvironment(ctx, id); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// openQuietly opens the system browser without letting the browser's own
// output reach the terminal the wizard draws on.
func openQuietly(cfg *config.Config, url string) error {
	if cfg.NoBrowser {
		return nil
	}
	return auth.OpenBrowser(url, nil)
}
