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

	"github.com/palwiz/palwiz/steps"
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
	// cancel ends the run's context, as an interrupt does.
	cancel context.CancelFunc
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
	c.cancel = cancel
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

// TestAccessibleFlow runs the whole flow in huh's accessible mode: bad
// input is explained and asked again, the device code is spelled out, the
// existing link to another partner is moved only after a yes, and no
// escape codes are written.
func TestAccessibleFlow(t *testing.T) {
	f := newFake()
	f.links[tContoso] = &steps.PartnerLink{PartnerID: "5127255", PartnerName: "Tailspin Partners (Dublin)", TenantID: tContoso, State: "Active",
		CreatedTime: firstLinked, UpdatedTime: firstLinked}
	c := startAccessible(t, Options{Backend: f, Ephemeral: true})
	c.expect("Your partner ID ")
	c.send("49A")
	c.expect("is not a partner ID")
	c.expect("Your partner ID ")
	c.send("4977985")
	c.expect("1. Dedicated service account (recommended). A user account")
	c.expect("Enter a number between 1 and 4: ")
	c.send("9")
	c.expect("Invalid: must be a number between 1 and 4")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	c.expect("Spelled out: H Q 7 X K 9 M 2 B.")
	c.expect("1. Keep waiting")
	f.approve()
	c.expect("Signed in.")
	c.expect("Name: PAL Service Account (Fabrikam). Sign-in name: pal-service@contoso.onmicrosoft.com. Kind: member user.")
	c.expect("You can reach one directory: Contoso Ltd.")
	c.expect("Current link: Tailspin Partners (Dublin) (5127255).")
	c.expect("Warning: Moving the link takes the credit")
	c.expect("Move the link from Tailspin Partners (Dublin) (5127255) to 4977985? [y/N] ")
	c.send("y")
	c.expect("Moved the link from partner Tailspin Partners (Dublin) (5127255) to partner Fabrikam Consulting (Seattle) (4977985).")
	// After a move: since when it is this partner's, and when it was first made.
	c.expect("Linked to Fabrikam Consulting (Seattle) since 22 November 2026 (first linked 3 March 2025).")
	c.expect("Step 3 of 3: Attribution.")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("5")
	c.expect("Power Apps model-driven: GUI no, PowerShell no, PP CLI yes, DevOps + Build Tools yes.")
	c.expect("Attribution: what now?")
	c.send("")
	c.expect("Linked: yes. Partner name: Fabrikam Consulting (Seattle). Partner ID: 4977985.")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.expect("Signed out.")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if !c.res.Completed || !c.res.SignedOut || c.res.Link == nil || c.res.Link.PartnerID != "4977985" {
		t.Fatalf("result = %+v", c.res)
	}
	if len(c.res.Warnings) != 1 || !strings.Contains(c.res.Warnings[0], "Moving the link") {
		t.Errorf("warnings = %q, want the one about moving the link", c.res.Warnings)
	}
	if strings.Contains(c.out.String(), "\x1b") {
		t.Fatal("accessible output contains escape codes")
	}
	if strings.Contains(c.out.String(), "A link on its own earns nothing") {
		t.Error("a topic nobody asked for was read out")
	}
}

// TestAccessibleRetryAndQuit: a failing step says why and offers to try
// again; q asks before quitting (no stays), and yes ends the run as cancelled.
func TestAccessibleRetryAndQuit(t *testing.T) {
	f := newFake()
	f.tenantsErr = errors.New("list directories: connection reset by peer")
	c := startAccessible(t, Options{Backend: f, PartnerID: "4977985"})
	c.expect("(Enter for 4977985)")
	c.send("")
	c.expect("Enter a number")
	c.send("1")
	c.expect("enter the code")
	f.approve()
	c.expect("Error: List directories: connection reset by peer.")
	c.expect("Try again? [Y/n] ")
	f.tenantsErr = nil
	c.send("y")
	c.expect("You can reach one directory")
	c.expect("Link pal-service@contoso.onmicrosoft.com to partner ID 4977985 now? [Y/n] ")
	c.send("q")
	c.expect("You are signed in, but the partner link is not made yet.")
	c.expect("Quit palwiz? [y/N] ")
	c.send("n")
	c.expect("Link pal-service@contoso.onmicrosoft.com to partner ID 4977985 now? [Y/n] ")
	c.send("q")
	c.expect("Quit palwiz? [y/N] ")
	c.send("y")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", c.err)
	}
	if calls := strings.Join(f.Calls(), "\n"); strings.Contains(calls, "Link ") {
		t.Fatalf("quitting linked anyway: %s", calls)
	}
}

