package link

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/output"
	"github.com/palwiz/palwiz/steps"
)

// answer is a prompter that answers every question the same way and
// counts the questions.
type answer struct {
	yes   bool
	err   error
	asked []string
}

func (a *answer) Confirm(_ context.Context, q string) (bool, error) {
	a.asked = append(a.asked, q)
	return a.yes, a.err
}

func (a *answer) Password(context.Context, string) (string, error) { return "", errors.New("no") }

func TestConfirmGuards(t *testing.T) {
	t.Parallel()
	home := []steps.Warning{{Code: steps.WarnGuestHome, Confirm: true, Message: "Fabrikam is Ana's home directory.", NextStep: "Link in the customer's."}}
	tests := []struct {
		name       string
		ws         []steps.Warning
		tty, yes   bool
		answer     bool
		format     output.Format
		want       bool
		wantAsked  int
		wantErr    string
		wantStderr string
	}{
		{name: "no guard rail: no question", tty: true, want: true},
		{name: "asked, yes", ws: home, tty: true, answer: true, want: true, wantAsked: 1, wantStderr: "Warning: Fabrikam is Ana's home directory. Link in the customer's."},
		{name: "asked, no (the default)", ws: home, tty: true, want: false, wantAsked: 1},
		{name: "--yes: warned, not asked", ws: home, yes: true, want: true, wantStderr: "Warning: Fabrikam"},
		{name: "no terminal: usage error naming --yes", ws: home, wantErr: "pass --yes to link there anyway", wantStderr: "Warning: Fabrikam"},
		{name: "no terminal, json: the warning in the error", ws: home, format: output.JSON, wantErr: "Fabrikam is Ana's home directory. Link in the customer's. Pass --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, errb := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			p := &answer{yes: tt.answer}
			opts := &Options{IO: ios, Prompter: p, Yes: tt.yes, Format: tt.format}
			got, err := confirm(context.Background(), opts, "Fabrikam Consulting (6b1f…)", tt.ws)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !cmdutil.IsUsage(err) {
					t.Fatalf("error %v, want a usage error with %q", err, tt.wantErr)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("confirm = %v, %v; want %v", got, err, tt.want)
			}
			if len(p.asked) != tt.wantAsked {
				t.Fatalf("asked %q, want %d questions", p.asked, tt.wantAsked)
			}
			stderr := errb.String()
			if !strings.Contains(stderr, tt.wantStderr) || tt.format == output.JSON && stderr != "" {
				t.Fatalf("stderr %q, want %q", stderr, tt.wantStderr)
			}
		})
	}
}
