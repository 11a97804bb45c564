package attribution

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
	"github.com/palwiz/palwiz/steps"
)

// allClear are the phrases only a complete check may print.
var allClear = []string{"Nothing to fix", "Nothing that can earn credit was found", "every resource that counts is attributed", "every read succeeded"}

func assertNoAllClear(t *testing.T, res *ScanResult) {
	t.Helper()
	sum := Summarize(res)
	plan := PlanFixes(res, FixOptions{})
	ps := SummarizePlan(res, plan)
	text := strings.Join(append(append(sum.Lines(), ps.Headline()), ps.Lines()...), "\n")
	for _, c := range CoverageByProduct(res, plan) {
		text += "\n" + c.Line() + " " + c.NextStep.String()
	}
	for _, s := range allClear {
		if strings.Contains(text, s) {
			t.Errorf("an all-clear (%q) after a failed read:\n%s", s, text)
		}
	}
	if sum.Complete() || sum.ExitCode() != ExitPartial || ps.ExitCode() != ExitPartial {
		t.Errorf("exit %d/%d with %d failures", sum.ExitCode(), ps.ExitCode(), len(sum.NotChecked))
	}
	lines := sum.Lines()
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "Not checked: ") || !strings.HasPrefix(ps.Headline(), "Incomplete") {
		t.Errorf("the failure does not come first: %q / %q", lines, ps.Headline())
	}
}

// A check with any failed read never says all is well, says what was not
// checked and why first, and exits 4.
func TestSummaryNeverOverstates(t *testing.T) {
	forbidden := func(host string) sim.Fault {
		return sim.Fault{Host: host, Kind: "status", Status: http.StatusForbidden, Code: "Forbidden"}
	}
	cases := []struct {
		name   string
		faults []sim.Fault
		cause  Cause
	}{
		{"403 on BAP", []sim.Fault{forbidden("api.bap.microsoft.com")}, CauseNoAdminRole},
		{"403 on Power Apps", []sim.Fault{forbidden("api.powerapps.com")}, CauseNoAdminRole},
		{"403 on Power Automate", []sim.Fault{forbidden("api.flow.microsoft.com")}, CauseNoAdminRole},
		{"403 on Dataverse", []sim.Fault{forbidden("contosoprod.api.crm.dynamics.com")}, CauseNotEnvironmentUser},
		{"403 on every Power Platform host", []sim.Fault{forbidden("api.bap.microsoft.com"), forbidden("api.powerapps.com"), forbidden("api.flow.microsoft.com"),
			forbidden("api.powerbi.com")}, CauseNoAdminRole},
		{"Dataverse throttled", []sim.Fault{{Host: "contosoprod.api.crm.dynamics.com", Kind: "throttle", RetryAfter: 1}}, CauseThrottled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, env := ppSim(t, nil)
			ppSignIn(t, s, env, demoServiceUPN, "")
			for _, f := range c.faults {
				if err := s.AddFault(f); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertNoAllClear(t, res)
			found := false
			for _, f := range res.Failures {
				found = found || f.Cause == c.cause && f.NextStep != ""
			}
			if !found {
				t.Errorf("no failure with cause %s and a next step: %+v", c.cause, res.Failures)
			}
		})
	}
}

