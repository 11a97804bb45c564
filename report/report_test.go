package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func sample(dirs ...Directory) *Document {
	run := Run{Generated: time.Date(2026, 12, 2, 10, 4, 0, 0, time.UTC), Palwiz: Build{Version: "v1.2.3"}, Cloud: "public",
		RanBy: Identity{Kind: "user", DisplayName: "Ana Lopez", UPN: "ana.lopez@fabrikam.example", ObjectID: "8f3e", TenantID: "6b1f"}, Scope: "tenant"}
	return Assemble(run, dirs)
}

func complete() Directory {
	return Directory{TenantID: "2c8e", TenantName: "Contoso | Ltd", Status: StatusComplete, Headline: "1 of 2 resources that count are attributed to svc.",
		Identity: &Identity{Kind: "user", DisplayName: "PAL Service", UPN: "pal_service@contoso.example", ObjectID: "5d0c", UserType: "Member"},
		Link:     &Link{Linked: true, PartnerID: "4977985", PartnerName: "Fabrikam", State: "Active", FirstLinked: "2025-01-02T03:04:05Z", ReadAt: time.Date(2026, 12, 2, 10, 4, 0, 0, time.UTC)},
		Counts:   &Counts{Attributed: 1, NotAttributed: 1},
		Coverage: []Coverage{{Product: "canvas-app", Name: "Canvas apps", Checked: true, Counts: Counts{Attributed: 1, NotAttributed: 1}, Resources: []Resource{
			{ID: "a1", Name: "Site <b>Survey</b>\x1b[31m", EnvironmentName: "Prod", Verdict: "not-attributed", Reason: "Owned by ``Adele``.", Holder: &Holder{DisplayName: "Adele"}},
			{ID: "a2", Name: "Field | Inspection", EnvironmentName: "Prod", Verdict: "attributed", Reason: "Owned by the linked account."},
		}}}}
}

func TestRenderVerifyEachFormat(t *testing.T) {
	incomplete := complete()
	incomplete.TenantID, incomplete.Status = "3a9d", StatusIncomplete
	incomplete.NotChecked = []NotChecked{{Where: "Flows in Prod", Message: "Flow had a server error", RequestID: "req-42"}}
	failed := Directory{TenantID: "4bae", TenantName: "Woodgrove", Status: StatusFailed, Headline: "Not checked: MFA", Error: &Error{Code: "mfa-required", Message: "MFA", RequestID: "req-7"}}
	docs := map[string]*Document{"one": sample(complete()), "fleet": sample(complete(), incomplete, failed)}
	for name, d := range docs {
		for _, f := range Formats {
			t.Run(name+"/"+f, func(t *testing.T) {
				b, digest, err := Render(d, f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, []byte(digest)) {
					t.Error("the digest is not embedded")
				}
				v, err := Verify(b)
				if err != nil {
					t.Fatal(err)
				}
				if v.Format != f || v.Digest != digest || len(v.Document.Directories) != len(d.Directories) {
					t.Errorf("verified %s %s with %d directories", v.Format, v.Digest, len(v.Document.Directories))
				}
				if bytes.Contains(b, []byte("\x1b")) {
					t.Error("an escape sequence reached the report")
				}
				if f == FormatHTML && (bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("<b>Survey"))) {
					t.Error("markup from a service reached the HTML")
				}
				if f == FormatMarkdown && !bytes.Contains(b, []byte(`Field \| Inspection`)) {
					t.Error("a | in a Markdown cell is not escaped")
				}
				if name == "fleet" && f != FormatJSON && !bytes.Contains(b, []byte("Directories")) {
					t.Error("no fleet table")
				}
				// Any change is found: in the text, and in the JSON form.
				for _, edit := range [][2]string{{"not attributed", "attributed"}, {`"verdict": "not-attributed"`, `"verdict": "attributed"`}, {"4977985", "4977986"}} {
					changed := bytes.Replace(b, []byte(edit[0]), []byte(edit[1]), 1)
					if bytes.Equal(changed, b) {
						continue
					}
					var ve *VerifyError
					if _, err := Verify(changed); !errors.As(err, &ve) {
						t.Errorf("changing %q still verifies (%v)", edit[0], err)
					}
				}
			})
		}
	}
}

func TestHeadlineNeverAllClearOnFailure(t *testing.T) {
	failed := Directory{TenantID: "4bae", Status: StatusFailed, Error: &Error{Message: "MFA"}}
	empty := Directory{TenantID: "1", Status: StatusComplete, Link: &Link{}, Counts: &Counts{}}
	tests := []struct {
		name string
		dirs []Directory
		want string
		ok   bool
	}{
		{name: "complete", dirs: []Directory{complete()}, want: "Linked in 1 of 1 directory read; 1 of 2 resources that count are attributed.", ok: true},
		{name: "one failed", dirs: []Directory{complete(), failed}, want: "Incomplete: 1 of 2 directories could not be read in full (0 in part, 1 not at all; listed first). Linked in 1 of 1 directory read; 1 of 2 resources that count are attributed (of what was read).", ok: false},
		{name: "nothing found", dirs: []Directory{empty}, want: "Linked in 0 of 1 directory read; no resource that counts was found in what was read.", ok: true},
		{name: "all failed", dirs: []Directory{failed}, want: "Incomplete: 1 of 1 directory could not be read in full (0 in part, 1 not at all; listed first). Linked in 0 of 0 directories read.", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sample(tt.dirs...)
			if d.Summary.Headline != tt.want || d.Complete() != tt.ok {
				t.Errorf("%q (complete %v), want %q (%v)", d.Summary.Headline, d.Complete(), tt.want, tt.ok)
			}
			if !tt.ok && len(d.Run.Failures) == 0 {
				t.Error("the run's failures are not listed")
			}
		})
	}
}

func TestVerifyRefusesOtherFiles(t *testing.T) {
	for _, in := range []string{"", "hello", "{}", "<!DOCTYPE html><p>hi</p>", "# Title\n<!-- palwiz-report-json -->\n"} {
		if _, err := Verify([]byte(in)); err == nil {
			t.Errorf("%q verified", in)
		}
	}
	d := sample(complete())
	js, _, _ := Render(d, FormatJSON)
	if _, err := Verify(bytes.Replace(js, []byte(`"kind": "palwiz-report"`), []byte(`"kind": "other"`), 1)); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("a changed kind: %v", err)
	}
}
