package steps

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
)

// ScanOptions say what to scan and how hard to push the services.
type ScanOptions struct {
	// Tenant is the directory ("" = the current one).
	Tenant string
	// Linked is the identity to compare against; nil resolves it with ResolveLinked.
	Linked *LinkedIdentity
	// LinkedObjectID and LinkedUPN check for another identity than the
	// signed-in one (an administrator checking the dedicated account); see
	// linkedForScan.
	LinkedObjectID, LinkedUPN string
	// Environments limits the scan to environments, Power BI workspaces and
	// Customer Insights instances with these IDs or names (empty = all).
	Environments []string
	// Products limits the scan (empty = all).
	Products []Product
	// SkipNonProduction leaves out the resources of environments that do not count.
	SkipNonProduction bool
	// CISubscriptionKey is the Customer Insights API key; without it
	// Customer Insights is reported as "cannot tell".
	CISubscriptionKey string
	// Limits overrides the requests in flight per host (DefaultLimits).
	Limits map[string]int
	// DataversePageSize is the Prefer: odata.maxpagesize asked for (default 5000).
	DataversePageSize int
	// Retry tunes retries (the scan sets Limiter and Counter itself).
	Retry rest.Options
	// MemoryLimit, when positive, is a soft limit on the Go heap for the
	// scan's duration (runtime/debug.SetMemoryLimit): the garbage collector
	// works harder instead of letting a 100,000-resource scan double its
	// footprint. It is process-wide, so only a program that runs one scan at
	// a time (the CLI) should set it. DefaultMemoryLimit is palwiz's choice.
	MemoryLimit int64
}

// DefaultMemoryLimit is the soft heap limit the palwiz commands scan with.
const DefaultMemoryLimit = 96 << 20

// DefaultLimits are the requests palwiz keeps in flight per host: well under
// Dataverse's 52 concurrent requests per user and server, and modest on the
// hosts whose limits are not documented. A name starting with "." covers
// every host under it (each Dataverse organisation has its own allowance).
var DefaultLimits = map[string]int{
	cloud.BAPHost:       4,
	cloud.PowerAppsHost: 8,
	cloud.FlowHost:      16,
	".crm.dynamics.com": 16,
	cloud.PowerBIHost:   4,
	cloud.CIHost:        2,
}

// ScanProgress is reported as the scan goes: counts, never names.
type ScanProgress struct {
	Environments     int   `json:"environments"`
	EnvironmentsDone int   `json:"environmentsDone"`
	Workspaces       int   `json:"workspaces"`
	WorkspacesDone   int   `json:"workspacesDone"`
	Resources        int   `json:"resources"`
	Requests         int64 `json:"requests"`
	Failures         int   `json:"failures"`
	Done             bool  `json:"done"`
}

type scanner struct {
	ctx      context.Context
	env      *Env
	opts     ScanOptions
	linked   LinkedIdentity
	cred     azcore.TokenCredential
	ro       rest.Options
	want     map[Product]bool
	filter   map[string]bool
	matched  map[string]bool
	requests atomic.Int64

	apps  *powerplatform.PowerApps
	flows *powerplatform.Flows

	mu       sync.Mutex
	res      *ScanResult
	prog     ScanProgress
	progress func(ScanProgress)
	envOrder map[*Environment]int
	skipped  map[Product]int
	strs     map[string]string
	// allEnvNames are every container's name, for "no such environment".
	allEnvNames []string
	batches     [][]Resource
}

