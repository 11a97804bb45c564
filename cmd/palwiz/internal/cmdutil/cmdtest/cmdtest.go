// Package cmdtest builds commands for tests the way cli/cli tests them: a
// factory over test streams, the command under a root with the global
// flags, the command line split as a shell would. No simulator is needed.
package cmdtest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/spf13/cobra"
)

// Factory returns a factory over test streams with an empty environment and
// an in-memory keyring; tty makes standard input and standard error
// terminals (palwiz may ask).
func Factory(t testing.TB, tty bool, env map[string]string) (*cmdutil.Factory, *iostreams.IOStreams) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStderrTTY(tty)
	cfg := config.FromEnv(func(k string) string { return env[k] })
	ios.SetNeverPrompt(!cfg.MayPrompt())
	return cmdutil.NewFactory(ios, cfg, &keyring.Memory{}, cmdutil.BuildInfo{Version: "test"}), ios
}

// Exec runs cmd under a root carrying the global flags with the command
// line given (as typed after "palwiz <name>").
func Exec(f *cmdutil.Factory, cmd *cobra.Command, line string) error {
	args, err := Split(line)
	if err != nil {
		return err
	}
	g := &cmdutil.GlobalFlags{}
	root := &cobra.Command{Use: "palwiz", SilenceErrors: true, SilenceUsage: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error { g.Apply(c, f.Config, f.IOStreams); return nil }}
	g.Add(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	root.AddCommand(cmd)
	root.SetArgs(append([]string{cmd.Name()}, args...))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	return root.Execute()
}

// Split splits a command line as a POSIX shell would: words, 'single' and
// "double" quotes, backslash escapes.
func Split(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	esc := false
	for _, r := range line {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || esc {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// CheckErr fails t unless err matches: wantErr "" means no error; otherwise
// the message contains wantErr and, when usage is set, err is a usage error
// (exit code 2).
func CheckErr(t testing.TB, err error, wantErr string, usage bool) (stop bool) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("error %v, want %q", err, wantErr)
	}
	if got := cmdutil.IsUsage(err); got != usage {
		t.Fatalf("usage error %v, want %v (%v)", got, usage, err)
	}
	return true
}
