package cmdutil

import (
	"io"
	"strings"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// KindFlag is --kind: the kind of identity the user means to sign in as
// (a steps.IdentityChoices key), which login and whoami compare with the
// account that signed in (steps.KindWarnings).
type KindFlag struct{ Value string }

// KindNames are the values --kind takes.
func KindNames() []string {
	out := make([]string, len(steps.IdentityChoices))
	for i, c := range steps.IdentityChoices {
		out[i] = c.Key
	}
	return out
}

// Add registers --kind on cmd.
func (k *KindFlag) Add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.Value, "kind", "", "the kind of identity you mean to use: "+strings.Join(KindNames(), ", ")+
		" (palwiz warns when the account does not match)")
	_ = cmd.RegisterFlagCompletionFunc("kind", CompleteWords(KindNames()...))
}

// Validate checks the value; a bad one is a usage error.
func (k *KindFlag) Validate() error {
	k.Value = strings.ToLower(strings.TrimSpace(k.Value))
	if k.Value == "" {
		return nil
	}
	for _, n := range KindNames() {
		if k.Value == n {
			return nil
		}
	}
	return FlagErrorf("--kind %q: use one of %s", k.Value, strings.Join(KindNames(), ", "))
}

// ShowIdentity writes who signed in with render (login's or whoami's
// shape), then the warnings that the account is not of the kind chosen:
// in the document and on standard error, in every format. The account's
// own notes and extra follow through warn, except in JSON (where the
// notes are in the document).
func ShowIdentity(ios *iostreams.IOStreams, f output.Format, warn func(string), chosen string, w steps.Who,
	render func(io.Writer, output.Format, steps.Who) error, extra ...string) error {
	kind := steps.KindWarnings(chosen, w)
	notes := w.Warnings
	for _, k := range kind {
		w.Warnings = append(w.Warnings, k.String())
	}
	if err := render(ios.Out, f, w); err != nil {
		return err
	}
	for _, k := range kind {
		output.Warning(ios.ErrOut, ios.ColorEnabled(), k.String())
	}
	if f != output.JSON {
		for _, list := range [][]string{notes, extra} {
			for _, n := range list {
				if n != "" {
					warn(n)
				}
			}
		}
	}
	return nil
}
