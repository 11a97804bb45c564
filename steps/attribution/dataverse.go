package attribution

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// Dataverse: model-driven apps (creator), Copilot Studio bots (creator),
// managed solutions (the last PAL-linked importer), and the flows stored
// there (their primary owner).

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
	// customerInsights: the organisation hosts a Customer Insights - Data
	// instance (it has the msdynci_customerprofile table).
	customerInsights bool
}

// solutionInfo is a managed solution and its successful imports.
type solutionInfo struct {
	s      powerplatform.Solution
	jobs   []powerplatform.ImportJob // successful, completed
	last   powerplatform.ImportJob   // the latest of them
	linked powerplatform.ImportJob   // the latest by the linked account
}

func (si *solutionInfo) imported() bool { return !si.last.Completed().IsZero() }

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
		if err := s.listUsers(dvc, d, &mu); err != nil {
			d.err = err
		}
	})
	listInto := func(p Product, list func(*sync.Mutex) error) {
		wg.Go(func() {
			err := list(&mu)
			mu.Lock()
			d.listErr[p] = err
			mu.Unlock()
		})
	}
	if s.want[ModelDrivenApp] {
		listInto(ModelDrivenApp, func(mu *sync.Mutex) error {
			return dvc.AppModules(s.ctx, func(page []powerplatform.AppModule) error {
				mu.Lock()
				d.apps = append(d.apps, page...)
				mu.Unlock()
				return nil
			})
		})
	}
	if s.want[CopilotBot] {
		listInto(CopilotBot, func(mu *sync.Mutex) error {
			return dvc.Bots(s.ctx, func(page []powerplatform.Bot) error {
				mu.Lock()
				d.bots = append(d.bots, page...)
				mu.Unlock()
				return nil
			})
		})
	}
	if s.want[CloudFlow] {
		listInto(CloudFlow, func(mu *sync.Mutex) error {
			return dvc.CloudFlows(s.ctx, func(page []powerplatform.Workflow) error {
				mu.Lock()
				d.workflows = append(d.workflows, page...)
				mu.Unlock()
				return nil
			})
		})
	}
	if s.want[CIInstance] {
		listInto(CIInstance, func(mu *sync.Mutex) error {
			has, err := dvc.HasTable(s.ctx, powerplatform.CustomerInsightsTable)
			mu.Lock()
			d.customerInsights = has
			mu.Unlock()
			return err
		})
	}
	lists := s.readSolutions(dvc, d, &mu, &wg)
	wg.Wait()
	d.settleSolutions(lists)
	for k, v := range d.listErr {
		if v == nil {
			delete(d.listErr, k)
		}
	}
	return d
}

// solutionLists is what the solution and import-job lists brought.
type solutionLists struct {
	jobs           map[string][]powerplatform.ImportJob // lower-case solution name -> successful imports
	solErr, jobErr error
}

// readSolutions lists the managed solutions (into d) and the import jobs at
// once; the lists are complete once wg is done.
func (s *scanner) readSolutions(dvc *powerplatform.Dataverse, d *dvData, mu *sync.Mutex, wg *sync.WaitGroup) *solutionLists {
	l := &solutionLists{jobs: map[string][]powerplatform.ImportJob{}}
	wg.Go(func() {
		l.solErr = dvc.ManagedSolutions(s.ctx, func(page []powerplatform.Solution) error {
			mu.Lock()
			defer mu.Unlock()
			for _, x := range page {
				if isMicrosoftPublisher(x.PublisherName) {
					d.microsoft[strings.ToLower(x.ID)] = true
					continue
				}
				d.solutions[strings.ToLower(x.ID)] = &solutionInfo{s: x}
			}
			return nil
		})
	})
	wg.Go(func() {
		l.jobErr = dvc.ImportJobs(s.ctx, func(page []powerplatform.ImportJob) error {
			mu.Lock()
			defer mu.Unlock()
			for _, j := range page {
				if j.Succeeded() {
					k := strings.ToLower(j.SolutionName)
					l.jobs[k] = append(l.jobs[k], j)
				}
			}
			return nil
		})
	})
	return l
}