// TestAccessibleAdminRequest writes the request for the customer's
// administrator to a file, and asks before replacing it.
func TestAccessibleAdminRequest(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	c := startAccessible(t, Options{Backend: f, WorkDir: dir, PartnerID: "4977985"})
	c.expect("(Enter for 4977985)")
	c.send("")
	c.expect("Enter a number")
	c.send("4")
	c.expect("Your organisation ")
	c.send("Fabrikam Consulting")
	c.expect("Your name ")
	c.send("Ana Lopez")
	c.expect("Save it to pal-account-request.txt? [Y/n] ")
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
	// Again, signed by someone else: the saved file is not replaced without a yes.
	c.expect("Enter a number")
	c.send("4")
	c.expect("Your organisation ")
	c.send("Fabrikam Consulting")
	c.expect("Your name ")
	c.send("Bo Chen")
	c.expect("Save it to pal-account-request.txt? [Y/n] ")
	c.send("")
	c.expect("exists already.")
	c.expect("Replace the saved request? [y/N] ")
	c.send("")
	c.expect("Kept ")
	if b2, _ := os.ReadFile(filepath.Join(dir, requestFile)); string(b2) != string(b) {
		t.Fatal("the saved request was replaced without a yes")
	}
	c.expect("Enter a number")
	c.send("q")
	c.expect("Quit palwiz? [y/N] ")
	c.send("y")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v", c.err)
	}
}

// signInAccessible starts the accessible runner against the simulator's
// attribution, enters the partner ID, chooses the dedicated service account
// and approves its sign-in: the start every apply test shares.
func signInAccessible(t *testing.T, at *simAttributor) *console {
	t.Helper()
	f := newFake()
	c := startAccessible(t, Options{Backend: f, Attributor: at, Ephemeral: true})
	c.expect("Your partner ID ")
	c.send("4977985")
	c.expect("Enter a number between 1 and 4: ")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	f.approve()
	return c
}

// TestAccessiblePicksFixes: the fix plan's changes are a huh multi-select;
// unticking one keeps it out of what palwiz applies, after a yes.
func TestAccessiblePicksFixes(t *testing.T) {
	at := newSimAttributor(t, nil)
	c := signInAccessible(t, at)
	c.expect("Link pal-service@contoso.onmicrosoft.com to partner ID 4977985 now? [Y/n] ")
	c.send("")
	c.expect("Linked to partner Fabrikam Consulting (Seattle) (4977985).")
	c.expect("Canvas apps (the rule looks at the owner / co-owner):")
	c.expect("4 changes palwiz can make, 0 steps to do by hand.")
	c.expect("Changes palwiz can make")
	c.expect("Enter a number between 0 and 8: ")
	c.send("1")
	c.expect("Enter a number between 0 and 8: ")
	c.send("")
	c.expect("Make 3 changes now? [y/N] ")
	c.send("y")
	c.expect("All done: 3 changes done.")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if got := at.Applied(); len(got) != 3 || strings.Contains(strings.Join(got, "\n"), "Team Birthdays") {
		t.Fatalf("applied %q, want the co-owners but the first", got)
	}
}

// TestAccessiblePipedAnswers pipes every answer at once, as a script or a
// screen-reader user typing ahead would: huh starts a new scanner for each
// question, and none of them may swallow the answers meant for the next.
func TestAccessiblePipedAnswers(t *testing.T) {
	f := newFake()
	o := Options{Backend: f, Ephemeral: true, Now: func() time.Time { return fixedNow }}
	demoOpts(f, &o)
	// partner ID (default), account 1, approve (demo), link: yes, continue
	// past the topics, sign out (default yes with --ephemeral)
	o.In = strings.NewReader("\n1\n2\ny\n\n\n")
	out := &lockedBuffer{}
	o.Out = out
	res, err := RunAccessible(context.Background(), o)
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out.String())
	}
	if !res.Completed || !res.SignedOut || res.Link == nil || res.Link.PartnerID != "4977985" {
		t.Fatalf("result = %+v; output:\n%s", res, out.String())
	}
	if strings.Contains(out.String(), "Invalid") {
		t.Errorf("an answer reached the wrong question:\n%s", out.String())
	}
}

