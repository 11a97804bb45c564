package tui

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// runner drives a Model without a terminal: it sends messages to Update,
// runs the commands that come back in goroutines (as Bubble Tea does) and
// feeds their results back in. Clock ticks, spinner frames and cursor
// blinks are dropped so screens stay still for goldens.
type runner struct {
	t      testing.TB
	m      *Model
	msgs   chan tea.Msg
	quit   bool
	intr   bool
	mu     sync.Mutex
	cancel context.CancelFunc
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
	go func() {
		msg := cmd()
		r.deliver(msg)
	}()
}

func (r *runner) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			r.do(c)
		}
	case tea.QuitMsg:
		r.mu.Lock()
		r.quit = true
		r.mu.Unlock()
	case tea.InterruptMsg:
		r.mu.Lock()
		r.intr = true
		r.mu.Unlock()
	default:
		if isResult(msg) || reflect.TypeOf(msg) == reflect.TypeOf(sessionMsg{}) {
			r.msgs <- msg
		} else if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && strings.Contains(v.Type().String(), "sequenceMsg") {
			for i := 0; i < v.Len(); i++ {
				if c, ok := v.Index(i).Interface().(tea.Cmd); ok {
					r.do(c)
				}
			}
		}
	}
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

// settle feeds results back until nothing arrives for a short while.
func (r *runner) settle() {
	r.t.Helper()
	for {
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-time.After(60 * time.Millisecond):
			return
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

// screen is the whole screen as plain text.
func (r *runner) screen() string { return ansi.Strip(r.m.Render()) }

func (r *runner) quitted() (quit, interrupted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.quit, r.intr
}
