package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/azure/safefile"
	"github.com/palwiz/palwiz/steps"
	"github.com/palwiz/palwiz/steps/fleet"
	"github.com/spf13/cobra"
)

// maxTenantsFile bounds a --tenants-file (100,000 GUIDs are 3.7 MB).
const maxTenantsFile = 16 << 20

// FleetFlags are the flags of a run over many directories: which ones, the
// journal, and how many at once (--all-tenants is each command's own).
type FleetFlags struct {
	AllTenants  bool
	TenantsFile string
	Journal     string
	Resume      bool
	Concurrency int
}

// Add registers --all-tenants (unless the command has its own) and the
// other fleet flags on cmd.
func (fl *FleetFlags) Add(cmd *cobra.Command, allTenants bool) {
	f := cmd.Flags()
	if allTenants {
		f.BoolVar(&fl.AllTenants, "all-tenants", false, "every directory this identity reaches, concurrently, one row each")
	}
	f.StringVar(&fl.TenantsFile, "tenants-file", "", "the directories in FILE: one tenant ID or domain per line, or CSV with a \"tenant\" column")
	f.StringVar(&fl.Journal, "journal", "", "append one JSON line to FILE as each directory completes (with --resume: continue that run)")
	f.BoolVar(&fl.Resume, "resume", false, "skip the directories the --journal records as done (failed ones run again)")
	f.IntVar(&fl.Concurrency, "concurrency", fleet.DefaultConcurrency, "directories at once")
	_ = cmd.MarkFlagFilename("tenants-file")
	_ = cmd.MarkFlagFilename("journal")
}

// On reports whether the run is over many directories.
func (fl *FleetFlags) On() bool { return fl.AllTenants || fl.TenantsFile != "" }

// Check refuses flags that do not go together; tenant says --tenant was given.
func (fl *FleetFlags) Check(tenant bool) error {
	if err := MutuallyExclusive("--tenant, --all-tenants and --tenants-file cannot be used together", tenant, fl.AllTenants, fl.TenantsFile != ""); err != nil {
		return err
	}
	switch {
	case fl.Resume && fl.Journal == "":
		return FlagErrorf("--resume needs --journal FILE: the journal of the run to continue")
	case (fl.Journal != "" || fl.Resume) && !fl.On():
		return FlagErrorf("--journal and --resume are for runs over many directories: add --all-tenants or --tenants-file")
	case fl.Concurrency < 1 || fl.Concurrency > fleet.MaxConcurrency:
		return FlagErrorf("--concurrency %d: use 1 to %d", fl.Concurrency, fleet.MaxConcurrency)
	}
	return nil
}

// FleetRun is a run over many directories, ready to start: its targets and
// journal. Op names the operation in the journal (a resume must repeat it).
type FleetRun struct {
	f       *Factory
	Flags   FleetFlags
	Targets []fleet.Target
	// Reachable are the directories the identity reaches (names for rows).
	Reachable []arm.Tenant
	journal   *fleet.Journal
}

// PrepareFleet lists the directories (every reachable one, or the tenants
// file's), and opens the journal.
func (f *Factory) PrepareFleet(ctx context.Context, env *steps.Env, fl FleetFlags, op string) (*FleetRun, error) {
	var entries []string
	if fl.TenantsFile != "" {
		data, err := safefile.Read(ctx, fl.TenantsFile, maxTenantsFile)
		if err != nil {
			return nil, FlagErrorf("--tenants-file: %v", err)
		}
		if entries, err = fleet.ParseTenants(data, fl.TenantsFile); err != nil {
			return nil, FlagErrorf("--tenants-file %v", err)
		}
	}
	ts, err := steps.Tenants(ctx, env)
	if err != nil {
		return nil, err
	}
	f.Connect.RememberTenants(ctx, ts)
	r := &FleetRun{f: f, Flags: fl, Reachable: ts}
	if entries != nil {
		r.Targets = fleet.Resolve(entries, ts)
	} else {
		r.Targets = fleet.All(ts)
	}
	if fl.Journal != "" {
		j, err := fleet.OpenJournal(fl.Journal, op, fl.Resume)
		var je *fleet.JournalError
		var jx *fleet.JournalExistsError
		if errors.As(err, &je) || errors.As(err, &jx) {
			return nil, FlagErrorf("--journal %v", err)
		}
		if err != nil {
			return nil, err
		}
		if j.Torn {
			Note(f.IOStreams, fl.Journal+" ended in a torn line (palwiz stopped while writing it): that directory runs again.")
		}
		r.journal = j
		f.Connect.OnClose(func() { _ = j.Close() })
	}
	return r, nil
}

// Name is a directory's name, for error messages ("" when not known).
func (r *FleetRun) Name(id string) string {
	if t, ok := steps.FindTenant(r.Reachable, id); ok {
		return t.DisplayName
	}
	return ""
}

// RunFleetOf runs do in every directory of r, with the progress line on a
// terminal's stderr. On Ctrl-C it says how to resume and returns the
// results so far with an error whose exit code is 130.
func RunFleetOf[T any](ctx context.Context, r *FleetRun, do fleet.Do[T]) ([]fleet.Result[T], fleet.Summary, error) {
	ios := r.f.IOStreams
	opts := fleet.Options{Concurrency: r.Flags.Concurrency, Journal: r.journal}
	var mu sync.Mutex
	var last time.Time
	if ios.ShowProgress() {
		opts.Progress = func(p fleet.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Left() > 0 && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			ios.Progressf("%s", p.String())
		}
	}
	res, sum, err := fleet.Run(ctx, r.Targets, opts, do)
	if opts.Progress != nil {
		ios.ClearProgress()
	}
	var ie *fleet.InterruptedError
	if errors.As(err, &ie) {
		msg := fmt.Sprintf("Interrupted: %d of %d directories done, %d left.", ie.Total-ie.Left, ie.Total, ie.Left)
		if ie.Journal != "" {
			msg += fmt.Sprintf(" %s records them: run the same command with --resume to continue.", ie.Journal)
		} else {
			msg += " Next time, add --journal FILE so that a run can be resumed."
		}
		fmt.Fprintln(ios.ErrOut, msg)
		return res, sum, fmt.Errorf("%w: %w", ErrCancel, err)
	}
	return res, sum, err
}

// Completed are the results that are not left for a resume.
func Completed[T any](res []fleet.Result[T]) []fleet.Result[T] {
	out := make([]fleet.Result[T], 0, len(res))
	for _, r := range res {
		if !r.Left {
			out = append(out, r)
		}
	}
	return out
}

// JournalOp names an operation and the arguments a resume must repeat.
func JournalOp(name string, args ...string) string {
	var parts []string
	for _, a := range args {
		if a != "" {
			parts = append(parts, a)
		}
	}
	if len(parts) == 0 {
		return name
	}
	return name + " " + strings.Join(parts, " ")
}
