package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/root"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp expectations of testdata/script from what palwiz printed")

// TestScripts runs the command-line sessions in testdata/script: each is a
// script of palwiz commands with the output and exit code expected, against
// its own simulated cloud and in-memory keyring (soft-serve's testscript
// shape). palwiz runs in this process; the commands the scripts use besides
// palwiz are below (sim, signin, input, exitcode, json, keyring).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		WorkdirRoot:         t.TempDir(),
		UpdateScripts:       *updateScripts,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			kr := &keyring.Memory{}
			e.Values[stateKey{}] = &scriptState{kr: kr, counted: &countingKeyring{Backend: kr}}
			e.Setenv("TERM", "dumb")
			e.Setenv("HOME", e.WorkDir)
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"palwiz":   cmdPalwiz,
			"sim":      cmdSim,
			"signin":   cmdSignin,
			"input":    cmdInput,
			"exitcode": cmdExitcode,
			"json":     cmdJSON,
			"keyring":  cmdKeyring,
		},
	})
}

type stateKey struct{}

// scriptState is one script's simulator, keyring and last result.
type scriptState struct {
	sim     *sim.Server
	kr      *keyring.Memory
	counted *countingKeyring // kr, counting palwiz's calls (keyring calls N)
	stdin   string
	code    int
	ranAny  bool
}

func state(ts *testscript.TestScript) *scriptState { return ts.Value(stateKey{}).(*scriptState) }

// runPalwiz runs palwiz in process with the script's environment.
func runPalwiz(ts *testscript.TestScript, stdin string, args []string) (*running, context.CancelFunc) {
	st := state(ts)
	out, errb := &iostreams.Buffer{}, &iostreams.Buffer{}
	ios := iostreams.New(strings.NewReader(stdin), out, errb, false, false, false)
	cfg := config.FromEnv(ts.Getenv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	r := &running{out: out, err: errb, done: make(chan int, 1)}
	go func() { r.done <- root.Run(ctx, args, ios, cfg, st.counted, cmdutil.ReadBuildInfo("test", "", "")) }()
	return r, cancel
}

// finish records a run's output and exit code; a non-zero code fails the
// script unless the line is negated with !.
func finish(ts *testscript.TestScript, neg bool, res result) {
	st := state(ts)
	st.code, st.ranAny = res.code, true
	fmt.Fprint(ts.Stdout(), res.stdout)
	fmt.Fprint(ts.Stderr(), res.stderr)
	if strings.Contains(res.stderr, "goroutine ") || strings.Contains(res.stderr, "panic:") {
		ts.Fatalf("stack trace in the output")
	}
	switch {
	case neg && res.code == 0:
		ts.Fatalf("palwiz succeeded, want a failure")
	case !neg && res.code != 0:
		ts.Fatalf("palwiz exited %d", res.code)
	}
}

// palwiz ARGS...: run palwiz; `input FILE` before it gives its standard input.
func cmdPalwiz(ts *testscript.TestScript, neg bool, args []string) {
	st := state(ts)
	stdin := st.stdin
	st.stdin = ""
	r, cancel := runPalwiz(ts, stdin, args)
	defer cancel()
	finish(ts, neg, r.wait())
}

// input FILE: the next palwiz command reads FILE on standard input.
func cmdInput(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: input FILE")
	}
	state(ts).stdin = ts.ReadFile(args[0])
}