// A service principal whose secret palwiz no longer has: every read fails,
// and the cause is the missing secret, not an expired token.
func TestSummaryMissingSecret(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	ctx := context.Background()
	store := keyring.NewStore(&keyring.Memory{}, "palwiz-test")
	first, err := auth.Open(ctx, auth.Config{Cloud: w.Cloud, CloudID: "sim:test", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.LoginServicePrincipal(ctx, demoContoso, demoSPApp, auth.SPCredential{Secret: demoSPSecret}); err != nil {
		t.Fatal(err)
	}
	// The next run: the same token cache, no secret.
	again, err := auth.Open(ctx, auth.Config{Cloud: w.Cloud, CloudID: "sim:test", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	env := &steps.Env{Cloud: w.Cloud, Session: again}
	// Resolving the identity stops with the missing secret, called by its name.
	var ae *auth.Error
	if _, err := ResolveLinked(ctx, env, ""); !errors.As(err, &ae) || ae.Reason != auth.ReasonSecretNeeded ||
		strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "does not have this service principal's secret") {
		t.Errorf("ResolveLinked: %v", err)
	}
	linked := LinkedIdentity{ObjectID: "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502", AppID: demoSPApp, Kind: auth.KindServicePrincipal, TenantID: demoContoso, SignedIn: true}
	res, err := Scan(ctx, env, ScanOptions{Linked: &linked, CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
	if err != nil {
		t.Fatalf("a missing secret stops the check instead of being reported: %v", err)
	}
	if len(res.Resources) != 0 || len(res.Failures) == 0 {
		t.Fatalf("%d resources, failures %+v", len(res.Resources), res.Failures)
	}
	for _, f := range res.Failures {
		if f.Cause != CauseMissingSecret || strings.Contains(f.Message, "expired") || !strings.Contains(f.NextStep, "PALWIZ_CLIENT_SECRET") {
			t.Errorf("failure %+v", f)
		}
	}
	assertNoAllClear(t, res)
	if h := SummarizePlan(res, PlanFixes(res, FixOptions{})).Headline(); !strings.Contains(h, "could not be read") {
		t.Errorf("plan headline %q", h)
	}
}

// Precise causes, each with its next step; a service principal is never
// told to start a person's sign-in.
func TestFailureCauses(t *testing.T) {
	status := func(service string, code int, errCode, msg string) error {
		return &rest.Error{Service: service, Op: "list", Status: code, Code: errCode, Message: msg, RequestID: "req-1"}
	}
	cases := []struct {
		name  string
		err   error
		kind  auth.Kind
		cause Cause
		next  string
		not   string // words the message and next step must not hold
	}{
		{"missing secret", &auth.Error{Reason: auth.ReasonSecretNeeded, Message: "This service principal's token has expired and palwiz does not have its secret"},
			auth.KindServicePrincipal, CauseMissingSecret, "PALWIZ_CLIENT_SECRET", "expired"},
		{"expired sign-in", &auth.Error{Reason: auth.ReasonSignInExpired, Message: "Your sign-in has expired", NextStep: "Sign in again: palwiz login"},
			auth.KindUser, CauseSignInExpired, "palwiz login", "secret"},
		{"token rejected, user", status("Power Apps", 401, "InvalidAuthenticationToken", "token rejected"), auth.KindUser, CauseTokenRejected, "`palwiz login`", "--service-principal"},
		{"token rejected, service principal", status("Power Apps", 401, "InvalidAuthenticationToken", "token rejected"), auth.KindServicePrincipal, CauseTokenRejected,
			"--service-principal", "`palwiz login`\u0020"},
		{"no admin role, user", status("Power Platform admin (BAP)", 403, "Forbidden", "no access"), auth.KindUser, CauseNoAdminRole, "Power Platform administrator", "application"},
		{"no admin role, service principal", status("Power Platform admin (BAP)", 403, "Forbidden", "no access"), auth.KindServicePrincipal, CauseNoAdminRole,
			"pac admin application register", "Sign in as"},
		{"not a Dataverse user, service principal", status("Dataverse", 403, "0x80040220", "not a user"), auth.KindServicePrincipal, CauseNotEnvironmentUser,
			"application user", "System Customizer)"},
		{"not a workspace member", status("Power BI", 401, "PowerBINotAuthorizedException", "not a member"), auth.KindUser, CauseNoWorkspaceAccess, "Member or Admin", "Fabric"},
		{"not a workspace member, service principal", status("Power BI", 401, "PowerBINotAuthorizedException", "not a member"), auth.KindServicePrincipal, CauseNoWorkspaceAccess,
			"Service principals can use Fabric APIs", ""},
		{"Power BI token expired", status("Power BI", 403, "TokenExpired", "Access token has expired, resubmit with a new access token"), auth.KindUser, CauseTokenRejected,
			"`palwiz login`", "workspace"},
		{"Power BI refused, user", status("Power BI", 403, "", "Forbidden"), auth.KindUser, CauseNoWorkspaceAccess, "Member or Admin", "Power Platform administrator"},
		{"Power BI refused, service principal", status("Power BI", 403, "", "Forbidden"), auth.KindServicePrincipal, CauseNoWorkspaceAccess,
			"Service principals can use Fabric APIs", "pac admin"},
		{"key refused", status("Customer Insights", 401, "", "Access denied due to invalid subscription key"), auth.KindUser, CauseKeyRefused, "PALWIZ_CI_SUBSCRIPTION_KEY", ""},
		{"throttled", status("Dataverse", 429, "0x80072322", "too many"), auth.KindUser, CauseThrottled, "Wait a few minutes", ""},
		{"server error", status("Power Automate", 503, "ServiceUnavailable", "down"), auth.KindUser, CauseServerError, "request ID", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFailure(CanvasApp, "Contoso Production", "Power Apps", c.err, c.kind)
			if f.Cause != c.cause || !strings.Contains(f.NextStep, c.next) || f.Message == "" {
				t.Fatalf("%+v, want cause %s with next step %q", f, c.cause, c.next)
			}
			if c.not != "" && strings.Contains(f.Message+" "+f.NextStep, c.not) {
				t.Errorf("%q holds %q", f.Message+" "+f.NextStep, c.not)
			}
			if _, ok := c.err.(*rest.Error); ok && !strings.Contains(f.Message, "req-1") {
				t.Errorf("the request ID is lost: %q", f.Message)
			}
			line := NotCheckedLine(f)
			if !strings.HasPrefix(line, "Not checked: Canvas apps in Contoso Production (Power Apps): ") || !strings.Contains(line, "Next: ") {
				t.Errorf("line %q", line)
			}
			var ae *auth.Error
			if wantAuth := c.cause == CauseMissingSecret || c.cause == CauseSignInExpired || c.cause == CauseTokenRejected; wantAuth != errors.As(f.Err, &ae) {
				t.Errorf("the error to return is %T", f.Err)
			}
		})
	}
}

// A complete check says so, and only then may say all is clear.
func TestSummaryComplete(t *testing.T) {
	_, _, res := demoScan(t, nil)
	sum := Summarize(res)
	if !sum.Complete() || sum.ExitCode() != 0 || sum.Attributed != 11 || sum.NotAttributed != 14 || sum.CannotTell != 7 || sum.DoesNotCount != 5 {
		t.Errorf("summary %+v", sum)
	}
	if h := sum.Headline(); h != "11 of 32 resources that count are attributed to "+demoServiceUPN+"." {
		t.Errorf("headline %q", h)
	}
	if c := sum.Counts(); c != "11 attributed · 14 not attributed · 7 cannot tell · 5 do not count" {
		t.Errorf("counts %q", c)
	}
	// Only what is attributed everywhere is "nothing to fix".
	clean := &ScanResult{Linked: res.Linked}
	for _, r := range res.Resources {
		if r.Verdict == Attributed || r.Verdict == DoesNotCount {
			clean.Resources = append(clean.Resources, r)
		}
	}
	if h := SummarizePlan(clean, PlanFixes(clean, FixOptions{})).Headline(); h != "Nothing to fix: every resource that counts is attributed." {
		t.Errorf("clean headline %q", h)
	}
	empty := &ScanResult{Linked: res.Linked}
	if h := Summarize(empty).Headline(); !strings.Contains(h, "Nothing that can earn credit was found") {
		t.Errorf("empty headline %q", h)
	}
	empty.Coverage = []Coverage{{Product: CIInstance, Note: "no key"}}
	if h := Summarize(empty).Headline(); !strings.Contains(h, "Customer Insights instances not checked") {
		t.Errorf("a product not read is said: %q", h)
	}
}

// Failures come in the result's order (a whole service, then product,
// environment, service), not in the order concurrent reads happened to fail.
func TestFailuresInResultOrder(t *testing.T) {
	s, env := ppSim(t, nil)
	ppSignIn(t, s, env, demoServiceUPN, "")
	for _, h := range []string{"api.powerbi.com", "api.flow.microsoft.com", "api.powerapps.com"} {
		if err := s.AddFault(sim.Fault{Host: h, Kind: "status", Status: http.StatusForbidden, Code: "Forbidden"}); err != nil {
			t.Fatal(err)
		}
	}
	var first []string
	for run := range 3 {
		res, err := Scan(context.Background(), env, ScanOptions{CISubscriptionKey: demoCIKey, Retry: fastRetry}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		last := -2
		for _, f := range res.Failures {
			got = append(got, string(f.Product)+"/"+f.Environment+"/"+f.Service)
			r := -1
			if f.Product != "" {
				r = productOrder[f.Product]
			}
			if r < last {
				t.Errorf("run %d: %s after a later product: %q", run, f.Product, got)
			}
			last = r
		}
		if len(got) < 3 {
			t.Fatalf("run %d: %d failures, want one per refused service at least: %q", run, len(got), got)
		}
		if run == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("run %d: failures %q, first run %q", run, got, first)
		}
	}
}
