package cmdutil

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/keyring"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
	"github.com/spf13/cobra"
)

// namesKey is the keyring item that remembers the names of the directories
// (and their environments) the signed-in identity reached: what the human
// output puts beside IDs, and what --tenant and --environment complete from.
// It is no secret, but palwiz writes nothing outside the keyring; logout
// removes it.
const namesKey = "names"

// NameCache is the remembered names.
type NameCache struct {
	// Owner is the identity the names belong to (home account or client ID).
	Owner        string              `json:"owner"`
	Tenants      []output.Directory  `json:"tenants"`
	Environments map[string][]string `json:"environments,omitempty"`
	// Partners are partner names by partner ID, learnt from links read or
	// made: what the guard rail on the partner's own directory compares
	// a directory's name with (steps.LinkWarnings).
	Partners map[string]string `json:"partners,omitempty"`
}

func owner(p *auth.Profile) string {
	if p == nil {
		return ""
	}
	if p.HomeAccountID != "" {
		return p.HomeAccountID
	}
	return p.ClientID
}

// namesStore is where the names are kept: the keyring of a stored sign-in.
// An identity from the environment (a pipeline) never touches the keyring,
// and an ephemeral run keeps nothing.
func (c *Connector) namesStore() *keyring.Store {
	if c.session == nil || c.session.FromEnvironment() || !c.session.Persistent() || c.session.Profile() == nil {
		return nil
	}
	return c.Store()
}

// Names loads the cache of the signed-in identity (empty when there is none).
func (c *Connector) Names(ctx context.Context) NameCache {
	st := c.namesStore()
	p := c.Profile()
	if st == nil || p == nil {
		return NameCache{}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	raw, err := st.Load(ctx, namesKey)
	if err != nil {
		return NameCache{}
	}
	var nc NameCache
	if json.Unmarshal(raw, &nc) != nil || nc.Owner != owner(p) {
		return NameCache{}
	}
	return nc
}

// updateNames changes the cache under the keyring's lock: concurrent runs
// neither lose each other's names nor leave a half-written item. The write
// has the keyring's own time bounds; no shorter deadline may cut it off
// between its chunks and its manifest.
func (c *Connector) updateNames(ctx context.Context, change func(*NameCache)) {
	st := c.namesStore()
	p := c.Profile()
	if st == nil || p == nil {
		return
	}
	_ = st.Update(ctx, namesKey, func(old []byte) ([]byte, error) {
		var nc NameCache
		if old == nil || json.Unmarshal(old, &nc) != nil || nc.Owner != owner(p) {
			nc = NameCache{}
		}
		change(&nc)
		nc.Owner = owner(p)
		return json.Marshal(nc)
	})
}

// RememberTenants keeps the directories' names for later runs.
func (c *Connector) RememberTenants(ctx context.Context, ts []arm.Tenant) {
	c.updateNames(ctx, func(nc *NameCache) {
		nc.Tenants = nc.Tenants[:0]
		for _, t := range ts {
			nc.Tenants = append(nc.Tenants, output.DirectoryOf(t))
		}
	})
}

// RememberEnvironments keeps the names of a directory's environments.
func (c *Connector) RememberEnvironments(ctx context.Context, tenant string, names []string) {
	if len(names) == 0 {
		return
	}
	c.updateNames(ctx, func(nc *NameCache) {
		if nc.Environments == nil {
			nc.Environments = map[string][]string{}
		}
		nc.Environments[strings.ToLower(tenant)] = names
	})
}

// RememberPartner keeps a partner's name, learnt from a link, by its ID.
func (c *Connector) RememberPartner(ctx context.Context, id, name string) {
	if id == "" || name == "" || c.Names(ctx).Partners[id] == name {
		return
	}
	c.updateNames(ctx, func(nc *NameCache) {
		if nc.Partners == nil {
			nc.Partners = map[string]string{}
		}
		if len(nc.Partners) >= 32 {
			clear(nc.Partners) // a handful at most; never an unbounded item
		}
		nc.Partners[id] = name
	})
}

// ForgetNames removes the cache (logout); it returns how many keyring items went.
func (c *Connector) ForgetNames(ctx context.Context) int {
	st := c.Store()
	if st == nil {
		return 0
	}
	n, _ := st.Delete(ctx, namesKey)
	return n
}

// Directory names the directory with ID tenant: from the cache, or, when
// fetch is set and the cache does not know it, from ARM (one request, then
// remembered). Without a name it is just the ID.
func (c *Connector) Directory(ctx context.Context, env *steps.Env, tenant string, fetch bool) output.Directory {
	for _, d := range c.Names(ctx).Tenants {
		if strings.EqualFold(d.TenantID, tenant) {
			return d
		}
	}
	if p := c.Profile(); p != nil {
		if n := p.TenantName(tenant); n != "" {
			return output.Directory{TenantID: tenant, Name: n}
		}
	}
	if fetch && env != nil {
		if ts, err := steps.Tenants(ctx, env); err == nil {
			c.RememberTenants(ctx, ts)
			steps.RememberNames(ctx, env, ts, tenant)
			if t, ok := steps.FindTenant(ts, tenant); ok {
				return output.DirectoryOf(t)
			}
		}
	}
	return output.Directory{TenantID: tenant}
}

// CompleteTenants completes --tenant from the remembered directories.
func (f *Factory) CompleteTenants(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	if _, err := f.Connect.Session(cmd.Context(), ""); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, d := range f.Connect.Names(cmd.Context()).Tenants {
		word := d.Domain
		if word == "" {
			word = d.TenantID
		}
		out = append(out, word+"\t"+d.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteEnvironments completes --environment from the environments of
// the directories checked before.
func (f *Factory) CompleteEnvironments(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	if _, err := f.Connect.Session(cmd.Context(), ""); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	seen := map[string]bool{}
	var out []string
	for _, names := range f.Connect.Names(cmd.Context()).Environments {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// NameOf is the remembered name of a directory ("" when unknown).
func (c *Connector) NameOf(ctx context.Context) func(string) string {
	nc := c.Names(ctx)
	p := c.Profile()
	return func(id string) string {
		for _, d := range nc.Tenants {
			if strings.EqualFold(d.TenantID, id) {
				return d.Name
			}
		}
		if p != nil {
			return p.TenantName(id)
		}
		return ""
	}
}
