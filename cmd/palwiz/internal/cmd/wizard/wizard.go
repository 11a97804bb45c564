// Package wizard is palwiz with no command (the wizard) and `palwiz demo`
// (the wizard against the built-in simulated cloud): the gate that decides
// whether the full-screen wizard may start, and what it prints afterwards.
package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/tui"
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

const noTerminalHelp = `palwiz's wizard needs an interactive terminal. Without one, use the commands:

  palwiz login [--service-principal ...]   sign in to the customer's directory
  palwiz whoami                            who you are there (member or guest)
  palwiz tenants                           the directories you can reach
  palwiz status [--all-tenants]            the Partner Admin Link
  palwiz link --partner-id ID              link (or say it is already linked)
  palwiz unlink --yes                      remove the link
  palwiz check                             which resources earn the credit

Run ` + "`palwiz --help`" + ` for everything, or ` + "`palwiz demo`" + ` in a terminal to try the wizard.`

// Run starts the wizard, or explains which commands to use without a terminal.
func Run(ctx context.Context, opts *Options) error {
	if !opts.allowed() && !opts.Config.Accessible {
		fmt.Fprintln(opts.IO.ErrOut, noTerminalHelp)
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

	s, err := opts.Connect.Session(ctx, "")
	if err != nil {
		return err
	}
	env := opts.Connect.EnvFor(s)
	to := tui.Options{
		Backend:    tui.NewBackend(env),
		Attributor: tui.NewAttributor(env, opts.Config.CISubscriptionKey),
		Ephemeral:  opts.Config.Ephemeral,
		PartnerID:  opts.Config.PartnerID,
		NoColor:    opts.Config.NoColor,
		In:         opts.IO.In,
		Out:        opts.IO.Out,
		OpenURL:    func(url string) error { return openQuietly(opts.Config, url) },
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
	if !opts.Config.Accessible {
		summary(opts.IO.Out, res, s.Persistent())
	}
	return nil
}

// summary says in one or two lines what the wizard did, once the
// full-screen view is gone.
func summary(w io.Writer, r tui.Result, persistent bool) {
	who := "the account"
	if r.Who != nil {
		who = r.Who.UPN
		if who == "" {
			who = r.Who.DisplayName
		}
	}
	where := output.DirectoryOf(r.Tenant).Short()
	switch {
	case r.Validated && r.Link != nil:
		fmt.Fprintf(w, "%s is linked to partner %s in %s.\n", output.Clean(who), output.Clean(output.Partner(r.Link.PartnerName, r.Link.PartnerID)), output.Clean(where))
	case r.Validated:
		fmt.Fprintf(w, "%s is not linked to a partner ID in %s.\n", output.Clean(who), output.Clean(where))
	case r.Outcome != nil:
		fmt.Fprintln(w, output.Clean(r.Outcome.Summary())+".")
	}
	switch {
	case r.SignedOut && persistent:
		fmt.Fprintf(w, "Signed out; removed %s.\n", cmdutil.Pluralise(r.Removed, "keyring item"))
	case r.SignedOut:
		fmt.Fprintln(w, "Signed out; the tokens were only in memory and are gone.")
	}
}

// openQuietly opens the system browser without letting the browser's own
// output reach the terminal the wizard draws on.
func openQuietly(cfg *config.Config, url string) error {
	if cfg.NoBrowser {
		return nil
	}
	return auth.OpenBrowser(url, nil)
}
