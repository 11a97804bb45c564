//go:build linux || darwin

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// cdp is a small Chrome DevTools Protocol client over --remote-debugging-pipe:
// Chromium reads commands from its fd 3 and writes answers and events to
// its fd 4, each message JSON ended by a NUL byte.
type cdp struct {
	t       *testing.T
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	id      int
	pending map[int]chan cdpMsg
	done    chan struct{}
	stderr  *lockedBuf
	// onEvent sees every event (messages without an ID); set it with c.mu held.
	onEvent func(method string, params json.RawMessage)
}

type cdpMsg struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// chromiumPath finds Chromium. CI installs it (.ci/run), so there its
// absence fails the test; elsewhere the test is skipped with the reason.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed: CI must install the Debian package chromium (see .ci/run)")
	}
	t.Skip("Chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// startChromium starts headless Chromium with no network beyond loopback.
func startChromium(t *testing.T) *cdp {
	t.Helper()
	path := chromiumPath(t)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--user-data-dir="+t.TempDir(),
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{inR, outW} // fd 3: commands in, fd 4: answers out
	c := &cdp{t: t, cmd: cmd, w: inW, pending: map[int]chan cdpMsg{}, done: make(chan struct{}), stderr: &lockedBuf{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	_ = inR.Close()
	_ = outW.Close()
	go c.readLoop(outR)
	t.Cleanup(func() {
		_, _ = c.call("Browser.close", nil, "")
		_ = inW.Close()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return c
}

func (c *cdp) readLoop(r io.Reader) {
	defer close(c.done)
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMsg
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID == 0 {
			c.mu.Lock()
			onEvent := c.onEvent
			c.mu.Unlock()
			if onEvent != nil {
				var ev struct {
					Method string          `json:"method"`
					Params json.RawMessage `json:"params"`
				}
				if json.Unmarshal(raw[:len(raw)-1], &ev) == nil {
					onEvent(ev.Method, ev.Params)
				}
			}
			continue
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command and waits for its answer.
func (c *cdp) call(method string, params any, session string) (json.RawMessage, error) {
	c.mu.Lock()
	c.id++
	id := c.id
	ch := make(chan cdpMsg, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	b, err := json.Marshal(cdpMsg{ID: id, Method: method, Params: params, SessionID: session})
	if err != nil {
		return nil, err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-c.done:
		return nil, fmt.Errorf("%s: Chromium closed the pipe (stderr: %s)", method, c.stderr.String())
	case <-time.After(15 * time.Second):
		return nil, fmt.Errorf("%s: no answer from Chromium", method)
	}
}

// page is one tab.
type page struct {
	c       *cdp
	session string
}

func (c *cdp) open(url string) *page {
	c.t.Helper()
	res, err := c.call("Target.createTarget", map[string]any{"url": url}, "")
	if err != nil {
		c.t.Fatal(err)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	_ = json.Unmarshal(res, &target)
	res, err = c.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, "")
	if err != nil {
		c.t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(res, &att)
	return &page{c: c, session: att.SessionID}
}

// eval runs JavaScript in the page and returns its value as a string.
func (p *page) eval(js string) (string, error) {
	res, err := p.c.call("Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true}, p.session)
	if err != nil {
		return "", err
	}
	var out struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return "", err
	}
	if out.ExceptionDetails != nil {
		return "", errors.New(out.ExceptionDetails.Text)
	}
	return fmt.Sprint(out.Result.Value), nil
}

// waitTitle waits until the page's heading reads want (the page may be
// between two documents while it navigates).
func (p *page) waitTitle(want string) {
	p.c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		v, err := p.eval(`(document.readyState === "complete" && document.getElementById("title")) ? document.getElementById("title").textContent : ""`)
		if err == nil && v == want {
			return
		}
		last = v
		time.Sleep(50 * time.Millisecond)
	}
	body, _ := p.eval(`document.body ? document.body.innerText : ""`)
	p.c.t.Fatalf("the page never showed %q (last %q); page text:\n%s", want, last, body)
}

func (p *page) do(js string) {
	p.c.t.Helper()
	if _, err := p.eval(js); err != nil {
		p.c.t.Fatalf("%s: %v", js, err)
	}
}

var (
	pageURLRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/devicelogin`)
	codeRE    = regexp.MustCompile(`Code: ([A-Z0-9]+)`)
)

// TestWizardApprovedInChromium: `palwiz demo` waits on its device-code
// screen while headless Chromium opens the simulator's sign-in page shown
// there, enters the code, picks the dedicated service account and
// continues; the wizard then moves on to the identity card by itself.
func TestWizardApprovedInChromium(t *testing.T) {
	browser := startChromium(t)
	r := startInPTY(t, 80, 24, []string{"NO_COLOR=1"}, "demo")
	r.waitScreen(20*time.Second, "Your partner ID")
	r.press("\r")
	r.waitScreen(5*time.Second, "Which account will you deliver with?")
	r.press("\r")
	r.waitScreen(10*time.Second, "Code: ", "Waiting for you to sign in")
	screen := r.screen()
	pageURL, code := pageURLRE.FindString(screen), codeRE.FindStringSubmatch(screen)
	if pageURL == "" || code == nil {
		t.Fatalf("no sign-in address or code on the screen:\n%s", screen)
	}

	p := browser.open(pageURL)
	p.waitTitle("Enter code")
	p.do(fmt.Sprintf(`document.getElementById("code").value = %q; document.getElementById("next").click(); true`, code[1]))
	p.waitTitle("Pick an account")
	if !strings.Contains(r.screen(), "Waiting for you to sign in") {
		t.Fatalf("the wizard stopped waiting before the approval:\n%s", r.screen())
	}
	p.do(`document.querySelector('input[name="user"][value="pal-service@contoso.onmicrosoft.com"]').click(); document.getElementById("continue").click(); true`)
	p.waitTitle("You're signed in")

	r.waitScreen(30*time.Second, "This is you in the customer's directory", "PAL Service Account (Fabrikam)", "member user")
	r.press("\x03")
	if code := r.exitCode(10 * time.Second); code != 130 {
		t.Fatalf("exit code %d after Ctrl-C, want 130", code)
	}
}
