package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
)

// lockedBuffer is a bytes.Buffer for one writer and one reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// console plays a person at a line-by-line terminal.
type console struct {
	t    *testing.T
	out  *lockedBuffer
	in   *io.PipeWriter
	seen int
	done chan struct{}
	res  Result
	err  error
}

func startAccessible(t *testing.T, o Options) *console {
	t.Helper()
	r, w := io.Pipe()
	c := &console{t: t, out: &lockedBuffer{}, in: w, done: make(chan struct{})}
	o.In, o.Out = r, c.out
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = w.Close() })
	go func() {
		defer close(c.done)
		c.res, c.err = RunAccessible(ctx, o)
	}()
	return c
}

// expect waits for text to appear after what was already seen.
func (c *console) expect(text string) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := c.out.String()
		if i := strings.Index(out[c.seen:], text); i >= 0 {
			c.seen += i + len(text)
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("never saw %q; the output after the last match:\n%s", text, out[c.seen:])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *console) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *console) wait() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.t.Fatalf("the accessible run did not end; output:\n%s", c.out.String())
	}
}

// TestAccessibleFlow runs the whole flow as line prompts: bad input is
// explained and asked again, the device code is spelled out, the existing
// link to another partner is moved only after a yes, and no escape codes
// are written.
func TestAccessibleFlow(t *testing.T) {
	f := newFake()
	f.links[tContoso] = &arm.Link{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tContoso, State: "Active"}
	c := startAccessible(t, Options{Backend: f, Ephemeral: true})
	c.expect("Your partner ID (the 7-digit Partner Location ID): ")
	c.send("49A")
	c.expect("is not a partner ID")
	c.expect("Your partner ID")
	c.send("4977985")
	c.expect("1. Dedicated service account (recommended).")
	c.expect("Choose, 1 to 4 [1]: ")
	c.send("9")
	c.expect("Please type a number from 1 to 4.")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	c.expect("Spelled out: H Q 7 X K 9 M 2 B.")
	f.approve()
	c.expect("Signed in.")
	c.expect("PAL Service Account (Fabrikam), pal-service@contoso.onmicrosoft.com, member user.")
	c.expect("You can reach one directory: Contoso Ltd.")
	c.expect("Current link: Tailspin Partners (Dublin) (5127255).")
	c.expect("Move the link from Tailspin Partners (Dublin) (5127255) to 4977985? (y/n) [n]: ")
	c.send("y")
	c.expect("Moved the link from partner Tailspin Partners (Dublin) (5127255) to partner Fabrikam Consulting (Seattle) (4977985).")
	c.expect("Step 3 of 3: Attribution.")
	c.expect("Power Apps model-driven: GUI no, PowerShell no, PP CLI yes, DevOps + Build Tools yes.")
	c.expect("Press Enter to continue to Validation: ")
	c.send("")
	c.expect("Linked: yes. Partner name: Fabrikam Consulting (Seattle). Partner ID: 4977985.")
	c.expect("Sign out and wipe palwiz's tokens from this computer? (y/n) [y]: ")
	c.send("")
	c.expect("Signed out.")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if !c.res.Completed || !c.res.SignedOut || c.res.Link == nil || c.res.Link.PartnerID != "4977985" {
		t.Fatalf("result = %+v", c.res)
	}
	if strings.Contains(c.out.String(), "\x1b") {
		t.Fatal("accessible output contains escape codes")
	}
}

// TestAccessibleRetryAndQuit: a failing step says why and offers to try
// again; q at a prompt ends the run as cancelled.
func TestAccessibleRetryAndQuit(t *testing.T) {
	f := newFake()
	f.tenantsErr = errors.New("list directories: connection reset by peer")
	c := startAccessible(t, Options{Backend: f, PartnerID: "4977985"})
	c.expect("[4977985]")
	c.send("4977985")
	c.expect("Choose")
	c.send("1")
	c.expect("enter the code")
	f.approve()
	c.expect("Error: List directories: connection reset by peer.")
	c.expect("Try again? (y/n) [y]: ")
	f.tenantsErr = nil
	c.send("y")
	c.expect("You can reach one directory")
	c.expect("Link pal-service@contoso.onmicrosoft.com to partner ID 4977985 now? (y/n) [y]: ")
	c.send("q")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", c.err)
	}
}

// TestAccessibleAdminRequest writes the request for the customer's
// administrator to a file.
func TestAccessibleAdminRequest(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	c := startAccessible(t, Options{Backend: f, WorkDir: dir, PartnerID: "4977985"})
	c.expect("[4977985]")
	c.send("")
	c.expect("Choose")
	c.send("4")
	c.expect("Your organisation's name: ")
	c.send("Fabrikam Consulting")
	c.expect("Your name, to sign the request: ")
	c.send("Ana Lopez")
	c.expect("Save it to pal-account-request.txt? (y/n) [y]: ")
	c.send("y")
	c.expect("Saved to ")
	b, err := os.ReadFile(filepath.Join(dir, requestFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Fabrikam Consulting would like a dedicated", "partner ID (4977985)", "Ana Lopez"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("the saved request lacks %q:\n%s", w, b)
		}
	}
	c.expect("Choose")
	c.send("q")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v", c.err)
	}
}

// TestAccessiblePicksFixes: the line-by-line flow lets the user choose the
// attribution fixes one by one.
func TestAccessiblePicksFixes(t *testing.T) {
	f := newFake()
	fa := &fakeAttributor{}
	c := startAccessible(t, Options{Backend: f, Attributor: fa, Ephemeral: true})
	c.expect("Your partner ID (the 7-digit Partner Location ID): ")
	c.send("4977985")
	c.expect("Choose, 1 to 4 [1]: ")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	f.approve()
	c.expect("Link pal-service@contoso.onmicrosoft.com to partner ID 4977985 now? (y/n) [y]: ")
	c.send("")
	c.expect("Linked to partner Fabrikam Consulting (Seattle) (4977985).")
	c.expect("Fix 3: Import solution FabrikamExpenses again as pal-service@contoso.onmicrosoft.com. By hand: pac solution import")
	c.expect("palwiz can make 2 of these changes. Make them now? (y/n) [n]: ")
	c.send("y")
	c.expect("All 2? Answer no to choose them one by one. (y/n) [y]: ")
	c.send("n")
	c.expect(`Make pal-service@contoso.onmicrosoft.com a co-owner of flow "Approve expenses"? (y/n) [n]: `)
	c.send("n")
	c.expect(`the owner of canvas app "Site survey" (the previous owner keeps CanView)? (y/n) [n]: `)
	c.send("y")
	c.expect("Press Enter to continue to Validation: ")
	c.send("")
	c.expect("Sign out and wipe palwiz's tokens from this computer? (y/n) [y]: ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if len(fa.applied) != 1 || fa.applied[0].ID != "app/2" {
		t.Fatalf("applied %+v, want only the canvas app fix", fa.applied)
	}
}
