package sim

// Eventual consistency: after a write, a service's readers see the old
// state for the scenario's replication lag (settings.replication), as reads
// from a replica do. Writes always act on the latest state. A second write
// while the first is still replicating keeps the readers on the state
// before the first, until the second has replicated.

// appView is an app as a reader sees it now.
func (p *pp) appView(a *ppApp) *ppApp {
	if a.stale != nil && p.s.now().Before(a.staleUntil) {
		return a.stale
	}
	return a
}

// flowView is a flow as a reader sees it now.
func (p *pp) flowView(f *ppFlow) *ppFlow {
	if f.stale != nil && p.s.now().Before(f.staleUntil) {
		return f.stale
	}
	return f
}
