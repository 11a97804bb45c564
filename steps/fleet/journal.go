package fleet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"
)

// JournalVersion is the version of the journal's format (its first line).
const JournalVersion = 1

// Header is a journal's first line: which operation it records, so that a
// resume never mixes a status run with a link run.
type Header struct {
	Journal int       `json:"palwizJournal"`
	Op      string    `json:"op"`
	Started time.Time `json:"started"`
}

// Entry is one directory done: one JSON line, appended when it completes.
type Entry struct {
	TenantID string    `json:"tenantId"`
	OK       bool      `json:"ok"`
	At       time.Time `json:"at"`
	// Result is the directory's result row, as the command prints it.
	Result json.RawMessage `json:"result"`
}

// Journal is an append-only file of entries. Each line is written whole
// and synced before Append returns (several appends share a sync), so a
// crash or Ctrl-C leaves every finished directory recorded and at most a
// torn last line, which Open drops.
type Journal struct {
	path string
	op   string
	f    *os.File

	mu     sync.Mutex // guards writes and size
	size   int64
	syncMu sync.Mutex // one fsync at a time; a sync covers every line written before it
	synced int64

	entries map[string]Entry // the last entry of each directory, from the file
	order   []string
	// Torn says Open dropped an incomplete last line.
	Torn bool
}

// JournalExistsError is a journal that already records directories, opened
// without resume.
type JournalExistsError struct {
	Path    string
	Entries int
}

func (e *JournalExistsError) Error() string {
	return fmt.Sprintf("%s already records %d director%s: pass --resume to continue that run, or name a new journal file",
		e.Path, e.Entries, map[bool]string{true: "y", false: "ies"}[e.Entries == 1])
}

// JournalError is a journal palwiz cannot continue.
type JournalError struct {
	Path string
	Line int
	Why  string
}

func (e *JournalError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s, line %d: %s", e.Path, e.Line, e.Why)
	}
	return e.Path + ": " + e.Why
}

// OpenJournal opens (or creates) the journal at path for op. Without resume
// an existing journal that records anything is refused (a new run would be
// mixed into it); with resume its entries are read, a torn last line is
// cut off, and a journal of another operation is refused.
func OpenJournal(path, op string, resume bool) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the journal: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &JournalError{Path: path, Why: "is not a regular file"}
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(f)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	j := &Journal{path: path, op: op, f: f, entries: map[string]Entry{}}
	if err := j.load(data, resume); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// parse reads the journal's lines into entries and returns the length of
// its whole lines (what follows the last newline is a torn line).
func (j *Journal) parse(data []byte) (int, error) {
	good := bytes.LastIndexByte(data, '\n') + 1
	j.Torn = good < len(data)
	lines := bytes.Split(data[:good], []byte("\n"))
	lines = lines[:len(lines)-1] // the empty piece after the last newline
	if len(lines) > 0 {
		var h Header
		if err := json.Unmarshal(lines[0], &h); err != nil || h.Journal == 0 {
			return 0, &JournalError{Path: j.path, Line: 1, Why: "is not a palwiz journal (its first line is not a journal header)"}
		}
		if h.Journal > JournalVersion {
			return 0, &JournalError{Path: j.path, Line: 1, Why: fmt.Sprintf("is a journal of a newer palwiz (version %d)", h.Journal)}
		}
		if h.Op != j.op {
			return 0, &JournalError{Path: j.path, Why: fmt.Sprintf("records a %q run, not %q: name a new journal file", h.Op, j.op)}
		}
	}
	for i, l := range lines[min(1, len(lines)):] {
		var e Entry
		if err := json.Unmarshal(l, &e); err != nil || e.TenantID == "" {
			return 0, &JournalError{Path: j.path, Line: i + 2, Why: "is not a journal entry (the file was changed by hand?)"}
		}
		key := strings.ToLower(e.TenantID)
		if _, ok := j.entries[key]; !ok {
			j.order = append(j.order, key)
		}
		j.entries[key] = e
	}
	if len(lines) == 0 {
		return -1, nil // no header yet
	}
	return good, nil
}

func (j *Journal) load(data []byte, resume bool) error {
	good, err := j.parse(data)
	if err != nil {
		return err
	}
	if len(j.entries) > 0 && !resume {
		return &JournalExistsError{Path: j.path, Entries: len(j.entries)}
	}
	if good < 0 {
		// A new (or empty, or only torn) journal: start it with its header.
		if err := j.f.Truncate(0); err != nil {
			return fmt.Errorf("start the journal: %w", err)
		}
		if _, err := j.writeLine(Header{Journal: JournalVersion, Op: j.op, Started: time.Now().UTC()}); err != nil {
			return err
		}
		return j.sync(j.size)
	}
	if j.Torn {
		// Cut the torn line off, so the next entry starts a line of its own.
		if err := j.f.Truncate(int64(good)); err != nil {
			return fmt.Errorf("repair the journal's torn last line: %w", err)
		}
	}
	j.size = int64(good)
	return nil
}

// Path is the journal's file name.
func (j *Journal) Path() string { return j.path }

// Done returns the last entry recorded for the directory, if any.
func (j *Journal) Done(tenantID string) (Entry, bool) {
	e, ok := j.entries[strings.ToLower(tenantID)]
	return e, ok
}

// Entries are the entries read when the journal was opened, the last one of
// each directory, in the order they were first recorded.
func (j *Journal) Entries() []Entry {
	out := make([]Entry, 0, len(j.order))
	for _, k := range j.order {
		out = append(out, j.entries[k])
	}
	return out
}

// Append records a directory as done, and returns once the line is on disk.
func (j *Journal) Append(e Entry) error {
	end, err := j.writeLine(e)
	if err != nil {
		return err
	}
	return j.sync(end)
}

func (j *Journal) writeLine(v any) (int64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("journal entry: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return 0, fs.ErrClosed
	}
	// WriteAt the known end: one write per line, never interleaved.
	if _, err := j.f.WriteAt(b, j.size); err != nil {
		return 0, fmt.Errorf("write the journal: %w", err)
	}
	j.size += int64(len(b))
	return j.size, nil
}

// sync makes every line up to end durable; one fsync covers the lines
// written by others while the previous one ran (group commit).
func (j *Journal) sync(end int64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= end {
		return nil
	}
	j.mu.Lock()
	upTo, f := j.size, j.f
	j.mu.Unlock()
	if f == nil {
		return fs.ErrClosed
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync the journal: %w", err)
	}
	j.synced = upTo
	return nil
}

// Close closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	f := j.f
	j.f = nil
	j.mu.Unlock()
	if f == nil {
		return nil
	}
	return f.Close()
}

// ReadJournal reads a journal's entries (the last one of each directory)
// without writing to it, for tests and tools.
func ReadJournal(path, op string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, op: op, entries: map[string]Entry{}}
	if _, err := j.parse(data); err != nil {
		return nil, err
	}
	return j.Entries(), nil
}
