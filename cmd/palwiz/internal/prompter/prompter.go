// Package prompter asks the person at the terminal: yes/no questions and
// hidden secrets, on standard error and standard input.
package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
)

// Prompter asks questions. Commands call it only when IOStreams.CanPrompt.
type Prompter interface {
	// Confirm asks a yes/no question; the default (just enter) is no.
	Confirm(ctx context.Context, question string) (bool, error)
	// Password reads a line without echoing it.
	Password(ctx context.Context, prompt string) (string, error)
}

// ErrNoTerminal says a hidden prompt needs standard input to be a terminal.
var ErrNoTerminal = errors.New("standard input is not a terminal")

// New returns the prompter of the streams.
func New(ios *iostreams.IOStreams) Prompter {
	return &linePrompter{io: ios}
}

type linePrompter struct {
	io *iostreams.IOStreams
}

// Confirm asks on stderr and reads a line. Ctrl-C (or SIGTERM) while it
// waits is no answer: it returns the context's error (exit code 130).
func (p *linePrompter) Confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(p.io.ErrOut, "%s [y/N] ", question)
	line, err := auth.ReadLine(ctx, p.io.In, 1024)
	if ctx.Err() != nil {
		fmt.Fprintln(p.io.ErrOut)
		return false, ctx.Err()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// Password reads a line without echo; Ctrl-C ends the wait.
func (p *linePrompter) Password(ctx context.Context, prompt string) (string, error) {
	f, ok := p.io.In.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return "", ErrNoTerminal
	}
	s, err := auth.ReadSecret(ctx, f, func() { fmt.Fprint(p.io.ErrOut, prompt) })
	fmt.Fprintln(p.io.ErrOut)
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", fmt.Errorf("read the secret: %w", err)
	}
	return strings.TrimSpace(s), nil
}
