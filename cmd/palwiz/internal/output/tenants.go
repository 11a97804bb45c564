package output

import (
	"io"
	"strconv"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
)

// TenantJSON is a directory in the tenants list.
type TenantJSON struct {
	Directory
	Domains []string `json:"domains,omitempty"`
	Current bool     `json:"current"`
}

// TenantsDoc is the tenants list.
type TenantsDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	Tenants       []TenantJSON `json:"tenants"`
}

// Tenants prints the directories the identity reaches; current is the
// GUID of the one in use.
func Tenants(w io.Writer, f Format, ts []arm.Tenant, current string) error {
	d := TenantsDoc{SchemaVersion: SchemaVersion, Tenants: make([]TenantJSON, 0, len(ts))}
	for _, t := range ts {
		d.Tenants = append(d.Tenants, TenantJSON{Directory: DirectoryOf(t), Domains: t.Domains, Current: strings.EqualFold(t.ID, current)})
	}
	switch f {
	case JSON:
		return writeJSON(w, d)
	case CSV:
		tb := newTable("current", "tenantId", "tenantName", "tenantDomain", "tenantCategory")
		for _, t := range d.Tenants {
			tb.add(strconv.FormatBool(t.Current), t.TenantID, t.Name, t.Domain, t.Category)
		}
		return tb.write(w, CSV)
	}
	tb := newTable("CURRENT", "NAME", "DOMAIN", "TENANT ID", "CATEGORY")
	for _, t := range d.Tenants {
		mark := ""
		if t.Current {
			mark = "*"
		}
		tb.add(mark, t.Name, t.Domain, t.TenantID, t.Category)
	}
	return tb.write(w, Table)
}
