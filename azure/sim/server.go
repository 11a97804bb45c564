// Package sim is palwiz's simulated Microsoft cloud: Entra ID (sign-in),
// Azure Resource Manager (tenants and Partner Admin Link), Microsoft Graph and,
// for attribution, the Power Platform hosts. It serves HTTPS on loopback with a
// certificate for the real host names and routes by Host, so clients run their
// production configuration against it; on a plain https://127.0.0.1:PORT
// origin it routes by path instead. Human-facing sign-in pages are also served
// on a plain-HTTP loopback origin so a browser can open them without a warning.
package sim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a simulator.
type Options struct {
	// Addr is the HTTPS listen address (default 127.0.0.1:0).
	Addr string
	// PagesAddr is the plain-HTTP listen address of the sign-in pages
	// (default 127.0.0.1:0; "off" serves the pages only on the HTTPS origin).
	PagesAddr string
	// Scenario is the starting state (required).
	Scenario *Scenario
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
}

// Server is a running simulated cloud.
type Server struct {
	opts    Options
	sc      *Scenario
	signer  *signer
	issuers *issuers // the pipeline OIDC issuers the simulator plays
	caPEM   []byte

	apiLn, pagesLn   net.Listener
	split            *splitListener // the API port: TLS, and plain HTTP for IMDS
	apiSrv, pagesSrv *http.Server
	plainSrv         *http.Server
	url, pagesURL    string

	hosts    map[string]http.Handler
	suffixes []hostSuffix

	mu         sync.Mutex
	st         *state
	stats      map[string]int
	fault      []*faultRule
	challenges int // CAE claims challenges answered
}

type hostSuffix struct {
	suffix string
	h      http.Handler
}

// Start serves the scenario until Close (or ctx is done).
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.Scenario == nil {
		return nil, errors.New("sim: no scenario")
	}
	if err := o.Scenario.Validate(); err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.PagesAddr == "" {
		o.PagesAddr = "127.0.0.1:0"
	}
	sg, err := newSigner()
	if err != nil {
		return nil, err
	}
	caPEM, leaf, err := issueCerts(o.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, sc: o.Scenario, signer: sg, issuers: newIssuers(), caPEM: caPEM, stats: map[string]int{}}
	s.st = newState(o.Scenario, o.Now())
	s.hosts = map[string]http.Handler{}
	s.registerEntra()
	s.registerARM()
	s.registerGraph()
	s.registerPowerPlatform()
	s.registerIssuers()
	s.registerPipelines()
	s.handle(imdsHost, http.HandlerFunc(s.serveIMDS))

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listen on %s: %w", o.Addr, err)
	}
	s.split = newSplitListener(ln)
	s.apiLn = tls.NewListener(s.split.tls, &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}})
	s.url = "https://" + ln.Addr().String()
	s.apiSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go func() { _ = s.apiSrv.Serve(s.apiLn) }()
	s.plainSrv = &http.Server{Handler: http.HandlerFunc(s.servePlain), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.plainSrv.Serve(s.split.plain) }()

	if o.PagesAddr != "off" {
		pl, err := net.Listen("tcp", o.PagesAddr)
		if err != nil {
			_ = s.apiSrv.Close()
			return nil, fmt.Errorf("sim: listen on %s for the sign-in pages: %w", o.PagesAddr, err)
		}
		s.pagesLn = pl
		s.pagesURL = "http://" + pl.Addr().String()
		s.pagesSrv = &http.Server{Handler: http.HandlerFunc(s.servePagesOrigin), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = s.pagesSrv.Serve(pl) }()
	} else {
		s.pagesURL = s.url
	}
	if ctx != nil {
		go func() {
			<-ctx.Done()
			_ = s.Close()
		}()
	}
	return s, nil
}

// URL is the HTTPS loopback origin, https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// PagesURL is the origin of the human-facing sign-in pages.
func (s *Server) PagesURL() string { return s.pagesURL }

// DeviceLoginURL is the page where a person enters a device code.
func (s *Server) DeviceLoginURL() string { return s.pagesURL + "/devicelogin" }

// CAPEM is the PEM certificate of the simulator's CA, to trust in clients.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// Scenario is the scenario the simulator started from.
func (s *Server) Scenario() *Scenario { return s.sc }

