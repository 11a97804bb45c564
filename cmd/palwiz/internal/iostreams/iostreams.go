// Package iostreams holds palwiz's standard streams and the terminal facts
// every command asks about: whether palwiz may prompt, whether it may colour,
// how wide the terminal is. Tests build one with Test, as cli/cli does.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/charmbracelet/x/term"
)

// DefaultWidth is the width assumed when it cannot be read.
const DefaultWidth = 80

// IOStreams are the process's standard files and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled                   bool
	neverPrompt                    bool
	width                          func() int

	// gate holds stderr while a full-screen program owns the terminal.
	gate *gateWriter
}

// System returns the streams of this process.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		stdinTTY:  term.IsTerminal(os.Stdin.Fd()),
		stdoutTTY: term.IsTerminal(os.Stdout.Fd()),
		stderrTTY: term.IsTerminal(os.Stderr.Fd()),
		width: func() int {
			if w, _, err := term.GetSize(os.Stdout.Fd()); err == nil && w > 0 {
				return w
			}
			return DefaultWidth
		},
	}
	s.gate = &gateWriter{w: os.Stderr}
	s.ErrOut = s.gate
	s.colorEnabled = s.stderrTTY
	return s
}

// Test returns streams over buffers, none of them a terminal; the buffers
// are safe to read while a command writes.
func Test() (*IOStreams, *bytes.Buffer, *Buffer, *Buffer) {
	in, out, errOut := &bytes.Buffer{}, &Buffer{}, &Buffer{}
	s := &IOStreams{In: in, Out: out, width: func() int { return DefaultWidth }}
	s.gate = &gateWriter{w: errOut}
	s.ErrOut = s.gate
	return s, in, out, errOut
}

// New returns streams over the given reader and writers with the terminal
// facts given (the in-process harnesses).
func New(in io.Reader, out, errOut io.Writer, stdinTTY, stdoutTTY, stderrTTY bool) *IOStreams {
	s := &IOStreams{In: in, Out: out, stdinTTY: stdinTTY, stdoutTTY: stdoutTTY, stderrTTY: stderrTTY,
		width: func() int { return DefaultWidth }}
	s.gate = &gateWriter{w: errOut}
	s.ErrOut = s.gate
	return s
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides what is known about standard input (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides what is known about standard output (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides what is known about standard error (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetColorEnabled says whether notes and errors on stderr may be coloured.
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// ColorEnabled reports whether stderr may be coloured.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled && s.stderrTTY }

// SetNeverPrompt forbids prompting (--no-prompt, PALWIZ_NO_PROMPT, CI).
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// NeverPrompt reports whether prompting was forbidden.
func (s *IOStreams) NeverPrompt() bool { return s.neverPrompt }

// CanPrompt reports whether palwiz may ask a question: standard input and
// standard error are terminals and prompting was not forbidden.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stderrTTY && !s.neverPrompt
}

// TerminalWidth is the width of standard output's terminal (80 otherwise).
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY || s.width == nil {
		return DefaultWidth
	}
	return s.width()
}

// ShowProgress reports whether transient progress lines may be drawn on stderr.
func (s *IOStreams) ShowProgress() bool { return s.stderrTTY }

// Progressf redraws a one-line progress report on a terminal's stderr.
func (s *IOStreams) Progressf(format string, args ...any) {
	if !s.stderrTTY {
		return
	}
	fmt.Fprintf(s.ErrOut, "\r\x1b[K"+format, args...)
}

// ClearProgress removes the progress line.
func (s *IOStreams) ClearProgress() {
	if s.stderrTTY {
		fmt.Fprint(s.ErrOut, "\r\x1b[K")
	}
}

// HoldStderr keeps what is written to stderr until the returned release is
// called (a full-screen program owns the terminal meanwhile). The writer
// itself never changes, so no goroutine sees the field move.
func (s *IOStreams) HoldStderr() (release func()) {
	s.gate.hold()
	return s.gate.release
}

// gateWriter passes writes through, or holds them while gated.
type gateWriter struct {
	mu   sync.Mutex
	w    io.Writer
	held bool
	buf  bytes.Buffer
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held {
		return g.buf.Write(p)
	}
	return g.w.Write(p)
}

func (g *gateWriter) hold() {
	g.mu.Lock()
	g.held = true
	g.mu.Unlock()
}

func (g *gateWriter) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.held {
		return
	}
	g.held = false
	_, _ = g.w.Write(g.buf.Bytes())
	g.buf.Reset()
}

// Buffer is a bytes.Buffer safe for one writer and readers at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Reset empties the buffer.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}
