package simtest

import (
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
)

// ConnectProxy is an HTTPS (CONNECT) proxy that sends every tunnel to one
// address, the simulator, and counts the hosts the clients asked for: the
// tests that hold palwiz, the Azure CLI and MSAL Python to HTTPS_PROXY use it.
type ConnectProxy struct {
	Addr string // host:port to put in HTTPS_PROXY
	mu   sync.Mutex
	seen map[string]int
}

// StartConnectProxy serves a CONNECT proxy on loopback until the test ends;
// every tunnel goes to target (host:port).
func StartConnectProxy(t testing.TB, target string) *ConnectProxy {
	t.Helper()
	p := &ConnectProxy{seen: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(p.serve(target))}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

func (p *ConnectProxy) serve(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		p.mu.Lock()
		p.seen[strings.ToLower(host)]++
		p.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			up.Close()
			http.Error(w, "no hijacking", http.StatusInternalServerError)
			return
		}
		c, _, err := hj.Hijack()
		if err != nil {
			up.Close()
			return
		}
		_, _ = c.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		_, _ = io.Copy(c, up)
		c.Close()
	}
}

// Take returns the hosts asked for so far, with their counts, and starts
// counting afresh.
func (p *ConnectProxy) Take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.seen
	p.seen = map[string]int{}
	return s
}

// Hosts lists the hosts asked for so far, sorted.
func (p *ConnectProxy) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.seen))
	for h := range p.seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
