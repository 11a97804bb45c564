package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/palwiz/palwiz/steps"
)

// requestFile is the file the request for the customer's administrator is saved to.
const requestFile = "pal-account-request.txt"

// requestText is the request for the customer's administrator, signed by
// name on behalf of org, for the partner ID (placeholders where unknown).
func requestText(org, name, partnerID string) string {
	return steps.AdminRequest(strings.TrimSpace(org), cmpOr(partnerID, "[partner ID]"), cmpOr(strings.TrimSpace(name), "[your name]"))
}

// requestPath is where the request is saved, as the user named the
// directory (./ for the one palwiz was started in).
func requestPath(dir string) string {
	path := filepath.Join(dir, requestFile)
	if filepath.Dir(path) == "." {
		return "." + string(filepath.Separator) + path
	}
	return path
}

// existsError is a save that would replace a file; the wizard asks first.
type existsError struct{ path string }

func (e *existsError) Error() string {
	return e.path + " exists already"
}

// saveRequest writes the request to dir; it replaces an existing file only
// when replace is set, and says so with an *existsError otherwise.
func saveRequest(dir, text string, replace bool) (string, error) {
	path := requestPath(dir)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if replace {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return path, &existsError{path: path}
	}
	if err != nil {
		return path, fmt.Errorf("save the request: %w", err)
	}
	_, werr := f.WriteString(text)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return path, fmt.Errorf("save the request to %s: %w", path, err)
	}
	return path, nil
}

// replaceQuestion asks before replacing a saved request; replaceWhy says why.
const replaceQuestion = "Replace the saved request?"

func replaceWhy(path string) string { return path + " exists already." }
