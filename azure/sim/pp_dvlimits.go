package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Dataverse service protection (learn.microsoft.com "Service protection API
// limits"): per user and organisation, over a sliding window (5 minutes), at
// most 6,000 requests and 1,200 s of combined execution time, and at most 52
// requests at once. Past a limit Dataverse answers 429 with its own error
// code and a Retry-After of whole seconds.
const (
	dvLimitRequests    = "0x80072322"
	dvLimitTime        = "0x80072321"
	dvLimitConcurrency = "0x80072326"

	dvDefaultRequests   = 6000
	dvDefaultExecution  = 1200 * time.Second
	dvDefaultWindow     = 5 * time.Minute
	dvDefaultConcurrent = 52
)

// dvLimitError is Dataverse's service-protection error body.
func dvLimitError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]string{
		"code": code, "message": msg,
		"@Microsoft.PowerApps.CDS.HelpLink":           "http://go.microsoft.com/fwlink/?LinkID=2138316",
		"@Microsoft.PowerApps.CDS.TraceText":          msg,
		"@Microsoft.PowerApps.CDS.InnerError.Message": msg,
	}})
}

// dvBucket is one second of a caller's use of an organisation.
type dvBucket struct {
	sec  int64
	n    int
	exec time.Duration
}

// dvWindow is a sliding window of per-second buckets (a ring).
type dvWindow struct{ b []dvBucket }

// dvLimits reads the scenario's limits (zero values are the service's).
func (s PPSettings) dvLimits() (requests int, exec, window time.Duration) {
	requests, exec, window = s.DataverseRequestLimit, time.Duration(s.DataverseExecutionLimit), time.Duration(s.DataverseWindow)
	if requests <= 0 {
		requests = dvDefaultRequests
	}
	if exec <= 0 {
		exec = dvDefaultExecution
	}
	if window < time.Second {
		window = dvDefaultWindow
	}
	return requests, exec, window
}

// sums adds up the buckets still in the window at second now, and says
// when the oldest of them leaves it.
func (w *dvWindow) sums(now, span int64) (n int, exec time.Duration, oldest int64) {
	oldest = now
	for _, b := range w.b {
		if b.sec > now-span && b.sec <= now {
			n += b.n
			exec += b.exec
			oldest = min(oldest, b.sec)
		}
	}
	return n, exec, oldest
}

// bucket is the bucket of second now, emptied if it held an older second.
func (w *dvWindow) bucket(now int64) *dvBucket {
	b := &w.b[int(now%int64(len(w.b)))]
	if b.sec != now {
		*b = dvBucket{sec: now}
	}
	return b
}

// dvAdmit applies the request and execution-time limits for key (user and
// organisation) and counts the request. On a refusal it answers the request
// itself; otherwise it returns a function that charges the request's
// execution time when it is done.
func (p *pp) dvAdmit(w http.ResponseWriter, key string) (charge func(time.Duration), ok bool) {
	limit, execLimit, window := p.set.dvLimits()
	span := int64(window / time.Second)
	now := p.s.now().Unix()
	p.flightMu.Lock()
	win := p.dvWindows[key]
	if win == nil {
		win = &dvWindow{b: make([]dvBucket, span)}
		p.dvWindows[key] = win
	}
	n, exec, oldest := win.sums(now, span)
	retry := strconv.FormatInt(max(1, oldest+span-now), 10)
	switch {
	case n >= limit:
		p.flightMu.Unlock()
		w.Header().Set("Retry-After", retry)
		dvLimitError(w, dvLimitRequests, fmt.Sprintf("Number of requests exceeded the limit of %d over time window of %d seconds.", limit, span))
		return nil, false
	case exec >= execLimit:
		p.flightMu.Unlock()
		w.Header().Set("Retry-After", retry)
		dvLimitError(w, dvLimitTime, fmt.Sprintf("Combined execution time of incoming requests exceeded limit of %d milliseconds over time window of %d seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
			execLimit.Milliseconds(), span))
		return nil, false
	}
	win.bucket(now).n++
	p.flightMu.Unlock()
	w.Header().Set("x-ms-ratelimit-burst-remaining-xrm-requests", strconv.Itoa(limit-n-1))
	w.Header().Set("x-ms-ratelimit-time-remaining-xrm-requests", strconv.FormatFloat((execLimit-exec).Seconds(), 'f', 2, 64))
	return func(d time.Duration) {
		if fixed := time.Duration(p.set.DataverseExecutionTime); fixed > 0 {
			d = fixed
		}
		p.flightMu.Lock()
		win.bucket(now).exec += d
		p.flightMu.Unlock()
	}, true
}
