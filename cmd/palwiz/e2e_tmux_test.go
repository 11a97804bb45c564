//go:build linux || darwin

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxPath finds tmux. CI installs it (.ci/run), so there its absence
// fails the test; elsewhere the test is skipped with the reason.
func tmuxPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("tmux"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("tmux is not installed: CI must install the Debian package tmux (see .ci/run)")
	}
	t.Skip("tmux is not installed (apt-get install tmux); CI runs this test")
	return ""
}

// tmuxPane is the built palwiz in a pane of a private tmux server: a real
// terminal that reflows and repaints as the user's does.
type tmuxPane struct {
	t       *testing.T
	tmux    string
	sock    string
	session string
}

func startTmuxPane(t *testing.T, tmux, sock, session string, w, h int, args ...string) *tmuxPane {
	t.Helper()
	home := t.TempDir()
	script := fmt.Sprintf("cd %q && env -u CI -u PALWIZ_NO_PROMPT HOME=%q TMPDIR=%q NO_COLOR=1 PALWIZ_NO_BROWSER=1 LANG=C.UTF-8 %q %s; echo EXIT=$?; sleep 600",
		home, home, home, wizardBinary(t), strings.Join(args, " "))
	p := &tmuxPane{t: t, tmux: tmux, sock: sock, session: session}
	p.run("new-session", "-d", "-s", session, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), script)
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-session", "-t", session).Run() })
	return p
}

func (p *tmuxPane) run(args ...string) string {
	p.t.Helper()
	out, err := exec.Command(p.tmux, append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now.
func (p *tmuxPane) screen() string { return p.run("capture-pane", "-p", "-t", p.session) }

// history is the pane with everything scrolled off its top.
func (p *tmuxPane) history() string { return p.run("capture-pane", "-p", "-S", "-", "-t", p.session) }

func (p *tmuxPane) keys(keys ...string) {
	p.run(append([]string{"send-keys", "-t", p.session}, keys...)...)
}

func (p *tmuxPane) resize(w, h int) {
	p.run("resize-window", "-t", p.session, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h))
}

// waitFor waits until the pane shows every text, and none of not.
func (p *tmuxPane) waitFor(timeout time.Duration, texts []string, not ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := p.screen()
		ok := true
		for _, x := range texts {
			ok = ok && strings.Contains(s, x)
		}
		for _, x := range not {
			ok = ok && !strings.Contains(s, x)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("pane %s never showed %q (without %q); it shows:\n%s", p.session, texts, not, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	loopbackPortRE = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	tmuxCodeRE     = regexp.MustCompile(`Code: [A-Z0-9]+`)
	countdownRE    = regexp.MustCompile(`[0-9]+:[0-9]{2}`)
	spinnerRE      = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)
	bigGlyphRE     = regexp.MustCompile(`^[ ┏━┓┃┗┛╻╹╺╸┣┫┳┻╋╱]+$`)
)

// screenLines are a capture's lines with what differs between two runs of
// the demo (the simulator's port, the device code and its block letters,
// the countdown, the spinner) made equal, and blank lines left out.
func screenLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " ")
		if strings.TrimSpace(l) == "" || bigGlyphRE.MatchString(l) {
			continue
		}
		l = loopbackPortRE.ReplaceAllString(l, "127.0.0.1:PORT")
		l = tmuxCodeRE.ReplaceAllString(l, "Code: CODE")
		l = countdownRE.ReplaceAllString(l, "M:SS")
		out = append(out, spinnerRE.ReplaceAllString(l, "*"))
	}
	return out
}

// staleLines are the lines of got that the fresh screen does not have.
func staleLines(got, fresh string) []string {
	have := map[string]bool{}
	for _, l := range screenLines(fresh) {
		have[l] = true
	}
	var stale []string
	for _, l := range screenLines(got) {
		if !have[l] {
			stale = append(stale, l)
		}
	}
	return stale
}

