package steps

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
)

func TestRemedyFor(t *testing.T) {
	t.Parallel()
	user := &auth.Profile{Kind: auth.KindUser, Tenant: "t-user"}
	sp := &auth.Profile{Kind: auth.KindServicePrincipal, ClientID: "app", Tenant: "t-sp"}
	mfa := &auth.Error{Reason: auth.ReasonMFARequired, Tenant: "woodgrove", Claims: "c"}
	for _, c := range []struct {
		name string
		err  error
		p    *auth.Profile
		want Remedy
	}{
		{"nobody signed in", auth.ErrNotSignedIn, nil, Remedy{Kind: RemedyFirstSignIn}},
		{"MFA for a person", fmt.Errorf("status: %w", mfa), user, Remedy{Kind: RemedySignIn, Tenant: "woodgrove", Claims: "c", MFA: true}},
		{"expired for a person", &auth.Error{Reason: auth.ReasonSignInExpired}, user, Remedy{Kind: RemedySignIn}},
		{"expired for a service principal", &auth.Error{Reason: auth.ReasonSignInExpired}, sp, Remedy{Kind: RemedyServicePrincipal, Tenant: "t-sp", ClientID: "app"}},
		{"secret needed", &auth.Error{Reason: auth.ReasonSecretNeeded, Tenant: "t2"}, sp, Remedy{Kind: RemedyServicePrincipal, Tenant: "t2", ClientID: "app"}},
		{"Conditional Access for a person", &auth.Error{Reason: auth.ReasonBlockedByCA, Tenant: "t"}, user, Remedy{Kind: RemedySignInBrowser, Tenant: "t"}},
		{"Conditional Access for a service principal", &auth.Error{Reason: auth.ReasonBlockedByCA}, sp, Remedy{}},
		{"consent", &auth.Error{Reason: auth.ReasonConsentNeeded}, user, Remedy{}},
		{"not a sign-in error", errors.New("boom"), user, Remedy{}},
	} {
		if got := RemedyFor(c.err, c.p); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestWithReauthLeavesOtherErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	calls := 0
	err := WithReauth(t.Context(), nil, "", func() error { calls++; return boom }, func(_ context.Context, _ *auth.Error) error {
		t.Fatal("reauth for an error a sign-in cannot fix")
		return nil
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("%v after %d calls", err, calls)
	}
}

func TestSummaryIn(t *testing.T) {
	t.Parallel()
	a := &arm.Link{PartnerID: "4977985", PartnerName: "Fabrikam"}
	b := &arm.Link{PartnerID: "5127255"}
	for _, c := range []struct {
		o    Outcome
		want string
	}{
		{Outcome{Action: ActionLink, After: a}, "Linked to partner Fabrikam (4977985) in Contoso"},
		{Outcome{Action: ActionNone, After: a}, "Already linked to partner Fabrikam (4977985) in Contoso: nothing to do"},
		{Outcome{Action: ActionMove, Before: b, After: a}, "Moved the link in Contoso from partner 5127255 to partner Fabrikam (4977985)"},
		{Outcome{Action: ActionUnlink, Before: a}, "Removed the link to partner Fabrikam (4977985) in Contoso"},
		{Outcome{Action: ActionNothing}, "Not linked to any partner ID in Contoso: nothing to remove"},
	} {
		if got := c.o.SummaryIn("Contoso"); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
	if got := (Outcome{Action: ActionLink, After: a}).Summary(); got != "Linked to partner Fabrikam (4977985)" {
		t.Errorf("Summary: %q", got)
	}
}

func TestLinkActive(t *testing.T) {
	t.Parallel()
	var none *arm.Link
	if none.Active() || (&arm.Link{State: "Deleted"}).Active() || !(&arm.Link{State: "Active"}).Active() {
		t.Fatal("Active")
	}
	if Decide(&arm.Link{PartnerID: "1", State: "deleted"}, "1") != ActionLink {
		t.Fatal("a deleted link is no link")
	}
}

func TestServicePrincipalName(t *testing.T) {
	t.Parallel()
	if ServicePrincipalName("4977985") != "PAL-4977985-SPN" || ServicePrincipalName("") != "PAL-partner-SPN" {
		t.Fatal(ServicePrincipalName("4977985"))
	}
}