// settleSolutions finds each solution's last import, and the linked
// account's last one.
func (d *dvData) settleSolutions(l *solutionLists) {
	err := l.solErr
	if err == nil {
		err = l.jobErr
	}
	if err != nil {
		// A scan without the solutions cannot apply the last-importer rule.
		d.listErr[Solution] = err
		d.solutions = map[string]*solutionInfo{}
		return
	}
	for _, si := range d.solutions {
		si.jobs = l.jobs[strings.ToLower(si.s.UniqueName)]
		for _, job := range si.jobs {
			if job.Completed().After(si.last.Completed()) {
				si.last = job
			}
			if d.isLinked(job.CreatedBy) && job.Completed().After(si.linked.Completed()) {
				si.linked = job
			}
		}
	}
}

func (s *scanner) listUsers(dvc *powerplatform.Dataverse, d *dvData, mu *sync.Mutex) error {
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

// inSolution is the managed solution a component is in, with its imports.
type inSolution struct {
	name, publisher string
	importer        Holder    // the last importer
	when            time.Time // the last import
	known           bool      // a completed import was found
	linked          bool      // the last importer is the linked identity
	linkedWhen      time.Time // the linked identity's last import, if any
}

// component returns the managed solution a component is in (nil when none),
// and whether it is one of Microsoft's own.
func (d *dvData) component(solutionID string) (*inSolution, bool) {
	k := strings.ToLower(solutionID)
	if d.microsoft[k] {
		return nil, true
	}
	si := d.solutions[k]
	if si == nil {
		return nil, false
	}
	return d.inSolution(si), false
}

func (d *dvData) inSolution(si *solutionInfo) *inSolution {
	return &inSolution{name: si.s.UniqueName, publisher: si.s.PublisherName, importer: d.user(si.last.CreatedBy, si.last.CreatedByName),
		when: si.last.Completed(), known: si.imported(), linked: si.imported() && d.isLinked(si.last.CreatedBy), linkedWhen: si.linked.Completed()}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// solutionRule applies "the last account with a PAL link to import a
// managed solution owns everything in it" to a solution (component "") or
// to one of its components ("app", "flow", "bot").
func solutionRule(s inSolution, component string, creator Holder, creatorLinked bool) ownership {
	// it is how the reason opens: about the solution itself, or about the
	// solution a component is in.
	it := func(subject, rest string) string {
		if component == "" {
			return strings.ToUpper(subject[:1]) + subject[1:] + " " + rest
		}
		return "In managed solution " + s.name + ", which " + subject + " " + strings.Replace(rest, "imported it", "imported", 1)
	}
	const rule = "PAL credits the last account with a PAL link to import it"
	switch {
	case !s.known:
		if component == "" {
			return ownership{verdict: CannotTell, reason: "It has no completed import, so palwiz cannot tell who imported it last."}
		}
		return ownership{verdict: CannotTell, reason: "In managed solution " + s.name + ", which has no completed import, so palwiz cannot tell who imported it last."}
	case s.linked:
		o := ownership{verdict: Attributed, reason: it("the linked account", fmt.Sprintf("imported it last (%s): %s, with everything in it.", day(s.when), rule))}
		if component != "" && !creatorLinked && creator.known() {
			o.notes = []string{fmt.Sprintf("The %s was created by %s; the import made the linked account its owner.", component, who(creator))}
		}
		return o
	case !s.linkedWhen.IsZero():
		return ownership{verdict: CannotTell, reason: it("the linked account", fmt.Sprintf("imported it on %s, and %s imported it again on %s. %s: the linked account keeps the credit only if %s has no link of its own, which palwiz cannot see.",
			day(s.linkedWhen), who(s.importer), day(s.when), rule, who(s.importer)))}
	}
	return ownership{verdict: NotAttributed, reason: it(who(s.importer), fmt.Sprintf("imported it last (%s), and the linked account never did. %s.", day(s.when), rule))}
}

func (s *scanner) judgeModelDrivenApps(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.apps))
	for _, a := range d.apps {
		sol, microsoft := d.component(a.SolutionID)
		if microsoft {
			s.skip(ModelDrivenApp, 1)
			continue
		}
		creator := d.user(a.CreatedBy, a.CreatedByName)
		o := judgeModelDriven(creator, d.isLinked(a.CreatedBy), d.linkedUser != "", sol)
		r := Resource{Product: ModelDrivenApp, ID: a.ID, Name: a.Name, Env: e, Role: "creator", Holder: creator, Owned: o.owned()}
		inManaged(&r, sol)
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	return out
}

// inManaged marks a component of a managed solution: the rule looks at the importer.
func inManaged(r *Resource, sol *inSolution) {
	if sol == nil {
		return
	}
	r.Solution = sol.name
	r.setPublisher(sol.publisher)
	r.Role, r.Holder = "importer", sol.importer
	r.facts.linkedImport = !sol.linkedWhen.IsZero()
}

// judgeModelDriven: the creator (no co-owners), or the solution's importer.
func judgeModelDriven(creator Holder, creatorIsLinked, linkedIsUser bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule(*sol, "app", creator, creatorIsLinked)
	}
	switch {
	case creatorIsLinked:
		return ownership{verdict: Attributed, reason: "The linked account created the app."}
	case !linkedIsUser:
		return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + "; the linked account is not even a user of this environment."}
	}
	return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + ". A model-driven app has no co-owners, and only a solution import changes who holds it."}
}

