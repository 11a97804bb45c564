package tui

import (
	"context"
	"reflect"
	"runtime"
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
	inflight map[int]bool // running commands: do they wait?
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
	done := r.started(waits(cmd))
	go func() {
		defer done()
		r.deliver(cmd())
	}()
}

// waitingCmds are the commands that wait for something the test controls
// or for the clock: a sign-in, a scan's next progress line, a timer (the
// clock, the spinner, a cursor blink). settle does not wait for them.
// A function's name holds those it was inlined into, so these are parts of
// names, not prefixes.
var waitingCmds = []string{
	".Tick.func", ".Every.func", "(*Model).Blink.func",
	".waitDeviceCodeCmd.func", ".browserLoginCmd.func", ".listenProgress.func",
}

// waits reports whether cmd is one of the waitingCmds, by its function's name.
func waits(cmd tea.Cmd) bool {
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	for _, w := range waitingCmds {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// started notes a command running; the function returned notes its end.
// A command's messages are queued (and its own commands started) before
// it counts as ended, so a chain of commands never looks idle.
func (r *runner) started(waiting bool) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight == nil {
		r.inflight = map[int]bool{}
	}
	r.next++
	id := r.next
	r.inflight[id] = waiting
	return func() {
		r.mu.Lock()
		delete(r.inflight, id)
		r.mu.Unlock()
	}
}

// working reports whether a command that does not wait still runs.
func (r *runner) working() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, waiting := range r.inflight {
		if !waiting {
			return true
		}
	}
	return false
}

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
			done := r.started(false)
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
			switch {
			case c == nil:
			case waits(c):
				// A timer or a sign-in: the sequence does not wait for it here.
				r.do(c)
			default:
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
// those that wait (see waitingCmds).
func (r *runner) settle() {
	r.t.Helper()
	deadline := time.Now().Add(settleLimit)
	for {
		if time.Now().After(deadline) {
			r.t.Fatalf("commands still running after %v; the screen:\n%s", settleLimit, r.screen())
		}
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

// settleLimit bounds how long settle waits for commands that do not wait
// (against the simulator, a scan can take a while on a busy machine).
const settleLimit = 60 * time.Second
