package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/rest"
)

func active(id, name string) *arm.Link {
	return &arm.Link{PartnerID: id, PartnerName: name, State: "Active", Version: 1}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name    string
		current *arm.Link
		want    string
		action  Action
	}{
		{"not linked", nil, "4977985", ActionLink},
		{"soft-deleted link", &arm.Link{PartnerID: "4977985", State: "Deleted"}, "4977985", ActionLink},
		{"soft-deleted link to another ID", &arm.Link{PartnerID: "5127255", State: "Deleted"}, "4977985", ActionLink},
		{"same ID", active("4977985", ""), "4977985", ActionNone},
		{"another ID", active("5127255", ""), "4977985", ActionMove},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(c.current, c.want); got != c.action {
				t.Fatalf("Decide = %s, want %s", got, c.action)
			}
		})
	}
}

// fakeAPI is a LinkAPI whose answers the test sets, and which records calls.
type fakeAPI struct {
	link   *arm.Link
	getErr []error // errors of successive GetLink calls (nil = answer link)
	// createErr fails PUT; createLands makes the PUT take effect anyway (a lost answer).
	createErr   error
	createLands bool
	// createSteals links someone else's ID in between (another process).
	createSteals string
	// createOK answers PUT with 200 and an existing link to this ID (a
	// service that answers a PUT on a link with that link).
	createOK  string
	updateErr error
	// updateLands and deleteLands make a failing PATCH or DELETE take
	// effect anyway (the answer was lost on the way back).
	updateLands bool
	deleteErr   error
	deleteLands bool
	calls       []string
}

func (f *fakeAPI) GetLink(context.Context) (*arm.Link, error) {
	f.calls = append(f.calls, "GET")
	if len(f.getErr) > 0 {
		err := f.getErr[0]
		f.getErr = f.getErr[1:]
		if err != nil {
			return nil, err
		}
	}
	if f.link == nil || f.link.State != "Active" {
		return nil, nil
	}
	l := *f.link
	return &l, nil
}

func (f *fakeAPI) CreateLink(_ context.Context, id string) (*arm.Link, error) {
	f.calls = append(f.calls, "PUT "+id)
	if f.createOK != "" {
		f.link = active(f.createOK, "Existing")
		l := *f.link
		return &l, nil
	}
	if f.createSteals != "" {
		f.link = active(f.createSteals, "Someone else")
		return nil, armErr(409, "Conflict")
	}
	if f.createErr != nil {
		if f.createLands {
			f.link = active(id, "Landed")
		}
		return nil, f.createErr
	}
	f.link = active(id, "Created")
	l := *f.link
	return &l, nil
}

func (f *fakeAPI) UpdateLink(_ context.Context, id string) (*arm.Link, error) {
	f.calls = append(f.calls, "PATCH "+id)
	if f.updateErr != nil {
		if f.updateLands {
			f.link = active(id, "Moved")
		}
		return nil, f.updateErr
	}
	f.link = active(id, "Moved")
	l := *f.link
	return &l, nil
}

func (f *fakeAPI) DeleteLink(_ context.Context, id string) error {
	f.calls = append(f.calls, "DELETE "+id)
	if f.deleteErr != nil {
		if f.deleteLands && f.link != nil {
			f.link.State = "Deleted"
		}
		return f.deleteErr
	}
	if f.link != nil {
		f.link.State = "Deleted"
	}
	return nil
}

func armErr(status int, code string) *rest.Error {
	return &rest.Error{Op: "test", Status: status, Code: code, Message: code + " message", RequestID: "req-1"}
}

