// Package tui is palwiz's wizard: a Bubble Tea program that walks a partner
// through Partner Admin Link (Welcome, Initiation, Directory, Registration,
// Attribution, Validation, Done), and the same flow in huh's accessible
// mode for screen readers and plain terminals (RunAccessible).
//
// One flow, two renderers:
//
//   - flow.go holds what the wizard has learnt (facts), the decisions it
//     takes and the words it says: summaries, warnings, next steps, demo
//     accounts, quit reasons. Both renderers call it and only render.
//   - forms.go builds every question as a huh field, once: the Bubble Tea
//     screens embed the fields (embed.go), RunAccessible asks them one by
//     one in huh's accessible mode (accessible*.go).
//   - flow_attribution.go is Attribution's share of the flow: the check
//     (an Attributor only reads and writes), the delivered marks, the plan
//     (attribution.PlanFixes; a change made in this run is never planned
//     again), the record of an apply (attribution.ApplyRecord), and the
//     words for them, coverage on Validation and Done included.
//   - The Result of a run, its warnings and the last apply's record
//     included, comes from facts, so the parity tests can hold the
//     renderers to the same outcome.
//
// The rules the screens follow:
//
//   - Never do I/O in Update: outside work runs in a tea.Cmd that calls the
//     Backend (or the Attributor) and answers with a typed message carrying
//     its operation number; a screen drops answers to operations it gave up.
//   - Keys are key.Bindings in keys.go, matched with key.Matches; the footer
//     and the help overlay (bubbles/help) show the same bindings, and huh's
//     key map is built from them, so what the screen says is what a key does.
//   - Text is measured and cut with x/ansi (cells, not bytes); a body taller
//     than the screen scrolls in a bubbles viewport that keeps the focused
//     line in view; every line is padded to the terminal's width and a new
//     size clears the screen, so no fragment of an old frame survives.
//   - Ctrl-C quits at once, except while attribution changes are being
//     made: then it stops them, waits for the changes on their way to be
//     read back (attribution.StopReadBack), and ends with the record, which
//     Run prints once the screen is gone; a second Ctrl-C quits at once.
//   - The package reaches Microsoft's services only through steps (the
//     types it needs are re-exported there): cmd → tui → steps → azure.
package tui
