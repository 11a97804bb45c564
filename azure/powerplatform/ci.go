package powerplatform

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/rest"
)

// CustomerInsights reads Dynamics 365 Customer Insights - Data instances.
// Its API sits behind API Management: besides the token, every call needs
// the environment's subscription key (Settings > Permissions > APIs).
type CustomerInsights struct {
	c   *rest.Client
	key string
}

// ErrNoSubscriptionKey says a Customer Insights call has no API key.
var ErrNoSubscriptionKey = errors.New("no Customer Insights API subscription key")

// NewCustomerInsights returns a Customer Insights client; key is the
// Ocp-Apim-Subscription-Key (a secret: it is sent only in that header).
func NewCustomerInsights(cred azcore.TokenCredential, c *cloud.Cloud, key string, o rest.Options) *CustomerInsights {
	return &CustomerInsights{c: rest.New(ServiceCustomerInsights, cloud.CIScope, cred, c, o), key: key}
}

// CIInstance is a Customer Insights - Data instance.
type CIInstance struct {
	ID                string `json:"instanceId"`
	Name              string `json:"name"`
	Region            string `json:"region"`
	Type              string `json:"instanceType"` // production, sandbox or trial
	ProvisioningState string `json:"provisioningState"`
	CreatedUTC        string `json:"createdUtc"`
}

// Created is when the instance was created.
func (i CIInstance) Created() time.Time { return parseTime(i.CreatedUTC) }

// Instances lists the instances the caller has a role in.
func (ci *CustomerInsights) Instances(ctx context.Context) ([]CIInstance, error) {
	if ci.key == "" {
		return nil, ErrNoSubscriptionKey
	}
	h := http.Header{}
	h.Set("Ocp-Apim-Subscription-Key", ci.key)
	var out []CIInstance
	err := ci.c.Do(ctx, rest.Request{Op: "list the Customer Insights instances", URL: "https://" + cloud.CIHost + "/v1/instances", Header: h}, &out)
	return out, err
}
