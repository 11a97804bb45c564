package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error is a failed call to any of the services palwiz talks to: what palwiz
// was doing, the HTTP status, the service's own code and message (read from
// whichever error shape the service uses), the request IDs to quote to
// support, and the service's Retry-After.
type Error struct {
	// Service names the service ("Azure Resource Manager", "Dataverse", …).
	Service string
	// Op says what palwiz was doing ("read the partner link").
	Op     string
	Status int
	// Code is the service's error code: ARM's and OData's error.code, Power
	// BI's pbi.error code, Entra ID's error ("invalid_grant"); "" when the
	// answer names none.
	Code string
	// Message is the service's explanation, or the status text when it gave none.
	Message string
	// RequestID is the ID the service gave the request (its own header or body).
	RequestID string
	// ClientRequestID is the x-ms-client-request-id palwiz sent.
	ClientRequestID string
	// RetryAfter is the service's Retry-After (seconds or an HTTP date), 0 when absent.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Message
	if c := e.codeAndStatus(); c != "" {
		s += " (" + c + ")"
	}
	if r := e.request(); r != "" {
		s += " [" + r + "]"
	}
	return s
}

// Detail is what to quote to support, for a message that explains the
// error in its own words: "PartnerIdInvalid, HTTP 400, request 5e1…".
func (e *Error) Detail() string {
	return strings.Join(slices.DeleteFunc([]string{e.codeAndStatus(), e.request()}, func(s string) bool { return s == "" }), ", ")
}

func (e *Error) codeAndStatus() string {
	var detail []string
	if e.Code != "" {
		detail = append(detail, e.Code)
	}
	if e.Status != 0 {
		detail = append(detail, "HTTP "+strconv.Itoa(e.Status))
	}
	return strings.Join(detail, ", ")
}

func (e *Error) request() string {
	switch {
	case e.RequestID != "":
		return "request " + e.RequestID
	case e.ClientRequestID != "":
		return "client request " + e.ClientRequestID
	}
	return ""
}

// IsStatus reports whether err is (or wraps) an *Error with one of the statuses.
func IsStatus(err error, status ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range status {
		if e.Status == s {
			return true
		}
	}
	return false
}

// Code is the service's error code of the *Error in err ("" if there is none).
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// DecodeError is a successful answer palwiz could not read (truncated, not
// JSON, or not the shape it expects).
type DecodeError struct {
	Service string
	Op      string
	Err     error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: the %s answer is not the JSON palwiz expects (%v)", e.Op, e.Service, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// isDecodeError reports whether err is a JSON syntax or type error.
func isDecodeError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.Is(err, ErrSyntax) || errors.As(err, &se) || errors.As(err, &te)
}

// requestIDHeaders are where the services put their own request IDs, best
// first: Dataverse (x-ms-service-request-id, REQ_ID), Power BI (RequestId),
// ARM and the Power Platform resource providers (x-ms-request-id,
// x-ms-correlation-request-id), Graph (request-id).
var requestIDHeaders = []string{"x-ms-service-request-id", "REQ_ID", "RequestId", "x-ms-request-id", "x-ms-correlation-request-id", "request-id"}

// maxErrorBody bounds how much of a failed answer is read.
const maxErrorBody = 64 << 10

// NewError reads a failed answer (status, headers and at most 64 KB of its
// body) into an *Error. It never fails: an unreadable body leaves the
// status text as the message. The clients call it for every unexpected
// status; other code holding a service's *http.Response (an MSAL CallErr
// from Entra ID, say) can use it to get the same error.
func NewError(service, op string, resp *http.Response) *Error {
	e := &Error{Service: service, Op: op, Status: resp.StatusCode}
	for _, h := range requestIDHeaders {
		if v := resp.Header.Get(h); v != "" {
			e.RequestID = v
			break
		}
	}
	if resp.Request != nil {
		e.ClientRequestID = resp.Request.Header.Get(headerClientRequestID)
	}
	e.RetryAfter = retryAfter(resp.Header, time.Now())
	if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		readErrorBody(e, b)
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.Status)
	}
	if e.Message == "" {
		// A status with no standard text (a proxy's 499 or 520) and no body.
		e.Message = fmt.Sprintf("the service answered HTTP %d with no explanation", e.Status)
	}
	return e
}

const headerClientRequestID = "x-ms-client-request-id"

