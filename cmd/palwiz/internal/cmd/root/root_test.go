package root

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil/cmdtest"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// run executes palwiz in process with no environment but env.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errb := iostreams.Test()
	code = Run(context.Background(), args, ios, config.FromEnv(func(k string) string { return env[k] }), &keyring.Memory{}, cmdutil.BuildInfo{Version: "test", GoVersion: "go", Platform: "os/arch"})
	return out.String(), errb.String(), code
}

// commands lists every command of the tree that runs.
func commands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.Hidden && c.Name() != "help" && c.Parent() != nil && c.Parent().Name() != "completion" {
			out = append(out, c)
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	return out
}

// TestExamplesParse: every example in every command's help is a command
// line palwiz accepts (flags and values checked, the run stubbed).
func TestExamplesParse(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, true, nil)
	n := 0
	for _, c := range commands(NewCmdRoot(f, true)) {
		for _, line := range examples(c.Example) {
			n++
			t.Run(line, func(t *testing.T) {
				t.Parallel()
				args, err := cmdtest.Split(line)
				if err != nil {
					t.Fatal(err)
				}
				f, _ := cmdtest.Factory(t, true, nil)
				root := NewCmdRoot(f, true)
				root.SetArgs(args[1:])
				var out bytes.Buffer
				root.SetOut(&out)
				root.SetErr(&out)
				if err := root.Execute(); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
			})
		}
	}
	if n < 25 {
		t.Fatalf("only %d examples found", n)
	}
}

// examples are the command lines of an Example text, without comments,
// pipes, redirections or environment assignments.
func examples(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n") {
		l = strings.TrimSpace(l)
		if i := strings.Index(l, "palwiz "); i >= 0 {
			l = l[i:]
		} else if l != "palwiz" {
			continue
		}
		for _, cut := range []string{" #", " |", " >", " &&"} {
			if i := strings.Index(l, cut); i >= 0 {
				l = l[:i]
			}
		}
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// TestHelp: every command's help states its exit codes (and its output
// formats, for those that print data); piped help has no padding at line
// ends; flag descriptions start in lower case, as the rest of the help.
func TestHelp(t *testing.T) {
	t.Parallel()
	f, _ := cmdtest.Factory(t, false, nil)
	for _, c := range commands(NewCmdRoot(f, true)) {
		// Read the command tree here: cobra merges flag sets lazily, so
		// the parallel subtests must not share it.
		path := strings.Fields(c.CommandPath())[1:]
		hasFormats := len(cmdutil.Formats(c)) > 0
		var capitals []string
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if u := fl.Usage; u != "" && strings.ToUpper(u[:1]) == u[:1] && !strings.HasPrefix(u, "PAL") && !strings.HasPrefix(u, "HTTPS") {
				capitals = append(capitals, "--"+fl.Name+": "+u)
			}
		})
		t.Run(c.CommandPath(), func(t *testing.T) {
			t.Parallel()
			out, errOut, code := run(t, nil, append(path, "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "Exit codes:\n  0 ok, 1 error, 2 usage") {
				t.Errorf("no exit codes:\n%s", out)
			}
			if hasFormats && !strings.Contains(out, "Output:\n") {
				t.Errorf("no output formats:\n%s", out)
			}
			for i, l := range strings.Split(out, "\n") {
				if strings.HasSuffix(l, " ") || strings.Contains(l, "\x1b") {
					t.Errorf("line %d is padded or styled: %q", i+1, l)
				}
			}
			for _, c := range capitals {
				t.Errorf("flag description starts with a capital: %s", c)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	out, _, code := run(t, nil, "--version")
	if code != 0 || out != "palwiz test (go, os/arch)\n" {
		t.Fatalf("exit %d: %q", code, out)
	}
}

// TestCompletion: flag values complete from what palwiz knows, never from
// file names.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"status", "-o", ""}, []string{"table", "json", "csv"}},
		{[]string{"check", "--output", ""}, []string{"table", "json", "csv", "md"}},
		{[]string{"check", "--product", ""}, []string{"canvas-app", "model-driven-app", "flow", "bot", "solution", "dataset", "ci-instance"}},
		{[]string{"check", "--product", "canvas-app,"}, []string{"canvas-app,flow"}},
		{[]string{"fix", "--canvas", ""}, []string{"co-owner", "owner"}},
		{[]string{"status", "--cloud", ""}, []string{"public", "sim"}},
	} {
		out, errOut, code := run(t, nil, append([]string{"__complete"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		directive := lines[len(lines)-1]
		if directive != ":4" && directive != ":6" {
			t.Errorf("%v: directive %s, want no file completion", c.args, directive)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%v: %q not offered:\n%s", c.args, w, out)
			}
		}
	}
}

func TestManPage(t *testing.T) {
	t.Parallel()
	out, errOut, code := run(t, nil, "man")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{".TH PALWIZ 1", "link", "--partner-id", "EXIT CODES"} {
		if !strings.Contains(out, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
}
