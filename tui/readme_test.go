package tui

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var writeREADME = flag.Bool("readme", false, "copy the golden screens into ../README.md (scripts/readme-screens.sh)")

// readmeScreenRE is a screen in the README: a marker naming its golden,
// then the capture in a code block.
var readmeScreenRE = regexp.MustCompile("(?s)<!-- screen: ([a-z0-9_]+) -->\n```\n(.*?)```\n")

// TestREADMEScreens holds the README's screen captures to the goldens they
// come from: it fails when one is stale, and -readme rewrites them.
func TestREADMEScreens(t *testing.T) {
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var stale []string
	out := readmeScreenRE.ReplaceAllFunc(readme, func(block []byte) []byte {
		m := readmeScreenRE.FindSubmatch(block)
		name := string(m[1])
		n++
		screen, err := os.ReadFile(filepath.Join("testdata", "TestScreens", sizeName(80, 24), name+".golden"))
		if err != nil {
			t.Errorf("the README shows screen %q, which has no golden: %v", name, err)
			return block
		}
		if string(m[2]) != string(screen)+"\n" {
			stale = append(stale, name)
		}
		return []byte("<!-- screen: " + name + " -->\n```\n" + string(screen) + "\n```\n")
	})
	if n < 10 {
		t.Fatalf("the README shows %d screens; the wizard has more than 10 worth showing", n)
	}
	if *writeREADME {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if len(stale) > 0 {
		t.Errorf("the README's screens %q differ from their goldens: run scripts/readme-screens.sh (make screens)", stale)
	}
}
