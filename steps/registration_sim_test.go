package steps_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

const (
	contosoID = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002"
	spApp     = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d60501"
	spObject  = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"
	spSecret  = "sim-contoso-spn-secret-1"
	armHost   = "management.azure.com"
	seattle   = "4977985"
	london    = "4977986"
	dublin    = "5127255"
)

type world struct {
	sim *sim.Server
	api *arm.Client
}

// newWorld runs the demo scenario (changed by edit), signs the Contoso
// service principal in with palwiz's sign-in code and returns an ARM client
// whose token is cached, so request counts are API calls only.
func newWorld(t *testing.T, edit func(*sim.Scenario), o rest.Options) *world {
	t.Helper()
	ctx := context.Background()
	w := simtest.Start(t, simtest.Options{Edit: edit})
	w.SignInSP(t, contosoID, spApp, spSecret)
	s, c, sess := w.Sim, w.Cloud, w.Session
	if o.RetryDelay == 0 {
		o.RetryDelay = time.Millisecond
	}
	api := arm.New(sess.Credential(""), c, o)
	if _, err := sess.Credential("").GetToken(ctx, tokenOptions()); err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	return &world{sim: s, api: api}
}

func linkedTo(id string) func(*sim.Scenario) {
	return func(sc *sim.Scenario) {
		sc.Links = append(sc.Links, sim.Link{Tenant: contosoID, ObjectID: spObject, PartnerID: id})
	}
}

func putOnExisting(v string, then func(*sim.Scenario)) func(*sim.Scenario) {
	return func(sc *sim.Scenario) {
		sc.Settings.PutOnExisting = v
		if then != nil {
			then(sc)
		}
	}
}

// TestRegistrationAgainstSimulator runs the Registration rule against the
// simulated service, faults included. current, when set, is a link the
// caller read earlier (LinkFrom), which may be stale.
func TestRegistrationAgainstSimulator(t *testing.T) {
	stale := func(id string) *arm.Link { return &arm.Link{PartnerID: id, State: "Active"} }
	cases := []struct {
		name     string
		edit     func(*sim.Scenario)
		fault    *sim.Fault
		opts     rest.Options
		current  *arm.Link // for LinkFrom; nil with fromRead = false means Link
		fromRead bool
		want     string
		force    bool

		action    steps.Action
		recovered bool
		errAs     any
		errText   string
		linked    string // in the simulator afterwards
		requests  int
	}{
		{name: "not linked: link", want: seattle, action: steps.ActionLink, linked: seattle, requests: 2},
		{name: "same ID: nothing to do", edit: linkedTo(seattle), want: seattle, action: steps.ActionNone, linked: seattle, requests: 1},
		{name: "soft-deleted link: link again", edit: func(sc *sim.Scenario) {
			sc.Links = append(sc.Links, sim.Link{Tenant: contosoID, ObjectID: spObject, PartnerID: dublin, Deleted: true})
		}, want: seattle, action: steps.ActionLink, linked: seattle, requests: 2},
		{name: "other ID, not forced", edit: linkedTo(dublin), want: seattle, action: steps.ActionMove,
			errAs: new(*steps.NeedsForceError), errText: "Tailspin Partners (Dublin)", linked: dublin, requests: 1},
		{name: "other ID, forced: moved", edit: linkedTo(dublin), want: seattle, force: true, action: steps.ActionMove, linked: seattle, requests: 2},
		{name: "invalid ID: explained, no re-read", want: "9999999", action: steps.ActionLink,
			errAs: new(*steps.ServiceError), errText: "Partner Location ID", requests: 2},
		{name: "global ID: explained", want: "4977984", action: steps.ActionLink,
			errAs: new(*steps.ServiceError), errText: "not recognise", requests: 2},
		{name: "PUT answer lost once: retried PUT conflicts, re-read recovers",
			fault: &sim.Fault{Method: "PUT", Kind: "status", Status: 500, Times: 1, AfterServe: true},
			want:  seattle, action: steps.ActionLink, recovered: true, linked: seattle, requests: 4}, // GET, PUT 500, PUT 409, GET
		{name: "PUT answers lost until retries run out: re-read recovers",
			fault: &sim.Fault{Method: "PUT", Kind: "status", Status: 504, AfterServe: true}, opts: rest.Options{MaxRetries: 2},
			want: seattle, action: steps.ActionLink, recovered: true, linked: seattle, requests: 5}, // GET, 3 × PUT, GET
		{name: "PUT connection reset after the write: re-read recovers",
			fault: &sim.Fault{Method: "PUT", Kind: "reset", AfterServe: true}, opts: rest.Options{MaxRetries: 1},
			want: seattle, action: steps.ActionLink, recovered: true, linked: seattle, requests: 4},
		{name: "PUT refused with 400 on a link another process made (badrequest)", edit: putOnExisting("badrequest", linkedTo(seattle)),
			fromRead: true, want: seattle, action: steps.ActionLink, recovered: true, linked: seattle, requests: 2},
		{name: "stale read, another process linked another ID", edit: linkedTo(dublin),
			fromRead: true, want: seattle, action: steps.ActionMove, errAs: new(*steps.NeedsForceError), errText: "--force", linked: dublin, requests: 2},
		{name: "stale read, PUT answered 200 with the existing other link (putOnExisting ok)", edit: putOnExisting("ok", linkedTo(dublin)),
			fromRead: true, want: seattle, action: steps.ActionMove, errAs: new(*steps.NeedsForceError), errText: "Tailspin", linked: dublin, requests: 1},
		{name: "PUT fails and nothing landed: explained", fault: &sim.Fault{Method: "PUT", Kind: "status", Status: 503},
			opts: rest.Options{MaxRetries: 1}, want: seattle, action: steps.ActionLink,
			errAs: new(*steps.ServiceError), errText: "server error", requests: 4}, // GET, 2 × PUT, GET
		{name: "forced move, PATCH answers lost until retries run out: re-read recovers", edit: linkedTo(dublin),
			fault: &sim.Fault{Method: "PATCH", Kind: "status", Status: 502, AfterServe: true}, opts: rest.Options{MaxRetries: 1},
			want: seattle, force: true, action: steps.ActionMove, recovered: true, linked: seattle, requests: 4}, // GET, 2 × PATCH, GET
		{name: "forced move, PATCH connection reset after the write: re-read recovers", edit: linkedTo(dublin),
			fault: &sim.Fault{Method: "PATCH", Kind: "reset", AfterServe: true}, opts: rest.Options{MaxRetries: 1},
			want: seattle, force: true, action: steps.ActionMove, recovered: true, linked: seattle, requests: 4},
		{name: "forced move, PATCH fails and nothing moved: the link as read", edit: linkedTo(dublin),
			fault: &sim.Fault{Method: "PATCH", Kind: "status", Status: 503}, opts: rest.Options{MaxRetries: 1},
			want: seattle, force: true, action: steps.ActionMove, errAs: new(*steps.ReadBackError), errText: "linked to partner Tailspin Partners (Dublin) (5127255)", linked: dublin, requests: 4},
		{name: "forced move, link vanished since the read: PATCH 404, then PUT",
			current: stale(dublin), fromRead: true, want: seattle, force: true, action: steps.ActionLink, linked: seattle, requests: 2},
		{name: "read slower than the try timeout: explained",
			fault: &sim.Fault{Method: "GET", Kind: "slow", Delay: sim.Duration(10 * time.Second)}, opts: rest.Options{TryTimeout: 100 * time.Millisecond, MaxRetries: 1},
			want: seattle, errAs: new(*steps.ServiceError), errText: "did not answer in time", requests: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.edit, c.opts)
			if c.fault != nil {
				f := *c.fault
				f.Host = armHost
				if err := w.sim.AddFault(f); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			var out steps.Outcome
			var err error
			if c.fromRead {
				out, err = steps.LinkFrom(ctx, w.api, c.current, c.want, c.force)
			} else {
				out, err = steps.Link(ctx, w.api, c.want, c.force)
			}
			if out.Action != c.action || out.Recovered != c.recovered {
				t.Errorf("outcome %+v (err %v), want action %q recovered %v", out, err, c.action, c.recovered)
			}
			if n := w.sim.Stats()[armHost]; n != c.requests {
				t.Errorf("%d ARM requests, want %d", n, c.requests)
			}
			if got := w.sim.LinkOf(contosoID, spObject); got != c.linked {
				t.Errorf("the simulator holds link %q, want %q", got, c.linked)
			}
			if c.errAs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if out.Action != steps.ActionNone && (out.After == nil || out.After.PartnerID != c.want || out.After.State != "Active") {
					t.Errorf("After %+v, want the new link", out.After)
				}
				return
			}
			if err == nil || !errors.As(err, c.errAs) {
				t.Fatalf("error %T %v, want %T", err, err, c.errAs)
			}
			if !strings.Contains(err.Error(), c.errText) {
				t.Fatalf("error %q does not say %q", err, c.errText)
			}
		})
	}
}