func (s *scanner) judgeBots(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.bots))
	for _, b := range d.bots {
		sol, microsoft := d.component(b.SolutionID)
		if microsoft {
			s.skip(CopilotBot, 1)
			continue
		}
		creator, owner := d.user(b.CreatedBy, b.CreatedByName), d.user(b.Owner, b.OwnerName)
		o := judgeBot(creator, owner, d.isLinked(b.CreatedBy), d.isLinked(b.Owner), d.linkedUser != "", sol)
		r := Resource{Product: CopilotBot, ID: b.ID, Name: b.Name, Env: e, Role: "creator", Holder: creator, LinkedRole: o.linkedRole, Owned: o.owned()}
		if !sameHolder(owner, creator) {
			r.setOwner(&owner)
		}
		inManaged(&r, sol)
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	return out
}

// judgeBot: the creator decides; an owner that did not create the bot is
// not credited (the older draft of the guidance).
func judgeBot(creator, owner Holder, creatorIsLinked, ownerIsLinked, linkedIsUser bool, sol *inSolution) ownership {
	if sol != nil {
		return solutionRule(*sol, "bot", creator, creatorIsLinked)
	}
	switch {
	case creatorIsLinked:
		return ownership{verdict: Attributed, reason: "The linked account created the bot."}
	case ownerIsLinked:
		return ownership{verdict: NotAttributed, linkedRole: "owner, not creator",
			reason: "The linked account owns the bot, but " + who(creator) + " created it, and PAL (the older draft of the guidance) credits the creator, which does not change."}
	case !linkedIsUser:
		return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + "; the linked account is not even a user of this environment."}
	case sameHolder(creator, owner):
		return ownership{verdict: NotAttributed, reason: "Created and owned by " + who(creator) + "."}
	}
	return ownership{verdict: NotAttributed, reason: "Created by " + who(creator) + " and owned by " + who(owner) + "."}
}

func (s *scanner) judgeSolutions(e *Environment, d *dvData) []Resource {
	out := make([]Resource, 0, len(d.solutions))
	for _, si := range d.solutions {
		sol := d.inSolution(si)
		o := solutionRule(*sol, "", Holder{}, false)
		r := Resource{Product: Solution, ID: si.s.ID, Name: si.s.FriendlyName, Env: e, Role: "importer", Holder: sol.importer, Owned: o.owned(),
			Solution: si.s.UniqueName}
		r.setPublisher(si.s.PublisherName)
		r.facts.linkedImport = !sol.linkedWhen.IsZero()
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		out = append(out, r)
	}
	s.skip(Solution, len(d.microsoft))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// bot plans a bot's fix: a new managed component imported by the linked
// account. Changing the owner is advice: the creator decides.
func (pl planner) bot(r Resource) []Fix {
	out := []Fix{pl.rebuild(r, "PAL (the older draft) credits a bot's creator, which does not change; its tooling table says yes only for the PP CLI and DevOps, that is, a solution import.")}
	if r.LinkedRole == "" && r.Env != nil && r.Env.LinkedUserID != "" {
		owner := r.Holder
		if o := r.Owner(); o != nil {
			owner = *o
		}
		out = append(out, Fix{Kind: FixAssignBot, Resource: r, Automatic: true, After: r.Verdict, Ownership: true, TakesFrom: who(owner),
			Summary:     fmt.Sprintf("Make %s the owner of %s (its creator stays %s)", pl.l.Name(), r.label(), who(r.Holder)),
			Explanation: "Copilot Studio now lets an administrator reassign a bot's owner (and Dataverse can), but PAL credits the creator: this does not move the credit.",
			Loses:       who(owner) + " stops being the bot's owner and loses access to it."})
	}
	return out
}
