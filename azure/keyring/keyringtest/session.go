// Package keyringtest starts a private D-Bus session bus with GNOME Keyring
// on it, for tests that lock or stop the keyring under a palwiz process
// without touching the keyring other tests use. The bus has no service
// activation: a stopped keyring stays stopped, as on a machine where the
// daemon died.
package keyringtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// Session is a private bus and the keyring daemon on it.
type Session struct {
	// Addr is the bus address (DBUS_SESSION_BUS_ADDRESS).
	Addr string
	// Home is the keyring daemon's home (its keyring files live there).
	Home   string
	bus    *exec.Cmd
	daemon *exec.Cmd
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Start runs a bus and an unlocked GNOME Keyring for the test; both are
// stopped (by their process IDs) when the test ends. Without dbus-daemon or
// gnome-keyring-daemon the test is skipped, or fails under CI.
func Start(t testing.TB) *Session {
	t.Helper()
	for _, bin := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs it", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
	dir, err := os.MkdirTemp("", "palwiz-kr-") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Session{Addr: "unix:path=" + filepath.Join(dir, "bus"), Home: filepath.Join(dir, "home")}
	if err := os.MkdirAll(filepath.Join(s.Home, ".local", "share", "keyrings"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, filepath.Join(dir, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	s.bus = exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile")
	s.bus.Env = []string{"HOME=" + s.Home, "PATH=" + os.Getenv("PATH")}
	if err := s.bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(s.bus) })
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(dir, "bus")); return err == nil }, "the bus socket")
	s.daemon = exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	s.daemon.Env = s.Env()
	s.daemon.Stdin = strings.NewReader("palwiz-test")
	if err := s.daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(s.daemon) })
	waitFor(t, func() bool { return s.hasSecrets() }, "org.freedesktop.secrets on the bus")
	return s
}

// Env is the environment a process needs to use this keyring.
func (s *Session) Env() []string {
	return []string{"DBUS_SESSION_BUS_ADDRESS=" + s.Addr, "HOME=" + s.Home, "PATH=" + os.Getenv("PATH")}
}

func (s *Session) conn() (*dbus.Conn, error) {
	c, err := dbus.Connect(s.Addr)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Session) hasSecrets() bool {
	c, err := s.conn()
	if err != nil {
		return false
	}
	defer c.Close()
	var has bool
	err = c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
	return err == nil && has
}

// Lock locks the login collection, as a screen lock or a timeout does.
func (s *Session) Lock(t testing.TB) {
	t.Helper()
	c, err := s.conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = c.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").CallWithContext(ctx, "org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("lock the keyring: %v %v", locked, err)
	}
}

// StopKeyring stops the keyring daemon; the bus stays.
func (s *Session) StopKeyring(t testing.TB) {
	t.Helper()
	stop(s.daemon)
	waitFor(t, func() bool { return !s.hasSecrets() }, "the keyring to leave the bus")
}

func stop(c *exec.Cmd) {
	if c.Process == nil || c.ProcessState != nil {
		return
	}
	_ = c.Process.Kill()
	_ = c.Wait()
}

func waitFor(t testing.TB, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
