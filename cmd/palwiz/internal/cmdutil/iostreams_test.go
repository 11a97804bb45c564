package cmdutil_test

import (
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
)

func TestCanPrompt(t *testing.T) {
	t.Parallel()
	s, _, _, _ := iostreams.Test()
	if s.CanPrompt() {
		t.Fatal("test streams are not terminals")
	}
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminal on stdin and stderr: palwiz may ask")
	}
	s.SetNeverPrompt(true)
	if s.CanPrompt() {
		t.Fatal("--no-prompt forbids asking")
	}
}

func TestHoldStderr(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := iostreams.Test()
	release := s.HoldStderr()
	_, _ = s.ErrOut.Write([]byte("held\n"))
	if errOut.String() != "" {
		t.Fatal("written while held")
	}
	release()
	release()
	_, _ = s.ErrOut.Write([]byte("after\n"))
	if errOut.String() != "held\nafter\n" {
		t.Fatalf("%q", errOut.String())
	}
}

func TestColourAndProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	s, _, _, errOut := iostreams.Test()
	s.SetColorEnabled(true)
	s.Progressf("%d of %d", 1, 2)
	if s.ColorEnabled() || errOut.String() != "" {
		t.Fatal("colour or progress without a terminal")
	}
	s.SetStderrTTY(true)
	s.Progressf("%d of %d", 1, 2)
	if !s.ColorEnabled() || errOut.String() != "\r\x1b[K1 of 2" {
		t.Fatalf("%q", errOut.String())
	}
}
