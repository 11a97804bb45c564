package attribution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ApplyRecord is the record of one apply, kept for every change asked for
// and complete also when the apply stopped midway (Ctrl-C) or a change
// failed: each change is done, failed, not known or not started. The
// wizard, `palwiz fix --apply` and its JSON output all show it.
//
//	results, err := attribution.ApplyFixes(ctx, env, res, plan.Applicable(), nil)
//	rec := attribution.NewApplyRecord(results, err)
//	fmt.Println(rec.Headline()) // "Stopped: 1 change done, 2 not started."
//	for _, l := range rec.Lines() { fmt.Println(l) }
type ApplyRecord struct {
	// Results are the changes in the order they were asked for.
	Results []FixResult `json:"results"`
	// Stopped says the apply was cancelled before it ended.
	Stopped bool `json:"stopped,omitempty"`
	// The changes by state (InEffect ones count as done).
	Done       int `json:"done"`
	Failed     int `json:"failed"`
	Unknown    int `json:"unknown"`
	NotStarted int `json:"notStarted"`
}

// NewApplyRecord counts ApplyFixes' results; err is its error (a
// cancelled context marks the record as stopped).
func NewApplyRecord(results []FixResult, err error) ApplyRecord {
	r := ApplyRecord{Results: results, Stopped: errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)}
	for _, x := range results {
		switch x.State {
		case ChangeDone:
			r.Done++
		case ChangeFailed:
			r.Failed++
		case ChangeUnknown:
			r.Unknown++
		default:
			r.NotStarted++
		}
	}
	return r
}

// Complete reports whether every change asked for is done.
func (r ApplyRecord) Complete() bool { return !r.Stopped && r.Done == len(r.Results) }

// ExitCode is what a command ends with after the apply: 130 when it was
// stopped, 4 when a change failed, is not known or was not started, else 0.
func (r ApplyRecord) ExitCode() int {
	switch {
	case r.Stopped:
		return 130
	case !r.Complete():
		return ExitPartial
	}
	return 0
}

// Headline is the record in one sentence: "All done: 3 changes done.",
// "Not every change was made: of 3, 2 done, 1 failed.", "Stopped: of 3
// changes, 1 done, 2 not started."
func (r ApplyRecord) Headline() string {
	n := len(r.Results)
	if n == 0 {
		return "Nothing palwiz can change."
	}
	parts := []string{fmt.Sprintf("%d done", r.Done)}
	if r.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", r.Failed))
	}
	if r.Unknown > 0 {
		parts = append(parts, fmt.Sprintf("%d not known", r.Unknown))
	}
	if r.NotStarted > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", r.NotStarted))
	}
	counts := strings.Join(parts, ", ")
	switch {
	case r.Stopped:
		return fmt.Sprintf("Stopped: of %d change%s, %s.", n, plural(n), counts)
	case r.Complete():
		return fmt.Sprintf("%s: %d change%s done.", pick(n == 1, "Done", "All done"), n, plural(n))
	}
	return fmt.Sprintf("Not every change was made: of %d, %s.", n, counts)
}

// Lines are the record for people, a line per change, in order.
func (r ApplyRecord) Lines() []string {
	out := make([]string, len(r.Results))
	for i, x := range r.Results {
		out[i] = x.Line()
	}
	return out
}

// Line is one change for people: "Done: Add … as co-owner … now
// attributed", "Failed: …: why", "Not known: …", "Not started: …".
func (x FixResult) Line() string {
	what := strings.TrimRight(x.Fix.Summary, ".")
	switch x.State {
	case ChangeDone:
		line := "Done: " + what
		if x.InEffect {
			line = "Already in effect, nothing changed: " + what
		}
		if x.After != nil {
			line += " (now " + x.After.Verdict.Label() + ")"
		}
		if x.Error != "" {
			line += ". " + sentence(x.Error)
		}
		return line
	case ChangeFailed:
		return "Failed: " + what + ". " + sentence(x.Error)
	case ChangeUnknown:
		return "Not known: " + what + ". " + sentence(x.Error)
	}
	if x.Error != "" {
		return "Not started: " + what + ". " + sentence(x.Error)
	}
	return "Not started: " + what + "."
}

// sentence starts s with a capital and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "."))
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}
