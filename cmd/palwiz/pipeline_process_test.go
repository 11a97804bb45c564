package main

import (
	"bufio"
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
	bin := palwizBinary(t)
	home := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + home, "XDG_RUNTIME_DIR=" + home, "NO_COLOR=1"}
	simCmd := exec.Command(bin, "sim", "-o", "json")
	simCmd.Env = base
	stdout, err := simCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := simCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = simCmd.Process.Kill(); _ = simCmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("palwiz sim printed nothing: %v", err)
	}
	var info simDocPipelines
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line is not JSON: %v\n%s", err, line)
	}
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
		t.Fatalf("sim -o json: federated credentials %q, managed identity %q\n%s", subjects, agent, line)
	}

	env := append([]string{}, base...)
	for k, v := range info.Env {
		env = append(env, k+"="+v)
	}
	run := func(extra map[string]string, args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append([]string{}, env...)
		for k, v := range extra {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(out.String()+errb.String()), "keyring") {
			t.Fatalf("palwiz %v mentions the keyring:\n%s%s", args, out.String(), errb.String())
		}
		return result{out.String(), errb.String(), code}
	}
	control := func(method, path, body string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, info.PagesURL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %v\n%s", method, path, resp.StatusCode, err, b)
		}
		return b
	}
	job := func(path, body string) map[string]string {
		t.Helper()
		vars := map[string]string{}
		if err := json.Unmarshal(control("POST", path, body), &vars); err != nil {
			t.Fatal(err)
		}
		return vars
	}

	gh := job("/_sim/pipeline/github", `{"subject":"`+pipelineSubject+`"}`)
	gh["AZURE_CLIENT_ID"], gh["AZURE_TENANT_ID"] = northwindSPApp, "northwind.onmicrosoft.com"
	r := run(gh, "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in with GitHub Actions' OIDC token (workload identity federation)") {
		t.Fatalf("login --federated in a GitHub job:\n%s%s", r.stdout, r.stderr)
	}
	r = run(gh, "link", "--partner-id", "4977985", "--no-prompt", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"partnerId": "4977985"`) {
		t.Fatalf("link:\n%s%s", r.stdout, r.stderr)
	}

	// A token file with another subject: Entra's code, what the token said, exit 3.
	tokFile := filepath.Join(t.TempDir(), "token.jwt")
	other := "repo:fabrikam/pal-delivery:pull_request"
	if err := os.WriteFile(tokFile, control("GET", "/_sim/oidc/token?subject="+url.QueryEscape(other), ""), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(map[string]string{"AZURE_CLIENT_ID": northwindSPApp, "AZURE_TENANT_ID": "northwind.onmicrosoft.com", "AZURE_FEDERATED_TOKEN_FILE": tokFile}, "login", "--federated")
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "AADSTS70021") || !strings.Contains(r.stderr, "subject "+other) {
		t.Fatalf("a token with another subject:\n%s", r.stderr)
	}

	ado := job("/_sim/pipeline/azuredevops", `{"organization":"fabrikam","project":"PAL","serviceConnection":"northwind-pal"}`)
	ado["AZURE_CLIENT_ID"], ado["AZURE_TENANT_ID"] = northwindSPApp, "northwind.onmicrosoft.com"
	r = run(ado, "login", "--federated")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "an Azure DevOps service connection's OIDC token") {
		t.Fatalf("login --federated in an Azure DevOps job:\n%s%s", r.stdout, r.stderr)
	}
	r = run(ado, "status", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"linked": true`) {
		t.Fatalf("status in the Azure DevOps job:\n%s%s", r.stdout, r.stderr)
	}

	r = run(nil, "login", "--managed-identity")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Signed in as service principal contoso-build-agent") || !strings.Contains(r.stdout, "managed identity") {
		t.Fatalf("login --managed-identity:\n%s%s", r.stdout, r.stderr)
	}
}
