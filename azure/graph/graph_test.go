package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/graph"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/azure/sim/simtest"
)

const itAdmin = "it-admin@contoso.onmicrosoft.com"

var fast = rest.Options{RetryDelay: time.Millisecond}

// A person: who they are, their directory, and the service principal the
// accelerator path creates (application, service principal, secret).
func TestUserAndCreateServicePrincipal(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	w.SignIn(t, itAdmin, "")
	ctx := context.Background()
	g := graph.New(w.Session.Credential(simtest.ContosoID), w.Cloud, fast)
	me, err := g.Me(ctx)
	if err != nil || me.UserPrincipalName != itAdmin || me.ID == "" || me.UserType != "Member" || me.AccountEnabled == nil || !*me.AccountEnabled {
		t.Fatalf("Me: %+v %v", me, err)
	}
	org, err := g.Organization(ctx)
	if err != nil || org.ID != simtest.ContosoID || org.DefaultDomain() != "contoso.onmicrosoft.com" {
		t.Fatalf("Organization: %+v %v", org, err)
	}
	app, err := g.CreateApplication(ctx, "palwiz PAL account")
	if err != nil || app.AppID == "" || app.ID == "" || app.DisplayName != "palwiz PAL account" {
		t.Fatalf("CreateApplication: %+v %v", app, err)
	}
	sp, err := g.CreateServicePrincipal(ctx, app.AppID)
	if err != nil || sp.AppID != app.AppID || sp.ID == "" {
		t.Fatalf("CreateServicePrincipal: %+v %v", sp, err)
	}
	end := time.Now().Add(24 * time.Hour)
	pwd, err := g.AddPassword(ctx, app.ID, "palwiz", end)
	if err != nil || pwd.SecretText == "" || pwd.KeyID == "" {
		t.Fatalf("AddPassword: %v", err)
	}
	got, err := g.ServicePrincipalByAppID(ctx, app.AppID)
	if err != nil || got.ID != sp.ID {
		t.Errorf("ServicePrincipalByAppID: %+v %v", got, err)
	}
	// A second service principal for the same application: 409, not retried.
	w.Sim.ResetStats()
	_, err = g.CreateServicePrincipal(ctx, app.AppID)
	if !rest.IsStatus(err, http.StatusConflict) || rest.Code(err) != "Request_MultipleObjectsWithSameKeyValue" || w.Sim.Stats()["graph.microsoft.com"] != 1 {
		t.Errorf("a second service principal: %v after %d requests", err, w.Sim.Stats()["graph.microsoft.com"])
	}
}

// Graph's errors read through the shared layer: status, code, message and
// the request ID; a create is not repeated on a server error.
func TestErrors(t *testing.T) {
	w := simtest.Start(t, simtest.Options{})
	w.SignInContosoSP(t)
	ctx := context.Background()
	g := graph.New(w.Session.Credential(simtest.ContosoID), w.Cloud, rest.Options{RetryDelay: time.Millisecond, MaxRetries: 1})
	_, err := g.Me(ctx)
	var e *rest.Error
	if !errors.As(err, &e) || e.Service != graph.Service || e.Status != http.StatusBadRequest || e.Code != "BadRequest" ||
		!strings.Contains(e.Message, "delegated") || e.RequestID == "" {
		t.Fatalf("/me as an application: %#v", err)
	}
	_, err = g.CreateApplication(ctx, "x")
	if !rest.IsStatus(err, http.StatusForbidden) || rest.Code(err) != "Authorization_RequestDenied" {
		t.Errorf("a create without the role: %v", err)
	}
	if err := w.Sim.AddFault(sim.Fault{Host: "graph.microsoft.com", Kind: "status", Status: 503}); err != nil {
		t.Fatal(err)
	}
	w.Sim.ResetStats()
	_, err = g.CreateApplication(ctx, "x")
	if !rest.IsStatus(err, http.StatusServiceUnavailable) || w.Sim.Stats()["graph.microsoft.com"] != 1 {
		t.Errorf("a create on 503: %v after %d requests, want 1", err, w.Sim.Stats()["graph.microsoft.com"])
	}
	w.Sim.ResetStats()
	_, err = g.Organization(ctx)
	if !rest.IsStatus(err, http.StatusServiceUnavailable) || w.Sim.Stats()["graph.microsoft.com"] != 2 {
		t.Errorf("a read on 503: %v after %d requests, want 2 (MaxRetries 1)", err, w.Sim.Stats()["graph.microsoft.com"])
	}
}
