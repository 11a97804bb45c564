package auth

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// OpenBrowser opens url in the system browser. The browser (and the opener
// that starts it: xdg-open, open, rundll32) runs with environ, or this
// process's environment when nil, minus every secret: a browser has no use
// for palwiz's client secret, certificate password or API keys, and its
// child processes (extensions, crash reporters) should never see them.
func OpenBrowser(url string, environ []string) error {
	if environ == nil {
		environ = os.Environ()
	}
	cmd := browserCommand(runtime.GOOS, url)
	if cmd == nil {
		return errors.New("palwiz does not know how to open a browser on " + runtime.GOOS)
	}
	cmd.Env = ScrubEnv(environ)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reap the opener when it exits; the browser it starts lives on.
	go func() { _ = cmd.Wait() }()
	return nil
}

func browserCommand(goos, url string) *exec.Cmd {
	switch goos {
	case "darwin":
		return exec.Command("open", url)
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly", "illumos", "solaris":
		for _, p := range []string{"xdg-open", "x-www-browser", "www-browser"} {
			if path, err := exec.LookPath(p); err == nil {
				return exec.Command(path, url)
			}
		}
		return exec.Command("xdg-open", url)
	}
	return nil
}

// ScrubEnv returns environ without the variables that hold secrets: palwiz's
// own (PALWIZ_CLIENT_SECRET, PALWIZ_CERTIFICATE_PASSWORD,
// PALWIZ_CI_SUBSCRIPTION_KEY) and, by name, anything that looks like a
// secret, password, token, credential or key (AZURE_CLIENT_SECRET,
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, SYSTEM_ACCESSTOKEN, ...).
func ScrubEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !secretName(name) {
			out = append(out, kv)
		}
	}
	return out
}

func secretName(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return strings.HasSuffix(n, "_KEY") || strings.HasPrefix(n, "PALWIZ_CERTIFICATE")
}
