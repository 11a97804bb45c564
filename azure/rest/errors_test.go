package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Error bodies as the services document them. Each is served by a test
// server with its headers and read through the client, as in production.
var errorShapes = []struct {
	name    string
	status  int
	header  map[string]string
	body    string
	code    string
	message string
	request string
	retry   time.Duration
}{
	{name: "ARM", status: 400, header: map[string]string{"x-ms-request-id": "arm-1", "x-ms-correlation-request-id": "corr-1"},
		body: `{"error":{"code":"PartnerIdInvalid","message":"The Partner ID is not valid","details":[]}}`,
		code: "PartnerIdInvalid", message: "The Partner ID is not valid", request: "arm-1"},
	{name: "ARM, the Management Partner's doubled envelope", status: 404, header: map[string]string{"x-ms-correlation-request-id": "corr-2"},
		body: `{"error":{"code":"ManagementPartnerNotFound","message":"This user or service principal is not linked with a Partner ID"},"code":"ManagementPartnerNotFound","message":"This user or service principal is not linked with a Partner ID"}`,
		code: "ManagementPartnerNotFound", message: "This user or service principal is not linked with a Partner ID", request: "corr-2"},
	{name: "ARM, legacy top-level code", status: 409, header: map[string]string{"x-ms-request-id": "arm-3"},
		body: `{"code":"Conflict","message":"The link exists."}`, code: "Conflict", message: "The link exists.", request: "arm-3"},
	{name: "BAP", status: 403, header: map[string]string{"x-ms-service-request-id": "bap-1", "x-ms-request-id": "other"},
		body: `{"error":{"code":"EnvironmentAccessDenied","message":"Access to the environment 'xyz' is denied."}}`,
		code: "EnvironmentAccessDenied", message: "Access to the environment 'xyz' is denied.", request: "bap-1"},
	{name: "Dataverse service protection, requests", status: 429, header: map[string]string{"REQ_ID": "dv-1", "Retry-After": "34"},
		body: `{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds.","@Microsoft.PowerApps.CDS.HelpLink":"http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a80072322&client=platform"}}`,
		code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds.", request: "dv-1", retry: 34 * time.Second},
	{name: "Dataverse service protection, execution time", status: 429, header: map[string]string{"x-ms-service-request-id": "dv-2", "Retry-After": "120"},
		body: `{"error":{"code":"0x80072321","message":"Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later."}}`,
		code: "0x80072321", message: "Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
		request: "dv-2", retry: 2 * time.Minute},
	{name: "Dataverse service protection, concurrency", status: 429, header: map[string]string{"x-ms-service-request-id": "dv-3", "Retry-After": "1"},
		body: `{"error":{"code":"0x80072326","message":"Number of concurrent requests exceeded the limit of 52."}}`,
		code: "0x80072326", message: "Number of concurrent requests exceeded the limit of 52.", request: "dv-3", retry: time.Second},
	{name: "Dataverse 401 with an authorization_uri challenge and no body", status: 401,
		header:  map[string]string{"WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002/oauth2/authorize, resource_id=https://contosoprod.crm.dynamics.com/`, "REQ_ID": "dv-4"},
		message: "Unauthorized", request: "dv-4"},
	{name: "OData innererror only", status: 400, body: `{"error":{"code":"0x0","message":"","innererror":{"message":"Resource not found for the segment 'bots'.","type":"Microsoft.OData.UriParser.ODataUnrecognizedPathException"}}}`,
		code: "0x0", message: "Resource not found for the segment 'bots'."},
	{name: "Power BI pbi.error without a message", status: 401, header: map[string]string{"RequestId": "pbi-1"},
		body: `{"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}}`,
		code: "PowerBINotAuthorizedException", message: "Unauthorized", request: "pbi-1"},
	{name: "Power BI pbi.error with only its own code and a detail", status: 400, header: map[string]string{"RequestId": "pbi-2"},
		body: `{"error":{"pbi.error":{"code":"InvalidRequest","details":[{"code":"Reason","detail":{"type":1,"value":"The dataset is not configured."}}]}}}`,
		code: "InvalidRequest", message: "The dataset is not configured.", request: "pbi-2"},
	{name: "Power BI with a message", status: 404, header: map[string]string{"RequestId": "pbi-3"},
		body: `{"error":{"code":"ItemNotFound","message":"Dataset 3 is not found! please verify datasetId is correct and user have sufficient permissions."}}`,
		code: "ItemNotFound", message: "Dataset 3 is not found! please verify datasetId is correct and user have sufficient permissions.", request: "pbi-3"},
	{name: "Graph, request ID in the header", status: 403, header: map[string]string{"request-id": "g-1", "client-request-id": "c"},
		body: `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-03-01T10:00:00","request-id":"g-body","client-request-id":"c"}}}`,
		code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation.", request: "g-1"},
	{name: "Graph, request ID only in innerError", status: 404,
		body: `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"2026-03-01T10:00:00","request-id":"g-2"}}}`,
		code: "Request_ResourceNotFound", message: "Resource 'x' does not exist.", request: "g-2"},
	{name: "Entra ID", status: 400,
		body: `{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.","error_codes":[50076],"timestamp":"2026-03-01 10:00:00Z","trace_id":"e-1","correlation_id":"c-1","suberror":"basic_action"}`,
		code: "invalid_grant", message: "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.", request: "e-1"},
	{name: "Entra ID throttled, Retry-After as an HTTP date", status: 429, header: map[string]string{"x-ms-request-id": "e-2", "Retry-After": "DATE+90s"},
		body: `{"error":"temporarily_unavailable","error_description":"AADSTS50196: The server terminated an operation because it encountered a client request loop.","error_codes":[50196],"trace_id":"e-body"}`,
		code: "temporarily_unavailable", message: "AADSTS50196: The server terminated an operation because it encountered a client request loop.", request: "e-2", retry: 90 * time.Second},
	{name: "API Management (Customer Insights)", status: 401, header: map[string]string{"x-ms-request-id": "ci-1"},
		body:    `{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}`,
		message: "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.", request: "ci-1"},
	{name: "OData v3", status: 400, body: `{"odata.error":{"code":"Request_BadRequest","message":{"lang":"en","value":"Invalid value."}}}`,
		code: "Request_BadRequest", message: "Invalid value."},
	{name: "a proxy's HTML page", status: 502, body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, message: "Bad Gateway"},
	{name: "a status without text or body", status: 520, message: "the service answered HTTP 520 with no explanation"},
	{name: "members of unexpected types", status: 400, body: `{"odata.error":"x","error":{"code":"X","message":"m","innerError":"x","pbi.error":[]}}`, code: "X", message: "m"},
	{name: "a numeric code", status: 400, body: `{"error":{"code":400,"message":"bad"}}`, code: "400", message: "bad"},
}

func TestErrorShapes(t *testing.T) {
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					if strings.HasPrefix(v, "DATE+") {
						d, _ := time.ParseDuration(strings.TrimPrefix(v, "DATE+"))
						v = time.Now().Add(d + time.Second).UTC().Format(http.TimeFormat)
					}
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}, Options{MaxRetries: -1})
			err := c.Do(context.Background(), Request{Op: "read it", URL: srv.URL}, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not a *rest.Error: %T %v", err, err)
			}
			if e.Status != tc.status || e.Code != tc.code || e.Message != tc.message || e.RequestID != tc.request || e.Service != "Test service" || e.Op != "read it" {
				t.Errorf("got %+v\nwant code %q message %q request %q", e, tc.code, tc.message, tc.request)
			}
			if e.RetryAfter < tc.retry || e.RetryAfter > tc.retry+2*time.Second {
				t.Errorf("RetryAfter %v, want %v", e.RetryAfter, tc.retry)
			}
			if e.ClientRequestID == "" {
				t.Error("no client request ID")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "read it: "+tc.message) || !strings.Contains(msg, fmt.Sprintf("HTTP %d", tc.status)) || tc.code != "" && !strings.Contains(msg, tc.code) ||
				tc.request != "" && !strings.Contains(msg, "[request "+tc.request+"]") {
				t.Errorf("message %q", msg)
			}
			want := strings.Join(slices.DeleteFunc([]string{tc.code, fmt.Sprintf("HTTP %d", tc.status), "request " + tc.request}, func(s string) bool { return s == "" || s == "request " }), ", ")
			if tc.request == "" {
				want += ", client request " + e.ClientRequestID
			}
			if e.Detail() != want {
				t.Errorf("Detail %q, want %q", e.Detail(), want)
			}
			if !IsStatus(err, 999, tc.status) || IsStatus(err, 999) || Code(fmt.Errorf("wrapped: %w", err)) != tc.code {
				t.Error("IsStatus or Code disagree with the error")
			}
		})
	}
	if IsStatus(errors.New("plain"), 400) || Code(errors.New("plain")) != "" || Code(nil) != "" {
		t.Error("IsStatus or Code on an error that is not an *Error")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"none", nil, 0},
		{"seconds", map[string]string{"Retry-After": "120"}, 2 * time.Minute},
		{"seconds with spaces", map[string]string{"Retry-After": " 5 "}, 5 * time.Second},
		{"zero", map[string]string{"Retry-After": "0"}, 0},
		{"negative", map[string]string{"Retry-After": "-5"}, 0},
		{"absurd seconds", map[string]string{"Retry-After": "99999999999999999"}, maxRetryAfter},
		{"beyond int64", map[string]string{"Retry-After": "999999999999999999999999"}, 0},
		{"IMF-fixdate", map[string]string{"Retry-After": "Sun, 01 Mar 2026 10:01:30 GMT"}, 90 * time.Second},
		{"RFC 850 date", map[string]string{"Retry-After": "Sunday, 01-Mar-26 10:00:10 GMT"}, 10 * time.Second},
		{"asctime date", map[string]string{"Retry-After": "Sun Mar  1 10:00:20 2026"}, 20 * time.Second},
		{"a date in the past", map[string]string{"Retry-After": "Sun, 01 Mar 2026 09:59:00 GMT"}, 0},
		{"a date now", map[string]string{"Retry-After": "Sun, 01 Mar 2026 10:00:00 GMT"}, 0},
		{"a date years ahead", map[string]string{"Retry-After": "Fri, 01 Mar 2030 10:00:00 GMT"}, maxRetryAfter},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"a Go duration is not HTTP", map[string]string{"Retry-After": "5s"}, 0},
		{"milliseconds first", map[string]string{"retry-after-ms": "1500", "Retry-After": "9"}, 1500 * time.Millisecond},
		{"x-ms milliseconds", map[string]string{"x-ms-retry-after-ms": "250"}, 250 * time.Millisecond},
		{"bad milliseconds, then seconds", map[string]string{"retry-after-ms": "x", "Retry-After": "3"}, 3 * time.Second},
	}
	for _, tc := range cases {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The pipeline answers continuous access evaluation's claims challenge by
// itself, and hands any other challenge to Options.Authorization.OnChallenge.
func TestChallenges(t *testing.T) {
	t.Run("CAE claims challenge", func(t *testing.T) {
		c, srv, reqs := testClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok+claims" {
				// {"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}
				w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzAwMDAwMDAwIn19fQ=="`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, `{}`)
		}, Options{})
		if err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL}, nil); err != nil {
			t.Fatal(err)
		}
		<-reqs
		if r := <-reqs; !strings.Contains(r.Claims, `"nbf"`) || !r.EnableCAE {
			t.Errorf("the second token request %+v does not carry the claims", r)
		}
	})
	t.Run("other challenge to the handler", func(t *testing.T) {
		var seen string
		o := Options{Authorization: policyAuthorization(func(challenge string) { seen = challenge })}
		c, srv, _ := testClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok+claims" {
				w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/t/oauth2/authorize", resource_id="https://org.crm.dynamics.com/"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, `{}`)
		}, o)
		if err := c.Do(context.Background(), Request{Op: "read", URL: srv.URL}, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(seen, "resource_id") {
			t.Errorf("the handler saw %q", seen)
		}
	})
}

// policyAuthorization answers any challenge by asking for a token with
// claims, after telling saw the challenge.
func policyAuthorization(saw func(challenge string)) policy.AuthorizationHandler {
	return policy.AuthorizationHandler{OnChallenge: func(_ *policy.Request, resp *http.Response, authorize func(policy.TokenRequestOptions) error) error {
		saw(resp.Header.Get("WWW-Authenticate"))
		return authorize(policy.TokenRequestOptions{Scopes: []string{"https://svc.example/.default"}, Claims: "x"})
	}}
}
