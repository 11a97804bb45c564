package attribution

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/rest"
	"github.com/palwiz/palwiz/steps"
)

// ScanOptions say what to scan and how hard to push the services.
type ScanOptions struct {
	// Tenant is the directory ("" = the current one).
	Tenant string
	// Linked is the identity to compare against; nil resolves it with ResolveLinked.
	Linked *LinkedIdentity
	// Environments limits the scan to environments, Power BI workspaces and
	// Customer Insights instances with these IDs or names (empty = all).
	Environments []string
	// Products limits the scan (empty = all).
	Products []Product
	// SkipNonProduction leaves out the resources of environments that do not count.
	SkipNonProduction bool
	// FlowCoOwners also reads the co-owners of the flows that are not
	// attributed (one request each), so that the plan does not advise
	// adding a co-owner the flow already has. A fix plan wants it; a
	// check does not.
	FlowCoOwners bool
	// CISubscriptionKey is the Customer Insights API key; without it
	// Customer Insights is reported as not checked.
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
	env      *steps.Env
	opts     ScanOptions
	linked   LinkedIdentity
	kind     auth.Kind // the signed-in identity's kind, for the failures' next steps
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
	// ciOrgs and ciFound count the Dataverse organisations asked about
	// Customer Insights - Data, and those that host it.
	ciOrgs, ciFound int
}

// Scan reads the resources of the directory's environments, Power BI
// workspaces and Customer Insights instances and judges each against the
// linked identity. Lists run concurrently within each host's limit; a
// failing environment or service becomes a Failure (with its Cause) and
// the rest is still reported. progress (optional) is called with counts as
// pages arrive, from several goroutines but never at once; it must return
// quickly.
//
// Scan returns an error only when nothing could be read for a reason the
// user must fix first (a new sign-in, an unknown environment name).
func Scan(ctx context.Context, env *steps.Env, opts ScanOptions, progress func(ScanProgress)) (*ScanResult, error) {
	p := env.Session.Profile()
	if p == nil {
		return nil, auth.ErrNotSignedIn
	}
	tenant := opts.Tenant
	if tenant == "" {
		tenant = p.Tenant
	}
	var linked LinkedIdentity
	if opts.Linked != nil {
		linked = *opts.Linked
	} else {
		l, err := ResolveLinked(ctx, env, tenant)
		if err != nil {
			return nil, err
		}
		linked = l
	}
	if linked.TenantID == "" {
		linked.TenantID = tenant
	}
	s := newScanner(ctx, env, opts, linked, p.Kind, tenant, progress)
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
	s.run()
	if err := ctx.Err(); err != nil {
		return s.res, err
	}
	s.finish()
	if err := s.unknownNames(); err != nil {
		return s.res, err
	}
	if len(s.res.Resources) == 0 && len(s.res.Failures) > 0 {
		var ae *auth.Error
		if err := needsSignIn(s.res.Failures); errors.As(err, &ae) && ae.NeedsInteraction() {
			return s.res, ae
		}
	}
	return s.res, nil
}