// Scan reads the resources of the directory's environments, Power BI
// workspaces and Customer Insights instances and judges each against the
// linked identity. Lists run concurrently within each host's limit; a
// failing environment or service becomes a Failure and the rest is still
// reported. progress (optional) is called with counts as pages arrive, from
// several goroutines but never at once; it must return quickly.
//
// Scan returns an error only when nothing could be read for a reason the
// user must fix first (sign-in needed, unknown environment name).
func Scan(ctx context.Context, env *Env, opts ScanOptions, progress func(ScanProgress)) (*ScanResult, error) {
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	tenant := opts.Tenant
	if tenant == "" {
		tenant = p.Tenant
	}
	linked, notes, err := linkedForScan(ctx, env, tenant, opts)
	if err != nil {
		return nil, err
	}
	if linked.TenantID == "" {
		linked.TenantID = tenant
	}
	s := &scanner{ctx: ctx, env: env, opts: opts, linked: linked, cred: env.Session.Credential(tenant), progress: progress,
		want: map[Product]bool{}, filter: map[string]bool{}, matched: map[string]bool{}, envOrder: map[*Environment]int{},
		skipped: map[Product]int{}, strs: map[string]string{}}
	s.res = &ScanResult{TenantID: tenant, Linked: linked, Started: time.Now().UTC(), Notes: append(notes, linkedNotes(linked)...),
		Options: ScanOptionsInfo{Environments: opts.Environments, Products: opts.Products}}
	for _, pr := range opts.Products {
		s.want[pr] = true
	}
	if len(opts.Products) == 0 {
		for _, pr := range Products {
			s.want[pr] = true
		}
	}
	for _, e := range opts.Environments {
		s.filter[strings.ToLower(strings.TrimSpace(e))] = true
	}
	limits := map[string]int{}
	for k, v := range DefaultLimits {
		limits[k] = v
	}
	for k, v := range opts.Limits {
		limits[strings.ToLower(k)] = v
	}
	s.ro = opts.Retry
	s.ro.Limiter = rest.NewLimiter(8, limits)
	s.ro.Counter = &s.requests
	if opts.MemoryLimit > 0 {
		// Collect by the limit rather than by growth: a scan's heap grows
		// steadily from nothing, and the default pacing would collect it
		// over and over while it is small.
		prev := debug.SetMemoryLimit(opts.MemoryLimit)
		prevGC := debug.SetGCPercent(400)
		defer func() {
			debug.SetGCPercent(prevGC)
			debug.SetMemoryLimit(prev)
		}()
	}
	s.apps = powerplatform.NewPowerApps(s.cred, env.Cloud, s.ro)
	s.flows = powerplatform.NewFlows(s.cred, env.Cloud, s.ro)

	var wg sync.WaitGroup
	// Get the tokens the first requests of each service will need now, in
	// parallel with the environment list, instead of one after the other.
	if s.want[CloudFlow] {
		wg.Go(func() { s.warmToken(cloud.FlowScope) })
	}
	if s.want[Dataset] {
		wg.Go(func() { s.warmToken(cloud.PowerBIScope) })
	}
	if s.want[CanvasApp] || s.want[CloudFlow] || s.want[ModelDrivenApp] || s.want[CopilotBot] || s.want[Solution] {
		wg.Go(s.scanEnvironments)
	}
	if s.want[Dataset] {
		wg.Go(s.scanPowerBI)
	}
	if s.want[CIInstance] {
		wg.Go(s.scanCI)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return s.res, err
	}
	s.finish()
	if len(s.filter) > 0 {
		var missing []string
		for _, e := range opts.Environments {
			if !s.matched[strings.ToLower(strings.TrimSpace(e))] {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 && len(s.res.Failures) == 0 {
			names := append([]string(nil), s.allEnvNames...)
			return s.res, &ServiceError{Message: fmt.Sprintf("No environment, workspace or instance named %s", strings.Join(quoteAll(missing), ", ")),
				NextStep: "palwiz sees: " + strings.Join(names, ", ")}
		}
	}
	if len(s.res.Resources) == 0 && len(s.res.Failures) > 0 {
		for _, f := range s.res.Failures {
			var ae *auth.Error
			if errors.As(f.Err, &ae) && ae.NeedsInteraction() {
				return s.res, ae
			}
		}
	}
	return s.res, nil
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// warmToken asks for a token ahead of the first request that needs it; the
// credential's cache then answers that request at once. A failure here is
// left for the request itself to report.
func (s *scanner) warmToken(scope string) {
	_, _ = s.cred.GetToken(s.ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
}

// intern shares repeated strings (owner names, UPNs) across resources.
func (s *scanner) intern(v string) string {
	if v == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if x, ok := s.strs[v]; ok {
		return x
	}
	if len(s.strs) < 200000 {
		s.strs[v] = v
	}
	return v
}

func (s *scanner) report() {
	// s.mu is held.
	s.prog.Requests = s.requests.Load()
	if s.progress != nil {
		s.progress(s.prog)
	}
}

func (s *scanner) add(rs []Resource) {
	if len(rs) == 0 {
		return
	}
	s.mu.Lock()
	// Batches are kept as they come and joined once at the end: growing one
	// slice of 100,000 resources would copy it over and over.
	s.batches = append(s.batches, rs)
	s.prog.Resources += len(rs)
	s.report()
	s.mu.Unlock()
}

func (s *scanner) fail(product Product, where, service string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	f := Failure{Product: product, Environment: where, Service: service, Message: failureMessage(err), Err: explainService(err)}
	s.mu.Lock()
	s.res.Failures = append(s.res.Failures, f)
	s.prog.Failures++
	s.report()
	s.mu.Unlock()
}

func (s *scanner) skip(p Product, n int) {
	s.mu.Lock()
	s.skipped[p] += n
	s.mu.Unlock()
}

// selected applies the --environment filter to a container.
func (s *scanner) selected(id, name string) bool {
	if len(s.filter) == 0 {
		return true
	}
	for _, k := range []string{strings.ToLower(id), strings.ToLower(name)} {
		if s.filter[k] {
			s.mu.Lock()
			s.matched[k] = true
			s.mu.Unlock()
			return true
		}
	}
	return false
}

func (s *scanner) addEnv(e *Environment) {
	s.mu.Lock()
	s.envOrder[e] = len(s.res.Environments)
	s.res.Environments = append(s.res.Environments, e)
	s.mu.Unlock()
}

func (s *scanner) scanEnvironments() {
	envs, err := powerplatform.NewBAP(s.cred, s.env.Cloud, s.ro).Environments(s.ctx)
	if err != nil {
		s.fail("", "", "Power Platform admin (BAP)", err)
		return
	}
	var chosen []powerplatform.Environment
	for _, e := range envs {
		s.noteName(e.DisplayName)
		if s.selected(e.Name, e.DisplayName) {
			chosen = append(chosen, e)
		}
	}
	s.mu.Lock()
	s.prog.Environments = len(chosen)
	s.report()
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, pe := range chosen {
		e := &Environment{ID: pe.Name, Name: s.intern(pe.DisplayName), Type: s.intern(pe.SKU), InstanceURL: pe.InstanceURL,
			InstanceAPIURL: pe.InstanceAPIURL, Counts: ClassifyEnvironment(pe.SKU)}
		if e.Type == "" {
			e.Type = "unknown"
		}
		s.addEnv(e)
		wg.Go(func() { s.scanEnv(pe, e) })
	}
	wg.Wait()
}

func (s *scanner) noteName(n string) {
	s.mu.Lock()
	s.allEnvNames = append(s.allEnvNames, n)
	s.mu.Unlock()
}

// dvData is what one Dataverse organisation told.
type dvData struct {
	err        error
	usersByID  map[string]Holder // lower-case systemuserid
	linkedUser string
	apps       []powerplatform.AppModule
	bots       []powerplatform.Bot
	workflows  []powerplatform.Workflow
	solutions  map[string]*solutionInfo // lower-case solution ID, managed ones
	microsoft  map[string]bool          // lower-case solution ID of Microsoft's own solutions
	listErr    map[Product]error
}

type solutionInfo struct {
	s        powerplatform.Solution
	last     powerplatform.ImportJob
	imported bool
}

func (s *scanner) scanEnv(pe powerplatform.Environment, e *Environment) {
	defer func() {
		s.mu.Lock()
		s.prog.EnvironmentsDone++
		s.report()
		s.mu.Unlock()
	}()
	if s.opts.SkipNonProduction && e.Counts == EnvDoesNotCount {
		return
	}
	var wg sync.WaitGroup
	if s.want[CanvasApp] {
		wg.Go(func() { s.scanApps(e) })
	}
	var flows []powerplatform.Flow
	var flowsErr error
	if s.want[CloudFlow] {
		wg.Go(func() {
			flowsErr = s.flows.List(s.ctx, e.ID, func(page []powerplatform.Flow) error {
				flows = append(flows, page...)
				return nil
			})
		})
	}
	var dv *dvData
	needDV := s.want[ModelDrivenApp] || s.want[CopilotBot] || s.want[Solution] || s.want[CloudFlow]
	if needDV && pe.HasDataverse() {
		wg.Go(func() { dv = s.readDataverse(e) })
	}
	wg.Wait()
	if s.ctx.Err() != nil {
		return
	}
	if dv != nil && dv.err != nil {
		for _, p := range []Product{ModelDrivenApp, CopilotBot, Solution} {
			if s.want[p] {
				s.fail(p, e.Name, "Dataverse", dv.err)
			}
		}
	}
	if dv != nil && dv.err == nil {
		e.LinkedUserID = dv.linkedUser
		for p, err := range dv.listErr {
			if s.want[p] {
				s.fail(p, e.Name, "Dataverse", err)
			}
		}
		if s.want[ModelDrivenApp] {
			s.add(s.judgeModelDrivenApps(e, dv))
		}
		if s.want[CopilotBot] {
			s.add(s.judgeBots(e, dv))
		}
		if s.want[Solution] {
			s.add(s.judgeSolutions(e, dv))
		}
	}
	if s.want[CloudFlow] {
		if flowsErr != nil {
			s.fail(CloudFlow, e.Name, "Power Automate", flowsErr)
		}
		s.add(s.judgeFlows(e, flows, dv))
	}
}

func (s *scanner) scanApps(e *Environment) {
	pa := s.apps
	var need []powerplatform.App
	err := pa.Apps(s.ctx, e.ID, s.linked.ObjectID, func(page []powerplatform.App) error {
		batch := make([]Resource, 0, len(page))
		for _, a := range page {
			role := linkedRoleIn(a.Permissions, s.linked.ObjectID)
			owned := SameObject(a.Owner.ID, s.linked.ObjectID) || strings.EqualFold(role, powerplatform.RoleCanEdit)
			if !owned && e.Counts != EnvDoesNotCount && (!a.PermissionsExpanded || a.SharedGroupsCount > 0) {
				need = append(need, a)
				continue
			}
			batch = append(batch, s.canvasResource(e, a, role, a.PermissionsExpanded || owned, nil))
		}
		s.add(batch)
		return nil
	})
	if err != nil {
		s.fail(CanvasApp, e.Name, "Power Apps", err)
	}
	if len(need) == 0 {
		return
	}
	// Read the full permissions of the apps the list could not settle.
	out := make([]Resource, len(need))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, a := range need {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			perms, err := pa.Permissions(s.ctx, e.ID, a.Name)
			if err != nil {
				r := s.canvasResource(e, a, "", false, nil)
				r.Notes = append(r.Notes, "Reading its co-owners failed: "+failureMessage(err))
				out[i] = r
				return
			}
			var groups []string
			for _, p := range perms {
				if strings.EqualFold(p.Principal.Type, "Group") && strings.EqualFold(p.RoleName, powerplatform.RoleCanEdit) {
					n := p.Principal.DisplayName
					if n == "" {
						n = p.Principal.ID
					}
					groups = append(groups, n)
				}
			}
			out[i] = s.canvasResource(e, a, linkedRoleIn(perms, s.linked.ObjectID), true, groups)
		})
	}
	wg.Wait()
	s.add(out)
}

func linkedRoleIn(perms []powerplatform.Permission, oid string) string {
	role := ""
	for _, p := range perms {
		if SameObject(p.Principal.ID, oid) {
			switch {
			case strings.EqualFold(p.RoleName, powerplatform.RoleOwner):
				return powerplatform.RoleOwner
			case strings.EqualFold(p.RoleName, powerplatform.RoleCanEdit):
				role = powerplatform.RoleCanEdit
			case role == "":
				role = p.RoleName
			}
		}
	}
	return role
}

func (s *scanner) holderOf(p powerplatform.Principal) Holder {
	upn := p.UserPrincipalName
	if upn == "" {
		upn = p.Email
	}
	return Holder{ObjectID: s.intern(strings.ToLower(p.ID)), UPN: s.intern(upn), Name: s.intern(p.DisplayName)}
}

// weigh is the package's weigh with the texts shared between resources:
// reasons repeat (one per owner), so a large tenant keeps few copies.
func (s *scanner) weigh(e *Environment, o ownership) (Verdict, string, string, []string) {
	v, reason, own, notes := weigh(e, o)
	return v, s.intern(reason), s.intern(own), notes
}

func (s *scanner) canvasResource(e *Environment, a powerplatform.App, linkedRole string, permsKnown bool, groups []string) Resource {
	owner := s.holderOf(a.Owner)
	o := judgeCanvas(s.linked, owner, linkedRole, permsKnown, groups)
	r := Resource{Product: CanvasApp, ID: a.Name, Name: a.DisplayName, Env: e, Role: "owner", Holder: owner, LinkedRole: o.linkedRole,
		Owned: o.owned(), GroupCoOwners: groups}
	r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
	if strings.EqualFold(a.AlmMode, "Solution") {
		r.Notes = append(r.Notes, "The app is in a solution: importing that solution as the linked account makes it the owner.")
	}
	return r
}

func (s *scanner) readDataverse(e *Environment) *dvData {
	d := &dvData{usersByID: map[string]Holder{}, solutions: map[string]*solutionInfo{}, microsoft: map[string]bool{}, listErr: map[Product]error{}}
	dvc, err := powerplatform.NewDataverse(s.cred, s.env.Cloud, e.InstanceURL, e.InstanceAPIURL, s.opts.DataversePageSize, s.ro)
	if err != nil {
		d.err = err
		return d
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		err := listUsers(s, dvc, d, &mu)
		if err != nil {
			d.err = err
		}
	})
	if s.want[ModelDrivenApp] {
		wg.Go(func() {
			err := dvc.AppModules(s.ctx, func(page []powerplatform.AppModule) error {
				mu.Lock()
				d.apps = append(d.apps, page...)
				mu.Unlock()
				return nil
			})
			mu.Lock()
			d.listErr[ModelDrivenApp] = err
			mu.Unlock()
		})
	}
	if s.want[CopilotBot] {
		wg.Go(func() {
			err := dvc.Bots(s.ctx, func(page []powerplatform.Bot) error {
				mu.Lock()
				d.bots = append(d.bots, page...)
				mu.Unlock()
				return nil
			})
			mu.Lock()
			d.listErr[CopilotBot] = err
			mu.Unlock()
		})
	}
	if s.want[CloudFlow] {
		wg.Go(func() {
			err := dvc.CloudFlows(s.ctx, func(page []powerplatform.Workflow) error {
				mu.Lock()
				d.workflows = append(d.workflows, page...)
				mu.Unlock()
				return nil
			})
			if err != nil {
				mu.Lock()
				d.listErr[CloudFlow] = err
				mu.Unlock()
			}
		})
	}
	var solErr, jobErr error
	jobs := map[string]powerplatform.ImportJob{} // lower-case solution name -> latest successful
	wg.Go(func() {
		solErr = dvc.ManagedSolutions(s.ctx, func(page []powerplatform.Solution) error {
			mu.Lock()
			for _, x := range page {
				if isMicrosoftPublisher(x.PublisherName) {
					d.microsoft[strings.ToLower(x.ID)] = true
					continue
				}
				d.solutions[strings.ToLower(x.ID)] = &solutionInfo{s: x}
			}
			mu.Unlock()
			return nil
		})
	})
	wg.Go(func() {
		jobErr = dvc.ImportJobs(s.ctx, func(page []powerplatform.ImportJob) error {
			mu.Lock()
			for _, j := range page {
				if !j.Succeeded() {
					continue
				}
				k := strings.ToLower(j.SolutionName)
				if cur, ok := jobs[k]; !ok || j.Completed().After(cur.Completed()) {
					jobs[k] = j
				}
			}
			mu.Unlock()
			return nil
		})
	})
	wg.Wait()
	// A scan without the solutions cannot apply the last-importer rule.
	if err := errors.Join(solErr, jobErr); err != nil {
		if solErr != nil {
			err = solErr
		} else {
			err = jobErr
		}
		d.listErr[Solution] = err
		d.solutions = map[string]*solutionInfo{}
	}
	for _, si := range d.solutions {
		if j, ok := jobs[strings.ToLower(si.s.UniqueName)]; ok {
			si.last, si.imported = j, true
		}
	}
	for k, v := range d.listErr {
		if v == nil {
			delete(d.listErr, k)
		}
	}
	return d
}

func listUsers(s *scanner, dvc *powerplatform.Dataverse, d *dvData, mu *sync.Mutex) error {
	return dvc.Users(s.ctx, func(page []powerplatform.SystemUser) error {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range page {
			h := Holder{ObjectID: strings.ToLower(u.ObjectID), UPN: s.intern(u.DomainName), Name: s.intern(u.FullName), SystemUserID: strings.ToLower(u.ID)}
			if strings.HasPrefix(h.UPN, "# ") {
				h.UPN = ""
			}
			d.usersByID[h.SystemUserID] = h
			if SameObject(u.ObjectID, s.linked.ObjectID) && !u.IsDisabled {
				d.linkedUser = h.SystemUserID
			}
		}
		return nil
	})
}

func isMicrosoftPublisher(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "microsoft") || strings.HasPrefix(n, "dynamics 365")
}

