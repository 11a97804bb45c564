// Package config is palwiz's environment, read once at start into a struct
// that the commands are handed; nothing else in palwiz calls os.Getenv.
package config

import (
	"strings"

	"github.com/palwiz/palwiz/azure/auth"
)

// Config is what the environment (and the global flags, applied on top)
// says about this run. Secrets in it are never printed.
type Config struct {
	// Cloud is "public" or "sim" (PALWIZ_CLOUD, --cloud); "" = public.
	Cloud string
	// SimURL and SimCA point at a running `palwiz sim` (PALWIZ_SIM_URL, PALWIZ_SIM_CA).
	SimURL, SimCA string

	// The identity of a pipeline: PALWIZ_CLIENT_ID, PALWIZ_TENANT and a
	// secret or certificate, used for one run and never stored.
	ClientID, Tenant    string
	ClientSecret        string
	Certificate         string
	CertificatePassword string
	// IdentityEnv holds the other variables that can name the run's
	// identity (auth.IdentityVariables): workload identity federation
	// (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, GitHub
	// Actions' ACTIONS_ID_TOKEN_REQUEST_*, Azure DevOps' SYSTEM_OIDCREQUESTURI,
	// SYSTEM_ACCESSTOKEN and the service connection) and
	// PALWIZ_MANAGED_IDENTITY. See docs/pipelines.md.
	IdentityEnv       map[string]string
	CISubscriptionKey string // PALWIZ_CI_SUBSCRIPTION_KEY (Customer Insights API key)
	PartnerID         string // PALWIZ_PARTNER_ID (pre-fills the wizard)
	Ephemeral         bool   // PALWIZ_EPHEMERAL, --ephemeral
	NoPrompt          bool   // PALWIZ_NO_PROMPT, --no-prompt
	CI                bool   // CI
	Accessible        bool   // ACCESSIBLE, --accessible
	NoBrowser         bool   // PALWIZ_NO_BROWSER: print the sign-in address, do not open it
	Debug             bool   // PALWIZ_DEBUG: stack traces of internal errors
	NoColor           bool   // NO_COLOR, any non-empty value
	Term              string // TERM
	GoMemLimitSet     bool   // GOMEMLIMIT is set: leave the heap limit to it
	RuntimeDir        string // XDG_RUNTIME_DIR

	// Getenv is the environment itself, for the few libraries that look up
	// their own variables (the OS keyring's session bus, its lock file).
	Getenv func(string) string
}

// FromEnv reads the environment through getenv.
func FromEnv(getenv func(string) string) *Config {
	ids := map[string]string{}
	for _, k := range auth.IdentityVariables {
		if v := getenv(k); v != "" {
			ids[k] = v
		}
	}
	return &Config{
		IdentityEnv:         ids,
		Cloud:               strings.TrimSpace(getenv("PALWIZ_CLOUD")),
		SimURL:              getenv("PALWIZ_SIM_URL"),
		SimCA:               getenv("PALWIZ_SIM_CA"),
		ClientID:            getenv("PALWIZ_CLIENT_ID"),
		Tenant:              getenv("PALWIZ_TENANT"),
		ClientSecret:        getenv("PALWIZ_CLIENT_SECRET"),
		Certificate:         getenv("PALWIZ_CERTIFICATE"),
		CertificatePassword: getenv("PALWIZ_CERTIFICATE_PASSWORD"),
		CISubscriptionKey:   getenv("PALWIZ_CI_SUBSCRIPTION_KEY"),
		PartnerID:           getenv("PALWIZ_PARTNER_ID"),
		Ephemeral:           Truthy(getenv("PALWIZ_EPHEMERAL")),
		NoPrompt:            Truthy(getenv("PALWIZ_NO_PROMPT")),
		CI:                  Truthy(getenv("CI")),
		Accessible:          Truthy(getenv("ACCESSIBLE")),
		NoBrowser:           Truthy(getenv("PALWIZ_NO_BROWSER")),
		Debug:               getenv("PALWIZ_DEBUG") != "",
		NoColor:             getenv("NO_COLOR") != "",
		Term:                getenv("TERM"),
		GoMemLimitSet:       getenv("GOMEMLIMIT") != "",
		RuntimeDir:          getenv("XDG_RUNTIME_DIR"),
		Getenv:              getenv,
	}
}

// Truthy reads a boolean environment variable: any non-empty value but
// 0, false, no or off.
func Truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// Identity is the identity the environment names for this run (complete or
// not; see auth.EnvIdentity): a service principal with a secret or
// certificate, a federated workload, or a managed identity.
func (c *Config) Identity() auth.EnvIdentity {
	return auth.EnvIdentityFrom(func(k string) string {
		switch k {
		case "PALWIZ_CLIENT_ID":
			return c.ClientID
		case "PALWIZ_TENANT":
			return c.Tenant
		case "PALWIZ_CLIENT_SECRET":
			return c.ClientSecret
		case "PALWIZ_CERTIFICATE":
			return c.Certificate
		case "PALWIZ_CERTIFICATE_PASSWORD":
			return c.CertificatePassword
		}
		return c.IdentityEnv[k]
	})
}

// EnvIdentity reports whether the environment names a complete identity to
// sign in as for this run.
func (c *Config) EnvIdentity() bool { return c.Identity().Complete() }

// MayPrompt reports whether the configuration allows questions at all.
func (c *Config) MayPrompt() bool { return !c.NoPrompt && !c.CI }

// Colour reports whether the configuration allows colour.
func (c *Config) Colour() bool { return !c.NoColor && c.Term != "dumb" }
