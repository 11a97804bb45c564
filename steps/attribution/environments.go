package attribution

import (
	"slices"
	"sync"

	"github.com/palwiz/palwiz/azure/powerplatform"
)

// scanEnvironments lists the Power Platform environments and reads each one's
// canvas apps, flows and Dataverse at once.
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
	var flows [][]powerplatform.Flow // by page: growing one slice copied it over and over
	var flowsErr error
	if s.want[CloudFlow] {
		wg.Go(func() {
			flowsErr = s.flows.List(s.ctx, e.ID, func(page []powerplatform.Flow) error {
				flows = append(flows, slices.Clone(page))
				return nil
			})
		})
	}
	var dv *dvData
	needDV := s.want[ModelDrivenApp] || s.want[CopilotBot] || s.want[Solution] || s.want[CloudFlow] || s.want[CIInstance]
	if needDV && pe.HasDataverse() {
		wg.Go(func() { dv = s.readDataverse(e) })
	}
	wg.Wait()
	if s.ctx.Err() != nil {
		return
	}
	if dv != nil {
		s.judgeDataverse(e, dv)
	}
	if s.want[CloudFlow] {
		if flowsErr != nil {
			s.fail(CloudFlow, e.Name, "Power Automate", flowsErr)
		}
		s.add(s.readCoOwners(e, s.judgeFlows(e, flows, dv)))
	}
}

// judgeDataverse reports what one organisation told, or why it could not.
func (s *scanner) judgeDataverse(e *Environment, dv *dvData) {
	if dv.err != nil {
		for _, p := range []Product{ModelDrivenApp, CopilotBot, Solution, CloudFlow, CIInstance} {
			if s.want[p] {
				s.fail(p, e.Name, "Dataverse", dv.err)
			}
		}
		return
	}
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
	if s.want[CIInstance] && dv.listErr[CIInstance] == nil {
		s.add(s.judgeCIDataverse(e, dv))
	}
}
