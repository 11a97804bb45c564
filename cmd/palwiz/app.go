package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
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
			caFile := a.getenv("PALWIZ_SIM_CA")
			a.cloud, err = cloud.NewSimFromFiles(a.getenv("PALWIZ_SIM_URL"), caFile, cloud.Options{})
			if err == nil {
				pem, _ := os.ReadFile(caFile)
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
		b = keyring.NewOS(3 * time.Second)
	}
	service := "palwiz"
	if a.cloud != nil && a.cloud.IsSim() {
		service = "palwiz-sim"
	}
	return keyring.NewStore(b, service)
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
	s, err := auth.Open(ctx, auth.Config{
		Cloud:        c,
		CloudID:      a.cloudID,
		ClientID:     clientID,
		Store:        a.keyringStore(),
		Warn:         a.warn,
		Secret:       a.secretFromEnvOrStdin,
		CertPassword: func() string { return a.getenv("PALWIZ_CERTIFICATE_PASSWORD") },
	})
	if err != nil {
		return nil, err
	}
	a.session = s
	return s, nil
}

// env returns the steps environment for a signed-in identity.
func (a *app) env(ctx context.Context) (*steps.Env, error) {
	s, err := a.getSession(ctx, "")
	if err != nil {
		return nil, err
	}
	if s.Profile() == nil {
		if err := a.signInFromEnvironment(ctx, s); err != nil {
			return nil, err
		}
	}
	return &steps.Env{Cloud: a.cloud, Session: s}, nil
}

// signInFromEnvironment signs in as a service principal named by
// PALWIZ_CLIENT_ID and PALWIZ_TENANT with PALWIZ_CLIENT_SECRET or
// PALWIZ_CERTIFICATE, for pipelines that have no keyring and no prior login.
func (a *app) signInFromEnvironment(ctx context.Context, s *auth.Session) error {
	clientID, tenant := a.getenv("PALWIZ_CLIENT_ID"), a.getenv("PALWIZ_TENANT")
	secret, cert := a.getenv("PALWIZ_CLIENT_SECRET"), a.getenv("PALWIZ_CERTIFICATE")
	if clientID == "" || tenant == "" || (secret == "" && cert == "") {
		return auth.ErrNotSignedIn
	}
	_, err := s.LoginServicePrincipal(ctx, tenant, clientID, auth.SPCredential{Secret: secret, CertFile: cert, CertPassword: a.getenv("PALWIZ_CERTIFICATE_PASSWORD")})
	return err
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
