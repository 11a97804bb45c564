package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"charm.land/fang/v2"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// app holds one run's streams, environment, global flags and the lazily
// built cloud and session. Nothing here is global.
type app struct {
	st     streams
	getenv func(string) string

	// global flags
	output     string
	cloudName  string
	ephemeral  bool
	noPrompt   bool
	accessible bool

	// keyring overrides the OS keyring backend (tests).
	keyring keyring.Backend
	// simServer is an in-process simulator (palwiz demo, tests).
	simServer *sim.Server

	// ctx is the run's context (Ctrl-C and SIGTERM cancel it), for waits
	// behind callbacks that take none (the client-secret prompt).
	ctx context.Context

	once        sync.Once
	cloud       *cloud.Cloud
	cloudID     string
	session     *auth.Session
	stdinSecret string
	warned      map[string]bool
	mu          sync.Mutex
	closers     []func()
}

func newApp(st streams, getenv func(string) string) *app {
	return &app{st: st, getenv: getenv, warned: map[string]bool{}}
}

func (a *app) close() {
	if a.session != nil {
		// Batched token-cache writes reach the keyring before palwiz exits,
		// even after Ctrl-C.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = a.session.Flush(ctx)
		cancel()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

func (a *app) execute(ctx context.Context, args []string) error {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.st.in)
	root.SetOut(a.st.out)
	root.SetErr(a.st.err)
	// Errors are kept here and never handed back to fang: on its error path
	// fang asks the terminal for its background colour and reads standard
	// input for up to 2 s, which stalls every failing command on terminals
	// that do not answer (and swallowed the exit of the wizard under load).
	var cmdErr error
	keep := func(err error) error {
		if cmdErr == nil {
			cmdErr = err
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return keep(&usageError{err.Error()}) })
	var wrap func(c *cobra.Command)
	wrap = func(c *cobra.Command) {
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return keep(&usageError{err.Error()})
				}
				return nil
			}
		}
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, a []string) error {
				if cmdErr != nil {
					return nil // the arguments were refused
				}
				return keep(run(cmd, a))
			}
		}
		for _, sub := range c.Commands() {
			wrap(sub)
		}
	}
	wrap(root)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithoutManpage(),
		fang.WithErrorHandler(func(_ io.Writer, _ fang.Styles, _ error) {}))
	if cmdErr != nil {
		return cmdErr
	}
	if err != nil && isCobraUsage(err) {
		return &usageError{err.Error()}
	}
	return err
}

// truthy reads a boolean environment variable (any non-empty value but 0/false/no).
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// colors reports whether stderr output may be coloured.
func (a *app) colors() bool {
	return a.st.errTTY && a.getenv("NO_COLOR") == "" && a.getenv("TERM") != "dumb"
}

// interactive reports whether palwiz may prompt.
func (a *app) interactive() bool {
	return a.st.inTTY && a.st.errTTY && !a.noPrompt && !truthy(a.getenv("PALWIZ_NO_PROMPT")) && !truthy(a.getenv("CI"))
}

// warn prints a notice to stderr once per run.
func (a *app) warn(msg string) {
	a.mu.Lock()
	seen := a.warned[msg]
	a.warned[msg] = true
	a.mu.Unlock()
	if seen {
		return
	}
	prefix := "Note: "
	if a.colors() {
		prefix = "\x1b[33mNote:\x1b[0m "
	}
	fmt.Fprintln(a.st.err, prefix+msg)
}