func TestUnlinkAgainstSimulator(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(*sim.Scenario)
		fault    *sim.Fault
		action   steps.Action
		requests int
	}{
		{"not linked", nil, nil, steps.ActionNothing, 1},
		{"linked", linkedTo(seattle), nil, steps.ActionUnlink, 2},
		{"DELETE answer lost once: the retry is idempotent", linkedTo(seattle), &sim.Fault{Method: "DELETE", Kind: "status", Status: 502, Times: 1, AfterServe: true}, steps.ActionUnlink, 3},
		{"DELETE answers lost until retries run out: read again, gone", linkedTo(seattle), &sim.Fault{Method: "DELETE", Kind: "status", Status: 502, AfterServe: true}, steps.ActionUnlink, 6}, // GET, 4 × DELETE, GET
		{"DELETE connection reset after the write: read again, gone", linkedTo(seattle), &sim.Fault{Method: "DELETE", Kind: "reset", AfterServe: true}, steps.ActionUnlink, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.edit, rest.Options{})
			if c.fault != nil {
				f := *c.fault
				f.Host = armHost
				_ = w.sim.AddFault(f)
			}
			out, err := steps.Unlink(context.Background(), w.api)
			if err != nil || out.Action != c.action {
				t.Fatalf("%+v %v, want %q", out, err, c.action)
			}
			if got := w.sim.LinkOf(contosoID, spObject); got != "" {
				t.Errorf("still linked to %s", got)
			}
			if n := w.sim.Stats()[armHost]; n != c.requests {
				t.Errorf("%d ARM requests, want %d", n, c.requests)
			}
		})
	}
}

func tokenOptions() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{cloud.ARMScope}}
}
