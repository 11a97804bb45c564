// Package prompter asks the person at the terminal: yes/no questions and
// hidden secrets, on standard error and standard input.
package prompter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
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
	r  *bufio.Reader
}

func (p *linePrompter) reader() *bufio.Reader {
	if p.r == nil {
		p.r = bufio.NewReader(p.io.In)
	}
	return p.r
}

func (p *linePrompter) Confirm(_ context.Context, question string) (bool, error) {
	fmt.Fprintf(p.io.ErrOut, "%s [y/N] ", question)
	line, err := p.reader().ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func (p *linePrompter) Password(_ context.Context, prompt string) (string, error) {
	f, ok := p.io.In.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return "", ErrNoTerminal
	}
	fmt.Fprint(p.io.ErrOut, prompt)
	b, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(p.io.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read the secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
