package cmdutil

import (
	"strings"

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
