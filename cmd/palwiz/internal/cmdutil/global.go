package cmdutil

import (
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/spf13/cobra"
)

// GlobalFlags are the flags every command takes.
type GlobalFlags struct {
	Output     string
	Cloud      string
	Ephemeral  bool
	NoPrompt   bool
	Accessible bool
}

// Add registers the global flags on root.
func (g *GlobalFlags) Add(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVarP(&g.Output, "output", "o", "", "output format: "+output.Names(output.Report)+" (each command's help says which it prints)")
	pf.StringVar(&g.Cloud, "cloud", "", "public (default), or sim: a running palwiz sim (also PALWIZ_CLOUD)")
	pf.BoolVar(&g.Ephemeral, "ephemeral", false, "keep tokens in memory only and write nothing (also PALWIZ_EPHEMERAL)")
	pf.BoolVar(&g.NoPrompt, "no-prompt", false, "never ask: fail when input is missing (also PALWIZ_NO_PROMPT, CI)")
	pf.BoolVar(&g.Accessible, "accessible", false, "plain line-by-line prompts for screen readers (also ACCESSIBLE)")
	_ = root.RegisterFlagCompletionFunc("output", CompleteFormats)
	_ = root.RegisterFlagCompletionFunc("cloud", CompleteWords("public", "sim"))
}

// Apply lays the global flags that were given over the environment, and
// tells the streams what they imply (prompting, colour).
func (g *GlobalFlags) Apply(cmd *cobra.Command, cfg *config.Config, ios *iostreams.IOStreams) {
	fl := cmd.Flags()
	if fl.Changed("cloud") {
		cfg.Cloud = g.Cloud
	}
	if fl.Changed("ephemeral") {
		cfg.Ephemeral = g.Ephemeral
	}
	if fl.Changed("no-prompt") {
		cfg.NoPrompt = g.NoPrompt
	}
	if fl.Changed("accessible") {
		cfg.Accessible = g.Accessible
	}
	ios.SetNeverPrompt(!cfg.MayPrompt())
	ios.SetColorEnabled(cfg.Colour())
}
