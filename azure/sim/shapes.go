package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Each Microsoft service words its errors in its own shape; the simulator
// answers injected failures and throttling the way the service at that host
// does, so a client that reads only one shape fails here as it would there.

// serviceOf names the service a host belongs to.
func serviceOf(host string) string {
	switch {
	case host == loginHost || host == "login.windows.net" || host == "login.microsoft.com" || host == "sts.windows.net":
		return "entra"
	case host == graphHost:
		return "graph"
	case host == powerBIHost:
		return "powerbi"
	case host == ciHost:
		return "ci"
	case strings.HasSuffix(host, crmSuffix):
		return "dataverse"
	case host == bapHost:
		return "bap"
	case host == powerAppsHost:
		return "powerapps"
	case host == flowHost:
		return "flow"
	}
	return "arm"
}

// serviceError answers status with code and message in the shape of the
// service at host.
func (s *Server) serviceError(w http.ResponseWriter, host string, status int, code, msg string) {
	switch serviceOf(host) {
	case "entra":
		oauth := "server_error"
		if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
			oauth = "temporarily_unavailable"
		}
		writeJSON(w, status, entraError(s.now(), oauth, 0, code+": "+msg))
	case "graph":
		writeJSON(w, status, graphError(code, msg))
	case "powerbi":
		writeJSON(w, status, pbiErrorBody(code))
	case "ci":
		apimError(w, status, msg)
	case "dataverse":
		dvError(w, status, code, msg)
	default:
		writeJSON(w, status, armError(code, msg))
	}
}

// retryAfter sets Retry-After to secs, as a number of seconds or, with
// asDate, as the HTTP date it ends at (RFC 9110 allows both).
func (s *Server) retryAfter(w http.ResponseWriter, secs int, asDate bool) {
	if asDate {
		w.Header().Set("Retry-After", s.now().Add(time.Duration(secs)*time.Second).UTC().Format(http.TimeFormat))
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}

// throttle answers 429 as the service at host does.
func (s *Server) throttle(w http.ResponseWriter, host string, secs int, asDate bool) {
	s.retryAfter(w, secs, asDate)
	switch serviceOf(host) {
	case "entra":
		writeJSON(w, http.StatusTooManyRequests, entraError(s.now(), "temporarily_unavailable", 90055, ""))
	case "graph":
		writeJSON(w, http.StatusTooManyRequests, graphError("TooManyRequests", "Too many requests, please retry later."))
	case "powerbi":
		writeJSON(w, http.StatusTooManyRequests, pbiErrorBody("TooManyRequestsException"))
	case "ci":
		apimError(w, http.StatusTooManyRequests, fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", secs))
	case "dataverse":
		dvLimitError(w, dvLimitRequests, fmt.Sprintf("Number of requests exceeded the limit of %d over time window of %d seconds.", dvDefaultRequests, int(dvDefaultWindow.Seconds())))
	default:
		writeJSON(w, http.StatusTooManyRequests, armError("TooManyRequests", fmt.Sprintf("The request was throttled. Retry after %d seconds.", secs)))
	}
}
