package cmdutil

import (
	"context"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// NoArgs refuses positional arguments as a usage error; on a command with
// subcommands the argument is an unknown command.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return FlagErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return FlagErrorf("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
}

// formatsKey is the annotation that lists a command's output formats.
const formatsKey = "palwiz/formats"

// SetFormats declares the --output formats cmd prints (none: it prints no data).
func SetFormats(cmd *cobra.Command, fs []output.Format) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	cmd.Annotations[formatsKey] = strings.Join(names, ",")
}

// Formats returns the formats cmd declared.
func Formats(cmd *cobra.Command) []output.Format {
	v, ok := cmd.Annotations[formatsKey]
	if !ok || v == "" {
		return nil
	}
	var out []output.Format
	for _, s := range strings.Split(v, ",") {
		out = append(out, output.Format(s))
	}
	return out
}

// OutputFormat reads the global --output for cmd and checks it against the
// formats cmd declared: a format it does not print is a usage error.
func OutputFormat(cmd *cobra.Command) (output.Format, error) {
	v := ""
	if fl := cmd.Flags().Lookup("output"); fl != nil {
		v = fl.Value.String()
	}
	f, err := output.Parse(v, Formats(cmd))
	if err != nil {
		return "", FlagErrorWrap(err)
	}
	return f, nil
}

// TenantFlag is the --tenant flag: a directory by GUID, domain or name.
type TenantFlag struct{ Value string }

// Add registers --tenant on cmd, completed from the cached directories.
func (t *TenantFlag) Add(cmd *cobra.Command, f *Factory, usage string) {
	if usage == "" {
		usage = "directory: tenant ID, domain or name (default: the current one)"
	}
	cmd.Flags().StringVar(&t.Value, "tenant", "", usage)
	_ = cmd.RegisterFlagCompletionFunc("tenant", f.CompleteTenants)
}

// Resolve returns the directory's GUID ("" = the current one). A GUID is
// used as given; a domain or name is looked up among the reachable ones.
func (t *TenantFlag) Resolve(ctx context.Context, env *steps.Env) (string, error) {
	if t.Value == "" || steps.IsGUID(t.Value) {
		return strings.ToLower(t.Value), nil
	}
	tn, err := steps.ResolveTenant(ctx, env, t.Value)
	if err != nil {
		return "", err
	}
	return tn.ID, nil
}

// Client resolves the directory and returns it with an ARM client there;
// the directory is the current one when --tenant is not given.
func (t *TenantFlag) Client(ctx context.Context, env *steps.Env) (string, *arm.Client, error) {
	tenant, err := t.Resolve(ctx, env)
	if err != nil {
		return "", nil, err
	}
	c, err := env.ARMClient(tenant)
	if err != nil {
		return "", nil, err
	}
	if tenant == "" {
		tenant = env.Session.Profile().Tenant
	}
	return tenant, c, nil
}

// CompleteFormats completes --output with the command's formats.
func CompleteFormats(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	fs := Formats(cmd)
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, string(f))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteWords returns a completion function offering words.
func CompleteWords(words ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteList completes a comma-separated list flag from words: what was
// typed before the last comma is kept.
func CompleteList(words ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix := ""
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			prefix = toComplete[:i+1]
		}
		out := make([]string, 0, len(words))
		for _, w := range words {
			out = append(out, prefix+w)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// Pluralise is "1 item" or "2 items".
func Pluralise(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
