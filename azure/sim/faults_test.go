package sim

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestFaultMatching: a fault applies to its host, method and path only, as
// many times as asked, and says so on the wire.
func TestFaultMatching(t *testing.T) {
	cases := []struct {
		name   string
		fault  Fault
		method string
		url    string
		want   []int // statuses of three identical requests
	}{
		{"status once", Fault{Kind: "status", Status: 503, Times: 1}, "GET", partnerURL(""), []int{503, 404, 404}},
		{"status always", Fault{Kind: "status", Status: 502}, "GET", partnerURL(""), []int{502, 502, 502}},
		{"default status is 500", Fault{Kind: "status", Times: 1}, "GET", partnerURL(""), []int{500, 404, 404}},
		{"throttle twice", Fault{Kind: "throttle", Times: 2}, "GET", partnerURL(""), []int{429, 429, 404}},
		{"other method", Fault{Kind: "status", Status: 503, Method: "PUT"}, "GET", partnerURL(""), []int{404, 404, 404}},
		{"other host", Fault{Kind: "status", Status: 503, Host: "graph.microsoft.com"}, "GET", partnerURL(""), []int{404, 404, 404}},
		{"path text, any case", Fault{Kind: "status", Status: 503, Path: "/PARTNERS"}, "GET", partnerURL(""), []int{503, 503, 503}},
		{"other path", Fault{Kind: "status", Status: 503, Path: "/tenants"}, "GET", partnerURL(""), []int{404, 404, 404}},
		{"malformed once", Fault{Kind: "malformed", Times: 1}, "GET", partnerURL(""), []int{200, 404, 404}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startSim(t, nil)
			tok := ts.spToken(tContoso, spApp, spSecret, armScope)
			if err := ts.s.AddFault(c.fault); err != nil {
				t.Fatal(err)
			}
			for i, want := range c.want {
				a := ts.do(c.method, c.url, tok, nil)
				if a.status != want {
					t.Fatalf("request %d: %d, want %d: %s", i+1, a.status, want, a.body)
				}
				if want == 429 && a.header.Get("Retry-After") != "1" {
					t.Errorf("Retry-After %q, want 1 (the default)", a.header.Get("Retry-After"))
				}
				if want >= 500 || want == 429 {
					if armErr(t, a) == "" || a.header.Get("x-ms-request-id") == "" {
						t.Errorf("injected answer lacks an ARM error body or request ID: %v %s", a.header, a.body)
					}
				}
			}
		})
	}
	t.Run("unknown kind", func(t *testing.T) {
		ts := startSim(t, nil)
		if err := ts.s.AddFault(Fault{Kind: "explode"}); err == nil {
			t.Fatal("AddFault accepted an unknown kind")
		}
	})
	t.Run("Entra error shape on the sign-in host", func(t *testing.T) {
		ts := startSim(t, nil)
		_ = ts.s.AddFault(Fault{Kind: "status", Status: 503, Host: "login.microsoftonline.com", Times: 1})
		a := ts.do("GET", loginBase+"organizations/v2.0/.well-known/openid-configuration", "", nil)
		if e, _ := errorCode(t, a); a.status != 503 || e == "" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
}

// TestFaultAfterServe: with AfterServe the request takes effect and the
// answer is the fault — a write the client does not hear about.
func TestFaultAfterServe(t *testing.T) {
	cases := []struct {
		kind       string
		afterServe bool
		linked     string
	}{
		{"status", false, ""},
		{"status", true, "4977985"},
		{"throttle", true, "4977985"},
		{"malformed", true, "4977985"},
		{"reset", false, ""},
		{"reset", true, "4977985"},
	}
	for _, c := range cases {
		t.Run(c.kind+map[bool]string{true: " after serving"}[c.afterServe], func(t *testing.T) {
			ts := startSim(t, nil)
			tok := ts.spToken(tContoso, spApp, spSecret, armScope)
			_ = ts.s.AddFault(Fault{Kind: c.kind, Method: "PUT", Times: 1, AfterServe: c.afterServe})
			req, _ := http.NewRequest("PUT", partnerURL("4977985"), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := ts.cloud.HTTP.Do(req)
			if c.kind == "reset" {
				if err == nil {
					resp.Body.Close()
					t.Fatal("a reset answered")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && c.kind != "malformed" || strings.Contains(b.String(), `"etag"`) {
					t.Fatalf("the fault did not answer: %d %s", resp.StatusCode, b.String())
				}
			}
			if got := ts.s.LinkOf(tContoso, spObject); got != c.linked {
				t.Fatalf("link %q, want %q", got, c.linked)
			}
		})
	}
}

// TestControlFaults: scripts add and clear faults through /_sim/faults.
func TestControlFaults(t *testing.T) {
	ts := startSim(t, nil)
	lc := loopbackClient(t, ts.s)
	tok := ts.spToken(tContoso, spApp, spSecret, armScope)
	post := func(body string) int {
		resp, err := lc.Post(ts.s.URL()+"/_sim/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(`{"kind":"nonsense"}`); st != 400 {
		t.Fatalf("unknown kind: %d", st)
	}
	if st := post(`{"host":"management.azure.com","kind":"status","status":504,"afterServe":true}`); st != 204 {
		t.Fatalf("add: %d", st)
	}
	if a := ts.do("PUT", partnerURL("4977985"), tok, nil); a.status != 504 || ts.s.LinkOf(tContoso, spObject) != "4977985" {
		t.Fatalf("fault from the control API: %d %s, link %q", a.status, a.body, ts.s.LinkOf(tContoso, spObject))
	}
	req, _ := http.NewRequest("DELETE", ts.s.URL()+"/_sim/faults", nil)
	resp, err := lc.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("clear: %v %v", resp, err)
	}
	resp.Body.Close()
	if a := ts.do("GET", partnerURL(""), tok, nil); a.status != 200 {
		t.Fatalf("after clearing: %d %s", a.status, a.body)
	}
}
