package main

import (
	"flag"
	"os"
	"sort"

	"github.com/palwiz/palwiz/azure/sim"
	"github.com/rogpeppe/go-internal/testscript"
)

// simPipelineCmd runs the scripts' pipeline commands (docs/pipelines.md),
// which set up what a pipeline platform gives a job:
//
//	sim github-job SUBJECT: a GitHub Actions job whose OIDC token has this
//	  subject; sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, as the runner does
//	sim azuredevops-job ORG PROJECT CONNECTION: an Azure DevOps job with that
//	  service connection; sets SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and
//	  AZURESUBSCRIPTION_SERVICE_CONNECTION_ID, as the AzureCLI@2 task does
//	sim oidc-token [-subject S] [-audience A] [-issuer I] [-lifetime D] FILE:
//	  writes a token of the simulator's pipeline issuers to FILE (a federated
//	  token file); -lifetime may be negative for an expired token
//
// It reports whether args named one of them.
func simPipelineCmd(ts *testscript.TestScript, st *scriptState, args []string) bool {
	var job map[string]string
	var err error
	switch args[0] {
	case "github-job":
		if len(args) != 2 {
			ts.Fatalf("usage: sim github-job SUBJECT")
		}
		job, err = st.sim.NewGitHubJob(args[1])
	case "azuredevops-job":
		if len(args) != 4 {
			ts.Fatalf("usage: sim azuredevops-job ORGANIZATION PROJECT SERVICE-CONNECTION")
		}
		job, err = st.sim.NewAzureDevOpsJob(args[1], args[2], args[3])
	case "oidc-token":
		simOIDCToken(ts, st, args[1:])
		return true
	default:
		return false
	}
	ts.Check(err)
	names := make([]string, 0, len(job))
	for k := range job {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ts.Setenv(k, job[k])
	}
	return true
}

func simOIDCToken(ts *testscript.TestScript, st *scriptState, args []string) {
	fs := flag.NewFlagSet("sim oidc-token", flag.ContinueOnError)
	var t sim.FederatedToken
	fs.StringVar(&t.Subject, "subject", "", "")
	fs.StringVar(&t.Audience, "audience", "", "")
	fs.StringVar(&t.Issuer, "issuer", "", "")
	fs.DurationVar(&t.Lifetime, "lifetime", 0, "")
	ts.Check(fs.Parse(args))
	if fs.NArg() != 1 || t.Subject == "" {
		ts.Fatalf("usage: sim oidc-token -subject S [-audience A] [-issuer I] [-lifetime D] FILE")
	}
	tok, err := st.sim.IssueFederatedToken(t)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(fs.Arg(0)), []byte(tok), 0o600))
}