// exitcode N: the last palwiz command exited with N.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	st := state(ts)
	if len(args) != 1 || !st.ranAny {
		ts.Fatalf("usage: exitcode N, after a palwiz command")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if (st.code == want) == neg {
		ts.Fatalf("exit code %d, want %s%d", st.code, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// sim start [-device-code-lifetime D] [-token-lifetime D] [-refresh-token-lifetime D]
//
//	[-replication-delay D] [-add-user FILE] [-scenario FILE]
//
// sim fault HOST STATUS CODE | sim throttle HOST | sim policy TENANT AADSTS | sim revoke UPN |
// sim link TENANT OBJECT PARTNER | sim requests HOST N | sim reset-stats |
// sim approve-next UPN (approve the next device code shown, without the page)
// sim github-job | azuredevops-job | oidc-token: a pipeline's job and tokens
// (scripts_pipeline_test.go)
func cmdSim(ts *testscript.TestScript, neg bool, args []string) {
	st := state(ts)
	if len(args) == 0 {
		ts.Fatalf("usage: sim start|fault|policy|revoke|link|requests|reset-stats ...")
	}
	if args[0] != "start" && st.sim == nil {
		ts.Fatalf("sim %s before sim start", args[0])
	}
	switch args[0] {
	case "start":
		simStart(ts, st, args[1:])
	case "fault":
		if len(args) != 4 {
			ts.Fatalf("usage: sim fault HOST STATUS CODE")
		}
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		ts.Check(st.sim.AddFault(sim.Fault{Host: args[1], Kind: "status", Status: status, Code: args[3]}))
	case "throttle":
		if len(args) != 2 {
			ts.Fatalf("usage: sim throttle HOST")
		}
		ts.Check(st.sim.AddFault(sim.Fault{Host: args[1], Kind: "throttle", RetryAfter: 1}))
	case "policy":
		if len(args) != 3 {
			ts.Fatalf("usage: sim policy TENANT AADSTS")
		}
		code, err := strconv.Atoi(args[2])
		ts.Check(err)
		ts.Check(st.sim.SetTenantPolicy(args[1], func(t *sim.Tenant) { t.SignInError = code }))
	case "revoke":
		st.sim.RevokeUser(args[1])
	case "link":
		if len(args) != 4 {
			ts.Fatalf("usage: sim link TENANT OBJECT PARTNER (\"-\" for none)")
		}
		got, want := st.sim.LinkOf(args[1], args[2]), args[3]
		if want == "-" {
			want = ""
		}
		if (got == want) == neg {
			ts.Fatalf("the simulator links %s in %s to %q", args[2], args[1], got)
		}
	case "requests":
		if len(args) != 3 {
			ts.Fatalf("usage: sim requests HOST N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if got := st.sim.Stats()[args[1]]; (got == want) == neg {
			ts.Fatalf("%d requests to %s, want %d (all: %v)", got, args[1], want, st.sim.Stats())
		}
	case "reset-stats":
		st.sim.ResetStats()
	default:
		if !simPipelineCmd(ts, st, args) {
			ts.Fatalf("unknown sim command %q", args[0])
		}
	}
}

func simStart(ts *testscript.TestScript, st *scriptState, args []string) {
	fs := flag.NewFlagSet("sim start", flag.ContinueOnError)
	dcl := fs.Duration("device-code-lifetime", 0, "")
	tl := fs.Duration("token-lifetime", 0, "")
	rtl := fs.Duration("refresh-token-lifetime", 0, "")
	rd := fs.Duration("replication-delay", 0, "")
	addUser := fs.String("add-user", "", "")
	var renames []string
	fs.Func("rename", "OLD=NEW: replace a name everywhere in the scenario (NEW takes Go escapes: \\x1b)", func(v string) error {
		renames = append(renames, v)
		return nil
	})
	scenario := fs.String("scenario", "demo", "")
	ts.Check(fs.Parse(args))
	sc, err := sim.LoadScenario(*scenario, func(name string) ([]byte, error) { return os.ReadFile(ts.MkAbs(name)) })
	ts.Check(err)
	if *dcl > 0 {
		sc.Settings.DeviceCodeLifetime = sim.Duration(*dcl)
	}
	if *tl > 0 {
		sc.Settings.TokenLifetime = sim.Duration(*tl)
	}
	if *rtl > 0 {
		sc.Settings.RefreshTokenLifetime = sim.Duration(*rtl)
	}
	if *rd > 0 {
		sc.Settings.ReplicationDelay = sim.Duration(*rd)
	}
	if *addUser != "" {
		var u sim.User
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(*addUser)), &u))
		sc.Users = append(sc.Users, u)
	}
	for _, r := range renames {
		sc = renamed(ts, sc, r)
	}
	if st.sim != nil {
		_ = st.sim.Close()
	}
	s, err := sim.Start(context.Background(), sim.Options{Scenario: sc})
	ts.Check(err)
	ts.Defer(func() { _ = s.Close() })
	st.sim = s
	ca := filepath.Join(ts.Getenv("WORK"), "sim-ca.pem")
	ts.Check(os.WriteFile(ca, s.CAPEM(), 0o644))
	ts.Setenv("PALWIZ_CLOUD", "sim")
	ts.Setenv("PALWIZ_SIM_URL", s.URL())
	ts.Setenv("PALWIZ_SIM_CA", ca)
}

// renamed replaces every occurrence of a name in the scenario's strings.
func renamed(ts *testscript.TestScript, sc *sim.Scenario, rule string) *sim.Scenario {
	old, repl, ok := strings.Cut(rule, "=")
	if !ok {
		ts.Fatalf("-rename OLD=NEW")
	}
	repl, err := strconv.Unquote(`"` + repl + `"`)
	ts.Check(err)
	raw, err := json.Marshal(sc)
	ts.Check(err)
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }
	raw = []byte(strings.ReplaceAll(string(raw), quote(old), quote(repl)))
	var out sim.Scenario
	ts.Check(json.Unmarshal(raw, &out))
	return &out
}

