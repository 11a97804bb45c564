package tui

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// runner drives a Model without a terminal: it sends messages to Update,
// runs the commands that come back in goroutines (as Bubble Tea does) and
// feeds their results back in. Clock ticks, spinner frames and cursor
// blinks are dropped so screens stay still for goldens.
type runner struct {
	t        testing.TB
	m        *Model
	msgs     chan tea.Msg
	quit     bool
	intr     bool
	mu       sync.Mutex
	inflight map[int]time.Time
	next     int
	cancel   context.CancelFunc
	// clipboard is what the wizard last put on the clipboard (OSC 52).
	clipboard string
}

func newRunner(t testing.TB, o Options) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	if o.Width == 0 {
		o.Width, o.Height = 80, 24
	}
	r := &runner{t: t, m: New(ctx, o), msgs: make(chan tea.Msg, 256), cancel: cancel}
	r.do(r.m.Init())
	r.settle()
	return r
}

// do runs cmd in the background, as the program would.
func (r *runner) do(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := r.started()
	go func() {
		defer done()
		r.deliver(cmd())
	}()
}

// started notes a command running; the function returned notes its end.
// A command's messages are queued (and its own commands started) before
// it counts as ended, so a chain of commands never looks idle.
func (r *runner) started() func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight == nil {
		r.inflight = map[int]time.Time{}
	}
	r.next++
	id := r.next
	r.inflight[id] = time.Now()
	return func() {
		r.mu.Lock()
		delete(r.inflight, id)
		r.mu.Unlock()
	}
}

// working reports whether a command started less than blockAfter ago
// still runs. Commands that run longer wait for something (a sign-in, the
// clock, a cursor blink) and do not hold the runner up.
func (r *runner) working() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, at := range r.inflight {
		if time.Since(at) < blockAfter {
			return true
		}
	}
	return false
}

// blockAfter is how long a command may take before the runner takes it
// for one that waits.
const blockAfter = 30 * time.Millisecond

func (r *runner) deliver(msg tea.Msg) {
	if msg == nil {
		return
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			r.do(c)
		}
		return
	case tea.QuitMsg:
		r.mu.Lock()
		r.quit = true
		r.mu.Unlock()
		return
	case tea.InterruptMsg:
		r.mu.Lock()
		r.intr = true
		r.mu.Unlock()
		return
	case tickMsg, spinner.TickMsg:
		// The clock and the spinner stay still, so screens do not move.
		return
	}
	t := reflect.TypeOf(msg)
	switch t.PkgPath() {
	case "charm.land/bubbletea/v2":
		v := reflect.ValueOf(msg)
		switch {
		case strings.Contains(t.Name(), "sequenceMsg"):
			// A sequence: its commands one after the other.
			done := r.started()
			go func() {
				defer done()
				for i := 0; i < v.Len(); i++ {
					if c, ok := v.Index(i).Interface().(tea.Cmd); ok && c != nil {
						r.deliverNow(c())
					}
				}
			}()
		case strings.Contains(t.Name(), "Clipboard") && v.Kind() == reflect.String:
			r.mu.Lock()
			r.clipboard = v.String()
			r.mu.Unlock()
		}
		// Other requests to the terminal (clear the screen, report its size) have no terminal here.
		return
	case "charm.land/bubbles/v2/cursor":
		// Cursor blinks would make screens flicker between captures.
		return
	}
	r.msgs <- msg
}

// deliverNow delivers msg, waiting for a batch's commands to finish (a
// sequence runs its commands in order).
func (r *runner) deliverNow(msg tea.Msg) {
	if b, ok := msg.(tea.BatchMsg); ok {
		var wg sync.WaitGroup
		for _, c := range b {
			if c != nil {
				wg.Go(func() { r.deliverNow(c()) })
			}
		}
		wg.Wait()
		return
	}
	r.deliver(msg)
}

// send gives the model one message and starts the commands it returns.
func (r *runner) send(msg tea.Msg) {
	_, cmd := r.m.Update(msg)
	r.do(cmd)
}

// key presses keys by name: "enter", "esc", "a", "ctrl+c", or text.
func (r *runner) key(keys ...string) {
	for _, k := range keys {
		r.send(keyMsg(k))
		r.settle()
	}
}

// typeText types each rune.
func (r *runner) typeText(s string) {
	for _, c := range s {
		r.send(tea.KeyPressMsg{Code: c, Text: string(c)})
	}
	r.settle()
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// settle feeds results back until every command has answered, except
// those that wait (see working).
func (r *runner) settle() {
	r.t.Helper()
	for {
		select {
		case msg := <-r.msgs:
			r.send(msg)
			continue
		default:
		}
		if !r.working() {
			select {
			case msg := <-r.msgs:
				r.send(msg)
				continue
			default:
				return
			}
		}
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-time.After(time.Millisecond):
		}
	}
}

// waitFor feeds results back until the screen shows want.
func (r *runner) waitFor(want string, timeout time.Duration) {
	r.t.Helper()
	deadline := time.After(timeout)
	for !strings.Contains(r.screen(), want) {
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			r.t.Fatalf("the screen never showed %q; it shows:\n%s", want, r.screen())
		}
	}
}

// screen is the whole screen as plain text, without the blanks that pad
// each line to the terminal's width.
func (r *runner) screen() string {
	ls := strings.Split(ansi.Strip(r.m.Render()), "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(ls, "\n")
}

// resize tells the model the terminal has a new size, as Bubble Tea does.
func (r *runner) resize(w, h int) {
	r.send(tea.WindowSizeMsg{Width: w, Height: h})
	r.settle()
}

// copied is what the wizard last put on the clipboard.
func (r *runner) copied() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clipboard
}

func (r *runner) quitted() (quit, interrupted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.quit, r.intr
}
