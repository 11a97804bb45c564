// Package cloud names the Microsoft hosts palwiz talks to and builds the one
// http.Client every Azure client shares. The simulated cloud is only a
// different transport: the same real URLs, dialled to a local simulator whose
// certificate is trusted for those host names.
package cloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/palwiz/palwiz/azure/safefile"
)

// Real host names of the Microsoft cloud. Production code always uses these.
const (
	LoginHost     = "login.microsoftonline.com"
	ARMHost       = "management.azure.com"
	GraphHost     = "graph.microsoft.com"
	BAPHost       = "api.bap.microsoft.com"
	PowerAppsHost = "api.powerapps.com"
	FlowHost      = "api.flow.microsoft.com"
	PowerBIHost   = "api.powerbi.com"
	CIHost        = "api.ci.ai.dynamics.com"
)

// Token scopes per resource.
const (
	ARMScope       = "https://management.core.windows.net//.default"
	GraphScope     = "https://graph.microsoft.com/.default"
	PowerAppsScope = "https://service.powerapps.com//.default"
	FlowScope      = "https://service.flow.microsoft.com//.default"
	PowerBIScope   = "https://analysis.windows.net/powerbi/api/.default"
	CIScope        = "https://api.ci.ai.dynamics.com/.default"
)

// DataverseScope is the token scope for a Dataverse organisation URL such as
// https://org1.api.crm.dynamics.com.
func DataverseScope(orgURL string) string {
	u, err := url.Parse(orgURL)
	if err != nil || u.Host == "" {
		return strings.TrimSuffix(orgURL, "/") + "/.default"
	}
	return "https://" + u.Host + "/.default"
}

// AuthorityURL is the Entra ID authority for a tenant ("organizations", a GUID or a domain).
func AuthorityURL(tenant string) string { return "https://" + LoginHost + "/" + tenant }

// Names of the clouds palwiz can use.
const (
	Public = "public"
	Sim    = "sim"
)

// Cloud is where palwiz sends its requests: the public Microsoft cloud, or a
// simulator reached through a transport that dials it for every host.
type Cloud struct {
	// Name is Public or Sim.
	Name string
	// HTTP is the client every Azure client (MSAL, azcore) uses.
	HTTP *http.Client
	// SimURL is the simulator's loopback origin (Sim only).
	SimURL string
	// PagesURL is the simulator's human-facing sign-in origin (Sim only), if known.
	PagesURL string
	// imds reaches the instance metadata service (managed identities).
	imds *http.Client
}

// IMDSClient is the client for the instance metadata service at
// 169.254.169.254: on the public cloud never through a proxy and quick to
// give up when nothing answers (palwiz is not on an Azure VM); on the
// simulator, the simulator transport (the simulator answers plain HTTP for
// that address on its port).
func (c *Cloud) IMDSClient() *http.Client {
	if c.imds != nil {
		return c.imds
	}
	return c.HTTP
}

// IsSim reports whether the cloud is the simulator.
func (c *Cloud) IsSim() bool { return c != nil && c.Name == Sim }

// Options tune the HTTP client.
type Options struct {
	// Timeout bounds a whole request; zero means 60 s.
	Timeout time.Duration
}

func baseTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// listTransport is t for the hosts palwiz reads long lists from, speaking
// HTTP/1.1 only. An attribution scan reads hundreds of megabytes of canvas
// apps and flows; over HTTP/2 every byte is framed, copied into the
// stream's buffer and out again, and the window is updated (one write on
// the connection) for every few kilobytes read. Over HTTP/1.1 a body is
// read straight from the connection, and palwiz's per-host limits
// (steps/attribution) already bound how many connections a host gets.
func listTransport(t *http.Transport) *http.Transport {
	h1 := t.Clone()
	h1.ForceAttemptHTTP2 = false
	h1.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // non-nil and empty: no HTTP/2
	h1.TLSClientConfig.NextProtos = nil
	return h1
}

// IsListHost reports whether palwiz reads long lists from host (Power Apps
// and Flow: 90% of a large scan's bytes), which it reaches over HTTP/1.1.
// Every other host is reached over HTTP/2 where it offers it: Dataverse
// organisations and Power BI answer a few short lists, and each Dataverse
// organisation is its own host, so HTTP/1.1's connection per request in
// flight would only add TLS handshakes (a report over 50 directories took
// 25% longer with them).
func IsListHost(host string) bool {
	return host == PowerAppsHost || host == FlowHost
}

// transport sends requests to the list hosts over HTTP/1.1 and the rest
// over HTTP/2 (see listTransport); both share the dialler, proxy and TLS
// settings.
//
// To an HTTP/2 host it has no connection to yet, it lets one request open
// the connection and holds the others until that request is on it:
// net/http dials once per waiting request, and over HTTP/2 all but one of
// those connections are closed as soon as their handshakes end (an
// attribution scan opened seven connections to every Dataverse
// organisation to keep one: 120 wasted TLS handshakes).
type transport struct {
	h2, h1 *http.Transport

	mu     sync.Mutex
	opened map[hostKey]chan struct{} // closed once the host's first request is on its connection
}