// signin [-mfa] [-decline] [-expire] [-mfa-asked] UPN [LOGIN ARGS...]: run `palwiz login`
// with a device code and play the person on the sign-in page as UPN.
func cmdSignin(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("signin", flag.ContinueOnError)
	mfa := fs.Bool("mfa", false, "tick the MFA box")
	decline := fs.Bool("decline", false, "press Cancel on the page")
	expire := fs.Bool("expire", false, "do nothing until the code expires")
	mfaAsked := fs.Bool("mfa-asked", false, "first try without MFA; the page must ask for it")
	ts.Check(fs.Parse(args))
	if fs.NArg() < 1 {
		ts.Fatalf("usage: signin [-mfa] [-decline] [-expire] UPN [login args...]")
	}
	upn, rest := fs.Arg(0), fs.Args()[1:]
	st := state(ts)
	r, cancel := runPalwiz(ts, "", append([]string{"login"}, rest...))
	defer cancel()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := userCodeRE.FindStringSubmatch(r.err.String()); m != nil {
			if !*expire {
				page := st.sim.DeviceLoginURL()
				action := "continue"
				if *decline {
					action = "cancel"
				}
				if *mfaAsked {
					body, err := playSignInPage(page, m[1], upn, false, action)
					ts.Check(err)
					if !strings.Contains(body, "multi-factor") {
						ts.Fatalf("the sign-in page did not ask for MFA")
					}
				}
				_, err := playSignInPage(page, m[1], upn, *mfa, action)
				ts.Check(err)
			}
			break
		}
		select {
		case code := <-r.done:
			finish(ts, neg, result{r.out.String(), r.err.String(), code})
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no device code shown: %s", r.err.String())
		}
	}
	finish(ts, neg, r.wait())
}

