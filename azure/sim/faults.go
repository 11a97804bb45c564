package sim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault makes matching requests fail or misbehave, to test how clients cope.
type Fault struct {
	// Host limits the fault to one host ("" = every host).
	Host string `json:"host,omitempty"`
	// Method limits the fault to one HTTP method ("" = any).
	Method string `json:"method,omitempty"`
	// Path limits the fault to paths containing this text (case-insensitive).
	Path string `json:"path,omitempty"`
	// Kind is one of: status (answer Status with an error body), throttle (429
	// with Retry-After), reset (drop the connection), slow (wait Delay, then
	// answer normally), malformed (200 with a truncated JSON body).
	Kind string `json:"kind"`
	// Status for kind "status" (default 500).
	Status int `json:"status,omitempty"`
	// Code is the error code in the body for kind "status" (default InternalServerError).
	Code string `json:"code,omitempty"`
	// RetryAfter in seconds for kind "throttle" (default 1).
	RetryAfter int `json:"retryAfter,omitempty"`
	// RetryAfterDate sends Retry-After as the HTTP date the wait ends at,
	// the other form RFC 9110 allows, instead of a number of seconds.
	RetryAfterDate bool `json:"retryAfterDate,omitempty"`
	// Delay for kind "slow".
	Delay Duration `json:"delay,omitempty"`
	// Times is how many matching requests fail (0 = all of them).
	Times int `json:"times,omitempty"`
	// AfterServe lets the request take effect before the fault answers (every
	// kind but slow): the service did the work and the client sees a failure,
	// as when an answer is lost on the way back.
	AfterServe bool `json:"afterServe,omitempty"`
}

type faultRule struct {
	Fault
	left int // remaining, -1 = unlimited
}

// AddFault installs a fault; it applies in the order added.
func (s *Server) AddFault(f Fault) error {
	switch f.Kind {
	case "status", "throttle", "reset", "slow", "malformed":
	default:
		return fmt.Errorf("fault kind %q is not status, throttle, reset, slow or malformed", f.Kind)
	}
	r := &faultRule{Fault: f, left: f.Times}
	if f.Times <= 0 {
		r.left = -1
	}
	s.mu.Lock()
	s.fault = append(s.fault, r)
	s.mu.Unlock()
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.fault = nil
	s.mu.Unlock()
}

func (s *Server) matchFault(r *http.Request, host string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.fault {
		if f.left == 0 {
			continue
		}
		if f.Host != "" && !strings.EqualFold(f.Host, host) {
			continue
		}
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(f.Path)) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

// applyFaults answers the request itself when a fault matches; it reports
// whether it did.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, host string) bool {
	f := s.matchFault(r, host)
	if f == nil {
		return false
	}
	if f.AfterServe && f.Kind != "slow" {
		if h := s.handlerFor(host); h != nil {
			h.ServeHTTP(&discardWriter{header: http.Header{}}, r)
		}
	}
	// Injected answers carry request IDs like the services' own, so clients
	// can quote them.
	w.Header().Set("x-ms-request-id", newGUID())
	w.Header().Set("x-ms-correlation-request-id", newGUID())
	switch f.Kind {
	case "slow":
		return !sleepCtx(r.Context(), time.Duration(f.Delay))
	case "throttle":
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		s.throttle(w, host, ra, f.RetryAfterDate)
	case "status":
		st := f.Status
		if st == 0 {
			st = http.StatusInternalServerError
		}
		code := f.Code
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(st), " ", "")
		}
		s.serviceError(w, host, st, code, "The simulator injected this failure ("+http.StatusText(st)+").")
	case "malformed":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"value":[{"id":"/trunc`))
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // resets an HTTP/2 stream; net/http recovers it
	}
	return true
}

// handlerFor is the handler serving host (as ServeHTTP routes).
func (s *Server) handlerFor(host string) http.Handler {
	if h := s.hosts[host]; h != nil {
		return h
	}
	for _, sf := range s.suffixes {
		if strings.HasSuffix(host, sf.suffix) {
			return sf.h
		}
	}
	return nil
}

// discardWriter takes an answer nobody will receive.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
