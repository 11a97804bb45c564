package rest

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Limiter bounds the requests in flight per host name. Requests wait for a
// slot while a page of another list is in flight, so many paging chains
// share a service's allowance fairly.
type Limiter struct {
	mu     sync.Mutex
	def    int
	limits map[string]int
	sems   map[string]chan struct{}
}

// NewLimiter allows def requests in flight per host, or limits[host] for the
// hosts named there (a name starting with "." matches every host under it).
func NewLimiter(def int, limits map[string]int) *Limiter {
	if def <= 0 {
		def = 8
	}
	return &Limiter{def: def, limits: limits, sems: map[string]chan struct{}{}}
}

// Limit is the allowance for host.
func (l *Limiter) Limit(host string) int {
	host = strings.ToLower(host)
	if n, ok := l.limits[host]; ok && n > 0 {
		return n
	}
	for k, n := range l.limits {
		if strings.HasPrefix(k, ".") && strings.HasSuffix(host, k) && n > 0 {
			return n
		}
	}
	return l.def
}

// Acquire waits for a slot on host; release gives it back.
func (l *Limiter) Acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	sem := l.sems[host]
	if sem == nil {
		sem = make(chan struct{}, l.Limit(host))
		l.sems[host] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type limitPolicy struct{ l *Limiter }

func (p *limitPolicy) Do(req *policy.Request) (*http.Response, error) {
	release, err := p.l.Acquire(req.Raw().Context(), req.Raw().URL.Host)
	if err != nil {
		return nil, err
	}
	defer release()
	return req.Next()
}
