package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// simDocPipelines is the part of `palwiz sim -o json`'s first line the
// pipeline test reads.
type simDocPipelines struct {
	PagesURL          string            `json:"pagesUrl"`
	Env               map[string]string `json:"env"`
	ServicePrincipals []struct {
		DisplayName          string `json:"displayName"`
		AppID                string `json:"appId"`
		ManagedIdentity      string `json:"managedIdentity"`
		FederatedCredentials []struct {
			Name, Issuer, Subject string
			Audiences             []string
		} `json:"federatedCredentials"`
	} `json:"servicePrincipals"`
}

// TestPipelineAgainstSimProcess walks docs/pipelines.md's "Try it against
// the simulator" with separate processes: `palwiz sim -o json` lists the
// pipeline principal's federated credentials beside it and the build
// agent's managed identity; a GitHub Actions job and an Azure DevOps job
// made by the simulator's control endpoints sign in with `login
// --federated` (which names its source) and link; a token file with another
// subject is refused with AADSTS70021 and exit 3; `login --managed-identity`
// signs in through the simulated IMDS. No run has a session bus, and none
// mentions the keyring.
func TestPipelineAgainstSimProcess(t *testing.T) {
	t.Parallel()
	p := startPipelineSim(t)
	checkSimListsPipelines(t, p.info)

	gh := p.job("/_sim/pipeline/github", `{"subject":"`+pipelineSubject+`"}`)
	r := p.run(gh, "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in with GitHub Actions' OIDC token (workload identity federation)") {
		t.Fatalf("login --federated in a GitHub job:\n%s%s", r.stdout, r.stderr)
	}
	r = p.run(gh, "link", "--partner-id", "4977985", "--no-prompt", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"partnerId": "4977985"`) {
		t.Fatalf("link:\n%s%s", r.stdout, r.stderr)
	}

	// A token file with another subject: Entra's code, what the token said, exit 3.
	tokFile := filepath.Join(t.TempDir(), "token.jwt")
	other := "repo:fabrikam/pal-delivery:pull_request"
	if err := os.WriteFile(tokFile, p.control("GET", "/_sim/oidc/token?subject="+url.QueryEscape(other), ""), 0o600); err != nil {
		t.Fatal(err)
	}
	r = p.run(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": tokFile}, "login", "--federated")
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "AADSTS70021") || !strings.Contains(r.stderr, "subject "+other) {
		t.Fatalf("a token with another subject:\n%s", r.stderr)
	}

	ado := p.job("/_sim/pipeline/azuredevops", `{"organization":"fabrikam","project":"PAL","serviceConnection":"northwind-pal"}`)
	r = p.run(ado, "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "an Azure DevOps service connection's OIDC token") {
		t.Fatalf("login --federated in an Azure DevOps job:\n%s%s", r.stdout, r.stderr)
	}
	r = p.run(ado, "status", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"linked": true`) {
		t.Fatalf("status in the Azure DevOps job:\n%s%s", r.stdout, r.stderr)
	}

	r = p.runBare(nil, "login", "--managed-identity")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in as service principal contoso-build-agent") || !strings.Contains(r.stdout, "managed identity") {
		t.Fatalf("login --managed-identity:\n%s%s", r.stdout, r.stderr)
	}
}

// checkSimListsPipelines: the pipeline principal's federated credentials
// are listed beside it, and the build agent's managed identity.
func checkSimListsPipelines(t *testing.T, info simDocPipelines) {
	t.Helper()
	var subjects []string
	var agent string
	for _, sp := range info.ServicePrincipals {
		if sp.AppID == northwindSPApp {
			for _, f := range sp.FederatedCredentials {
				subjects = append(subjects, f.Issuer+" "+f.Subject+" "+strings.Join(f.Audiences, ","))
			}
		}
		if sp.ManagedIdentity != "" {
			agent = sp.DisplayName + " " + sp.ManagedIdentity
		}
	}
	want := []string{"https://token.actions.githubusercontent.com " + pipelineSubject + " api://AzureADTokenExchange",
		"https://vstoken.dev.azure.com/66175244-ad90-5121-b2e4-c1d759e32268 sc://fabrikam/PAL/northwind-pal api://AzureADTokenExchange"}
	if strings.Join(subjects, "\n") != strings.Join(want, "\n") || agent != "contoso-build-agent systemAssigned" {
		t.Fatalf("sim -o json: federated credentials %q, managed identity %q", subjects, agent)
	}
}

// pipelineSim is a `palwiz sim` process and the environment of palwiz
// processes that use it.
type pipelineSim struct {
	t    *testing.T
	bin  string
	info simDocPipelines
	env  []string
}

// startPipelineSim starts `palwiz sim -o json` and reads its first line.
func startPipelineSim(t *testing.T) *pipelineSim {
	t.Helper()
	bin := palwizBinary(t)
	home := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + home, "XDG_RUNTIME_DIR=" + home, "NO_COLOR=1"}
	_, line := startSimProcess(t, bin, base)
	p := &pipelineSim{t: t, bin: bin, env: base}
	if err := json.Unmarshal([]byte(line), &p.info); err != nil {
		t.Fatalf("first line is not JSON: %v\n%s", err, line)
	}
	for k, v := range p.info.Env {
		p.env = append(p.env, k+"="+v)
	}
	return p
}

// run runs palwiz as the pipeline principal (AZURE_CLIENT_ID and
// AZURE_TENANT_ID) with the job's variables.
func (p *pipelineSim) run(job map[string]string, args ...string) result {
	p.t.Helper()
	vars := map[string]string{"AZURE_CLIENT_ID": northwindSPApp, "AZURE_TENANT_ID": "northwind.onmicrosoft.com"}
	for k, v := range job {
		vars[k] = v
	}
	return p.runBare(vars, args...)
}

// runBare runs palwiz with only the simulator's variables and vars; it
// fails the test when the output mentions the keyring.
func (p *pipelineSim) runBare(vars map[string]string, args ...string) result {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append([]string{}, p.env...)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(out.String()+errb.String()), "keyring") {
		p.t.Fatalf("palwiz %v mentions the keyring:\n%s%s", args, out.String(), errb.String())
	}
	return result{out.String(), errb.String(), code}
}

// control calls one of the simulator's /_sim endpoints on its pages address.
func (p *pipelineSim) control(method, path, body string) []byte {
	p.t.Helper()
	req, err := http.NewRequest(method, p.info.PagesURL+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s %s: %d %v\n%s", method, path, resp.StatusCode, err, b)
	}
	return b
}

// job makes a pipeline job and returns the variables its platform sets.
func (p *pipelineSim) job(path, body string) map[string]string {
	p.t.Helper()
	vars := map[string]string{}
	if err := json.Unmarshal(p.control("POST", path, body), &vars); err != nil {
		p.t.Fatal(err)
	}
	return vars
}
