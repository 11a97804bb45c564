// Package cmdutil is what palwiz's commands share: the Factory each command
// takes its streams, configuration, prompter and (lazily) its signed-in
// session from, the typed usage and exit errors, the flag helpers and the
// help layout.
package cmdutil

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/prompter"
	"github.com/palwiz/palwiz/steps"
)

// Factory is what a command is built from (cli/cli's cmdutil.Factory).
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Config is the environment, with the global flags applied before a
	// command runs.
	Config   *config.Config
	Prompter prompter.Prompter
	// Connect builds the cloud and the session on first use.
	Connect *Connector
	// Build is the version information of this binary.
	Build BuildInfo
}

// NewFactory wires a factory. kr overrides the OS keyring (tests); nil uses it.
func NewFactory(ios *iostreams.IOStreams, cfg *config.Config, kr keyring.Backend, build BuildInfo) *Factory {
	f := &Factory{IOStreams: ios, Config: cfg, Prompter: prompter.New(ios), Build: build}
	f.Connect = &Connector{cfg: cfg, io: ios, prompter: f.Prompter, Keyring: kr, warned: map[string]bool{}}
	return f
}

// Connector builds, on first use, the cloud palwiz talks to, the keyring
// store and the signed-in session, and closes them at the end of the run.
type Connector struct {
	cfg      *config.Config
	io       *iostreams.IOStreams
	prompter prompter.Prompter
	// Keyring overrides the OS keyring backend (tests).
	Keyring keyring.Backend

	sim     *sim.Server
	cloud   *cloud.Cloud
	cloudID string
	store   *keyring.Store
	session *auth.Session
	closers []func()

	// ctx is the run's context (Ctrl-C and SIGTERM cancel it), for waits
	// behind callbacks that take none (the client-secret prompt).
	ctx context.Context

	mu     sync.Mutex
	warned map[string]bool
	secret string
}

// SetContext gives the connector the run's context.
func (c *Connector) SetContext(ctx context.Context) { c.ctx = ctx }

