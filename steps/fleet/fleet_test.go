package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/arm"
	"github.com/palwiz/palwiz/steps"
)

func TestParseTenants(t *testing.T) {
	const a, b = "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", "3a9d6e2b-8e4c-4d7f-9b0a-00000000b003"
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr []string
	}{
		{name: "one per line", in: a + "\n" + "Contoso.onmicrosoft.com\n", want: []string{a, "contoso.onmicrosoft.com"}},
		{name: "comments, blanks, CRLF, BOM, duplicates", in: "\ufeff# customers\r\n\r\n" + a + "\r\n  " + strings.ToUpper(a) + "  \r\nfabrikam.example\r\n", want: []string{a, "fabrikam.example"}},
		{name: "csv with a tenant column", in: "name,Tenant,notes\nContoso,contoso.onmicrosoft.com,\"x, y\"\nNorthwind," + b + ",\n", want: []string{"contoso.onmicrosoft.com", b}},
		{name: "csv tenantId header", in: "tenantId\n" + a + "\n", want: []string{a}},
		{name: "bad lines named", in: a + "\nnot a tenant\nContoso Ltd\n" + b + ",x\n", wantErr: []string{"line 2: \"not a tenant\" is neither", "line 3: \"Contoso Ltd\"", "line 4: \"" + b + ",x\" holds several values"}},
		{name: "csv row without a tenant", in: "name,tenant\nContoso,\nNorthwind," + b + "\n", wantErr: []string{"line 2: has no value in the tenant column"}},
		{name: "csv that is not csv", in: "tenant,name\n\"unterminated," + a + "\n", wantErr: []string{"line 2", "not valid CSV"}},
		{name: "empty", in: "# nothing\n\n", wantErr: []string{"names no directory"}},
		{name: "a single label is no domain", in: "contoso\n", wantErr: []string{"line 1: \"contoso\" is neither"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTenants([]byte(tt.in), "tenants.txt")
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	reach := []arm.Tenant{
		{ID: "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", DisplayName: "Contoso Ltd", DefaultDomain: "contoso.onmicrosoft.com", Domains: []string{"contoso.com"}},
	}
	got := Resolve([]string{"contoso.com", "2c8e5f1a-7d3b-4c6e-8a9f-c0de00000002", "9a9a9a9a-0000-4000-8000-000000000001", "nowhere.example"}, reach)
	if len(got) != 3 {
		t.Fatalf("%d targets, want 3 (the same directory twice is one): %+v", len(got), got)
	}
	if got[0].Tenant.DisplayName != "Contoso Ltd" || got[0].Err != nil {
		t.Errorf("contoso.com: %+v", got[0])
	}
	if got[1].Tenant.ID != "9a9a9a9a-0000-4000-8000-000000000001" || got[1].Err != nil {
		t.Errorf("an unlisted ID is tried: %+v", got[1])
	}
	var ut *steps.UnknownTenantError
	if !errors.As(got[2].Err, &ut) {
		t.Errorf("an unknown domain fails its row: %+v", got[2])
	}
}

func targets(n int) []Target {
	ts := make([]arm.Tenant, n)
	for i := range ts {
		ts[i] = arm.Tenant{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", 0x7e4a47, i), DisplayName: fmt.Sprintf("Customer %03d", i)}
	}
	return All(ts)
}

type row struct {
	Tenant string `json:"tenant"`
	Linked bool   `json:"linked"`
	Error  string `json:"error,omitempty"`
}

// work is a deterministic operation: every fifth directory fails.
func work(calls *atomic.Int64) Do[row] {
	return func(ctx context.Context, t Target) (row, bool) {
		calls.Add(1)
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
			return row{Tenant: t.Tenant.ID, Error: "cancelled"}, false
		}
		var i int
		fmt.Sscanf(t.Tenant.ID[len(t.Tenant.ID)-12:], "%x", &i)
		if i%5 == 4 {
			return row{Tenant: t.Tenant.ID, Error: "refused"}, false
		}
		return row{Tenant: t.Tenant.ID, Linked: i%3 == 0}, true
	}
}

// finalJournal is the journal's last entry per directory, without times.
func finalJournal(t *testing.T, path string) []string {
	t.Helper()
	es, err := ReadJournal(path, "status")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %v %s", e.TenantID, e.OK, e.Result))
	}
	sort.Strings(out)
	return out
}

func TestRunInterruptedThenResumed(t *testing.T) {
	ts := targets(200)
	dir := t.TempDir()

	// Uninterrupted.
	var calls atomic.Int64
	full := filepath.Join(dir, "full.jsonl")
	j, err := OpenJournal(full, "status", false)
	if err != nil {
		t.Fatal(err)
	}
	want, sum, err := Run(context.Background(), ts, Options{Concurrency: 8, Journal: j}, work(&calls))
	j.Close()
	if err != nil || sum.OK != 160 || sum.Failed != 40 || calls.Load() != 200 {
		t.Fatalf("uninterrupted: %+v, %v, %d calls", sum, err, calls.Load())
	}

	// Interrupted half-way.
	part := filepath.Join(dir, "part.jsonl")
	j, err = OpenJournal(part, "status", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var seen atomic.Int64
	_, sum, err = Run(ctx, ts, Options{Concurrency: 8, Journal: j, Progress: func(p Progress) {
		if seen.Add(1) == 100 {
			cancel()
		}
	}}, work(&calls))
	j.Close()
	var ie *InterruptedError
	if !errors.As(err, &ie) || sum.Left == 0 || sum.Left == 200 || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("interrupted: %+v, %v", sum, err)
	}
	recorded := len(finalJournal(t, part))
	if recorded != 200-sum.Left {
		t.Fatalf("the journal records %d directories, the run finished %d", recorded, 200-sum.Left)
	}

	// A crash tears the last line: resume drops it.
	f, _ := os.OpenFile(part, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"tenantId":"7e4a47-half`)
	f.Close()

	// Resumed: only what is not done (or failed) runs again.
	calls.Store(0)
	j, err = OpenJournal(part, "status", true)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Torn {
		t.Error("the torn line went unnoticed")
	}
	got, sum, err := Run(context.Background(), ts, Options{Concurrency: 8, Journal: j}, work(&calls))
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	okBefore := 0
	for _, r := range got {
		if r.Resumed {
			okBefore++
		}
	}
	if int(calls.Load()) != 200-okBefore || sum.Resumed != okBefore {
		t.Errorf("resume ran %d directories, want %d (%d were done)", calls.Load(), 200-okBefore, okBefore)
	}
	for i := range want {
		if got[i].Value != want[i].Value || got[i].OK != want[i].OK {
			t.Fatalf("row %d: resumed %+v, uninterrupted %+v", i, got[i], want[i])
		}
	}
	if a, b := finalJournal(t, full), finalJournal(t, part); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("final journals differ:\n%s\n---\n%s", strings.Join(a[:3], "\n"), strings.Join(b[:3], "\n"))
	}
}

func TestJournalRefusals(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "j.jsonl")
	j, err := OpenJournal(p, "link", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Entry{TenantID: "a", OK: true, Result: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	tests := []struct {
		name, op, content string
		resume            bool
		want              string
	}{
		{name: "existing without resume", op: "link", want: "pass --resume"},
		{name: "another operation", op: "status", resume: true, want: `records a "link" run, not "status"`},
		{name: "not a journal", op: "link", resume: true, content: "hello\n", want: "not a palwiz journal"},
		{name: "a bad middle line", op: "link", resume: true, content: `{"palwizJournal":1,"op":"link"}` + "\nxx\n" + `{"tenantId":"a","ok":true}` + "\n", want: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := p
			if tt.content != "" {
				path = filepath.Join(t.TempDir(), "x.jsonl")
				os.WriteFile(path, []byte(tt.content), 0o600)
			}
			j, err := OpenJournal(path, tt.op, tt.resume)
			if err == nil {
				j.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v, want %q", err, tt.want)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	p := Progress{Total: 1000, Done: 412, Failed: 3, Rate: 41.25, ETA: 14*time.Second + 300*time.Millisecond}
	if got, want := p.String(), "412 of 1000 done · 3 failed · 588 left · 41.2/s · about 14s left"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestRunBoundsConcurrency(t *testing.T) {
	var cur, peak atomic.Int64
	_, sum, err := Run(context.Background(), targets(50), Options{Concurrency: 5}, func(ctx context.Context, tg Target) (int, bool) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		cur.Add(-1)
		return 1, true
	})
	if err != nil || sum.OK != 50 {
		t.Fatal(sum, err)
	}
	if peak.Load() > 5 || peak.Load() < 2 {
		t.Errorf("peak concurrency %d, want ≤ 5", peak.Load())
	}
}