// text is a string member that may come as a string, a number, or an
// OData v3 {"lang":…,"value":…} object; anything else reads as "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*t = text(s)
		}
	case b[0] == '{':
		var v struct {
			Value text `json:"value"`
		}
		if json.Unmarshal(b, &v) == nil {
			*t = v.Value
		}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*t = text(b)
	}
	return nil
}

// serviceError is the object under "error" (ARM, the Power Platform
// providers, OData/Dataverse, Graph, Power BI) or "odata.error".
type serviceError struct {
	Code    text `json:"code"`
	Message text `json:"message"`
	// InnerError: Graph's innerError (request-id) and OData's innererror (message).
	InnerError *struct {
		Message   text `json:"message"`
		RequestID text `json:"request-id"`
	} `json:"innerError"`
	// PBIError is Power BI's detail, often the only code and text it sends:
	// {"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":…,"details":[…]}}}.
	PBIError *struct {
		Code    text `json:"code"`
		Details []struct {
			Code   text `json:"code"`
			Detail struct {
				Value text `json:"value"`
			} `json:"detail"`
		} `json:"details"`
	} `json:"pbi.error"`
}

// errorBody is every error shape the services use, read in one pass:
//
//	ARM, BAP, Power Apps, Flow   {"error":{"code","message","details"}} (ARM also "code"/"message" at the top)
//	OData, Dataverse             {"error":{"code":"0x80072322","message","innererror":{"message"}}}
//	Graph                        {"error":{"code","message","innerError":{"request-id","date"}}}
//	Power BI                     {"error":{"code","pbi.error":{"code","details":[{"code","detail":{"value"}}]}}}
//	Entra ID                     {"error":"invalid_grant","error_description","error_codes","trace_id","correlation_id"}
//	API Management (CI)          {"statusCode":401,"message"}
//	OData v3                     {"odata.error":{"code","message":{"lang","value"}}}
type errorBody struct {
	Error       json.RawMessage `json:"error"`
	ODataError  *serviceError   `json:"odata.error"`
	Description text            `json:"error_description"`
	TraceID     text            `json:"trace_id"`
	Code        text            `json:"code"`
	Message     text            `json:"message"`
}

// readErrorBody fills e's code, message and (when no header gave one)
// request ID from a failed answer's body, whatever its shape.
func readErrorBody(e *Error, b []byte) {
	if !json.Valid(b) {
		return
	}
	// A member of an unexpected type (a string innerError, say) is skipped
	// by encoding/json, which still fills the others: keep what it read.
	var body errorBody
	_ = json.Unmarshal(b, &body)
	var se *serviceError
	raw := bytes.TrimSpace(body.Error)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		se = new(serviceError)
		_ = json.Unmarshal(raw, se)
	case len(raw) > 0 && raw[0] == '"':
		// Entra ID: error is the OAuth error code, error_description the text.
		var code text
		_ = json.Unmarshal(raw, &code)
		e.Code, e.Message = string(code), string(body.Description)
		if e.RequestID == "" {
			e.RequestID = string(body.TraceID)
		}
	}
	if se == nil {
		se = body.ODataError
	}
	if se != nil {
		e.Code, e.Message = string(se.Code), string(se.Message)
		if in := se.InnerError; in != nil {
			e.Message = first(e.Message, string(in.Message))
			if e.RequestID == "" {
				e.RequestID = string(in.RequestID)
			}
		}
		if pbi := se.PBIError; pbi != nil {
			e.Code = first(e.Code, string(pbi.Code))
			for _, d := range pbi.Details {
				if e.Message == "" && d.Detail.Value != "" {
					e.Message = string(d.Detail.Value)
				}
			}
		}
	}
	e.Code = first(e.Code, string(body.Code))
	e.Message = first(e.Message, string(body.Message))
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// maxRetryAfter bounds a Retry-After, so absurd values cannot overflow.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads how long the service asks the client to wait: the
// millisecond headers some Azure services send, else Retry-After as
// delta-seconds or as an HTTP date (RFC 9110 §10.2.3), relative to now.
// It returns 0 when there is none, it is unreadable, or the date has passed.
func retryAfter(h http.Header, now time.Time) time.Duration {
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				return capRetry(n, time.Millisecond)
			}
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return capRetry(n, time.Second)
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0
	}
	return min(t.Sub(now), maxRetryAfter)
}

func capRetry(n int64, unit time.Duration) time.Duration {
	if n > int64(maxRetryAfter/unit) {
		return maxRetryAfter
	}
	return time.Duration(n) * unit
}
