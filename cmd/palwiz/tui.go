package main

import (
	"context"
	"errors"
)

// startWizard runs the Bubble Tea wizard (built in the tui package).
func (a *app) startWizard(ctx context.Context, demo bool) error {
	return errors.New("the wizard is not built yet: use the commands (palwiz --help)")
}