// TestAccessibleGuardRails: Ana signs in at home (Fabrikam) and is a guest
// in two customers' directories: the list starts on a customer's directory,
// and linking in her home directory is asked about, no by default.
func TestAccessibleGuardRails(t *testing.T) {
	f := newFake()
	anaAtHome(f, nil)
	c := startAccessible(t, Options{Backend: f, PartnerID: "4977985"})
	c.expect("Your partner ID (Enter for 4977985) ")
	c.send("")
	c.expect("Enter a number between 1 and 4: ")
	c.send("3")
	c.expect("enter the code HQ7XK9M2B")
	f.approve()
	c.expect("Which customer directory? (Enter for 2)")
	c.send("1")
	c.expect("Warning: Fabrikam Consulting is the home directory of ana.lopez@fabrikam.example, which is a guest in Contoso Ltd, Northwind Traders.")
	c.expect("Link ana.lopez@fabrikam.example in Fabrikam Consulting anyway? [y/N] ")
	c.send("")
	c.expect("Not linked here. Choose another directory, or change the partner ID.")
	c.expect("What now? (Enter for 1)")
	c.send("q")
	c.expect("Quit palwiz? [y/N] ")
	c.send("y")
	c.wait()
	if !errors.Is(c.err, ErrCancelled) {
		t.Fatalf("err = %v", c.err)
	}
	for _, call := range f.Calls() {
		if strings.HasPrefix(call, "Link ") {
			t.Errorf("linked in the home directory after a no: %q", f.Calls())
		}
	}
}

// TestAccessibleKeepsOtherLink: declining to move another partner's link
// says what going on with it means, then goes on to Attribution with it;
// Validation says whose link it is.
func TestAccessibleKeepsOtherLink(t *testing.T) {
	f := newFake()
	tailspin(f, nil)
	c := startAccessible(t, Options{Backend: f, PartnerID: "4977985", Ephemeral: true})
	c.expect("Your partner ID (Enter for 4977985) ")
	c.send("")
	c.expect("Enter a number between 1 and 4: ")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	f.approve()
	c.expect("Move the link from Tailspin Partners (Dublin) (5127255) to 4977985? [y/N] ")
	c.send("")
	c.expect("The link stays with Tailspin Partners (Dublin) (5127255).")
	c.expect("Warning: If you continue with it, what pal-service@contoso.onmicrosoft.com owns in Contoso Ltd earns credit for Tailspin Partners (Dublin) (5127255), not for 4977985.")
	c.expect("1. Keep it and continue to Attribution")
	c.send("")
	c.expect("Step 3 of 3: Attribution.")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("")
	c.expect("This is not the partner ID you chose (4977985).")
	c.expect("What now?")
	c.send("2")
	c.expect("Kept the link to Tailspin Partners (Dublin) (5127255) (not 4977985)")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if c.res.Outcome != nil || c.res.Link == nil || c.res.Link.PartnerID != "5127255" {
		t.Errorf("result %+v", describe(c.res))
	}
}

// TestAccessibleChangesPartnerID: changing the partner ID from
// Registration comes back to Registration with the same sign-in and
// directory.
func TestAccessibleChangesPartnerID(t *testing.T) {
	f := newFake()
	tailspin(f, nil)
	c := startAccessible(t, Options{Backend: f, PartnerID: "4977985", Ephemeral: true})
	c.expect("Your partner ID (Enter for 4977985) ")
	c.send("")
	c.expect("Enter a number between 1 and 4: ")
	c.send("")
	c.expect("enter the code HQ7XK9M2B")
	f.approve()
	c.expect("Move the link from Tailspin Partners (Dublin) (5127255) to 4977985? [y/N] ")
	c.send("")
	c.expect("What now? (Enter for 1)")
	c.send("3")
	c.expect("Your partner ID (Enter for 4977985) ")
	c.send("5127255")
	c.expect("Step 2 of 3: Registration.")
	c.expect("What palwiz will do: nothing to do: it is already linked to this partner ID.")
	c.expect("Attribution: what now? (Enter for 1)")
	c.send("")
	c.expect("Sign out and wipe palwiz's tokens from this computer? [Y/n] ")
	c.send("")
	c.wait()
	if c.err != nil {
		t.Fatal(c.err)
	}
	signIns := 0
	for _, call := range f.Calls() {
		if strings.HasPrefix(call, "StartDeviceCode") {
			signIns++
		}
	}
	if signIns != 1 {
		t.Errorf("signed in %d times: %q", signIns, f.Calls())
	}
}
