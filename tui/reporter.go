package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/palwiz/palwiz/report"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/attribution"
)

// Reporter writes a directory's evidence report, as palwiz report does:
// the identity and its link read live, the attribution check, the run's
// facts, rendered by the report package and written through it (never
// over a file palwiz did not write: *report.ExistsError).
type Reporter interface {
	WriteReport(ctx context.Context, t steps.Tenant, format, path string) (digest string, err error)
}

// ReportConfig is what the report says about the run.
type ReportConfig struct {
	// CIKey is the Customer Insights API key ("": not checked).
	CIKey string
	// Version and Commit are palwiz's.
	Version, Commit string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewReporter is the Reporter over the report package in env's identity.
func NewReporter(env *steps.Env, c ReportConfig) Reporter {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &stepsReporter{env: env, c: c}
}

type stepsReporter struct {
	env *steps.Env
	c   ReportConfig
}

func (r *stepsReporter) WriteReport(ctx context.Context, t steps.Tenant, format, path string) (string, error) {
	ro := report.Options{Scan: attribution.ScanOptions{CISubscriptionKey: r.c.CIKey, FlowCoOwners: true}, Now: r.c.Now}
	d := report.Collect(ctx, r.env, t, ro)
	run := report.Run{Generated: r.c.Now().UTC(), Palwiz: report.Build{Version: cmpOr(r.c.Version, "dev"), Commit: r.c.Commit},
		Cloud: "public", Scope: "tenant"}
	if r.env.Cloud != nil && r.env.Cloud.IsSim() {
		run.Cloud = "sim"
	}
	if a, err := steps.WhoActs(ctx, r.env, ""); err == nil {
		run.RanBy = report.Identity{Kind: string(a.Kind), DisplayName: a.Name, UPN: a.Username, AppID: a.AppID,
			ObjectID: a.ObjectID, TenantID: a.TenantID, Source: a.Source}
	}
	b, digest, err := report.Render(report.Assemble(run, []report.Directory{d}), format)
	if err != nil {
		return "", err
	}
	if err := report.WriteFile(path, b, false); err != nil {
		return "", err
	}
	return digest, nil
}

// reportWrittenMsg is the end of a report's write.
type reportWrittenMsg struct {
	op           int
	path, digest string
	err          error
}

// reportCmd writes the report (collect, render, write) outside Update.
func reportCmd(ctx context.Context, r Reporter, op int, t steps.Tenant, format, path string) tea.Cmd {
	return func() tea.Msg {
		digest, err := r.WriteReport(ctx, t, format, path)
		return reportWrittenMsg{op: op, path: path, digest: digest, err: err}
	}
}