func (c *Connector) context() context.Context {
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

// UseSim points the run at an in-process simulator (palwiz demo).
func (c *Connector) UseSim(s *sim.Server) {
	c.sim = s
	c.cfg.Cloud = cloud.Sim
}

// OnClose runs f when the command ends.
func (c *Connector) OnClose(f func()) { c.closers = append(c.closers, f) }

// Close flushes the token cache to the keyring and runs the closers.
func (c *Connector) Close() {
	if c.session != nil {
		// Batched token-cache writes reach the keyring before palwiz exits,
		// even after Ctrl-C.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = c.session.Flush(ctx)
		cancel()
	}
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
	c.closers = nil
}

// Warn prints a note on stderr, once per run.
func (c *Connector) Warn(msg string) {
	c.mu.Lock()
	seen := c.warned[msg]
	c.warned[msg] = true
	c.mu.Unlock()
	if !seen {
		Note(c.io, msg)
	}
}

// Note prints a note on stderr ("Note: …"), cleaned of control sequences.
func Note(ios *iostreams.IOStreams, msg string) {
	prefix := "Note: "
	if ios.ColorEnabled() {
		prefix = "\x1b[33mNote:\x1b[0m "
	}
	fmt.Fprintln(ios.ErrOut, prefix+cleanLine(msg))
}

// Cloud returns the cloud named by --cloud or PALWIZ_CLOUD.
func (c *Connector) Cloud() (*cloud.Cloud, error) {
	if c.cloud != nil {
		return c.cloud, nil
	}
	name := c.cfg.Cloud
	if name == "" {
		name = cloud.Public
	}
	switch name {
	case cloud.Public:
		c.cloud, c.cloudID = cloud.NewPublic(cloud.Options{}), "public"
	case cloud.Sim:
		if c.sim != nil {
			cl, err := cloud.NewSim(c.sim.URL(), c.sim.CAPEM(), cloud.Options{})
			if err != nil {
				return nil, err
			}
			cl.PagesURL = c.sim.PagesURL()
			c.cloud, c.cloudID = cl, "sim:"+fingerprint(c.sim.CAPEM())
			break
		}
		pem, err := cloud.ReadSimCA(c.context(), c.cfg.SimURL, c.cfg.SimCA)
		if err != nil {
			return nil, err
		}
		cl, err := cloud.NewSim(c.cfg.SimURL, pem, cloud.Options{})
		if err != nil {
			return nil, err
		}
		c.cloud, c.cloudID = cl, "sim:"+fingerprint(pem)
	default:
		return nil, FlagErrorf("--cloud %q is not known: use public or sim", name)
	}
	return c.cloud, nil
}

func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Store is the keyring store of this cloud, or nil when tokens stay in
// memory (--ephemeral).
func (c *Connector) Store() *keyring.Store {
	if c.store != nil || c.cfg.Ephemeral {
		return c.store
	}
	if _, err := c.Cloud(); err != nil {
		return nil
	}
	getenv := c.cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	b := c.Keyring
	if b == nil {
		b = keyring.NewOSWithEnv(3*time.Second, getenv)
	}
	service := "palwiz"
	if c.cloud != nil && c.cloud.IsSim() {
		service = "palwiz-sim"
	}
	c.store = keyring.NewStore(b, service).WithLockFile(keyring.LockPath(service, getenv))
	return c.store
}

// Session opens the token caches and the signed-in profile. clientID is a
// public client for people ("" = the default or the profile's).
func (c *Connector) Session(ctx context.Context, clientID string) (*auth.Session, error) {
	if c.session != nil {
		return c.session, nil
	}
	cl, err := c.Cloud()
	if err != nil {
		return nil, err
	}
	s, err := auth.Open(ctx, c.authConfig(cl, clientID))
	if err != nil {
		return nil, err
	}
	c.session = s
	return s, nil
}

// authConfig is the sign-in configuration of this run.
func (c *Connector) authConfig(cl *cloud.Cloud, clientID string) auth.Config {
	return auth.Config{
		Cloud:        cl,
		CloudID:      c.cloudID,
		ClientID:     clientID,
		Store:        c.Store(),
		Warn:         c.Warn,
		Secret:       c.Secret,
		CertPassword: func() string { return c.cfg.CertificatePassword },
	}
}

// Env returns the steps environment for the identity palwiz acts as. An
// identity the environment variables name completely (PALWIZ_CLIENT_ID,
// PALWIZ_TENANT and a secret or certificate) signs in for this run only and
// wins over any stored sign-in: the keyring is not even opened. One they
// name without a secret must be the stored sign-in, or palwiz refuses.
func (c *Connector) Env(ctx context.Context) (*steps.Env, error) {
	e := c.cfg.Identity()
	if e.Complete() && c.session == nil {
		cl, err := c.Cloud()
		if err != nil {
			return nil, err
		}
		s, _, err := auth.OpenEnvironment(ctx, c.authConfig(cl, ""), e)
		if err != nil {
			return nil, err
		}
		c.session = s
		return c.EnvFor(s), nil
	}
	s, err := c.Session(ctx, "")
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
	return c.EnvFor(s), nil
}

// SignInAs signs in as the pipeline identity e names (workload identity
// federation, a managed identity), for this run only: no keyring is opened.
// It becomes the run's session.
func (c *Connector) SignInAs(ctx context.Context, e auth.EnvIdentity) (*auth.Session, *auth.Identity, error) {
	cl, err := c.Cloud()
	if err != nil {
		return nil, nil, err
	}
	s, id, err := auth.OpenEnvironment(ctx, c.authConfig(cl, ""), e)
	if err != nil {
		return nil, nil, err
	}
	c.session = s
	return s, id, nil
}

// EnvFor returns the steps environment of a session already open.
func (c *Connector) EnvFor(s *auth.Session) *steps.Env {
	return &steps.Env{Cloud: c.cloud, Session: s}
}

// Profile is the signed-in profile, if a session was opened and has one.
func (c *Connector) Profile() *auth.Profile {
	if c.session == nil {
		return nil
	}
	return c.session.Profile()
}

// Secret reads a client secret: PALWIZ_CLIENT_SECRET, then standard input
// when it is not a terminal, then a hidden prompt. It is read once per run;
// Ctrl-C and SIGTERM end either wait (exit code 130).
func (c *Connector) Secret() (string, error) {
	if c.cfg.ClientSecret != "" {
		return c.cfg.ClientSecret, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.secret != "" {
		return c.secret, nil
	}
	ctx := c.context()
	noSecret := FlagErrorf("no client secret: set PALWIZ_CLIENT_SECRET or pipe the secret on standard input")
	if !c.io.IsStdinTTY() {
		line, err := auth.ReadLine(ctx, c.io.In, 8192)
		if ctx.Err() != nil {
			return "", ErrCancel
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if err != nil && err != io.EOF {
				return "", fmt.Errorf("read the secret from standard input: %w", err)
			}
			return "", noSecret
		}
		c.secret = line
		return line, nil
	}
	if !c.io.CanPrompt() {
		return "", noSecret
	}
	s, err := c.prompter.Password(ctx, "Client secret (input hidden): ")
	if ctx.Err() != nil {
		return "", ErrCancel
	}
	if errors.Is(err, prompter.ErrNoTerminal) {
		return "", FlagErrorf("no client secret: set PALWIZ_CLIENT_SECRET")
	}
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", FlagErrorf("no client secret entered")
	}
	c.secret = s
	return s, nil
}

// cleanLine keeps a note on one line and free of control sequences.
func cleanLine(s string) string { return strings.TrimSpace(output.Clean(s)) }