// Close stops serving.
func (s *Server) Close() error {
	var errs []error
	if s.apiSrv != nil {
		errs = append(errs, s.apiSrv.Close())
	}
	if s.plainSrv != nil {
		errs = append(errs, s.plainSrv.Close())
	}
	if s.split != nil {
		if err := s.split.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if s.pagesSrv != nil {
		errs = append(errs, s.pagesSrv.Close())
	}
	return errors.Join(errs...)
}

func (s *Server) now() time.Time { return s.opts.Now() }

// handle registers a handler for an exact host name.
func (s *Server) handle(host string, h http.Handler) { s.hosts[host] = h }

// handleSuffix registers a handler for every host ending in suffix (".crm.dynamics.com").
func (s *Server) handleSuffix(suffix string, h http.Handler) {
	s.suffixes = append(s.suffixes, hostSuffix{suffix, h})
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func hostOnly(hostport string) string {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// ServeHTTP routes a request by Host, or by path on the loopback origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "//") {
		// The services treat a doubled slash as one (clients join a base
		// URL that ends in / with a path that starts with one).
		r.URL.Path, r.URL.RawPath = collapseSlashes(r.URL.Path), ""
	}
	host := hostOnly(r.Host)
	if isLoopbackHost(host) {
		r = r.WithContext(context.WithValue(r.Context(), originKey{}, "https://"+r.Host))
		var ok bool
		host, ok = s.hostForPath(r)
		if !ok {
			if s.servePages(w, r) {
				return
			}
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{
				"code": "NotFound", "message": "the simulator has no service at " + r.URL.Path}})
			return
		}
	}
	h := s.hosts[host]
	if h == nil {
		for _, sf := range s.suffixes {
			if strings.HasSuffix(host, sf.suffix) {
				h = sf.h
				break
			}
		}
	}
	if h == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{
			"code": "NotFound", "message": "the simulator does not serve " + host}})
		return
	}
	r.Host = host
	s.count(host)
	if s.opts.Logf != nil {
		s.opts.Logf("%s %s%s", r.Method, host, r.URL.RequestURI())
	}
	if s.applyFaults(w, r, host) {
		return
	}
	if d := time.Duration(s.sc.Settings.Latency); d > 0 {
		if !sleepCtx(r.Context(), d) {
			return
		}
	}
	h.ServeHTTP(w, r)
}

// hostForPath maps a loopback request to the host it is for: /_host/HOST/...
// explicitly, or by the API's own distinctive paths.
func (s *Server) hostForPath(r *http.Request) (string, bool) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/_host/") {
		rest := strings.TrimPrefix(p, "/_host/")
		host, path, _ := strings.Cut(rest, "/")
		r.URL.Path = "/" + path
		r.URL.RawPath = ""
		return strings.ToLower(host), host != ""
	}
	lp := strings.ToLower(p)
	switch {
	case strings.HasPrefix(lp, "/_sim/"), strings.HasPrefix(lp, "/devicelogin"):
		return "", false
	case strings.HasPrefix(lp, "/metadata/identity/"):
		return imdsHost, true
	case strings.HasPrefix(lp, "/tenants"), strings.HasPrefix(lp, "/providers/microsoft.managementpartner"),
		lp == "/subscriptions" || strings.HasPrefix(lp, "/subscriptions/"), strings.HasPrefix(lp, "/metadata/endpoints"):
		return "management.azure.com", true
	case strings.HasPrefix(lp, "/providers/microsoft.businessappplatform"):
		return "api.bap.microsoft.com", true
	case strings.HasPrefix(lp, "/providers/microsoft.powerapps"):
		return "api.powerapps.com", true
	case strings.HasPrefix(lp, "/providers/microsoft.processsimple"):
		return "api.flow.microsoft.com", true
	case strings.HasPrefix(lp, "/v1.0/myorg"):
		return "api.powerbi.com", true
	case strings.HasPrefix(lp, "/v1.0/"):
		return "graph.microsoft.com", true
	case strings.HasPrefix(lp, "/v1/instances"):
		return "api.ci.ai.dynamics.com", true
	case strings.HasPrefix(lp, "/common/discovery/"), strings.Contains(lp, "/oauth2/"), strings.Contains(lp, "/.well-known/openid-configuration"),
		strings.Contains(lp, "/discovery/keys"), strings.Contains(lp, "/discovery/v2.0/keys"):
		return "login.microsoftonline.com", true
	}
	return "", false
}

func collapseSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func (s *Server) count(host string) {
	s.mu.Lock()
	s.stats[host]++
	s.mu.Unlock()
}

// Stats returns how many requests each host has answered.
func (s *Server) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = map[string]int{}
	s.mu.Unlock()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
