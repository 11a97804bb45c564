package tui

import (
	"strings"
	"testing"
	"time"
)

// TestChangePartnerIDComesBack: e on Registration goes to the partner ID
// and, once it is accepted, straight back to Registration: the sign-in and
// the directory stay (no new sign-in, no directory list read again).
func TestChangePartnerIDComesBack(t *testing.T) {
	f := newFake()
	tailspin(f, nil)
	r := newRunner(t, Options{Backend: f, NoColor: true})
	toRegistration(t, r, f)
	before := len(f.Calls())
	r.key("e")
	r.waitFor("Your partner ID", time.Second)
	for range 7 {
		r.key("backspace")
	}
	r.typeText("5127255")
	r.key("enter")
	r.waitFor("2 of 3 · Registration", time.Second)
	r.waitFor("nothing to do: it is already linked to this partner ID", time.Second)
	if got := f.Calls()[before:]; len(got) != 1 || got[0] != "ReadLink" {
		t.Errorf("calls after e: %q, want only the link read again", got)
	}
	if !strings.Contains(r.screen(), "as pal-service@contoso.onmicrosoft.com · in Contoso Ltd") {
		t.Errorf("the sign-in or the directory was lost:\n%s", r.screen())
	}
}

// TestKeepOtherLinkAndGoOn: declining to move another partner's link
// states what going on means; enter then goes on to Attribution with it.
func TestKeepOtherLinkAndGoOn(t *testing.T) {
	f := newFake()
	tailspin(f, nil)
	r := newRunner(t, Options{Backend: f, NoColor: true, Width: 100, Height: 40})
	toRegistration(t, r, f)
	r.key("enter", "n")
	r.waitFor("If you continue with it", time.Second)
	r.key("enter")
	r.waitFor("3 of 3 · Attribution", time.Second)
	if got := r.m.f.kept; got == nil || got.PartnerID != "5127255" {
		t.Fatalf("kept %+v", got)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "Link ") {
			t.Errorf("the link was written: %q", f.Calls())
		}
	}
	r.key("enter")
	r.waitFor("This is not the partner ID you chose", time.Second)
}
