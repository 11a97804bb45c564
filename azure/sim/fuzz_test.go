package sim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/assets"
)

// Fuzz targets for the simulator's parsers of outside input. `go test` runs
// their seeds as regression tests; scripts/fuzz.sh runs the fuzzer.

// FuzzParseScenario: a scenario file is user input. Whatever parses must be
// servable (the state builds), listable, and survive a JSON round trip.
func FuzzParseScenario(f *testing.F) {
	demo, err := assets.Scenario("demo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(demo)
	f.Add([]byte(`{"name":"empty","partners":[],"tenants":[],"users":[]}`))
	f.Add([]byte(`{"name":"x","tenants":[{"id":"6b1f1c4e-2f1a-4b7e-9d3a-fab000000001","displayName":"T","defaultDomain":"t.example"}],` +
		`"users":[{"objectId":"7e2d8b0f-3c4d-4e5f-9a61-7f2b00000201","userPrincipalName":"a@t.example","displayName":"A","homeTenant":"6b1f1c4e-2f1a-4b7e-9d3a-fab000000001"}],` +
		`"partners":[{"id":"1","name":"P"}],"links":[{"tenant":"6b1f1c4e-2f1a-4b7e-9d3a-fab000000001","objectId":"7e2d8b0f-3c4d-4e5f-9a61-7f2b00000201","partnerId":"1"}],` +
		`"settings":{"tenantsPageSize":1,"tokenLifetime":"90s","latency":0.5}}`))
	f.Add([]byte(`{"name":"bad","users":[{"homeTenant":"nowhere"}],"links":[{"tenant":"x"}]}`))
	f.Add([]byte(`{"settings":{"tokenLifetime":"1h"},"unknownField":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			if sc != nil {
				t.Fatal("a scenario and an error")
			}
			return
		}
		st := newState(sc, time.Unix(1_700_000_000, 0))
		for _, u := range sc.Users {
			if len(st.userTenants(&u)) == 0 {
				t.Fatalf("user %s reaches no tenant", u.UserPrincipalName)
			}
		}
		_ = ScenarioIdentities(sc)
		b, err := json.Marshal(sc)
		if err != nil {
			t.Fatalf("a parsed scenario does not marshal: %v", err)
		}
		if _, err := ParseScenario(b); err != nil {
			t.Fatalf("a parsed scenario does not parse again: %v\n%s", err, b)
		}
	})
}

// FuzzVerify: bearer tokens come from anyone. Only tokens the simulator
// signed, and still in their time window, are accepted.
func FuzzVerify(f *testing.F) {
	sg, err := newSigner()
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	good := sg.sign(claims{Aud: "https://management.core.windows.net/", Tid: tContoso, Oid: spObject, Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix(), Ver: "1.0"})
	expired := sg.sign(claims{Aud: "x", Exp: now.Add(-time.Second).Unix()})
	f.Add(good)
	f.Add(expired)
	f.Add("")
	f.Add("a.b.c")
	f.Add("..")
	f.Add(strings.Repeat(".", 100))
	p := strings.Split(good, ".")
	f.Add(p[0] + "." + p[1] + ".")
	f.Add(p[0] + "." + b64.EncodeToString([]byte(`{"exp":99999999999}`)) + "." + p[2])
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := sg.verify(tok, now)
		if err != nil {
			return
		}
		// The signature may be spelled differently (unused trailing bits of
		// base64url), but the signed part must be exactly what was signed.
		if q := strings.Split(tok, "."); len(q) != 3 || q[0]+"."+q[1] != p[0]+"."+p[1] {
			t.Fatalf("accepted a token the simulator did not sign: %q", tok)
		}
		if c.Exp <= now.Unix() {
			t.Fatalf("accepted an expired token: %+v", c)
		}
	})
}

// FuzzCheckAssertion: client assertions come from anyone. Only one signed
// with the registered certificate's key, for this application and token
// endpoint, in its time window, passes.
func FuzzCheckAssertion(f *testing.F) {
	cert := newTestCert(f, "fuzz")
	now := time.Unix(1_700_000_000, 0)
	s := &Server{opts: Options{Now: func() time.Time { return now }}}
	sp := &ServicePrincipal{Tenant: tContoso, AppID: spApp, ObjectID: spObject, Certificates: []string{cert.pem}}
	endpoint := loginBase + tContoso + "/oauth2/v2.0/token"
	good := cert.assertion(f, assertionClaims(spApp, endpoint, now))
	if code, msg := s.checkAssertion(good, sp, endpoint); code != 0 {
		f.Fatalf("the seed assertion is refused: %d %s", code, msg)
	}
	gp := strings.Split(good, ".")
	f.Add(good)
	f.Add(cert.assertion(f, assertionClaims(spApp, endpoint, now.Add(-time.Hour))))
	f.Add(cert.assertion(f, assertionClaims("someone", endpoint, now)))
	f.Add(gp[0] + "." + gp[1] + ".")
	f.Add(b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + gp[1] + ".")
	f.Add(b64.EncodeToString([]byte(`{"alg":"PS256","x5t#S256":null}`)) + "." + gp[1] + "." + gp[2])
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, a string) {
		code, _ := s.checkAssertion(a, sp, endpoint)
		if code == 0 {
			q := strings.Split(a, ".")
			if len(q) != 3 || q[0]+"."+q[1] != gp[0]+"."+gp[1] {
				t.Fatalf("accepted an assertion whose signed part differs from the one signed with the key: %q", a)
			}
		}
	})
}
