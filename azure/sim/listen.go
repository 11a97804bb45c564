package sim

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// splitListener serves TLS and plain HTTP on one port: a connection whose
// first byte starts a TLS handshake goes to the TLS listener, any other to
// the plain one. The simulated cloud's transport dials the simulator's one
// port for every host, so IMDS (plain HTTP to 169.254.169.254) reaches it
// there like every HTTPS service.
type splitListener struct {
	ln         net.Listener
	tls, plain *chanListener
}

func newSplitListener(ln net.Listener) *splitListener {
	sl := &splitListener{ln: ln, tls: newChanListener(ln.Addr()), plain: newChanListener(ln.Addr())}
	go sl.accept()
	return sl
}

func (sl *splitListener) accept() {
	for {
		c, err := sl.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			sl.tls.Close()
			sl.plain.Close()
			return
		}
		go sl.route(c)
	}
}

// tlsHandshake is the first byte of a TLS record carrying a handshake.
const tlsHandshake = 0x16

func (sl *splitListener) route(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		_ = c.Close()
		return
	}
	pc := &peekedConn{Conn: c, r: br}
	if first[0] == tlsHandshake {
		sl.tls.push(pc)
	} else {
		sl.plain.push(pc)
	}
}

// Close stops accepting on the port.
func (sl *splitListener) Close() error { return sl.ln.Close() }

// peekedConn is a connection whose first bytes were read ahead.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// chanListener is a net.Listener fed connections by splitListener.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	once sync.Once
	done chan struct{}
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// servePlain answers plain HTTP on the API port: the IMDS address only.
func (s *Server) servePlain(w http.ResponseWriter, r *http.Request) {
	if hostOnly(r.Host) == imdsHost {
		s.ServeHTTP(w, r)
		return
	}
	http.Error(w, "The simulated cloud speaks HTTPS on this port; plain HTTP is served only for the IMDS address "+imdsHost+".", http.StatusBadRequest)
}
