package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestScriptAgainstSimProcess runs the README's script for real: `palwiz
// sim` in the background, then separate palwiz processes that find it
// through PALWIZ_SIM_URL and PALWIZ_SIM_CA and keep state across commands.
func TestScriptAgainstSimProcess(t *testing.T) {
	t.Parallel()
	bin := palwizBinary(t)
	home := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + home, "NO_COLOR=1"}
	sim, line := startSimProcess(t, bin, base)
	var info struct {
		URL, CAFile, DeviceLoginURL string
		Env                         map[string]string
		ServicePrincipals           []struct{ DisplayName, TenantID, AppID, Secret string }
		Users                       []struct{ UserPrincipalName string }
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line is not JSON: %v\n%s", err, line)
	}
	if info.Env["PALWIZ_SIM_URL"] != info.URL || info.Env["PALWIZ_CLOUD"] != "sim" || len(info.ServicePrincipals) == 0 || len(info.Users) == 0 {
		t.Fatalf("sim info: %s", line)
	}
	if _, err := os.Stat(info.CAFile); err != nil {
		t.Fatalf("CA file: %v", err)
	}
	sp := info.ServicePrincipals[0]
	env := append(base, "PALWIZ_EPHEMERAL=1", "PALWIZ_CLIENT_ID="+sp.AppID, "PALWIZ_TENANT="+sp.TenantID, "PALWIZ_CLIENT_SECRET="+sp.Secret)
	for k, v := range info.Env {
		env = append(env, k+"="+v)
	}
	run := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return result{out.String(), errb.String(), code}
	}
	mustCode(t, run("login", "--service-principal", "--client-id", sp.AppID, "--tenant", sp.TenantID), 0)
	r := run("link", "--partner-id", "4977985", "-o", "json")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, `"partnerName": "Fabrikam Consulting (Seattle)"`) || !strings.Contains(r.stdout, `"state": "Active"`) {
		t.Fatalf("link: %s", r.stdout)
	}
	// State lives in the simulator process: the next process sees the link.
	r = run("link", "--partner-id", "4977985")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Already linked") {
		t.Fatalf("second link: %s", r.stdout)
	}
	mustCode(t, run("link", "--partner-id", "4977986"), 1)
	mustCode(t, run("link", "--partner-id", "4977986", "--force"), 0)
	mustCode(t, run("unlink", "--yes"), 0)
	r = run("status")
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, "Not linked") {
		t.Fatalf("status: %s", r.stdout)
	}

	// Stopping the simulator removes its temporary CA file and exits 0.
	_ = sim.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- sim.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("palwiz sim exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("palwiz sim did not stop on SIGTERM")
	}
	if _, err := os.Stat(info.CAFile); !os.IsNotExist(err) {
		t.Fatalf("the temporary CA file is still there: %v", err)
	}
	// With the simulator gone, palwiz says so.
	r = run("status")
	mustCode(t, r, 1)
	if !strings.Contains(r.stderr, "palwiz sim") {
		t.Fatalf("simulator gone: %s", r.stderr)
	}
}

// startSimProcess starts `palwiz sim -o json` with env until the test ends
// and returns it with the first line it prints: the simulator's address, CA
// file, environment and identities, as JSON.
func startSimProcess(t *testing.T, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	sim := exec.Command(bin, "sim", "-o", "json")
	sim.Env = env
	stdout, err := sim.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Process.Kill(); _ = sim.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("palwiz sim printed nothing: %v", err)
	}
	return sim, line
}
