package tui

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports holds the package to its place in the layers: tui reaches
// the Microsoft services only through steps (cmd → tui → steps → azure),
// and builds its questions with huh.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			imported[path] = true
			if strings.HasPrefix(path, "github.com/palwiz/palwiz/azure/") || path == "github.com/palwiz/palwiz/azure" {
				t.Errorf("%s imports %s: tui reaches azure only through steps (add what it needs to steps/types.go)", name, path)
			}
		}
	}
	for _, want := range []string{"charm.land/huh/v2", "charm.land/bubbles/v2/key", "charm.land/bubbles/v2/help", "charm.land/bubbles/v2/viewport"} {
		if !imported[want] {
			t.Errorf("tui does not import %s", want)
		}
	}
}