// user is the holder for a systemuser reference, named as Dataverse named it.
func (d *dvData) user(id, formatted string) Holder {
	if h, ok := d.usersByID[strings.ToLower(id)]; ok {
		return h
	}
	return Holder{SystemUserID: strings.ToLower(id), Name: formatted}
}

func (d *dvData) isLinked(id string) bool {
	return d.linkedUser != "" && strings.EqualFold(id, d.linkedUser)
}

// component returns the managed solution a component is in (nil when none),
// and whether it is one of Microsoft's own.
func (d *dvData) component(solutionID string, linked LinkedIdentity) (*inSolution, string, bool) {
	k := strings.ToLower(solutionID)
	if d.microsoft[k] {
		return nil, "", true
	}
	si := d.solutions[k]
	if si == nil {
		return nil, "", false
	}
	imp := d.user(si.last.CreatedBy, si.last.CreatedByName)
	return &inSolution{name: si.s.UniqueName, importer: imp, known: si.imported, linked: si.imported && d.isLinked(si.last.CreatedBy)}, si.s.UniqueName, false
}

func (s *scanner) judgeModelDrivenApps(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.apps))
	for _, a := range d.apps {
		sol, solName, microsoft := d.component(a.SolutionID, s.linked)
		if microsoft {
			s.skip(ModelDrivenApp, 1)
			continue
		}
		creator := d.user(a.CreatedBy, a.CreatedByName)
		o := judgeModelDriven(s.linked, creator, d.isLinked(a.CreatedBy), d.linkedUser != "", sol)
		r := Resource{Product: ModelDrivenApp, ID: a.ID, Name: a.Name, Env: e, Role: "creator", Holder: creator, Owned: o.owned(), Solution: solName}
		if sol != nil {
			r.Role, r.Holder = "last importer", sol.importer
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	return out
}

func (s *scanner) judgeBots(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.bots))
	for _, b := range d.bots {
		sol, solName, microsoft := d.component(b.SolutionID, s.linked)
		if microsoft {
			s.skip(CopilotBot, 1)
			continue
		}
		creator, owner := d.user(b.CreatedBy, b.CreatedByName), d.user(b.Owner, b.OwnerName)
		o := judgeBot(s.linked, creator, owner, d.isLinked(b.CreatedBy), d.isLinked(b.Owner), d.linkedUser != "", sol)
		r := Resource{Product: CopilotBot, ID: b.ID, Name: b.Name, Env: e, Role: "creator", Holder: creator, LinkedRole: o.linkedRole, Owned: o.owned(), Solution: solName}
		if sol != nil {
			r.Role, r.Holder = "last importer", sol.importer
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		if !SameObject(owner.SystemUserID, creator.SystemUserID) && sol == nil && o.linkedRole == "" {
			r.Notes = append(r.Notes, "Owner: "+who(owner)+".")
		}
		out = append(out, r)
	}
	return out
}

