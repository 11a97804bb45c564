package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultConcurrency is how many directories a run works on at once. Each
// directory is its own throttling scope at Entra ID and ARM, so the bound
// is palwiz's own: a cold directory costs three requests in a row (the
// directory's OpenID configuration, a token, the read), and 64 at once hide
// 30 ms of latency each over 1,000 directories in about 2.3 s on two cores
// (32: 3.8 s; 128: no faster, the CPU is the limit; docs/performance.md).
const DefaultConcurrency = 64

// MaxConcurrency bounds --concurrency.
const MaxConcurrency = 256

// Progress is a run's state after each directory: done (this run and the
// journal's), failed, left, and the pace of this run.
type Progress struct {
	Total   int `json:"total"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Resumed int `json:"resumed"`
	// Elapsed is this run's time so far; Rate its directories per second.
	Elapsed time.Duration `json:"elapsed"`
	Rate    float64       `json:"rate"`
	// ETA is the time left at this run's rate (0 when not known yet).
	ETA time.Duration `json:"eta"`
}

// Left is how many directories are not done yet.
func (p Progress) Left() int { return p.Total - p.Done }

// String is the progress line: "412 of 1,000 done · 3 failed · 588 left ·
// 41.2/s · about 14s left".
func (p Progress) String() string {
	s := fmt.Sprintf("%d of %d done · %d failed · %d left", p.Done, p.Total, p.Failed, p.Left())
	if p.Rate > 0 {
		s += fmt.Sprintf(" · %.1f/s", p.Rate)
	}
	if p.ETA > 0 && p.Left() > 0 {
		s += " · about " + p.ETA.Round(time.Second).String() + " left"
	}
	return s
}

// Options tune a run.
type Options struct {
	// Concurrency is how many directories at once (0 = DefaultConcurrency).
	Concurrency int
	// Journal records each directory as it completes; with entries read
	// from an earlier run, the directories it records as done are skipped.
	Journal *Journal
	// Progress is called after each directory, never concurrently.
	Progress func(Progress)
}

// Result is one directory's outcome.
type Result[T any] struct {
	Target Target
	Value  T
	OK     bool
	// Resumed says the result comes from the journal of an earlier run.
	Resumed bool
	// Left says the run was interrupted before this directory was done.
	Left bool
}

// Summary counts a run's results.
type Summary struct {
	Total, OK, Failed, Resumed, Left int
}

// InterruptedError is a run cancelled before every directory was done:
// every directory it finished is in the journal.
type InterruptedError struct {
	Summary
	Journal string
	Err     error
}

func (e *InterruptedError) Error() string {
	s := fmt.Sprintf("interrupted with %d of %d directories left", e.Left, e.Total)
	if e.Journal != "" {
		s += fmt.Sprintf("; %s records the %d done: run the same command with --resume to continue", e.Journal, e.Total-e.Left)
	}
	return s
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Do works on one directory. ok is false when the directory failed; a
// directory that failed because ctx was cancelled is not recorded (it is
// left for a resume). The value must survive a JSON round trip: the
// journal keeps it, and a resumed run prints it again.
type Do[T any] func(ctx context.Context, t Target) (value T, ok bool)

// Run works on every target, at most opts.Concurrency at once, and returns
// one result per target in the targets' order. Directories the journal
// records as done (ok) are not worked on again; failed ones are. When ctx
// is cancelled the run stops starting directories, waits for the ones in
// flight, and returns the results with an *InterruptedError.
func Run[T any](ctx context.Context, targets []Target, opts Options, do Do[T]) ([]Result[T], Summary, error) {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	out := make([]Result[T], len(targets))
	sum := Summary{Total: len(targets)}
	var todo []int
	for i, t := range targets {
		out[i].Target = t
		if opts.Journal != nil {
			if e, ok := opts.Journal.Done(t.Tenant.ID); ok && e.OK {
				if err := json.Unmarshal(e.Result, &out[i].Value); err == nil {
					out[i].OK, out[i].Resumed = true, true
					sum.Resumed++
					continue
				}
			}
		}
		todo = append(todo, i)
	}
	st := &runState{opts: opts, start: time.Now(), p: Progress{Total: len(targets), Done: sum.Resumed, Resumed: sum.Resumed}}
	var journalErr error
	var jmu sync.Mutex
	idx := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(n, len(todo)); w++ {
		wg.Go(func() {
			for i := range idx {
				v, ok := do(ctx, targets[i])
				if !ok && ctx.Err() != nil {
					out[i].Left = true
					continue
				}
				out[i].Value, out[i].OK = v, ok
				if opts.Journal != nil {
					if err := record(opts.Journal, targets[i], v, ok); err != nil {
						jmu.Lock()
						journalErr = errors.Join(journalErr, err)
						jmu.Unlock()
					}
				}
				st.finished(ok)
			}
		})
	}
feed:
	for k, i := range todo {
		select {
		case idx <- i:
		case <-ctx.Done():
			for _, j := range todo[k:] {
				out[j].Left = true
			}
			break feed
		}
	}
	close(idx)
	wg.Wait()
	for i := range out {
		switch {
		case out[i].Left:
			sum.Left++
		case out[i].OK:
			sum.OK++
		default:
			sum.Failed++
		}
	}
	if journalErr != nil {
		return out, sum, fmt.Errorf("the journal could not record every directory: %w", journalErr)
	}
	if sum.Left > 0 {
		jp := ""
		if opts.Journal != nil {
			jp = opts.Journal.Path()
		}
		return out, sum, &InterruptedError{Summary: sum, Journal: jp, Err: ctx.Err()}
	}
	return out, sum, nil
}

func record[T any](j *Journal, t Target, v T, ok bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return j.Append(Entry{TenantID: t.Tenant.ID, OK: ok, At: time.Now().UTC(), Result: b})
}

// runState counts progress for the callback.
type runState struct {
	opts  Options
	start time.Time
	mu    sync.Mutex
	p     Progress
	ran   int
}

func (s *runState) finished(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Done++
	s.ran++
	if !ok {
		s.p.Failed++
	}
	s.p.Elapsed = time.Since(s.start)
	if secs := s.p.Elapsed.Seconds(); secs > 0 {
		s.p.Rate = float64(s.ran) / secs
		s.p.ETA = time.Duration(float64(s.p.Left()) / s.p.Rate * float64(time.Second))
	}
	if s.opts.Progress != nil {
		s.opts.Progress(s.p)
	}
}