// TestWizardResizeInTmux runs the built `palwiz demo` twice in tmux with
// the same keys: one pane starts at 60×20 and is widened to 120×40 at
// once, the other starts at 120×40. On every screen to Done, the widened
// pane must show no line that the fresh one does not (no fragment of an
// earlier frame), and after palwiz ends only its summary is left.
func TestWizardResizeInTmux(t *testing.T) {
	tmux := tmuxPath(t)
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	resized := startTmuxPane(t, tmux, sock, "resized", 60, 20, "demo")
	fresh := startTmuxPane(t, tmux, sock, "fresh", 120, 40, "demo")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", sock, "kill-server").Run() })
	both := []*tmuxPane{resized, fresh}

	resized.waitFor(20*time.Second, []string{"Your partner ID"})
	resized.resize(120, 40)
	steps := []struct {
		name string
		keys []string
		want []string
		not  []string
	}{
		{"welcome", nil, []string{"Your partner ID", "✓ 4977985"}, nil},
		{"help", []string{"?"}, []string{"Help · Welcome"}, nil},
		{"welcome again", []string{"Escape"}, []string{"Your partner ID"}, []string{"Help ·"}},
		{"identity", []string{"Enter"}, []string{"Which account will you deliver with?", "+ One identity"}, nil},
		{"device code", []string{"Enter"}, []string{"Code: ", "a approve (demo)"}, nil},
		{"identity card", []string{"a"}, []string{"This is you in the customer's directory", "Tokens"}, nil},
		{"directory", []string{"Enter"}, []string{"● Contoso Ltd", "current"}, []string{"checking…"}},
		{"registration", []string{"Enter"}, []string{"link it to partner ID 4977985", "enter link"}, []string{"Reading"}},
		{"linked", []string{"Enter"}, []string{"✓ Linked to partner Fabrikam Consulting (Seattle) (4977985)"}, nil},
		{"attribution", []string{"Enter"}, []string{"judged for pal-service@contoso.onmicrosoft.com"}, []string{"Checking who owns"}},
		{"fix plan", []string{"Right"}, []string{"Changes palwiz can make", "a apply"}, nil},
		{"validation", []string{"Enter"}, []string{"✓ YES", "Partner ID    4977985"}, []string{"Reading the link"}},
		{"done", []string{"Enter"}, []string{"Sign out and wipe", "▸ Sign out"}, nil},
	}
	for _, st := range steps {
		var screens [2]string
		for i, p := range both {
			if len(st.keys) > 0 {
				p.keys(st.keys...)
			}
			screens[i] = p.waitFor(30*time.Second, st.want, st.not...)
		}
		// The spinner and the countdown move: look again until the two agree.
		deadline := time.Now().Add(10 * time.Second)
		for stale := staleLines(screens[0], screens[1]); len(stale) > 0; stale = staleLines(screens[0], screens[1]) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: after the resize the pane shows lines a fresh start does not:\n%q\n--- resized\n%s\n--- fresh\n%s",
					st.name, stale, screens[0], screens[1])
			}
			time.Sleep(100 * time.Millisecond)
			screens = [2]string{resized.screen(), fresh.screen()}
		}
	}

	// Finish (the demo signs out by default) and look at what stays.
	resized.keys("Enter")
	resized.waitFor(20*time.Second, []string{"EXIT=0"})
	for _, l := range screenLines(resized.history()) {
		switch {
		case strings.HasPrefix(l, "EXIT="),
			l == "pal-service@contoso.onmicrosoft.com is linked to partner Fabrikam Consulting (Seattle) (4977985) in Contoso Ltd.",
			l == "Attribution: 11 of 31 resources that count are attributed to pal-service@contoso.onmicrosoft.com.",
			l == "Signed out; the tokens were only in memory and are gone.":
		default:
			t.Errorf("after palwiz ended the terminal still shows %q; it shows:\n%s", l, resized.history())
		}
	}
}
