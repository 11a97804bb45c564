package sim

import (
	"strings"
	"time"
)

// principal is one directory object a token can be issued for: a user (member
// or guest) or a service principal, in one tenant.
type principal struct {
	tenant *Tenant
	oid    string
	user   *User             // nil for a service principal
	sp     *ServicePrincipal // nil for a user
	guest  bool
	// foreign: a delegated (CSP/GDAP) sign-in with no object in the tenant.
	foreign bool
}

// linkRecord is one Partner Admin Link, kept after delete (soft delete).
type linkRecord struct {
	partnerID string
	created   time.Time
	updated   time.Time
	version   int
	active    bool
	// stale is the link before its latest write, which readers see until
	// staleUntil (replication lag); nil when settled.
	stale      *linkRecord
	staleUntil time.Time
}

type deviceFlow struct {
	deviceCode string
	userCode   string
	clientID   string
	tenantSeg  string // authority segment: organizations, common, GUID or domain
	target     tokenTarget
	claims     string
	expires    time.Time
	status     string // pending, approved, declined, redeemed
	user       *User
	mfa        bool
	created    time.Time
	failCode   int // AADSTS code the poll answers once the sign-in failed
	changed    chan struct{}
}

// changedCh is closed when the flow leaves "pending"; Server.mu is held.
func (f *deviceFlow) changedCh() chan struct{} {
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// settle records that a person acted on the flow; Server.mu is held.
func (f *deviceFlow) settle() {
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	select {
	case <-f.changed:
	default:
		close(f.changed)
	}
}

type refreshToken struct {
	user       *User
	clientID   string
	mfaTenants map[string]bool
	expires    time.Time
	issued     time.Time
	iat        int64 // its issue time as the revocation checks count it
}

// state is everything the simulator changes. Server.mu guards it.
type state struct {
	tenants    map[string]*Tenant // lower-case id and domains -> tenant
	tenantList []*Tenant
	usersByUPN map[string]*User
	objects    map[string]principal // tenant/oid (lower-case)
	spsByApp   map[string]*ServicePrincipal
	partners   map[string]Partner
	links      map[string]*linkRecord // tenant/oid
	devices    map[string]*deviceFlow // device code -> flow
	userCodes  map[string]*deviceFlow // user code -> flow
	refresh    map[string]*refreshToken
	authCodes  map[string]*authCode
	notBefore  time.Time // access tokens issued before this are refused as expired
	publicApps map[string]bool
	lastDevice *deviceFlow
	graph      *graphState
	// revoked is when each user's sessions (refresh tokens) were revoked;
	// challenged is when their access tokens start to draw a CAE claims
	// challenge (lower-case UPN -> time).
	revoked    map[string]time.Time
	challenged map[string]time.Time
	maxIat     int64    // the latest iat of any token issued
	issued     []string // every token handed out, for leak tests
	// jobs are the running pipeline jobs that may ask for OIDC tokens (job ID -> job).
	jobs map[string]*pipelineJob
}

func newState(sc *Scenario, now time.Time) *state {
	st := &state{
		tenants:    map[string]*Tenant{},
		usersByUPN: map[string]*User{},
		objects:    map[string]principal{},
		spsByApp:   map[string]*ServicePrincipal{},
		partners:   map[string]Partner{},
		links:      map[string]*linkRecord{},
		devices:    map[string]*deviceFlow{},
		userCodes:  map[string]*deviceFlow{},
		refresh:    map[string]*refreshToken{},
		authCodes:  map[string]*authCode{},
		publicApps: map[string]bool{},
		graph:      &graphState{},
		revoked:    map[string]time.Time{},
		challenged: map[string]time.Time{},
		jobs:       map[string]*pipelineJob{},
	}
	for i := range sc.Tenants {
		t := &sc.Tenants[i]
		st.tenantList = append(st.tenantList, t)
		st.tenants[strings.ToLower(t.ID)] = t
		st.tenants[strings.ToLower(t.DefaultDomain)] = t
		for _, d := range t.Domains {
			st.tenants[strings.ToLower(d)] = t
		}
	}
	for i := range sc.Users {
		u := &sc.Users[i]
		st.usersByUPN[strings.ToLower(u.UserPrincipalName)] = u
		home := st.tenants[strings.ToLower(u.HomeTenant)]
		st.objects[objKey(home.ID, u.ObjectID)] = principal{tenant: home, oid: u.ObjectID, user: u}
		for _, g := range u.Guests {
			t := st.tenants[strings.ToLower(g.Tenant)]
			st.objects[objKey(t.ID, g.ObjectID)] = principal{tenant: t, oid: g.ObjectID, user: u, guest: true}
		}
	}
	for i := range sc.ServicePrincipals {
		sp := &sc.ServicePrincipals[i]
		t := st.tenants[strings.ToLower(sp.Tenant)]
		st.objects[objKey(t.ID, sp.ObjectID)] = principal{tenant: t, oid: sp.ObjectID, sp: sp}
		st.spsByApp[objKey(t.ID, sp.AppID)] = sp
	}
	for _, p := range sc.Partners {
		st.partners[p.ID] = p
	}
	for _, l := range sc.Links {
		t := st.tenants[strings.ToLower(l.Tenant)]
		created := now.Add(-90 * 24 * time.Hour).UTC().Truncate(time.Second)
		st.links[objKey(t.ID, l.ObjectID)] = &linkRecord{partnerID: l.PartnerID, created: created, updated: created, version: 1, active: !l.Deleted}
	}
	apps := sc.PublicClients
	if len(apps) == 0 {
		apps = []string{AzureCLIClientID, AzurePowerShellClientID}
	}
	for _, a := range apps {
		st.publicApps[strings.ToLower(a)] = true
	}
	return st
}

func objKey(tenant, oid string) string { return strings.ToLower(tenant + "/" + oid) }

// tenant resolves a tenant GUID or domain.
func (st *state) tenant(idOrDomain string) *Tenant { return st.tenants[strings.ToLower(idOrDomain)] }

// userIn returns the user's object in tenant t (member or guest).
func (st *state) userIn(u *User, t *Tenant) (principal, bool) {
	if strings.EqualFold(u.HomeTenant, t.ID) {
		return st.objects[objKey(t.ID, u.ObjectID)], true
	}
	for _, g := range u.Guests {
		if strings.EqualFold(g.Tenant, t.ID) {
			return st.objects[objKey(t.ID, g.ObjectID)], true
		}
	}
	for _, f := range u.ForeignIn {
		if strings.EqualFold(f, t.ID) {
			// Delegated access: the home object ID, and no object here.
			return principal{tenant: t, oid: u.ObjectID, user: u, foreign: true}, true
		}
	}
	return principal{}, false
}

// userTenants lists the tenants where the user has an object, home first.
func (st *state) userTenants(u *User) []*Tenant {
	out := []*Tenant{st.tenant(u.HomeTenant)}
	for _, g := range u.Guests {
		out = append(out, st.tenant(g.Tenant))
	}
	for _, f := range u.ForeignIn {
		out = append(out, st.tenant(f))
	}
	return out
}

// sessionsRevoked is the Unix second before which the user's refresh tokens
// were revoked (0 = never).
func (st *state) sessionsRevoked(u *User) int64 {
	if u == nil {
		return 0
	}
	if t, ok := st.revoked[strings.ToLower(u.UserPrincipalName)]; ok {
		return t.Unix()
	}
	return 0
}

// tokensChallenged is the Unix second before which the user's CAE-capable
// access tokens draw a claims challenge (0 = never).
func (st *state) tokensChallenged(u *User) int64 {
	if u == nil {
		return 0
	}
	if t, ok := st.challenged[strings.ToLower(u.UserPrincipalName)]; ok {
		return t.Unix()
	}
	return 0
}
