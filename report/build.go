package report

import (
	"fmt"
	"strings"
)

// Assemble makes the report of the directories checked in run: the
// summary and the run's failures are computed from the directories.
func Assemble(run Run, dirs []Directory) *Document {
	d := &Document{SchemaVersion: SchemaVersion, Kind: Kind, Run: run, Directories: dirs}
	if d.Directories == nil {
		d.Directories = []Directory{}
	}
	d.Run.Failures = []RunFailure{}
	d.Run.Generated = d.Run.Generated.UTC()
	s := &d.Summary
	s.Directories = len(dirs)
	for _, dir := range dirs {
		d.Run.Requests += dir.Requests
		switch dir.Status {
		case StatusComplete:
			s.Complete++
		case StatusIncomplete:
			s.Incomplete++
		default:
			s.Failed++
		}
		if dir.Link != nil && dir.Link.Linked {
			s.Linked++
		}
		if c := dir.Counts; c != nil {
			s.Attributed += c.Attributed
			s.NotAttributed += c.NotAttributed
			s.CannotTell += c.CannotTell
			s.DoesNotCount += c.DoesNotCount
		}
		if e := dir.Error; e != nil {
			d.Run.Failures = append(d.Run.Failures, RunFailure{TenantID: dir.TenantID, Where: label(dir), Message: e.Message, Code: e.Code, RequestID: e.RequestID})
		}
		for _, nc := range dir.NotChecked {
			d.Run.Failures = append(d.Run.Failures, RunFailure{TenantID: dir.TenantID, Where: label(dir) + ": " + nc.Where, Message: nc.Message,
				Service: nc.Service, Code: nc.Cause, RequestID: nc.RequestID})
		}
	}
	s.Headline = headline(*s)
	d.Title = "Partner Admin Link evidence"
	if len(dirs) == 1 {
		d.Title += ": " + label(dirs[0])
	} else {
		d.Title += fmt.Sprintf(": %d directories", len(dirs))
	}
	return d
}

// Complete reports whether every read of every directory succeeded.
func (d *Document) Complete() bool { return d.Summary.Incomplete == 0 && d.Summary.Failed == 0 }

// Counted is how many resources are in places that count.
func (s Summary) Counted() int { return s.Attributed + s.NotAttributed + s.CannotTell }

func headline(s Summary) string {
	var b strings.Builder
	if s.Incomplete+s.Failed > 0 {
		fmt.Fprintf(&b, "Incomplete: %d of %d director%s could not be read in full (%d in part, %d not at all; listed first). ",
			s.Incomplete+s.Failed, s.Directories, ies(s.Directories), s.Incomplete, s.Failed)
	}
	read := s.Complete + s.Incomplete
	fmt.Fprintf(&b, "Linked in %d of %d director%s read", s.Linked, read, ies(read))
	if s.Counted() > 0 {
		fmt.Fprintf(&b, "; %d of %d resources that count are attributed", s.Attributed, s.Counted())
		if s.Incomplete+s.Failed > 0 {
			b.WriteString(" (of what was read)")
		}
	} else if read > 0 {
		b.WriteString("; no resource that counts was found in what was read")
	}
	b.WriteString(".")
	return b.String()
}

func ies(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}

// label names a directory: "Contoso Ltd (2c8e…)".
func label(d Directory) string {
	switch {
	case d.TenantName != "":
		return d.TenantName + " (" + d.TenantID + ")"
	case d.TenantDomain != "":
		return d.TenantDomain + " (" + d.TenantID + ")"
	}
	return "directory " + d.TenantID
}