func newScanner(ctx context.Context, env *steps.Env, opts ScanOptions, linked LinkedIdentity, kind auth.Kind, tenant string, progress func(ScanProgress)) *scanner {
	s := &scanner{ctx: ctx, env: env, opts: opts, linked: linked, kind: kind, cred: env.Session.Credential(tenant), progress: progress,
		want: map[Product]bool{}, filter: map[string]bool{}, matched: map[string]bool{}, envOrder: map[*Environment]int{},
		skipped: map[Product]int{}, strs: map[string]string{}}
	s.res = &ScanResult{TenantID: tenant, Linked: linked, Started: time.Now().UTC(), Notes: linkedNotes(linked),
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
	s.apps = powerplatform.NewPowerApps(s.cred, env.Cloud, s.ro)
	s.flows = powerplatform.NewFlows(s.cred, env.Cloud, s.ro)
	return s
}

// run reads every product family at once.
func (s *scanner) run() {
	var wg sync.WaitGroup
	// Get the tokens the first requests of each service will need now, in
	// parallel with the environment list, instead of one after the other.
	if s.want[CloudFlow] {
		wg.Go(func() { s.warmToken(cloud.FlowScope) })
	}
	if s.want[Dataset] {
		wg.Go(func() { s.warmToken(cloud.PowerBIScope) })
	}
	// Customer Insights is also read in the environments' Dataverse.
	for _, p := range append(powerPlatformProducts[:len(powerPlatformProducts):len(powerPlatformProducts)], CIInstance) {
		if s.want[p] {
			wg.Go(s.scanEnvironments)
			break
		}
	}
	if s.want[Dataset] {
		wg.Go(s.scanPowerBI)
	}
	if s.want[CIInstance] {
		wg.Go(s.scanCI)
	}
	wg.Wait()
}

// unknownNames is the error for --environment names that matched nothing
// (when nothing failed that could explain it).
func (s *scanner) unknownNames() error {
	if len(s.filter) == 0 {
		return nil
	}
	var missing []string
	for _, e := range s.opts.Environments {
		if !s.matched[strings.ToLower(strings.TrimSpace(e))] {
			missing = append(missing, fmt.Sprintf("%q", e))
		}
	}
	if len(missing) == 0 || len(s.res.Failures) > 0 {
		return nil
	}
	return &steps.ServiceError{Message: "No environment, workspace or instance named " + strings.Join(missing, ", "),
		NextStep: "palwiz sees: " + strings.Join(s.allEnvNames, ", ")}
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
	if canceled(err) {
		return
	}
	f := newFailure(product, where, service, err, s.kind)
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

func (s *scanner) noteName(n string) {
	s.mu.Lock()
	s.allEnvNames = append(s.allEnvNames, n)
	s.mu.Unlock()
}

// weigh is the package's weigh with the texts shared between resources.
func (s *scanner) weigh(e *Environment, o ownership) (Verdict, string, string, []string) {
	v, reason, own, notes := weigh(e, o)
	return v, s.intern(reason), s.intern(own), notes
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
	s.sortEnvironments()
	s.sortFailures()
	res.Resources = s.sortedResources()
	s.batches = nil
	res.Coverage = s.coverage()
	res.Requests = s.requests.Load()
	res.Elapsed = Duration(time.Since(res.Started))
	s.mu.Lock()
	s.prog.Done = true
	s.report()
	s.mu.Unlock()
}

// sortEnvironments orders environments as the services listed them (Power
// Platform, then Power BI, then Customer Insights).
func (s *scanner) sortEnvironments() {
	res := s.res
	sort.SliceStable(res.Environments, func(i, j int) bool {
		a, b := res.Environments[i], res.Environments[j]
		return containerRank(a) < containerRank(b) || containerRank(a) == containerRank(b) && s.envOrder[a] < s.envOrder[b]
	})
}

// sortFailures orders the failures as the resources are ordered, whatever
// order the concurrent reads failed in: a whole service first, then by
// product, environment and service, so two runs that fail alike report
// alike.
func (s *scanner) sortFailures() {
	env := map[string]int{}
	for i, e := range s.res.Environments {
		if _, ok := env[e.Name]; !ok {
			env[e.Name] = i
		}
	}
	rank := func(f Failure) int {
		if f.Product == "" {
			return -1
		}
		return productOrder[f.Product]
	}
	envRank := func(f Failure) int {
		if i, ok := env[f.Environment]; ok {
			return i
		}
		return -1
	}
	slices.SortStableFunc(s.res.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(envRank(a), envRank(b)),
			strings.Compare(a.Environment, b.Environment), strings.Compare(a.Service, b.Service))
	})
}

// sortKey is a resource's place in the result, computed once.
type sortKey struct {
	env, product int32
	r            *Resource
}

// sortedResources orders the resources of every batch by environment,
// product and name (stable: the services' order within), without duplicate
// Customer Insights instances. It sorts small keys and returns pointers
// into the batches, which stay the resources' only copy: gathering 100,000
// resources of 256 bytes into one new slice cost a scan 80–290 ms at its
// very end (25 MB of fresh memory, read in random order, often while the
// collector was marking).
func (s *scanner) sortedResources() []*Resource {
	order := make(map[*Environment]int32, len(s.res.Environments))
	for i, e := range s.res.Environments {
		order[e] = int32(i)
	}
	n := 0
	for _, b := range s.batches {
		n += len(b)
	}
	dup := duplicateInstances(s.batches)
	keys := make([]sortKey, 0, n)
	for _, b := range s.batches {
		for i := range b {
			if r := &b[i]; !dup(r) {
				keys = append(keys, sortKey{env: order[r.Env], product: int32(productOrder[r.Product]), r: r})
			}
		}
	}
	slices.SortStableFunc(keys, func(a, b sortKey) int {
		switch {
		case a.env != b.env:
			return cmp.Compare(a.env, b.env)
		case a.product != b.product:
			return cmp.Compare(a.product, b.product)
		case lessFold(a.r.Name, b.r.Name):
			return -1
		case lessFold(b.r.Name, a.r.Name):
			return 1
		}
		return 0
	})
	out := make([]*Resource, len(keys))
	for i, k := range keys {
		out[i] = k.r
	}
	return out
}

func (s *scanner) coverage() []Coverage {
	res := s.res
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
		if f.Product != "" {
			cov[f.Product].Failed++
			continue
		}
		for _, p := range powerPlatformProducts {
			if s.want[p] {
				cov[p].Failed++
				cov[p].Note = "The environments could not be listed: " + f.Message
			}
		}
	}
	if s.want[CIInstance] && s.opts.CISubscriptionKey == "" {
		c := cov[CIInstance]
		c.Note, c.Checked = ciCoverageNote(s.ciOrgs, s.ciFound)
	}
	if s.want[Dataset] && cov[Dataset].Note == "" {
		cov[Dataset].Note = "Power BI has workspaces, not environments: only the workspaces the signed-in identity is a member of are checked, and whether each is production is your call."
	}
	if n := s.skipped[Solution]; n > 0 {
		verb := "are"
		if n == 1 {
			verb = "is"
		}
		cov[Solution].Note = fmt.Sprintf("%d of Microsoft's own managed solutions %s left out.", n, verb)
	}
	var out []Coverage
	for _, p := range Products {
		if s.want[p] {
			out = append(out, *cov[p])
		}
	}
	return out
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
