package wizard

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// approveBrowser does what a person does on the simulator's browser
// sign-in page at authorizeURL: picks upn (with MFA) and lets the page post
// the code back to palwiz's loopback redirect. Only loopback pages qualify.
func approveBrowser(ctx context.Context, authorizeURL, upn string) error {
	u, err := url.Parse(authorizeURL)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return fmt.Errorf("the demo approves only its own sign-in page, not %q", authorizeURL)
	}
	form := u.Query()
	form.Set("user", upn)
	form.Set("mfa", "on")
	submit := *u
	submit.Path, submit.RawQuery = strings.TrimSuffix(u.Path, "/")+"/submit", ""
	page, err := postForm(ctx, submit.String(), form)
	if err != nil {
		return fmt.Errorf("approve the browser sign-in: %w", err)
	}
	m := demoPostBackRE.FindStringSubmatch(page)
	if m == nil {
		if e := demoPageErrorRE.FindStringSubmatch(page); e != nil {
			return errors.New(html.UnescapeString(e[1]))
		}
		return errors.New("approve the browser sign-in: the sign-in page did not return to palwiz")
	}
	back := url.Values{}
	for _, f := range demoHiddenRE.FindAllStringSubmatch(m[2], -1) {
		back.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	if _, err := postForm(ctx, html.UnescapeString(m[1]), back); err != nil {
		return fmt.Errorf("return the browser sign-in to palwiz: %w", err)
	}
	return nil
}

var (
	demoPostBackRE  = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)">(.*?)</form>`)
	demoHiddenRE    = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	demoPageErrorRE = regexp.MustCompile(`class="err">([^<]*)<`)
)

// postForm posts a form on loopback and returns the answer's body.
func postForm(ctx context.Context, target string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 400 {
		return "", fmt.Errorf("%s: HTTP %d", target, resp.StatusCode)
	}
	return string(b), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