func TestLink(t *testing.T) {
	const want = "4977985"
	cases := []struct {
		name      string
		api       *fakeAPI
		force     bool
		calls     []string
		action    Action
		after     string // partner ID of Outcome.After ("" = none)
		before    string
		recovered bool
		errIs     any    // target type for errors.As
		errText   string // text in the error
	}{
		{name: "not linked: PUT", api: &fakeAPI{}, calls: []string{"GET", "PUT " + want}, action: ActionLink, after: want},
		{name: "soft-deleted: PUT", api: &fakeAPI{link: &arm.Link{PartnerID: want, State: "Deleted"}}, calls: []string{"GET", "PUT " + want}, action: ActionLink, after: want},
		{name: "same ID: nothing", api: &fakeAPI{link: active(want, "Fabrikam")}, calls: []string{"GET"}, action: ActionNone, after: want, before: want},
		{name: "other ID, not forced", api: &fakeAPI{link: active("5127255", "Tailspin")}, calls: []string{"GET"}, action: ActionMove, before: "5127255",
			errIs: new(*NeedsForceError), errText: "Tailspin (5127255)"},
		{name: "other ID, forced: PATCH", api: &fakeAPI{link: active("5127255", "Tailspin")}, force: true, calls: []string{"GET", "PATCH " + want}, action: ActionMove, before: "5127255", after: want},
		{name: "forced, link vanished before PATCH: PUT", api: &fakeAPI{link: active("5127255", ""), updateErr: armErr(404, arm.CodeNotFound)}, force: true,
			calls: []string{"GET", "PATCH " + want, "PUT " + want}, action: ActionLink, after: want},
		{name: "forced, PATCH refused: read again, still the old link", api: &fakeAPI{link: active("5127255", "Tailspin"), updateErr: armErr(400, arm.CodePartnerInvalid)}, force: true,
			calls: []string{"GET", "PATCH " + want, "GET"}, action: ActionMove, before: "5127255", after: "5127255", errIs: new(*ServiceError), errText: "read the link again: this identity is linked to partner Tailspin (5127255)"},
		{name: "forced, PATCH answer lost, the move landed: recovered", api: &fakeAPI{link: active("5127255", ""), updateErr: armErr(502, "BadGateway"), updateLands: true}, force: true,
			calls: []string{"GET", "PATCH " + want, "GET"}, action: ActionMove, before: "5127255", after: want, recovered: true},
		{name: "forced, PATCH failed and the re-read failed: unknown", api: &fakeAPI{link: active("5127255", ""), updateErr: armErr(502, "BadGateway"), getErr: []error{nil, armErr(503, "ServiceUnavailable")}}, force: true,
			calls: []string{"GET", "PATCH " + want, "GET"}, action: ActionMove, before: "5127255", errIs: new(*ReadBackError), errText: "cannot tell whether the change was made"},
		{name: "PUT answer lost, link landed: recovered", api: &fakeAPI{createErr: armErr(500, "InternalServerError"), createLands: true},
			calls: []string{"GET", "PUT " + want, "GET"}, action: ActionLink, after: want, recovered: true},
		{name: "PUT conflict, another ID landed in between", api: &fakeAPI{createSteals: "6200311"},
			calls: []string{"GET", "PUT " + want, "GET"}, action: ActionMove, before: "6200311", errIs: new(*NeedsForceError), errText: "--force"},
		{name: "PUT answered 200 with another existing link", api: &fakeAPI{createOK: "6200311"},
			calls: []string{"GET", "PUT " + want}, action: ActionMove, before: "6200311", errIs: new(*NeedsForceError), errText: "Existing (6200311)"},
		{name: "PUT failed, nothing landed", api: &fakeAPI{createErr: armErr(503, "ServiceUnavailable")},
			calls: []string{"GET", "PUT " + want, "GET"}, action: ActionLink, errIs: new(*ServiceError), errText: "server error"},
		{name: "PUT failed, re-read failed too", api: &fakeAPI{createErr: armErr(503, "ServiceUnavailable"), getErr: []error{nil, armErr(503, "ServiceUnavailable")}},
			calls: []string{"GET", "PUT " + want, "GET"}, action: ActionLink, errIs: new(*ServiceError), errText: "req-1"},
		{name: "invalid ID: no re-read", api: &fakeAPI{createErr: armErr(400, arm.CodePartnerInvalid)},
			calls: []string{"GET", "PUT " + want}, action: ActionLink, errIs: new(*ServiceError), errText: "Partner Location ID"},
		{name: "read fails: no write", api: &fakeAPI{getErr: []error{armErr(401, "ExpiredAuthenticationToken")}},
			calls: []string{"GET"}, errIs: new(*auth.Error), errText: "palwiz login"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Link(context.Background(), c.api, want, c.force)
			if !reflect.DeepEqual(c.api.calls, c.calls) {
				t.Errorf("calls %v, want %v", c.api.calls, c.calls)
			}
			if out.Action != c.action || out.Recovered != c.recovered {
				t.Errorf("outcome %+v, want action %q recovered %v", out, c.action, c.recovered)
			}
			if id := linkID(out.After); id != c.after {
				t.Errorf("after %q, want %q", id, c.after)
			}
			if id := linkID(out.Before); id != c.before {
				t.Errorf("before %q, want %q", id, c.before)
			}
			if c.errIs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !errors.As(err, c.errIs) {
				t.Fatalf("error %T %v, want %T", err, err, c.errIs)
			}
			if !strings.Contains(err.Error(), c.errText) {
				t.Fatalf("error %q does not say %q", err, c.errText)
			}
		})
	}
}

