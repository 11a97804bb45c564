// Package safefile reads and writes the local files palwiz touches on a
// user's computer: inputs (certificates, scenarios, CA files) are read with a
// size bound and can be cancelled even when the path is a FIFO that nobody
// writes to; outputs are written atomically with the permissions asked for,
// and never replace a file palwiz did not write unless the user said so.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// TooBigError says an input file is larger than palwiz reads.
type TooBigError struct {
	Path  string
	Limit int64
}

func (e *TooBigError) Error() string {
	return fmt.Sprintf("%s is larger than %s", e.Path, humanBytes(e.Limit))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Read returns the content of the file at path, at most limit bytes (a
// *TooBigError past it). Opening and reading run aside, so ctx cancels the
// wait for a FIFO with no writer or a device that never ends.
func Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	var mu sync.Mutex
	var f *os.File
	cancelled := false
	done := make(chan result, 1)
	go func() {
		file, err := os.Open(path)
		if err != nil {
			done <- result{err: err}
			return
		}
		mu.Lock()
		if cancelled {
			mu.Unlock()
			file.Close()
			return
		}
		f = file
		mu.Unlock()
		defer file.Close()
		b, err := io.ReadAll(io.LimitReader(file, limit+1))
		if err == nil && int64(len(b)) > limit {
			b, err = nil, &TooBigError{Path: path, Limit: limit}
		}
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		mu.Lock()
		cancelled = true
		if f != nil {
			// Closing unblocks a read of a pipe or FIFO.
			f.Close()
		}
		mu.Unlock()
		return nil, ctx.Err()
	}
}

// Reader returns a func reading files with Read, for APIs that take one
// (sim.LoadScenario).
func Reader(ctx context.Context, limit int64) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) { return Read(ctx, path, limit) }
}

// Options say how Write may treat an existing file.
type Options struct {
	// Perm is the new file's permissions: 0600 for anything secret, 0644
	// for what others may read (a CA certificate, a report).
	Perm fs.FileMode
	// Force replaces a regular file palwiz did not write.
	Force bool
	// Ours recognises a file palwiz wrote earlier (its content), which is
	// replaced without Force.
	Ours func(existing []byte) bool
}

// ExistsError refuses to replace a file palwiz did not write.
type ExistsError struct {
	Path string
	// Kind is "" for a regular file, else what is there ("a directory", "a
	// symbolic link", "a device", "a named pipe"), which is never replaced.
	Kind string
}

func (e *ExistsError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("%s is %s, not a regular file: palwiz will not replace it; choose another file name", e.Path, e.Kind)
	}
	return fmt.Sprintf("%s already exists and palwiz did not write it: choose another file name, or pass --force to replace it", e.Path)
}

// maxOurs bounds how much of an existing file Write reads to recognise it.
const maxOurs = 4 << 20

// Write writes data to path atomically: a temporary file in the same
// directory with o.Perm, synced, then renamed over path, so a reader sees the
// old file or the new one, never a mix, and a crash leaves no half-written
// file. An existing path is replaced only when it is a regular file that
// o.Ours recognises or o.Force is set; anything else (a directory, a
// symbolic link, a device such as /dev/null, a FIFO) is never replaced.
func Write(path string, data []byte, o Options) error {
	if o.Perm == 0 {
		o.Perm = 0o600
	}
	if err := mayReplace(path, o); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(o.Perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Checked again just before the rename: the window for a file to appear
	// in between is as small as it gets without O_EXCL on the final name.
	if err := mayReplace(path, o); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	syncDir(dir)
	return nil
}

func mayReplace(path string, o Options) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if kind := kindOf(fi.Mode()); kind != "" {
		return &ExistsError{Path: path, Kind: kind}
	}
	if o.Force {
		return nil
	}
	if o.Ours != nil {
		if b, err := readSmall(path); err == nil && o.Ours(b) {
			return nil
		}
	}
	return &ExistsError{Path: path}
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxOurs+1))
	if err != nil || len(b) > maxOurs {
		return nil, errors.New("too big")
	}
	return b, nil
}

// syncDir makes the rename durable where the platform allows (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