// cloudFor builds the cloud from --cloud / PALWIZ_CLOUD.
func (a *app) getCloud() (*cloud.Cloud, error) {
	var err error
	a.once.Do(func() {
		name := a.cloudName
		if name == "" {
			name = a.getenv("PALWIZ_CLOUD")
		}
		if name == "" {
			name = cloud.Public
		}
		switch name {
		case cloud.Public:
			a.cloud, a.cloudID = cloud.NewPublic(cloud.Options{}), "public"
		case cloud.Sim:
			if a.simServer != nil {
				a.cloud, err = cloud.NewSim(a.simServer.URL(), a.simServer.CAPEM(), cloud.Options{})
				if err == nil {
					a.cloud.PagesURL = a.simServer.PagesURL()
					a.cloudID = "sim:" + fingerprint(a.simServer.CAPEM())
				}
				return
			}
			ctx := a.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			var pem []byte
			if pem, err = cloud.ReadSimCA(ctx, a.getenv("PALWIZ_SIM_URL"), a.getenv("PALWIZ_SIM_CA")); err != nil {
				return
			}
			a.cloud, err = cloud.NewSim(a.getenv("PALWIZ_SIM_URL"), pem, cloud.Options{})
			if err == nil {
				a.cloudID = "sim:" + fingerprint(pem)
			}
		default:
			err = usagef("--cloud %q is not known: use public or sim", name)
		}
	})
	if err != nil {
		a.once = sync.Once{}
		return nil, err
	}
	if a.cloud == nil {
		return nil, fmt.Errorf("no cloud configured")
	}
	return a.cloud, nil
}

func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// keyringStore returns the keyring store for the cloud, or nil when tokens
// must stay in memory (--ephemeral).
func (a *app) keyringStore() *keyring.Store {
	if a.ephemeral || truthy(a.getenv("PALWIZ_EPHEMERAL")) {
		return nil
	}
	b := a.keyring
	if b == nil {
		b = keyring.NewOSWithEnv(3*time.Second, a.getenv)
	}
	service := "palwiz"
	if a.cloud != nil && a.cloud.IsSim() {
		service = "palwiz-sim"
	}
	return keyring.NewStore(b, service).WithLockFile(keyring.LockPath(service, a.getenv))
}

// getSession opens the token caches and the signed-in profile.
func (a *app) getSession(ctx context.Context, clientID string) (*auth.Session, error) {
	if a.session != nil {
		return a.session, nil
	}
	c, err := a.getCloud()
	if err != nil {
		return nil, err
	}
	s, err := auth.Open(ctx, a.authConfig(c, clientID))
	if err != nil {
		return nil, err
	}
	a.session = s
	return s, nil
}

// authConfig is the sign-in configuration of this run.
func (a *app) authConfig(c *cloud.Cloud, clientID string) auth.Config {
	return auth.Config{
		Cloud:        c,
		CloudID:      a.cloudID,
		ClientID:     clientID,
		Store:        a.keyringStore(),
		Warn:         a.warn,
		Secret:       a.secretFromEnvOrStdin,
		CertPassword: func() string { return a.getenv("PALWIZ_CERTIFICATE_PASSWORD") },
	}
}

// env returns the steps environment for the identity palwiz acts as. An
// identity the environment variables name completely (PALWIZ_CLIENT_ID,
// PALWIZ_TENANT and a secret or certificate) signs in for this run only and
// wins over any stored sign-in: the keyring is not even opened. One they
// name without a secret must be the stored sign-in, or palwiz refuses.
func (a *app) env(ctx context.Context) (*steps.Env, error) {
	e := auth.EnvIdentityFrom(a.getenv)
	if e.Complete() && a.session == nil {
		c, err := a.getCloud()
		if err != nil {
			return nil, err
		}
		s, _, err := auth.OpenEnvironment(ctx, a.authConfig(c, ""), e)
		if err != nil {
			return nil, err
		}
		a.session = s
		return &steps.Env{Cloud: a.cloud, Session: s}, nil
	}
	s, err := a.getSession(ctx, "")
	if err != nil {
		return nil, err
	}
	if !s.FromEnvironment() {
		if err := s.CheckEnvironment(ctx, e); err != nil {
			return nil, err
		}
	}
	if s.Profile() == nil {
		return nil, auth.ErrNotSignedIn
	}
	return &steps.Env{Cloud: a.cloud, Session: s}, nil
}

// outputFormat validates --output for a command that supports formats.
func (a *app) outputFormat(allowed ...string) (string, error) {
	o := a.output
	if o == "" {
		o = "table"
	}
	for _, x := range allowed {
		if o == x {
			return o, nil
		}
	}
	return "", usagef("--output %q is not supported here: use %s", o, strings.Join(allowed, ", "))
}
