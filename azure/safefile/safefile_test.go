package safefile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestReadBoundsAndCancels(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(ctx, small, 5); err != nil || string(b) != "hello" {
		t.Fatalf("read at the limit: %q %v", b, err)
	}
	var tb *TooBigError
	if _, err := Read(ctx, small, 4); !errors.As(err, &tb) || tb.Error() != small+" is larger than 4 bytes" {
		t.Fatalf("past the limit: %v", err)
	}
	if _, err := Read(ctx, filepath.Join(dir, "missing"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	// /dev/zero never ends: the bound stops it.
	if _, err := Read(ctx, "/dev/zero", 1<<20); !errors.As(err, &tb) || tb.Error() != "/dev/zero is larger than 1 MiB" {
		t.Fatalf("/dev/zero: %v", err)
	}
	// A FIFO nobody writes to blocks the open; cancelling ends the wait.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Read(cctx, fifo, 10); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("FIFO without a writer: %v after %s", err, time.Since(start))
	}
	// A writer that opens and never writes: the read is cancelled too.
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			time.Sleep(2 * time.Second)
			w.Close()
		}
	}()
	cctx2, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if _, err := Read(cctx2, fifo, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FIFO with a silent writer: %v", err)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	ours := func(b []byte) bool { return bytes.HasPrefix(b, []byte("palwiz:")) }
	p := filepath.Join(dir, "out.pem")
	mode := func(p string) os.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	// New file, with the permissions asked for (whatever the umask).
	if err := Write(p, []byte("palwiz: 1"), Options{Perm: 0o644, Ours: ours}); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && mode(p) != 0o644 {
		t.Fatalf("mode %v", mode(p))
	}
	// palwiz's own file is replaced.
	if err := Write(p, []byte("palwiz: 2"), Options{Perm: 0o644, Ours: ours}); err != nil {
		t.Fatal(err)
	}
	// Someone else's file is not, unless forced.
	other := filepath.Join(dir, "passwd")
	if err := os.WriteFile(other, []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ee *ExistsError
	if err := Write(other, []byte("palwiz: 3"), Options{Perm: 0o644, Ours: ours}); !errors.As(err, &ee) || ee.Kind != "" {
		t.Fatalf("replaced a file palwiz did not write: %v", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "root:x:0:0" {
		t.Fatalf("the file changed: %q", b)
	}
	if err := Write(other, []byte("secret"), Options{Perm: 0o600, Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(other); string(b) != "secret" || runtime.GOOS != "windows" && mode(other) != 0o600 {
		t.Fatalf("forced write: %q %v", b, mode(other))
	}
	// Never a directory, a symbolic link or a device, even forced.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(other, link); err == nil {
		if err := Write(link, []byte("x"), Options{Force: true}); !errors.As(err, &ee) || ee.Kind != "a symbolic link" {
			t.Fatalf("symlink: %v", err)
		}
	}
	if err := Write(dir, []byte("x"), Options{Force: true}); !errors.As(err, &ee) || ee.Kind != "a directory" {
		t.Fatalf("directory: %v", err)
	}
	if runtime.GOOS != "windows" {
		if err := Write("/dev/null", []byte("x"), Options{Force: true}); !errors.As(err, &ee) || ee.Kind != "a device" {
			t.Fatalf("/dev/null: %v", err)
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".pem" && e.Name() != "passwd" && e.Name() != "link" {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
}
