package attribution

import (
	"fmt"
	"strings"
	"sync"

	"github.com/palwiz/palwiz/azure/powerbi"
)

// Power BI datasets: the publisher. Power BI shows the owner (configuredBy),
// which is the publisher or whoever took the dataset over since; the report
// published with the dataset (from the same .pbix) tells the two apart.

// publishEvidence is what the workspace's reports say about who published a dataset.
type publishEvidence int

const (
	evidenceUnknown   publishEvidence = iota // not read, or no report from the same .pbix
	evidencePublished                        // a report from the same .pbix is the linked account's
	evidenceTakenOver                        // the .pbix reports are someone else's
)

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
			s.scanWorkspace(pbi, e)
		})
	}
	wg.Wait()
}

func (s *scanner) scanWorkspace(pbi *powerbi.Client, e *Environment) {
	ds, err := pbi.Datasets(s.ctx, e.ID)
	s.mu.Lock()
	s.prog.WorkspacesDone++
	s.mu.Unlock()
	if err != nil {
		s.fail(Dataset, e.Name, "Power BI", err)
		return
	}
	evidence, note := s.publishers(pbi, e, ds)
	out := make([]Resource, 0, len(ds))
	for _, d := range ds {
		ev := evidence[strings.ToLower(d.ID)]
		o := judgeDataset(s.linked, d.ConfiguredBy, ev)
		r := Resource{Product: Dataset, ID: d.ID, Name: d.Name, Env: e, Role: "publisher", Holder: Holder{UPN: s.intern(d.ConfiguredBy)}, Owned: o.owned(), LinkedRole: o.linkedRole}
		r.facts.takenOver = ev == evidenceTakenOver && o.verdict == CannotTell
		r.Verdict, r.Reason, r.Ownership, r.Notes = s.weigh(e, o)
		if note != "" && o.verdict == Attributed && ev == evidenceUnknown {
			r.Notes = append(r.Notes, note)
		}
		out = append(out, r)
	}
	s.add(out)
}

// publishers reads the workspace's reports, when the linked account owns a
// dataset there and palwiz is signed in as it: a report is "mine" only for
// the signed-in account. note says why the evidence is missing.
func (s *scanner) publishers(pbi *powerbi.Client, e *Environment, ds []powerbi.Dataset) (map[string]publishEvidence, string) {
	owns := false
	for _, d := range ds {
		owns = owns || ownsDataset(s.linked, d.ConfiguredBy)
	}
	if !owns {
		return nil, ""
	}
	if !s.linked.SignedIn {
		return nil, "palwiz is not signed in as the linked account, so it could not confirm that the account published the dataset rather than took it over."
	}
	reports, err := pbi.Reports(s.ctx, e.ID)
	if err != nil {
		return nil, "Reading the workspace's reports failed, so palwiz could not confirm that the linked account published the dataset rather than took it over: " + failureMessage(err, s.kind)
	}
	out := map[string]publishEvidence{}
	for _, rp := range reports {
		if !rp.IsFromPbix || rp.DatasetID == "" {
			continue
		}
		k := strings.ToLower(rp.DatasetID)
		switch {
		case rp.IsOwnedByMe:
			out[k] = evidencePublished
		case out[k] == evidenceUnknown:
			out[k] = evidenceTakenOver
		}
	}
	return out, ""
}

// ownsDataset reports whether configuredBy names the linked identity.
func ownsDataset(l LinkedIdentity, configuredBy string) bool {
	if configuredBy == "" {
		return false
	}
	if l.IsServicePrincipal() {
		return strings.EqualFold(configuredBy, l.AppID) || strings.EqualFold(configuredBy, l.ObjectID)
	}
	for _, name := range upnForms(l.UPN) {
		if strings.EqualFold(configuredBy, name) {
			return true
		}
	}
	return false
}

