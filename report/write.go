package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/safefile"
)

// ExistsError is a report that was not written because something palwiz
// did not write is at the path (a file that is not a palwiz report, a
// directory, a link). Suggest is a free name beside it, "" when none was
// found.
type ExistsError struct {
	Path    string
	Suggest string
	err     *safefile.ExistsError
}

func (e *ExistsError) Error() string { return e.err.Error() }

// NotRegular says what is at the path when it is not a regular file ("a
// directory", "a symbolic link"), "" for a regular file.
func (e *ExistsError) NotRegular() string { return e.err.Kind }

// WriteFile writes a rendered report to path atomically (azure/safefile):
// it replaces a report palwiz wrote (one that verifies) and, with force, a
// regular file palwiz did not write; anything else is an *ExistsError.
func WriteFile(path string, data []byte, force bool) error {
	ours := func(existing []byte) bool { _, err := Verify(existing); return err == nil }
	err := safefile.Write(path, data, safefile.Options{Perm: 0o644, Force: force, Ours: ours})
	var ee *safefile.ExistsError
	if errors.As(err, &ee) {
		return &ExistsError{Path: path, Suggest: freeName(path), err: ee}
	}
	return err
}

// freeName is path with -2, -3, … before its extension: the first that
// does not exist ("" after 99 tries).
func freeName(path string) string {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for i := 2; i < 100; i++ {
		p := fmt.Sprintf("%s-%d%s", base, i, ext)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
	return ""
}

// Extension is a format's file extension ("html", "md", "json").
func Extension(format string) string {
	switch format {
	case "markdown", "md":
		return "md"
	case "json":
		return "json"
	}
	return "html"
}

// FileName is the default name of a directory's report:
// palwiz-report-<directory>-<date>.<ext>, the directory named by the first
// label of its domain (or its ID), in characters safe in any file system.
func FileName(domain, tenantID string, at time.Time, format string) string {
	name, _, _ := strings.Cut(strings.ToLower(domain), ".")
	if name == "" {
		name = strings.ToLower(tenantID)
	}
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, name)
	if name == "" {
		name = "directory"
	}
	return fmt.Sprintf("palwiz-report-%s-%s.%s", name, at.UTC().Format("2006-01-02"), Extension(format))
}
