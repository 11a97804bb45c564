package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run runs the wizard in the terminal until the user finishes (Result) or
// quits (ErrCancelled). The terminal is restored in both cases.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Backend == nil {
		return Result{}, errors.New("tui: no backend")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops any sign-in or request still running
	m := New(ctx, o)
	p := tea.NewProgram(m, programOptions(ctx, o)...)
	final, err := p.Run()
	if fm, ok := final.(*Model); ok && fm != nil {
		m = fm
	}
	// The screen is gone: what a stopped apply did stays on the terminal.
	if lines := m.stoppedLines(); len(lines) > 0 {
		out := o.Out
		if out == nil {
			out = os.Stdout
		}
		fmt.Fprintln(out, strings.Join(lines, "\n"))
	}
	switch {
	case errors.Is(err, tea.ErrInterrupted) || m.Cancelled():
		return m.Result(), ErrCancelled
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return m.Result(), fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))
	case err != nil:
		return m.Result(), fmt.Errorf("run the wizard: %w", err)
	}
	return m.Result(), nil
}

func programOptions(ctx context.Context, o Options) []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if o.In != nil {
		opts = append(opts, tea.WithInput(o.In))
	}
	if o.Out != nil {
		opts = append(opts, tea.WithOutput(o.Out))
	}
	if o.NoColor {
		// colorprofile only honours NO_COLOR values that parse as booleans.
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if o.Width > 0 && o.Height > 0 {
		opts = append(opts, tea.WithWindowSize(o.Width, o.Height))
	}
	return opts
}

// stoppedLines are what the wizard says after it ends when the user stopped
// an apply of attribution fixes: the record of every change, or, stopped
// before the record came, where to look.
func (m *Model) stoppedLines() []string {
	a := m.attribution
	if !a.stopping {
		return nil
	}
	rec := m.f.attr.last
	if a.applying || rec == nil {
		return []string{"palwiz stopped while it was making attribution changes, before it could read them back: run `palwiz check` to see what is true now."}
	}
	return append([]string{"palwiz stopped while making attribution changes. " + rec.Headline()}, rec.Lines()...)
}