// json [-stderr] PATH [VALUE]: the last output is JSON and PATH in it is
// VALUE (with no VALUE: PATH exists; with !: it is not VALUE, or absent).
// PATH is .a.b[0].c; [key=value] picks an array element; .# is a length.
// json [-stderr] -set NAME PATH sets the environment variable NAME to it.
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	src := "stdout"
	if len(args) > 0 && args[0] == "-stderr" {
		src, args = "stderr", args[1:]
	}
	setVar := ""
	if len(args) == 3 && args[0] == "-set" {
		setVar, args = args[1], args[2:]
	}
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: json [-stderr] PATH [VALUE]")
	}
	var doc any
	if err := json.Unmarshal([]byte(ts.ReadFile(src)), &doc); err != nil {
		ts.Fatalf("%s is not one JSON document: %v", src, err)
	}
	got, err := jsonPath(doc, args[0])
	if setVar != "" {
		ts.Check(err)
		ts.Setenv(setVar, scalar(got))
		return
	}
	if len(args) == 1 {
		if (err == nil) == neg {
			ts.Fatalf("%s: %v", args[0], orFound(err))
		}
		return
	}
	if err != nil {
		if !neg {
			ts.Fatalf("%s: %v", args[0], err)
		}
		return
	}
	want := args[1]
	if u, err := strconv.Unquote(`"` + want + `"`); err == nil {
		want = u // Go escapes (\x1b) in VALUE
	}
	if (scalar(got) == want) == neg {
		ts.Fatalf("%s is %s, want %s%s", args[0], scalar(got), map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

func orFound(err error) error {
	if err == nil {
		return errors.New("present")
	}
	return err
}

var pathPart = regexp.MustCompile(`\.([^.\[]+)|\[([^\]]+)\]`)

func jsonPath(doc any, path string) (any, error) {
	cur := doc
	for _, m := range pathPart.FindAllStringSubmatch(path, -1) {
		switch {
		case m[1] == "#":
			switch v := cur.(type) {
			case []any:
				cur = float64(len(v))
			case map[string]any:
				cur = float64(len(v))
			default:
				return nil, fmt.Errorf("# of a %T", cur)
			}
		case m[1] != "":
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%q of a %T", m[1], cur)
			}
			if cur, ok = obj[m[1]]; !ok {
				return nil, fmt.Errorf("no field %q", m[1])
			}
		default:
			arr, ok := cur.([]any)
			if !ok {
				return nil, fmt.Errorf("[%s] of a %T", m[2], cur)
			}
			if k, v, sel := strings.Cut(m[2], "="); sel {
				found := false
				for _, el := range arr {
					if obj, ok := el.(map[string]any); ok && scalar(obj[k]) == v {
						cur, found = el, true
						break
					}
				}
				if !found {
					return nil, fmt.Errorf("no element with %s", m[2])
				}
				continue
			}
			i, err := strconv.Atoi(m[2])
			if err != nil || i < 0 || i >= len(arr) {
				return nil, fmt.Errorf("no element %s of %d", m[2], len(arr))
			}
			cur = arr[i]
		}
	}
	return cur, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// keyring count N | keyring contains TEXT (some item holds TEXT; with !: none)
// | keyring get SERVICE KEY (prints the item, chunked and compressed ones too)
func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	kr := state(ts).kr
	if len(args) == 0 {
		ts.Fatalf("usage: keyring count N | calls N | contains TEXT | get SERVICE KEY")
	}
	switch args[0] {
	case "count":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if (kr.Len() == want) == neg {
			ts.Fatalf("%d keyring items, want %d", kr.Len(), want)
		}
	case "calls":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := int(state(ts).counted.calls.Load()); (got == want) == neg {
			ts.Fatalf("palwiz called the keyring %d times, want %d", got, want)
		}
	case "contains":
		found := false
		for _, v := range kr.Values() {
			if strings.Contains(v, args[1]) {
				found = true
			}
		}
		if found == neg {
			ts.Fatalf("keyring contains %q: %v", args[1], found)
		}
	case "get":
		st := keyring.NewStore(kr, args[1])
		data, err := st.Load(context.Background(), args[2])
		if err != nil {
			v, gerr := st.Get(context.Background(), args[2])
			if gerr != nil {
				if !neg {
					ts.Fatalf("keyring item %s/%s: %v", args[1], args[2], err)
				}
				return
			}
			data = []byte(v)
		}
		if neg {
			ts.Fatalf("keyring item %s/%s exists", args[1], args[2])
		}
		fmt.Fprint(ts.Stdout(), string(data))
	default:
		ts.Fatalf("unknown keyring command %q", args[0])
	}
}