func (s *scanner) judgeSolutions(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.solutions))
	for _, si := range d.solutions {
		imp := d.user(si.last.CreatedBy, si.last.CreatedByName)
		o := judgeSolution(imp, si.last.Completed(), si.imported, si.imported && d.isLinked(si.last.CreatedBy))
		r := Resource{Product: Solution, ID: si.s.ID, Name: si.s.FriendlyName, Env: e, Role: "last importer", Holder: imp, Owned: o.owned(), Solution: si.s.UniqueName}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	s.skip(Solution, len(d.microsoft))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *scanner) judgeFlows(e *Environment, flows []powerplatform.Flow, d *dvData) []Resource {
	var wf map[string]powerplatform.Workflow
	if d != nil && d.err == nil {
		wf = make(map[string]powerplatform.Workflow, len(d.workflows))
		for _, w := range d.workflows {
			wf[strings.ToLower(w.ID)] = w
		}
	}
	names := map[string]Holder{}
	if d != nil {
		for _, h := range d.usersByID {
			if h.ObjectID != "" {
				names[h.ObjectID] = h
			}
		}
	}
	out := make([]Resource, 0, len(flows)+len(wf))
	for _, f := range flows {
		creator := Holder{ObjectID: s.intern(strings.ToLower(f.Creator))}
		if h, ok := names[creator.ObjectID]; ok {
			creator = h
		}
		var sol *inSolution
		solName := ""
		if w, ok := wf[strings.ToLower(f.Name)]; ok {
			delete(wf, strings.ToLower(f.Name))
			var microsoft bool
			sol, solName, microsoft = d.component(w.SolutionID, s.linked)
			if microsoft {
				s.skip(CloudFlow, 1)
				continue
			}
		}
		o := judgeFlow(s.linked, creator, SameObject(f.Creator, s.linked.ObjectID), sol)
		r := Resource{Product: CloudFlow, ID: f.Name, Name: f.DisplayName, Env: e, Role: "creator", Holder: creator, Owned: o.owned(), Solution: solName}
		if sol != nil {
			r.Role, r.Holder = "last importer", sol.importer
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	// Flows Dataverse knows that the flow list did not return.
	for _, w := range wf {
		sol, solName, microsoft := d.component(w.SolutionID, s.linked)
		if microsoft {
			s.skip(CloudFlow, 1)
			continue
		}
		creator := d.user(w.CreatedBy, w.CreatedByName)
		o := judgeFlow(s.linked, creator, d.isLinked(w.CreatedBy), sol)
		r := Resource{Product: CloudFlow, ID: w.ID, Name: w.Name, Env: e, Role: "creator", Holder: creator, Owned: o.owned(), Solution: solName}
		if sol != nil {
			r.Role, r.Holder = "last importer", sol.importer
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	return out
}

func (s *scanner) scanPowerBI() {
	pbi := powerbi.New(s.cred, s.env.Cloud, s.ro)
	var groups []powerbi.Group
	err := pbi.Groups(s.ctx, func(page []powerbi.Group) error {
		for _, g := range page {
			if s.selected(g.ID, g.Name) {
				groups = append(groups, g)
			}
			s.noteName(g.Name)
		}
		return nil
	})
	if err != nil {
		s.fail(Dataset, "", "Power BI", err)
		return
	}
	s.mu.Lock()
	s.prog.Workspaces = len(groups)
	s.report()
	s.mu.Unlock()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, g := range groups {
		e := &Environment{ID: g.ID, Name: g.Name, Type: TypePowerBIWorkspace, Counts: EnvNotApplicable}
		s.addEnv(e)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ds, err := pbi.Datasets(s.ctx, g.ID)
			s.mu.Lock()
			s.prog.WorkspacesDone++
			s.mu.Unlock()
			if err != nil {
				s.fail(Dataset, g.Name, "Power BI", err)
				return
			}
			out := make([]Resource, 0, len(ds))
			for _, d := range ds {
				o := judgeDataset(s.linked, d.ConfiguredBy)
				r := Resource{Product: Dataset, ID: d.ID, Name: d.Name, Env: e, Role: "publisher", Holder: Holder{UPN: s.intern(d.ConfiguredBy)},
					Owned: o.owned()}
				r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
				out = append(out, r)
			}
			s.add(out)
		})
	}
	wg.Wait()
}

func (s *scanner) scanCI() {
	if s.opts.CISubscriptionKey == "" {
		return
	}
	ci := powerplatform.NewCustomerInsights(s.cred, s.env.Cloud, s.opts.CISubscriptionKey, s.ro)
	ins, err := ci.Instances(s.ctx)
	if err != nil {
		s.fail(CIInstance, "", "Customer Insights", err)
		return
	}
	envs := map[string]*Environment{}
	var out []Resource
	for _, in := range ins {
		if !s.selected(in.ID, in.Name) {
			continue
		}
		typ := strings.ToUpper(in.Type[:min(1, len(in.Type))]) + in.Type[min(1, len(in.Type)):]
		e := envs[typ]
		if e == nil {
			e = &Environment{ID: "customer-insights/" + strings.ToLower(typ), Name: "Customer Insights (" + strings.ToLower(typ) + ")", Type: typ, Counts: ClassifyEnvironment(typ)}
			envs[typ] = e
			s.addEnv(e)
		}
		o := judgeCI(s.linked)
		r := Resource{Product: CIInstance, ID: in.ID, Name: in.Name, Env: e, Role: "user", Owned: o.owned()}
		if s.linked.SignedIn {
			r.Holder = Holder{ObjectID: s.linked.ObjectID, UPN: s.linked.UPN, Name: s.linked.DisplayName}
		}
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	s.add(out)
}

var productOrder = func() map[Product]int {
	m := map[Product]int{}
	for i, p := range Products {
		m[p] = i
	}
	return m
}()

func (s *scanner) finish() {
	res := s.res
	n := 0
	for _, b := range s.batches {
		n += len(b)
	}
	res.Resources = make([]Resource, 0, n)
	for i, b := range s.batches {
		res.Resources = append(res.Resources, b...)
		s.batches[i] = nil
	}
	s.batches = nil
	sort.SliceStable(res.Environments, func(i, j int) bool {
		a, b := res.Environments[i], res.Environments[j]
		return containerRank(a) < containerRank(b) || containerRank(a) == containerRank(b) && s.envOrder[a] < s.envOrder[b]
	})
	order := map[*Environment]int{}
	for i, e := range res.Environments {
		order[e] = i
	}
	sort.SliceStable(res.Resources, func(i, j int) bool {
		a, b := &res.Resources[i], &res.Resources[j]
		if oa, ob := order[a.Env], order[b.Env]; oa != ob {
			return oa < ob
		}
		if pa, pb := productOrder[a.Product], productOrder[b.Product]; pa != pb {
			return pa < pb
		}
		return lessFold(a.Name, b.Name)
	})
	cov := map[Product]*Coverage{}
	for _, p := range Products {
		cov[p] = &Coverage{Product: p, ByVerdict: map[Verdict]int{}, Checked: s.want[p], Skipped: s.skipped[p]}
	}
	for i := range res.Resources {
		c := cov[res.Resources[i].Product]
		c.Total++
		c.ByVerdict[res.Resources[i].Verdict]++
	}
	for _, f := range res.Failures {
		if f.Product == "" {
			for _, p := range []Product{CanvasApp, ModelDrivenApp, CloudFlow, CopilotBot, Solution} {
				if s.want[p] {
					cov[p].Failed++
					cov[p].Note = "The environments could not be listed: " + f.Message
				}
			}
			continue
		}
		cov[f.Product].Failed++
	}
	if s.want[CIInstance] && s.opts.CISubscriptionKey == "" {
		c := cov[CIInstance]
		c.Checked = false
		c.Note = "Cannot tell: the Customer Insights API needs a subscription key. Set PALWIZ_CI_SUBSCRIPTION_KEY to the primary key under Settings > Permissions > APIs in Customer Insights."
	}
	if s.want[Dataset] && cov[Dataset].Note == "" {
		cov[Dataset].Note = "Power BI has workspaces, not environments: only the workspaces the signed-in identity is a member of are checked, and whether each is production is your call."
	}
	if n := s.skipped[Solution]; n > 0 {
		cov[Solution].Note = fmt.Sprintf("%d of Microsoft's own managed solutions are left out.", n)
	}
	for _, p := range Products {
		if s.want[p] || p == CIInstance && s.want[p] {
			res.Coverage = append(res.Coverage, *cov[p])
		}
	}
	res.Requests = s.requests.Load()
	res.Elapsed = Duration(time.Since(res.Started))
	s.mu.Lock()
	s.prog.Done = true
	s.report()
	s.mu.Unlock()
}

func containerRank(e *Environment) int {
	switch {
	case e.Type == TypePowerBIWorkspace:
		return 2
	case strings.HasPrefix(e.ID, "customer-insights/"):
		return 3
	}
	return 1
}

// lessFold orders strings case-insensitively (ASCII) without allocating.
func lessFold(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return x < y
		}
	}
	return len(a) < len(b)
}
