package link

import (
	"context"
	"fmt"
	"strings"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// The guard rails before a link (steps.LinkWarnings): a link in the home
// directory of an account that is a guest in customers' directories, or in
// the partner's own directory, earns nothing. palwiz warns, then asks; with
// --yes it goes on; without a terminal and without --yes it links nothing
// there and says which flag goes on.

// guardWho is the signed-in identity as the guard rails need it, from the
// profile: no request.
func guardWho(p *auth.Profile) steps.Who {
	return steps.Who{Kind: p.Kind, DisplayName: p.DisplayName, UPN: p.Username, AppID: p.ClientID, TenantID: p.Tenant, HomeTenant: p.HomeTenant}
}

// guardFacts are what the guard rails compare: who, the directories it
// reaches and the partner's name, when palwiz has learnt it from a link.
type guardFacts struct {
	who         steps.Who
	reachable   []arm.Tenant
	partnerName string
}

// facts gathers the guard rails' inputs without a request, except the
// directory list when who links in its own home directory and palwiz does
// not remember the directories it reaches (one ARM request, then kept).
func facts(ctx context.Context, opts *Options, env *steps.Env, tenant string) (guardFacts, bool) {
	p := env.Session.Profile()
	if p == nil {
		return guardFacts{}, false
	}
	names := opts.Connect.Names(ctx)
	g := guardFacts{who: guardWho(p), partnerName: names.Partners[opts.PartnerID]}
	for _, d := range names.Tenants {
		g.reachable = append(g.reachable, arm.Tenant{ID: d.TenantID, DisplayName: d.Name, DefaultDomain: d.Domain})
	}
	if g.who.Kind != auth.KindServicePrincipal && strings.EqualFold(tenant, g.who.HomeTenant) && len(g.reachable) == 0 {
		if ts, err := steps.Tenants(ctx, env); err == nil {
			g.reachable = ts
			opts.Connect.RememberTenants(ctx, ts)
		}
	}
	return g, true
}

// target is the directory tenant with its name, for the comparison with
// the partner's.
func (g guardFacts) target(ctx context.Context, opts *Options, env *steps.Env, tenant string) arm.Tenant {
	if t, ok := steps.FindTenant(g.reachable, tenant); ok {
		return t
	}
	d := opts.Connect.Directory(ctx, env, tenant, false)
	return arm.Tenant{ID: tenant, DisplayName: d.Name, DefaultDomain: d.Domain}
}

// printWarnings shows guard rails on stderr, one a line; under -o json
// stderr carries only the error document, so they go in the documents.
func printWarnings(opts *Options, ws []steps.Warning) {
	if opts.Format == output.JSON {
		return
	}
	for _, w := range ws {
		output.Warning(opts.IO.ErrOut, opts.IO.ColorEnabled(), w.String())
	}
}

// warningText is the guard rails as one text, for an error message.
func warningText(ws []steps.Warning) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, " ")
}

func needConfirm(ws []steps.Warning) bool {
	for _, w := range ws {
		if w.Confirm {
			return true
		}
	}
	return false
}

// confirm shows the guard rails before linking in dir and asks whether to
// go on (no by default). --yes goes on; without a terminal it is a usage
// error that names --yes.
func confirm(ctx context.Context, opts *Options, dir string, ws []steps.Warning) (bool, error) {
	if len(ws) == 0 {
		return true, nil
	}
	printWarnings(opts, ws)
	if !needConfirm(ws) || opts.Yes {
		return true, nil
	}
	if !opts.IO.CanPrompt() {
		if opts.Format == output.JSON {
			return false, cmdutil.FlagErrorf("not linked in %s: %s Pass --yes to link there anyway", output.Clean(dir), warningText(ws))
		}
		return false, cmdutil.FlagErrorf("not linked in %s (see the warning above): pass --yes to link there anyway", output.Clean(dir))
	}
	return opts.Prompter.Confirm(ctx, "Link in "+output.Clean(dir)+" anyway?")
}

// fleetGuards are the guard rails of each directory of a fleet link, by
// tenant ID.
func fleetGuards(g guardFacts, ts []arm.Tenant) map[string][]steps.Warning {
	out := map[string][]steps.Warning{}
	for _, t := range ts {
		if ws := steps.LinkWarnings(g.who, t, ts, g.partnerName); len(ws) > 0 {
			out[t.ID] = ws
		}
	}
	return out
}

// mayGuard reports whether any directory could need a guard rail: a
// person (a guest's home directory) or a partner whose name palwiz knows.
func (g guardFacts) mayGuard() bool {
	return g.who.Kind != auth.KindServicePrincipal || g.partnerName != ""
}

// fleetGuard settles the guard rails of a fleet link before it starts,
// directory by directory: with --yes it warns and goes on; at a terminal it
// asks about each guarded directory; without one, an --all-tenants run
// links nothing (a usage error naming --yes), and a --tenants-file run
// refuses the guarded directories alone. It returns, by lower-case tenant
// ID, why each refused directory is not linked. A service principal
// whose partner's name palwiz does not know needs no look (no request).
func fleetGuard(ctx context.Context, opts *Options, env *steps.Env) (map[string]string, error) {
	g, ok := facts(ctx, opts, env, "")
	if !ok || !g.mayGuard() {
		return nil, nil
	}
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		return nil, nil // the fleet run reports it
	}
	guards := fleetGuards(g, ts)
	refused := map[string]string{}
	var stop []string
	for _, t := range ts {
		ws, guarded := guards[t.ID]
		if !guarded {
			continue
		}
		dir := output.DirectoryOf(t).Label()
		switch {
		case opts.Yes || !needConfirm(ws):
			printWarnings(opts, ws)
		case opts.IO.CanPrompt():
			yes, err := confirm(ctx, opts, dir, ws)
			if err != nil {
				return nil, err
			}
			if !yes {
				if opts.Format != output.JSON {
					fmt.Fprintf(opts.IO.ErrOut, "Not linked in %s.\n", output.Clean(dir))
				}
				refused[strings.ToLower(t.ID)] = "Not linked here: you chose not to (" + warningText(ws) + ")"
			}
		case opts.Fleet.AllTenants:
			printWarnings(opts, ws)
			stop = append(stop, dir)
		default:
			printWarnings(opts, ws)
			refused[strings.ToLower(t.ID)] = "Not linked here: " + warningText(ws) + " Pass --yes to link here too."
		}
	}
	if len(stop) == 0 {
		return refused, nil
	}
	if opts.Format == output.JSON {
		var all []steps.Warning
		for _, t := range ts {
			all = append(all, guards[t.ID]...)
		}
		return nil, cmdutil.FlagErrorf("nothing linked: %s Pass --yes to link in %s too", warningText(all), strings.Join(stop, ", "))
	}
	return nil, cmdutil.FlagErrorf("nothing linked: %s %s a yes first (see the warnings above): pass --yes to link there too",
		strings.Join(stop, ", "), map[bool]string{true: "needs", false: "need"}[len(stop) == 1])
}
