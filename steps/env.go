package steps

import (
	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/graph"
	"github.com/palwiz/palwiz/azure/rest"
)

// Env is what the steps work with: the cloud, the signed-in session and the
// client settings. The TUI and the commands each build one.
type Env struct {
	Cloud   *cloud.Cloud
	Session *auth.Session
	// ARM tunes the ARM client's pipeline (retries, timeouts).
	ARM rest.Options
}

// ARMClient returns a Management Partner and tenants client for tenant ("" = current).
// It cannot fail today; the error stays for the callers' sake.
func (e *Env) ARMClient(tenant string) (*arm.Client, error) {
	return arm.New(e.Session.Credential(tenant), e.Cloud, e.ARM), nil
}

// Graph returns a Microsoft Graph client for tenant ("" = current).
func (e *Env) Graph(tenant string) *graph.Client {
	return graph.New(e.Session.Credential(tenant), e.Cloud, rest.Options{})
}
