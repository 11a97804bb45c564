package tui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/term"
)

// errQuit is the user confirming that they quit; errInputEnded is standard
// input running out before a question was answered.
var (
	errQuit       = errors.New("quit")
	errInputEnded = errors.New("the input ended before the wizard did")
)

// lineQueue reads standard input one line at a time, only when a question
// asks for one, in its own goroutine: a question can then wait for a line
// and for a sign-in at once, and a line that arrives after its question
// was given up answers the next question instead of being lost.
type lineQueue struct {
	req     chan struct{}
	res     chan lineResult
	pending bool
}

type lineResult struct {
	line string
	err  error
}

func newLineQueue(r io.Reader) *lineQueue {
	q := &lineQueue{req: make(chan struct{}), res: make(chan lineResult, 1)}
	br := bufio.NewReader(r)
	go func() {
		for range q.req {
			s, err := br.ReadString('\n')
			if err != nil && s != "" {
				err = nil
			}
			q.res <- lineResult{strings.TrimRight(s, "\r\n"), err}
		}
	}()
	return q
}

// next is the next line, or ctx's error when it ends first (the line
// asked for then waits for the next call).
func (q *lineQueue) next(ctx context.Context) (string, error) {
	if !q.pending {
		q.pending = true
		q.req <- struct{}{}
	}
	select {
	case r := <-q.res:
		q.pending = false
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// close stops the reader once it is idle.
func (q *lineQueue) close() { close(q.req) }

// answerReader is what one huh question reads: one line per Read (huh
// starts a new bufio.Scanner for every prompt, which would swallow any
// lines read ahead), and EOF when the input ends, the context ends or the
// user types q, each noted for the runner.
type answerReader struct {
	q     *lineQueue
	ctx   context.Context
	empty string // what an empty line stands for ("": itself)
	rest  string
	quit  bool
	ended error
}

func (r *answerReader) Read(p []byte) (int, error) {
	if r.rest == "" {
		line, err := r.q.next(r.ctx)
		if err != nil {
			r.ended = err
			return 0, io.EOF
		}
		if t := strings.ToLower(strings.TrimSpace(line)); t == "q" || t == "quit" {
			r.quit = true
			return 0, io.EOF
		}
		if strings.TrimSpace(line) == "" && r.empty != "" {
			line = r.empty
		}
		r.rest = line + "\n"
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// secretReader is an answerReader on a terminal: huh reads a secret from
// its file descriptor without echo.
type secretReader struct {
	*answerReader
	fd uintptr
}

func (r *secretReader) Fd() uintptr { return r.fd }

// canHide says a secret can be read without echo: input is a terminal
// and no line is being read from it already.
func (p *plain) canHide() bool {
	f, ok := p.o.In.(*os.File)
	return ok && term.IsTerminal(f.Fd()) && !p.in.pending
}

// ask asks one question until it is answered; q asks whether to quit.
func (p *plain) ask(s step, f huh.Field) error {
	_, err := p.askUntil(p.ctx, s, f)
	return err
}

// askUntil is ask that gives up when ctx ends (gaveUp), e.g. when the
// sign-in it waits beside has finished.
func (p *plain) askUntil(ctx context.Context, s step, f huh.Field) (gaveUp bool, err error) {
	f.WithTheme(p.theme)
	for {
		ar := &answerReader{q: p.in, ctx: ctx}
		if _, ok := f.(*huh.MultiSelect[string]); ok {
			// An empty line confirms the ticks, as everywhere it takes the default.
			ar.empty = "0"
		}
		var r io.Reader = ar
		if p.canHide() {
			// A secret input reads its answer from the terminal without echo.
			r = &secretReader{answerReader: ar, fd: p.o.In.(*os.File).Fd()}
		}
		_ = f.Init()
		_ = f.Focus()
		ferr := f.RunAccessible(p.out, r)
		switch {
		case ar.quit:
			quit, err := p.confirmQuit(s)
			if err != nil || quit {
				return false, errors.Join(err, errQuit)
			}
			continue
		case ar.ended != nil && ctx.Err() != nil && p.ctx.Err() == nil:
			return true, nil
		case ar.ended != nil && errors.Is(ar.ended, io.EOF):
			return false, errInputEnded
		case ar.ended != nil:
			return false, ar.ended
		case ferr != nil:
			return false, ferr
		}
		return false, nil
	}
}

// confirmQuit asks whether to quit at step s; nothing to lose quits at once.
func (p *plain) confirmQuit(s step) (bool, error) {
	reason := p.f.quitReason(s, false)
	if reason == "" {
		return true, nil
	}
	if p.o.Ephemeral && p.f.who != nil {
		reason += " " + quitEphemeral
	}
	p.say("%s", reason)
	yes := false
	f := quitField("", &yes)
	f.WithTheme(p.theme)
	ar := &answerReader{q: p.in, ctx: p.ctx}
	_ = f.RunAccessible(p.out, ar)
	if ar.ended != nil && !errors.Is(ar.ended, io.EOF) {
		return false, ar.ended
	}
	return yes || ar.quit || ar.ended != nil, nil
}
