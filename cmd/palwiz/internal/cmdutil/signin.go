package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// ShowDeviceCode tells the person where to enter the code, and for how long.
func ShowDeviceCode(ios *iostreams.IOStreams, dc *auth.DeviceCode) {
	fmt.Fprintf(ios.ErrOut, "To sign in, open %s and enter the code %s\n", output.Clean(dc.VerificationURL), output.Clean(dc.UserCode))
	left := time.Until(dc.ExpiresOn).Round(time.Minute)
	fmt.Fprintf(ios.ErrOut, "The code expires in %s (at %s). Waiting for you to sign in… (Ctrl-C to stop)\n", left, dc.ExpiresOn.Local().Format("15:04"))
}

// Countdown redraws the time left on a terminal's stderr until stop is called.
func Countdown(ios *iostreams.IOStreams, until time.Time) (stop func()) {
	if !ios.ShowProgress() {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				ios.ClearProgress()
				return
			case <-t.C:
				left := max(time.Until(until).Truncate(time.Second), 0)
				ios.Progressf("  %s left", left)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// DeviceCodeSignIn signs a person in with a device code for tenant ("" =
// any work account), showing the code and a countdown.
func DeviceCodeSignIn(ctx context.Context, ios *iostreams.IOStreams, s *auth.Session, tenant string) (*auth.Identity, error) {
	dc, err := s.StartDeviceCode(ctx, tenant, "")
	if err != nil {
		return nil, err
	}
	ShowDeviceCode(ios, dc)
	stop := Countdown(ios, dc.ExpiresOn)
	id, err := s.Wait(ctx, dc)
	stop()
	return id, err
}

// Reauth is the command line's way to sign in again when a directory
// demands it: it says why, asks, and runs a device-code sign-in with the
// directory's claims challenge. It is nil when palwiz may not ask.
func (f *Factory) Reauth(env *steps.Env) steps.Reauth {
	if !f.IOStreams.CanPrompt() {
		return nil
	}
	return func(ctx context.Context, need *auth.Error) error {
		fmt.Fprintln(f.IOStreams.ErrOut, output.Clean(need.Error()))
		ok, err := f.Prompter.Confirm(ctx, "Sign in to that directory now?")
		if err != nil {
			return err
		}
		if !ok {
			return steps.ErrReauthDeclined
		}
		var stop func()
		err = steps.SignInAgain(ctx, env, need, func(dc *auth.DeviceCode) {
			ShowDeviceCode(f.IOStreams, dc)
			stop = Countdown(f.IOStreams, dc.ExpiresOn)
		})
		if stop != nil {
			stop()
		}
		return err
	}
}
