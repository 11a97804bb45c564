package sim

// Eventual consistency: after a write, a service's readers see the old
// state for the scenario's replication lag (settings.replication), as reads
// from a replica do. Writes always act on the latest state. A second write
// while the first is still replicating keeps the readers on the state
// before the first, until the second has replicated.

import "time"

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

// lag is the replication lag of a service, and whether it is on.
func (s *Server) lag(service string) (time.Duration, bool) {
	d := s.sc.Settings.replication(service)
	return d, d > 0
}

// beforeWrite prepares a write to a record of service whose readers see
// stale until staleUntil: it returns the snapshot to keep (snap() is taken
// only when the previous write has replicated) and when it stops counting.
func (s *Server) beforeWrite(service string, stale bool, staleUntil time.Time) (takeSnapshot bool, until time.Time, on bool) {
	d, on := s.lag(service)
	if !on {
		return false, time.Time{}, false
	}
	now := s.now()
	return !stale || !now.Before(staleUntil), now.Add(d), true
}

// snapshotApp copies an app's changeable state for its readers.
func snapshotApp(a *ppApp) *ppApp {
	c := &ppApp{CanvasApp: a.CanvasApp, created: a.created, modified: a.modified, perms: append([]ppGrant(nil), a.perms...)}
	c.json.Store(a.json.Load())
	return c
}

// appWritten notes that a is about to change (call with pp.mu held).
func (p *pp) appWritten(a *ppApp) {
	take, until, on := p.s.beforeWrite("powerapps", a.stale != nil, a.staleUntil)
	if !on {
		return
	}
	if take {
		a.stale = snapshotApp(a)
	}
	a.staleUntil = until
}

func snapshotFlow(f *ppFlow) *ppFlow {
	c := &ppFlow{CloudFlow: f.CloudFlow, created: f.created, modified: f.modified, perms: append([]ppGrant(nil), f.perms...)}
	c.json.Store(f.json.Load())
	return c
}

// flowWritten notes that f is about to change (call with pp.mu held).
func (p *pp) flowWritten(f *ppFlow) {
	take, until, on := p.s.beforeWrite("flow", f.stale != nil, f.staleUntil)
	if !on {
		return
	}
	if take {
		f.stale = snapshotFlow(f)
	}
	f.staleUntil = until
}

// rowWritten notes that a Dataverse record is about to change (pp.mu held).
func (p *pp) rowWritten(row *dvRow) {
	take, until, on := p.s.beforeWrite("dataverse", row.prev != nil, row.visibleAt)
	if !on {
		return
	}
	if take {
		row.prev = &dvRow{vals: append([]any(nil), row.vals...), etag: row.etag}
	}
	row.visibleAt = until
}

// datasetView is a dataset as a reader sees it now.
func (p *pp) datasetView(d *pbiDataset) *pbiDataset {
	if d.stale != nil && p.s.now().Before(d.staleUntil) {
		return d.stale
	}
	return d
}

// datasetWritten notes that d is about to change (pp.mu held).
func (p *pp) datasetWritten(d *pbiDataset) {
	take, until, on := p.s.beforeWrite("powerbi", d.stale != nil, d.staleUntil)
	if !on {
		return
	}
	if take {
		d.stale = &pbiDataset{PBIDataset: d.PBIDataset, configuredFirst: d.configuredFirst, created: d.created, json: d.json}
	}
	d.staleUntil = until
}

// linkView is a Partner Admin Link as a reader sees it now (nil: none).
func (s *Server) linkView(rec *linkRecord) *linkRecord {
	if rec != nil && rec.stale != nil && s.now().Before(rec.staleUntil) {
		return rec.stale
	}
	return rec
}

// linkWritten notes that a link is about to change (Server.mu held); rec
// may be a record just created, whose readers still see none.
func (s *Server) linkWritten(rec *linkRecord, existed bool) {
	take, until, on := s.beforeWrite("arm", rec.stale != nil, rec.staleUntil)
	if !on {
		return
	}
	if take {
		snap := &linkRecord{}
		if existed {
			*snap = *rec
			snap.stale = nil
		}
		rec.stale = snap
	}
	rec.staleUntil = until
}
