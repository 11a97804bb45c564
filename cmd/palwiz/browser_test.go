package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
)

var (
	browserURLRE = regexp.MustCompile(`Sign in in your browser: (\S+)`)
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// browserSignIn plays the browser for `palwiz login --browser`: it opens the
// authorization URL palwiz printed, picks the account on the simulator's
// page, and delivers the page's form post to palwiz's loopback redirect.
func browserSignIn(t *testing.T, authURL, upn string, mfa bool, action string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formActionRE.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("no sign-in form: %s", page)
	}
	form := url.Values{"user": {upn}, "action": {action}}
	if mfa {
		form.Set("mfa", "on")
	}
	for _, h := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	u, _ := url.Parse(authURL)
	resp, err = c.PostForm(u.Scheme+"://"+u.Host+html.UnescapeString(m[1]), form)
	if err != nil {
		t.Fatal(err)
	}
	post, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m = formActionRE.FindStringSubmatch(string(post))
	if m == nil {
		t.Fatalf("no form posting back to the app: %s", post)
	}
	back := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(string(post), -1) {
		back.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	resp, err = c.PostForm(html.UnescapeString(m[1]), back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func (h *harness) loginBrowser(act func(authURL string), args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := h.start(ctx, runSpec{env: map[string]string{"PALWIZ_NO_BROWSER": "1"}}, append([]string{"login", "--browser"}, args...)...)
	for {
		if m := browserURLRE.FindStringSubmatch(r.err.String()); m != nil {
			act(m[1])
			break
		}
		select {
		case code := <-r.done:
			return result{r.out.String(), r.err.String(), code}
		case <-time.After(10 * time.Millisecond):
		}
	}
	return r.wait()
}

func TestBrowserSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.loginBrowser(func(u string) {
		if !strings.HasPrefix(u, h.sim.PagesURL()) {
			t.Errorf("authorization URL %s is not on the simulator's sign-in origin", u)
		}
		for _, p := range []string{"code_challenge=", "code_challenge_method=S256", "redirect_uri=http%3A%2F%2Flocalhost"} {
			if !strings.Contains(u, p) {
				t.Errorf("authorization URL lacks %s: %s", p, u)
			}
		}
		browserSignIn(t, u, serviceUPN, false, "continue")
	})
	mustCode(t, r, 0)
	if !strings.Contains(r.stdout, serviceUPN) {
		t.Fatalf("login output: %s", r.stdout)
	}
	mustCode(t, h.run("link", "--partner-id", "4977985"), 0)
	if got := h.sim.LinkOf(contosoID, "5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101"); got != "4977985" {
		t.Fatalf("link after browser sign-in: %q", got)
	}
}

func TestBrowserSignInCancelled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.loginBrowser(func(u string) { browserSignIn(t, u, serviceUPN, false, "cancel") })
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "declined") {
		t.Fatalf("cancel message: %s", r.stderr)
	}
}

// TestBrowserSignInWhereDeviceCodeIsBlocked: a directory whose Conditional
// Access blocks device code says so and points at --browser, which works.
func TestBrowserSignInWhereDeviceCodeIsBlocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if err := h.sim.SetTenantPolicy(contosoID, func(t *sim.Tenant) { t.BlockDeviceCode = true }); err != nil {
		t.Fatal(err)
	}
	r := h.signInAs(serviceUPN)
	mustCode(t, r, 3)
	if !strings.Contains(r.stderr, "device code") || !strings.Contains(r.stderr, "--browser") {
		t.Fatalf("blocked device code should point at --browser: %s", r.stderr)
	}
	r = h.loginBrowser(func(u string) { browserSignIn(t, u, serviceUPN, false, "continue") })
	mustCode(t, r, 0)
}
