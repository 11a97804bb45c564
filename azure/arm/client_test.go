package arm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

const (
	contosoID    = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	fabrikamID   = "6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"
	spApp        = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	spObject     = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"
	spSecret     = "sim-contoso-spn-secret-1"
	anaUPN       = "ana.lopez@fabrikam.example"
	armHost      = "management.azure.com"
	fastRetry    = time.Millisecond
	seattle      = "4977985"
	seattleName  = "Fabrikam Consulting (Seattle)"
	london       = "4977986"
	globalID     = "4977984"
	unknownID    = "9999999"
	tenantsCount = 4 // Ana: her home directory and three guest accounts
)

type env struct {
	sim     *sim.Server
	cloud   *cloud.Cloud
	session *auth.Session
}

// start runs the demo scenario and signs the Contoso service principal in
// with palwiz's own sign-in code (MSAL Go), as the commands do.
func start(t *testing.T, edit func(*sim.Scenario)) *env {
	t.Helper()
	w := simtest.Start(t, simtest.Options{Edit: edit})
	w.SignInSP(t, contosoID, spApp, spSecret)
	return &env{sim: w.Sim, cloud: w.Cloud, session: w.Session}
}

// client builds an ARM client for the signed-in identity and fetches its
// token, so that request counts afterwards are API calls only.
func (e *env) client(t *testing.T, o rest.Options) *arm.Client {
	t.Helper()
	if o.RetryDelay == 0 {
		o.RetryDelay = fastRetry
	}
	c := arm.New(e.session.Credential(""), e.cloud, o)
	if _, err := c.GetLink(context.Background()); err != nil {
		t.Fatalf("warm-up read: %v", err)
	}
	e.sim.ResetStats()
	return c
}

func (e *env) armRequests() int { return e.sim.Stats()[armHost] }

func TestLinkCalls(t *testing.T) {
	e := start(t, nil)
	c := e.client(t, rest.Options{})
	ctx := context.Background()

	if l, err := c.GetLink(ctx); err != nil || l != nil {
		t.Fatalf("GetLink before linking: %+v, %v; want nil, nil", l, err)
	}
	l, err := c.CreateLink(ctx, seattle)
	if err != nil {
		t.Fatal(err)
	}
	if l.PartnerID != seattle || l.PartnerName != seattleName || l.State != "Active" || l.Version != 1 ||
		l.TenantID != contosoID || l.ObjectID != spObject || l.CreatedTime.IsZero() || l.UpdatedTime.IsZero() {
		t.Fatalf("CreateLink: %+v", l)
	}
	got, err := c.GetLink(ctx)
	if err != nil || got == nil || *got != *l {
		t.Fatalf("GetLink after linking: %+v, %v; want %+v", got, err, l)
	}
	moved, err := c.UpdateLink(ctx, london)
	if err != nil || moved.PartnerID != london || moved.Version != 2 || !moved.CreatedTime.Equal(l.CreatedTime) {
		t.Fatalf("UpdateLink: %+v, %v", moved, err)
	}
	if err := c.DeleteLink(ctx, london); err != nil {
		t.Fatal(err)
	}
	if l, err := c.GetLink(ctx); err != nil || l != nil {
		t.Fatalf("GetLink after DeleteLink: %+v, %v", l, err)
	}
	if err := c.DeleteLink(ctx, london); err != nil {
		t.Fatalf("DeleteLink when not linked: %v (the service answers 200)", err)
	}
	if n := e.armRequests(); n != 7 {
		t.Errorf("%d ARM requests, want 7 (one per call)", n)
	}
}

func TestLinkErrors(t *testing.T) {
	cases := []struct {
		name     string
		call     func(context.Context, *arm.Client) error
		status   int
		code     string
		notFound bool
	}{
		{"PUT unknown ID", func(ctx context.Context, c *arm.Client) error { _, err := c.CreateLink(ctx, unknownID); return err }, 400, arm.CodePartnerInvalid, false},
		{"PUT global ID", func(ctx context.Context, c *arm.Client) error { _, err := c.CreateLink(ctx, globalID); return err }, 400, arm.CodePartnerInvalid, false},
		{"PATCH without a link", func(ctx context.Context, c *arm.Client) error { _, err := c.UpdateLink(ctx, london); return err }, 404, arm.CodeNotFound, true},
		{"PUT on a link", func(ctx context.Context, c *arm.Client) error {
			if _, err := c.CreateLink(ctx, seattle); err != nil {
				return err
			}
			_, err := c.CreateLink(ctx, london)
			return err
		}, 409, "Conflict", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, nil)
			c := e.client(t, rest.Options{})
			err := tc.call(context.Background(), c)
			var ae *rest.Error
			if !errors.As(err, &ae) {
				t.Fatalf("want *rest.Error, got %T %v", err, err)
			}
			if ae.Status != tc.status || ae.Code != tc.code || ae.Message == "" || ae.RequestID == "" {
				t.Fatalf("%+v, want status %d code %s with a message and request ID", ae, tc.status, tc.code)
			}
			if arm.IsNotLinked(err) != tc.notFound {
				t.Errorf("IsNotLinked = %v", !tc.notFound)
			}
			if !strings.Contains(err.Error(), ae.RequestID) || !strings.Contains(err.Error(), tc.code) {
				t.Errorf("message should quote the code and request ID: %v", err)
			}
		})
	}
}