// hostKey is where a request goes (a struct, not a joined string: every
// request looks it up).
type hostKey struct{ scheme, host string }

func newTransport(t *http.Transport) *transport {
	return &transport{h2: t, h1: listTransport(t), opened: map[hostKey]chan struct{}{}}
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if IsListHost(r.URL.Hostname()) {
		return t.h1.RoundTrip(r)
	}
	key := hostKey{r.URL.Scheme, r.URL.Host}
	t.mu.Lock()
	up, opening := t.opened[key]
	if !opening {
		up = make(chan struct{})
		t.opened[key] = up
	}
	t.mu.Unlock()
	if opening {
		select {
		case <-up:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		return t.h2.RoundTrip(r)
	}
	// The others go on once this request has written its headers on the
	// new connection (or, failing that, has its answer): by then net/http has
	// pooled the connection for them. It hands a new connection to its
	// request just before it pools it, so releasing the others as soon as
	// this request had the connection could still let some dial their own;
	// waiting for the answer would hold them for the whole request.
	var once sync.Once
	release := func() { once.Do(func() { close(up) }) }
	trace := &httptrace.ClientTrace{WroteHeaders: release}
	resp, err := t.h2.RoundTrip(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	release()
	if err != nil {
		// No connection came of it: the next request to the host opens one
		// again (the ones released meanwhile dial their own).
		t.mu.Lock()
		if t.opened[key] == up {
			delete(t.opened, key)
		}
		t.mu.Unlock()
	}
	return resp, err
}

// CloseIdleConnections closes both transports' idle connections.
func (t *transport) CloseIdleConnections() {
	t.h2.CloseIdleConnections()
	t.h1.CloseIdleConnections()
}

// NewPublic returns the public Microsoft cloud with a client that honours
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
func NewPublic(o Options) *Cloud {
	imds := baseTransport()
	imds.Proxy = nil // a link-local address: a proxy cannot reach it
	imds.DialContext = (&net.Dialer{Timeout: 3 * time.Second}).DialContext
	return &Cloud{Name: Public, HTTP: &http.Client{Transport: newTransport(baseTransport()), Timeout: timeout(o)},
		imds: &http.Client{Transport: imds, Timeout: 30 * time.Second}}
}

// NewSim returns a cloud whose every connection goes to the simulator at
// simURL (https://127.0.0.1:PORT), trusting only the simulator's CA.
func NewSim(simURL string, caPEM []byte, o Options) (*Cloud, error) {
	u, err := url.Parse(simURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("simulator address %q is not an https://HOST:PORT origin", simURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the simulator CA file holds no PEM certificate")
	}
	t := baseTransport()
	// Never proxy: the simulator is on loopback and the dialler below ignores the target.
	t.Proxy = nil
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	return &Cloud{Name: Sim, HTTP: &http.Client{Transport: newTransport(t), Timeout: timeout(o)}, SimURL: strings.TrimSuffix(simURL, "/")}, nil
}

// maxCAFile bounds the simulator's CA file (one certificate is about 1 KB).
const maxCAFile = 1 << 20

// NewSimFromFiles reads the CA from caFile and calls NewSim.
func NewSimFromFiles(ctx context.Context, simURL, caFile string, o Options) (*Cloud, error) {
	pem, err := ReadSimCA(ctx, simURL, caFile)
	if err != nil {
		return nil, err
	}
	return NewSim(simURL, pem, o)
}

// ReadSimCA checks that PALWIZ_SIM_URL and PALWIZ_SIM_CA are given and reads
// the CA file. The read is bounded and ctx cancels it (a FIFO nobody writes to).
func ReadSimCA(ctx context.Context, simURL, caFile string) ([]byte, error) {
	if simURL == "" {
		return nil, errors.New("no simulator address: start `palwiz sim` and set PALWIZ_SIM_URL and PALWIZ_SIM_CA to what it prints")
	}
	if caFile == "" {
		return nil, errors.New("no simulator CA: set PALWIZ_SIM_CA to the CA file `palwiz sim` printed (its --ca-out)")
	}
	pem, err := safefile.Read(ctx, caFile, maxCAFile)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("read the simulator CA: %w (is `palwiz sim` running? it writes this file on start)", err)
	}
	return pem, nil
}

// simCAName is the subject of the CA a `palwiz sim` makes (azure/sim/tls.go).
const simCAName = "palwiz simulated cloud CA"

// IsSimCA reports whether b is a CA file an earlier `palwiz sim` wrote: one
// PEM certificate, a CA, named as the simulator names its CA.
func IsSimCA(b []byte) bool {
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) != 0 {
		return false
	}
	c, err := x509.ParseCertificate(block.Bytes)
	return err == nil && c.IsCA && c.Subject.CommonName == simCAName
}

func timeout(o Options) time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 60 * time.Second
}
