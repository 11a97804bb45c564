package auth

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
)

// ReadSecret reads one line from the terminal f without echoing it. The
// wait ends when ctx does (Ctrl-C, SIGTERM): the terminal's echo is restored
// and ctx's error returned.
func ReadSecret(ctx context.Context, f *os.File) (string, error) {
	fd := f.Fd()
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return strings.TrimSpace(string(r.b)), r.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		return "", ctx.Err()
	}
}

// ReadLine reads one line (at most limit bytes, without the newline) from r.
// It reads byte by byte, so nothing after the line is consumed, and the
// wait ends when ctx does. At the end of input with nothing read it
// returns io.EOF.
func ReadLine(ctx context.Context, r io.Reader, limit int) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var b []byte
		one := make([]byte, 1)
		for len(b) < limit {
			n, err := r.Read(one)
			if n == 1 {
				if one[0] == '\n' {
					done <- result{string(b), nil}
					return
				}
				b = append(b, one[0])
			}
			if err != nil {
				if errors.Is(err, io.EOF) && len(b) > 0 {
					err = nil
				}
				done <- result{string(b), err}
				return
			}
		}
		done <- result{string(b), nil}
	}()
	select {
	case r := <-done:
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return strings.TrimRight(r.s, "\r"), r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
