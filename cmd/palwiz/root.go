package main

import (
	"github.com/spf13/cobra"
)

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "palwiz",
		Short: "Partner Admin Link for Power Platform and Customer Insights, guided",
		Long: `palwiz links the account you deliver with to your Partner ID in a customer's
directory (Partner Admin Link), and checks that this account owns the apps,
flows, datasets and solutions that should earn the credit.

Run it with no command for the wizard. The commands below do each step from
scripts and pipelines. Try it without a tenant: palwiz demo.`,
		Example: `  palwiz demo                              # the wizard on a simulated cloud
  palwiz login                             # sign in with a device code
  palwiz link --partner-id 4977985         # link your Partner Location ID
  palwiz status --all-tenants -o json      # the link in every directory`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runWizard(cmd, false)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&a.output, "output", "o", "", "output format: table, json or csv (where the command supports it)")
	pf.StringVar(&a.cloudName, "cloud", "", "public (default) or sim (a running `palwiz sim`; also PALWIZ_CLOUD)")
	pf.BoolVar(&a.ephemeral, "ephemeral", false, "keep tokens in memory only and write nothing (also PALWIZ_EPHEMERAL)")
	pf.BoolVar(&a.noPrompt, "no-prompt", false, "never ask: fail when input is missing (also PALWIZ_NO_PROMPT, CI)")
	pf.BoolVar(&a.accessible, "accessible", false, "line-by-line prompts for screen readers (also ACCESSIBLE)")
	root.AddGroup(&cobra.Group{ID: "steps", Title: "PAL steps:"}, &cobra.Group{ID: "sim", Title: "Simulated cloud:"})
	for _, c := range []*cobra.Command{a.loginCmd(), a.logoutCmd(), a.whoamiCmd(), a.tenantsCmd(), a.statusCmd(), a.linkCmd(), a.unlinkCmd(), a.checkCmd(), a.fixCmd()} {
		c.GroupID = "steps"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.simCmd(), a.demoCmd()} {
		c.GroupID = "sim"
		root.AddCommand(c)
	}
	return root
}
