package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecret bounds what ReadSecret reads: a client secret or a certificate
// password is far shorter.
const maxSecret = 64 << 10

// ReadSecret reads one line from the terminal f without echoing it. Echo is
// turned off before prompt is called (so nothing typed ahead is shown) and
// back on before ReadSecret returns, however the wait ends: a line, the end
// of input, or ctx (Ctrl-C, SIGTERM), whose error it then returns. Turning
// echo off in this goroutine, not in the reader's, is what makes the
// restore certain: a restore that raced the reader's own echo-off could
// leave the terminal silent after palwiz exits.
func ReadSecret(ctx context.Context, f *os.File, prompt func()) (string, error) {
	restore, err := echoOff(f.Fd())
	if err != nil {
		return "", fmt.Errorf("turn the terminal's echo off: %w", err)
	}
	defer restore()
	if prompt != nil {
		prompt()
	}
	s, err := ReadLine(ctx, f, maxSecret)
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return strings.TrimSpace(s), err
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
