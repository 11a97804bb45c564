// Command palwiz links a partner's dedicated account to its Partner ID in a
// customer's directory (Partner Admin Link) and checks that the account gets
// the credit: a Bubble Tea wizard, and plain commands for scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/charmbracelet/x/term"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes (documented in the README).
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitAuth      = 3
	exitPartial   = 4
	exitCancelled = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st := streams{
		in: os.Stdin, out: os.Stdout, err: os.Stderr,
		inTTY:  term.IsTerminal(os.Stdin.Fd()),
		outTTY: term.IsTerminal(os.Stdout.Fd()),
		errTTY: term.IsTerminal(os.Stderr.Fd()),
	}
	os.Exit(run(ctx, os.Args[1:], st, os.Getenv))
}

// streams are the process's standard files and whether they are terminals.
type streams struct {
	in                    io.Reader
	out, err              io.Writer
	inTTY, outTTY, errTTY bool
}

// run executes palwiz with args and returns the exit code. It never panics:
// an internal error is reported as one, without a stack trace.
func run(ctx context.Context, args []string, st streams, getenv func(string) string) int {
	return newApp(st, getenv).run(ctx, args)
}

// run executes one command line on this app.
func (a *app) run(ctx context.Context, args []string) (code int) {
	st, getenv := a.st, a.getenv
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(st.err, "palwiz hit an internal error (%v). Please report it with the command you ran; set PALWIZ_DEBUG=1 for details.\n", r)
			if getenv("PALWIZ_DEBUG") != "" {
				fmt.Fprintln(st.err, string(debug.Stack()))
			}
			code = exitError
		}
	}()
	defer a.close()
	a.ctx = ctx
	err := a.execute(ctx, args)
	if err == nil {
		return exitOK
	}
	code = exitCode(ctx, err)
	if !errors.Is(err, errSilent) {
		a.printError(err, code)
	}
	return code
}

// usageError is bad input on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// partialError says some directories of a fleet operation failed: exit code 4.
type partialError struct{ failed, total int }

func (e *partialError) Error() string {
	return fmt.Sprintf("%d of %d directories failed; see the rows above", e.failed, e.total)
}

// errSilent ends a command with a non-zero code after it already told the user why.
var errSilent = errors.New("silent")

type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func exitCode(ctx context.Context, err error) int {
	var ue *usageError
	var ae *auth.Error
	var pe *partialError
	var ee *exitErr
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil || errors.Is(err, errInterrupted):
		return exitCancelled
	case errors.As(err, &ue) || isCobraUsage(err):
		return exitUsage
	case errors.As(err, &pe):
		return exitPartial
	case errors.As(err, &ae):
		return exitAuth
	}
	return exitError
}

// errInterrupted is what a cancelled prompt or wizard returns.
var errInterrupted = errors.New("cancelled")

func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "if any flags in the group"} {
		if strings.HasPrefix(s, p) || strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// printError writes one line (or two with a hint) to stderr.
func (a *app) printError(err error, code int) {
	if code == exitCancelled {
		fmt.Fprintln(a.st.err, "Cancelled.")
		return
	}
	msg := steps.Explain(err).Error()
	msg = strings.TrimSpace(msg)
	prefix := "Error: "
	if a.colors() {
		prefix = "\x1b[1;31mError:\x1b[0m "
	}
	fmt.Fprintln(a.st.err, prefix+msg)
	if code == exitUsage && !strings.Contains(msg, "--help") {
		fmt.Fprintln(a.st.err, "Run `palwiz --help` for usage.")
	}
}

// errSilentUsage ends with exit code 2 after the guidance was printed.
var errSilentUsage = &exitErr{code: exitUsage, err: errSilent}
