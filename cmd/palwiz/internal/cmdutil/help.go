package cmdutil

import (
	"fmt"
	"io"
	"strings"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/spf13/cobra"
)

// HelpFunc renders a command's help: what it does, usage, examples, its
// commands, its flags, the global flags, the output formats and the exit
// codes. Plain text with no padding at line ends (bold headings on a colour
// terminal), wrapped to the terminal.
func HelpFunc(ios *iostreams.IOStreams) func(*cobra.Command, []string) {
	return func(c *cobra.Command, _ []string) {
		var b strings.Builder
		writeHelp(&b, c, ios.TerminalWidth(), ios.IsStdoutTTY() && ios.ColorEnabled())
		_, _ = io.WriteString(c.OutOrStdout(), trimLineEnds(b.String()))
	}
}

func writeHelp(b *strings.Builder, c *cobra.Command, width int, bold bool) {
	heading := func(s string) {
		if bold {
			s = "\x1b[1m" + s + "\x1b[0m"
		}
		fmt.Fprintf(b, "\n%s\n", s)
	}
	text := c.Long
	if text == "" {
		text = c.Short
	}
	b.WriteString(strings.TrimSpace(text) + "\n")

	heading("Usage:")
	switch {
	case c.Runnable() && c.HasAvailableSubCommands():
		fmt.Fprintf(b, "  %s [flags]\n  %s <command> [flags]\n", c.CommandPath(), c.CommandPath())
	case c.HasAvailableSubCommands():
		fmt.Fprintf(b, "  %s <command> [flags]\n", c.CommandPath())
	default:
		fmt.Fprintf(b, "  %s\n", c.UseLine())
	}
	if c.Example != "" {
		heading("Examples:")
		b.WriteString(strings.TrimRight(c.Example, "\n") + "\n")
	}
	if c.HasAvailableSubCommands() {
		writeCommands(b, c, heading)
	}
	if c.HasAvailableLocalFlags() {
		heading("Flags:")
		b.WriteString(c.LocalFlags().FlagUsagesWrapped(width - 1))
	}
	if c.HasAvailableInheritedFlags() {
		heading("Global flags:")
		b.WriteString(c.InheritedFlags().FlagUsagesWrapped(width - 1))
	}
	if fs := Formats(c); len(fs) > 0 {
		heading("Output:")
		fmt.Fprintf(b, "  %s (--output); docs/output.md describes each.\n", output.Names(fs))
	}
	if c.Runnable() {
		heading("Exit codes:")
		b.WriteString("  0 ok, 1 error, 2 usage (bad input, or no terminal to ask on), 3 sign-in\n  needed, 4 partial (some directories or services failed; the rest is\n  reported), 130 cancelled.\n")
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(b, "\nRun `%s <command> --help` for a command's flags and examples.\n", c.CommandPath())
	}
}

func writeCommands(b *strings.Builder, c *cobra.Command, heading func(string)) {
	groups := append([]*cobra.Group{}, c.Groups()...)
	groups = append(groups, &cobra.Group{ID: "", Title: "Other commands:"})
	pad := 0
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			pad = max(pad, len(sub.Name()))
		}
	}
	for _, g := range groups {
		var lines []string
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.GroupID != g.ID {
				continue
			}
			lines = append(lines, fmt.Sprintf("  %-*s  %s\n", pad, sub.Name(), sub.Short))
		}
		if len(lines) == 0 {
			continue
		}
		heading(g.Title)
		b.WriteString(strings.Join(lines, ""))
	}
}

// trimLineEnds removes spaces at the ends of lines.
func trimLineEnds(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// UsageFunc is the short usage cobra prints on some errors: palwiz prints
// its own error line instead, naming --help.
func UsageFunc(c *cobra.Command) error { return nil }
