package steps

import "github.com/palwiz/palwiz/azure/arm"

// TenantResult is one directory's row in a fleet operation (steps/fleet
// runs the operation in each directory, with its journal and progress).
type TenantResult struct {
	Tenant  arm.Tenant `json:"tenant"`
	Link    *arm.Link  `json:"link,omitempty"`
	Outcome *Outcome   `json:"outcome,omitempty"`
	Err     error      `json:"-"`
}
