package tui

import (
	"context"
	"errors"
	"fmt"

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
