package cmdutil_test

import (
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
)

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PALWIZ_CLOUD": " sim ", "PALWIZ_EPHEMERAL": "1", "PALWIZ_NO_PROMPT": "no", "CI": "true",
		"NO_COLOR": "0", "TERM": "dumb", "PALWIZ_CLIENT_ID": "id", "PALWIZ_TENANT": "t", "PALWIZ_CERTIFICATE": "c.pem"}
	c := config.FromEnv(func(k string) string { return env[k] })
	if c.Cloud != "sim" || !c.Ephemeral || c.NoPrompt || !c.CI || !c.NoColor || c.MayPrompt() || c.Colour() || !c.EnvIdentity() {
		t.Fatalf("%+v", c)
	}
	if c := config.FromEnv(func(string) string { return "" }); c.EnvIdentity() || !c.MayPrompt() || !c.Colour() {
		t.Fatalf("empty environment: %+v", c)
	}
}

func TestTruthy(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "No": false, "off": false, "1": true, "yes": true, "TRUE": true, "anything": true} {
		if config.Truthy(v) != want {
			t.Errorf("config.Truthy(%q) = %v", v, !want)
		}
	}
}