// judgeDataset: configuredBy against the linked identity, and whether it
// published the dataset or took it over.
func judgeDataset(l LinkedIdentity, configuredBy string, ev publishEvidence) ownership {
	h := Holder{UPN: configuredBy}
	switch {
	case configuredBy == "":
		return ownership{verdict: CannotTell, reason: "Power BI did not say who owns the dataset (configuredBy is empty)."}
	case ownsDataset(l, configuredBy) && ev == evidenceTakenOver:
		return ownership{verdict: CannotTell, linkedRole: "owner (took it over)",
			reason: "The linked account owns the dataset but did not publish it: the report published with it is someone else's, so the dataset was taken over. PAL credits the publisher, and a take-over is not documented to count."}
	case ownsDataset(l, configuredBy):
		o := ownership{verdict: Attributed, reason: "Power BI shows the linked account as the dataset's owner, and the report published with it is the linked account's: it published the dataset."}
		if ev == evidenceUnknown {
			o.reason = "Power BI shows the linked account as the dataset's owner (configuredBy): its publisher, unless it took the dataset over."
		}
		if l.IsServicePrincipal() {
			o.notes = []string{"Power BI's way of naming a service principal owner is not documented; palwiz matched its application or object ID."}
		}
		return o
	case l.IsServicePrincipal() && !strings.Contains(configuredBy, "@"):
		return ownership{verdict: CannotTell, reason: "Owned by " + configuredBy + ", which is not a user; palwiz cannot tell whether it is the linked service principal."}
	}
	return ownership{verdict: NotAttributed, reason: "Owned (published, or taken over) by " + who(h) + ", not by the linked account."}
}

// dataset plans a dataset's fix: publishing a new model as the linked
// account is the documented path; a take-over (palwiz can do it) leaves it
// "cannot tell" and costs the refresh credentials.
func (pl planner) dataset(r Resource) []Fix {
	l := pl.l
	publish := publishCommands(l, r)
	if r.facts.takenOver {
		return []Fix{{Kind: FixPublish, Resource: r, After: Attributed, Ownership: true, Confirm: "a new check after publishing",
			Summary:     fmt.Sprintf("Publish %s as a new semantic model, signed in as %s", r.label(), l.SignInName()),
			Explanation: "The PAL guidance's documented path: publishing sets the owner, and PowerShell can publish as any user or service account. Republishing over this dataset keeps its owner, so publish it as a new model (a new name), point its reports at it, and retire this one.",
			Loses:       "The new model replaces this one: reports, schedules and the data source credentials move to it.",
			Commands:    publish}}
	}
	f := Fix{Kind: FixTakeOver, Resource: r, Automatic: true, After: CannotTell, Ownership: true, TakesFrom: who(r.Holder),
		Summary: fmt.Sprintf("Take over %s from %s, as %s", r.label(), who(r.Holder), l.Name()),
		Explanation: "Power BI gives a dataset to whoever calls Take over. PAL credits the publisher, and the guidance's table says the portal cannot change it: a taken-over dataset is 'cannot tell', not attributed. " +
			"The documented path is to publish the model as the linked account (the commands below).",
		Loses:    who(r.Holder) + " stops being the dataset's owner. Refreshes then use the linked account's credentials: enter the data source credentials again right after (dataset settings > Data source credentials), or scheduled refresh fails.",
		Commands: publish}
	if !l.SignedIn {
		f.Blocked = fmt.Sprintf("Take over always gives the dataset to the signed-in account. Sign in as %s (`palwiz login`) and apply again.", l.SignInName())
	}
	return []Fix{f}
}

// publishCommands publish a model as the linked identity with PowerShell
// (MicrosoftPowerBIMgmt), never wrapped, no secret in them.
func publishCommands(l LinkedIdentity, r Resource) []string {
	signIn := "Connect-PowerBIServiceAccount   # sign in as " + l.SignInName()
	if l.IsServicePrincipal() {
		signIn = fmt.Sprintf("Connect-PowerBIServiceAccount -ServicePrincipal -Tenant %s -ApplicationId %s -CertificateThumbprint <its certificate's thumbprint>", l.TenantID, l.AppID)
	}
	ws := "<workspace ID>"
	if r.Env != nil {
		ws = r.Env.ID
	}
	return []string{
		signIn,
		fmt.Sprintf("New-PowerBIReport -Path ./%s.pbix -Name \"%s (new)\" -WorkspaceId %s   # the .pbix you delivered", fileName(r.Name), r.Name, ws),
	}
}

// fileName is a name safe for a file path in a command.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