func linkID(l *arm.Link) string {
	if l == nil {
		return ""
	}
	return l.PartnerID
}

// TestLinkFrom: when the caller already read the link (the TUI shows it
// first), no second read is made before the write.
func TestLinkFrom(t *testing.T) {
	api := &fakeAPI{}
	out, err := LinkFrom(context.Background(), api, nil, "4977985", false)
	if err != nil || out.Action != ActionLink || !reflect.DeepEqual(api.calls, []string{"PUT 4977985"}) {
		t.Fatalf("%+v %v calls %v", out, err, api.calls)
	}
}

func TestUnlink(t *testing.T) {
	cases := []struct {
		name    string
		api     *fakeAPI
		calls   []string
		action  Action
		errText string
	}{
		{"not linked", &fakeAPI{}, []string{"GET"}, ActionNothing, ""},
		{"soft-deleted", &fakeAPI{link: &arm.Link{PartnerID: "4977985", State: "Deleted"}}, []string{"GET"}, ActionNothing, ""},
		{"linked", &fakeAPI{link: active("4977985", "")}, []string{"GET", "DELETE 4977985"}, ActionUnlink, ""},
		{"DELETE fails: read again, still linked", &fakeAPI{link: active("4977985", "Fabrikam"), deleteErr: armErr(500, "InternalServerError")}, []string{"GET", "DELETE 4977985", "GET"}, ActionUnlink, "read the link again: this identity is linked to partner Fabrikam (4977985)"},
		{"DELETE answer lost, the link is gone: done", &fakeAPI{link: active("4977985", ""), deleteErr: armErr(502, "BadGateway"), deleteLands: true}, []string{"GET", "DELETE 4977985", "GET"}, ActionUnlink, ""},
		{"DELETE failed and the re-read failed: unknown", &fakeAPI{link: active("4977985", ""), deleteErr: armErr(502, "BadGateway"), getErr: []error{nil, armErr(503, "ServiceUnavailable")}}, []string{"GET", "DELETE 4977985", "GET"}, ActionUnlink, "cannot tell whether the change was made"},
		{"read fails", &fakeAPI{getErr: []error{armErr(429, "TooManyRequests")}}, []string{"GET"}, "", "throttling"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Unlink(context.Background(), c.api)
			if !reflect.DeepEqual(c.api.calls, c.calls) || out.Action != c.action {
				t.Fatalf("calls %v action %q, want %v %q", c.api.calls, out.Action, c.calls, c.action)
			}
			if (c.errText == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.errText) {
				t.Fatalf("error %v, want one saying %q", err, c.errText)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	if l, err := Status(context.Background(), &fakeAPI{}); l != nil || err != nil {
		t.Fatalf("not linked: %v %v", l, err)
	}
	if l, err := Status(context.Background(), &fakeAPI{link: active("4977985", "")}); err != nil || l.PartnerID != "4977985" {
		t.Fatalf("linked: %v %v", l, err)
	}
	_, err := Status(context.Background(), &fakeAPI{getErr: []error{armErr(503, "ServiceUnavailable")}})
	var se *ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error not explained: %T %v", err, err)
	}
}

func TestOutcomeSummary(t *testing.T) {
	a, b := active("5127255", "Tailspin Partners (Dublin)"), active("4977985", "")
	cases := []struct {
		o    Outcome
		want string
	}{
		{Outcome{Action: ActionLink, After: b}, "Linked to partner 4977985"},
		{Outcome{Action: ActionNone, After: a}, "Already linked to partner Tailspin Partners (Dublin) (5127255): nothing to do"},
		{Outcome{Action: ActionMove, Before: a, After: b}, "Moved the link from partner Tailspin Partners (Dublin) (5127255) to partner 4977985"},
		{Outcome{Action: ActionUnlink, Before: a}, "Removed the link to partner Tailspin Partners (Dublin) (5127255)"},
		{Outcome{Action: ActionNothing}, "Not linked to any partner ID: nothing to remove"},
	}
	for _, c := range cases {
		if got := c.o.Summary(); got != c.want {
			t.Errorf("Summary() = %q, want %q", got, c.want)
		}
	}
}

func TestExplain(t *testing.T) {
	se := &ServiceError{Message: "already explained"}
	urlErr := func(err error) error {
		return fmt.Errorf("read the partner link: %w", &url.Error{Op: "Get", URL: "https://management.azure.com/x", Err: err})
	}
	cases := []struct {
		name string
		err  error
		as   string // "service", "auth", "same"
		text string
	}{
		{"partner ID invalid", armErr(400, arm.CodePartnerInvalid), "service", "Partner Location ID"},
		{"not linked", armErr(404, arm.CodeNotFound), "service", "palwiz link --partner-id"},
		{"token rejected", armErr(401, "InvalidAuthenticationToken"), "auth", "palwiz login"},
		{"foreign principal", &rest.Error{Status: 403, Code: "UserNotFoundInTenant", Message: "The user does not have an account in this tenant, work with the administrator"}, "service", "CSP"},
		{"forbidden", armErr(403, "AuthorizationFailed"), "service", "may act"},
		{"throttled", armErr(429, "TooManyRequests"), "service", "throttling"},
		{"server error quotes the request ID", armErr(503, "ServiceUnavailable"), "service", "request req-1"},
		{"conflict", armErr(409, "Conflict"), "service", "palwiz status"},
		{"other ARM error", armErr(400, "BadRequest"), "service", "test failed"},
		{"connection refused", urlErr(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), "service", "Could not connect"},
		{"connection reset", urlErr(&net.OpError{Op: "read", Err: syscall.ECONNRESET}), "service", "broke off"},
		{"connection closed", urlErr(io.EOF), "service", "broke off"},
		{"HTTP/2 stream reset", urlErr(errors.New("stream error: stream ID 5; INTERNAL_ERROR; received from peer")), "service", "broke off"},
		{"EOF outside HTTP", fmt.Errorf("read the secret: %w", io.EOF), "same", ""},
		{"deadline", fmt.Errorf("read the partner link: %w", context.DeadlineExceeded), "service", "did not answer in time"},
		{"DNS", urlErr(&net.DNSError{Name: "management.azure.com", Err: "no such host"}), "service", "Could not resolve management.azure.com"},
		{"cancelled", context.Canceled, "same", ""},
		{"already explained", se, "same", ""},
		{"sign-in error", &auth.Error{Reason: auth.ReasonMFARequired, Message: "MFA"}, "same", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Explain(c.err)
			switch c.as {
			case "same":
				if got != c.err {
					t.Fatalf("Explain changed %v into %v", c.err, got)
				}
				return
			case "service":
				var s *ServiceError
				if !errors.As(got, &s) || s.NextStep == "" && c.name != "other ARM error" {
					t.Fatalf("want a *ServiceError with a next step, got %T %v", got, got)
				}
			case "auth":
				var a *auth.Error
				if !errors.As(got, &a) || a.Reason != auth.ReasonTokenRejected {
					t.Fatalf("want an *auth.Error, got %T %v", got, got)
				}
			}
			if !strings.Contains(got.Error(), c.text) {
				t.Fatalf("%q does not say %q", got, c.text)
			}
			if !errors.Is(got, c.err) {
				t.Errorf("the explanation does not wrap the original error")
			}
		})
	}
	if Explain(nil) != nil {
		t.Error("Explain(nil) != nil")
	}
}

func TestValidatePartnerID(t *testing.T) {
	cases := []struct {
		in, id  string
		warning bool
		err     error
	}{
		{"4977985", "4977985", false, nil},
		{"  4977985\n", "4977985", false, nil},
		{"123456", "123456", true, nil},
		{"12345678", "12345678", true, nil},
		{"123456789012", "123456789012", true, nil},
		{"1234567890123", "", false, ErrPartnerIDNotDigits},
		{"", "", false, ErrPartnerIDEmpty},
		{"   ", "", false, ErrPartnerIDEmpty},
		{"49779 85", "", false, ErrPartnerIDNotDigits},
		{"-4977985", "", false, ErrPartnerIDNotDigits},
		{"４９７７９８５", "", false, ErrPartnerIDNotDigits}, // full-width digits
		{"4977985a", "", false, ErrPartnerIDNotDigits},
		{"0x4BF4A1", "", false, ErrPartnerIDNotDigits},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			id, warning, err := ValidatePartnerID(c.in)
			if !errors.Is(err, c.err) || id != c.id || (warning != "") != c.warning {
				t.Fatalf("ValidatePartnerID(%q) = %q, %q, %v", c.in, id, warning, err)
			}
			if err != nil {
				var pe *PartnerIDError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), "partner ID") {
					t.Fatalf("error %v", err)
				}
				if c.err == ErrPartnerIDNotDigits && !strings.Contains(err.Error(), "Location ID") {
					t.Errorf("a malformed ID should explain Location versus global IDs: %v", err)
				}
			}
			if warning != "" && !strings.Contains(warning, "7") {
				t.Errorf("warning %q should say Location IDs have 7 digits", warning)
			}
		})
	}
}