func TestListTenants(t *testing.T) {
	e := start(t, nil)
	// Ana signs in with device code through palwiz's own sign-in code.
	ctx := context.Background()
	sess, err := auth.Open(ctx, auth.Config{Cloud: e.cloud, CloudID: "sim:test"})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := sess.StartDeviceCode(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sim.ApproveDeviceCode(dc.UserCode, anaUPN, false); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Wait(ctx, dc); err != nil {
		t.Fatal(err)
	}
	c := arm.New(sess.Credential(fabrikamID), e.cloud, rest.Options{RetryDelay: fastRetry})
	e.sim.ResetStats()
	ts, err := c.ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != tenantsCount {
		t.Fatalf("%d tenants, want %d: %+v", len(ts), tenantsCount, ts)
	}
	if ts[0].ID != fabrikamID || ts[0].DisplayName != "Fabrikam Consulting" || ts[0].DefaultDomain != "fabrikam.example" ||
		ts[0].Category != "Home" || ts[0].CountryCode != "US" || len(ts[0].Domains) != 2 {
		t.Errorf("first tenant %+v", ts[0])
	}
	// The demo's page size is 2: two pages, two requests.
	if n := e.armRequests(); n != 2 {
		t.Errorf("%d ARM requests for two pages", n)
	}
}

// TestFaults: the client against the simulator's injected faults. Counts are
// ARM requests (the token is already cached).
func TestFaults(t *testing.T) {
	cases := []struct {
		name     string
		fault    sim.Fault
		opts     rest.Options
		call     string // get, tenants
		requests int
		// want: "" = success; else a check on the error
		status  int    // *rest.Error status, 0 = not an *rest.Error
		code    string // *rest.Error code
		explain string // text of steps.Explain(err)
	}{
		{name: "429 with Retry-After, then success", fault: sim.Fault{Kind: "throttle", RetryAfter: 1, Times: 1}, call: "get", requests: 2},
		{name: "503 twice, then success", fault: sim.Fault{Kind: "status", Status: 503, Times: 2}, call: "get", requests: 3},
		{name: "500 on tenants, then success", fault: sim.Fault{Kind: "status", Status: 500, Times: 1}, call: "tenants", requests: 2},
		{name: "500 until retries run out", fault: sim.Fault{Kind: "status", Status: 500}, opts: rest.Options{MaxRetries: 2}, call: "get", requests: 3,
			status: 500, code: "InternalServerError", explain: "server error"},
		{name: "429 until retries run out", fault: sim.Fault{Kind: "throttle", RetryAfter: 1}, opts: rest.Options{MaxRetries: 1}, call: "get", requests: 2,
			status: 429, code: "TooManyRequests", explain: "throttling"},
		{name: "404 is not retried", fault: sim.Fault{Kind: "status", Status: 404, Code: "ResourceNotFound"}, call: "get", requests: 1,
			status: 404, code: "ResourceNotFound"},
		{name: "connection reset, then success", fault: sim.Fault{Kind: "reset", Times: 1}, call: "get", requests: 2},
		{name: "connection reset every time", fault: sim.Fault{Kind: "reset"}, opts: rest.Options{MaxRetries: 1}, call: "get", requests: 2,
			explain: "connection"},
		{name: "malformed JSON", fault: sim.Fault{Kind: "malformed", Times: 1}, call: "get", requests: 1, explain: "not the JSON palwiz expects"},
		{name: "malformed JSON on tenants", fault: sim.Fault{Kind: "malformed", Times: 1}, call: "tenants", requests: 1, explain: "JSON"},
		{name: "slower than the try timeout", fault: sim.Fault{Kind: "slow", Delay: sim.Duration(10 * time.Second)},
			opts: rest.Options{TryTimeout: 100 * time.Millisecond, MaxRetries: 1}, call: "get", requests: 2, explain: "did not answer in time"},
		{name: "slow once, then in time", fault: sim.Fault{Kind: "slow", Delay: sim.Duration(10 * time.Second), Times: 1},
			opts: rest.Options{TryTimeout: 200 * time.Millisecond}, call: "get", requests: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, nil)
			c := e.client(t, tc.opts)
			f := tc.fault
			f.Host = armHost
			if err := e.sim.AddFault(f); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var err error
			switch tc.call {
			case "get":
				_, err = c.GetLink(ctx)
			case "tenants":
				var ts []arm.Tenant
				ts, err = c.ListTenants(ctx)
				if err == nil && len(ts) != 1 {
					t.Errorf("tenants %+v", ts)
				}
			}
			if n := e.armRequests(); n != tc.requests {
				t.Errorf("%d ARM requests, want %d", n, tc.requests)
			}
			if tc.status == 0 && tc.explain == "" {
				if err != nil {
					t.Fatalf("want success after the fault, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			var ae *rest.Error
			if tc.status != 0 {
				if !errors.As(err, &ae) || ae.Status != tc.status || ae.Code != tc.code || ae.RequestID == "" {
					t.Fatalf("want *rest.Error %d %s with a request ID, got %T %+v", tc.status, tc.code, err, err)
				}
			}
			msg := steps.Explain(err).Error()
			if !strings.Contains(msg, tc.explain) {
				t.Fatalf("explained as %q, want it to say %q", msg, tc.explain)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
				t.Fatalf("explanation leaks internals: %s", msg)
			}
		})
	}
}

// TestRevokedToken: a token the service no longer accepts is an auth error
// that says to sign in again.
func TestRevokedToken(t *testing.T) {
	e := start(t, nil)
	c := e.client(t, rest.Options{})
	e.sim.ExpireAccessTokens()
	_, err := c.GetLink(context.Background())
	var ae *rest.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "ExpiredAuthenticationToken" {
		t.Fatalf("want 401 ExpiredAuthenticationToken, got %v", err)
	}
	var authErr *auth.Error
	if !errors.As(steps.Explain(err), &authErr) || authErr.Reason != auth.ReasonTokenRejected || !strings.Contains(authErr.Error(), "palwiz login") {
		t.Fatalf("Explain: %v", steps.Explain(err))
	}
}
