package sim

import (
	"encoding/json"
	"net/url"
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

// FuzzParseScopes: a token request's scope is client input. Whatever is
// accepted names one API the simulator serves, with permissions it has.
func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{armScope + " openid offline_access profile", graphScope, "User.Read", "https://x.crm.dynamics.com/.default",
		armScope + " " + graphScope, "https://graph.microsoft.com/", "openid", "", "00000003-0000-0000-c000-000000000000/.default", "api:///.default", "https:///"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, app bool) {
		tt, err := parseScopes(raw, "tenant", app)
		if err != nil {
			return
		}
		if tt.res == nil || tt.aud == "" || len(tt.perms) == 0 {
			t.Fatalf("accepted %q without a resource: %+v", raw, tt)
		}
		for _, p := range tt.perms {
			if p != ".default" && !tt.res.hasScope(p) {
				t.Fatalf("accepted permission %q that %s does not have", p, tt.res.name)
			}
			if app && p != ".default" {
				t.Fatalf("client credentials accepted %q", p)
			}
		}
		_ = grantedScopes(tt)
	})
}

// FuzzClaimsRequest: the claims parameter is client input.
func FuzzClaimsRequest(f *testing.F) {
	f.Add(`{"access_token":{"xms_cc":{"values":["CP1"]}}}`)
	f.Add(`{"access_token":{"nbf":{"essential":true,"value":"1"},"xms_cc":{"values":["cp1"]}}}`)
	f.Add(`{"access_token":{"xms_cc":null}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		c := parseClaimsRequest(raw)
		if c.cae && !strings.Contains(strings.ToLower(raw), "cp1") {
			t.Fatalf("CAE-capable without CP1: %q", raw)
		}
	})
}

// FuzzDataverseQuery: OData query options are client input. Whatever is
// accepted selects, expands and orders by real fields.
func FuzzDataverseQuery(f *testing.F) {
	f.Add("name,_createdby_value", "createdby($select=fullname)", "statecode eq 0 and name ne 'x'", "name desc,createdon", "3", "true")
	f.Add("", "ownerid,owningbusinessunit($select=name)", "_ownerid_value eq 5d0c7a9e-1b2c-4d3e-8f40-5e1a00000101", "", "", "")
	f.Add("bogus", "createdby(", "contains(name,'x')", "name sideways", "-1", "maybe")
	f.Fuzz(func(t *testing.T, sel, expand, filter, order, top, count string) {
		q := url.Values{"$select": {sel}, "$expand": {expand}, "$filter": {filter}, "$orderby": {order}, "$top": {top}, "$count": {count}}
		dq, err := parseDVQuery(entBot, q, false)
		if err != nil {
			return
		}
		for _, i := range dq.sel {
			_ = entBot.fields[i]
		}
		for _, ex := range dq.expand {
			if entBot.fields[ex.field].kind != dvLookup || ex.target == nil {
				t.Fatalf("expanded a non-lookup: %+v", ex)
			}
			for _, i := range ex.sel {
				_ = ex.target.fields[i]
			}
		}
		for _, o := range dq.order {
			_ = entBot.fields[o.field]
		}
		_ = dq.context(entBot)
	})
}

// FuzzFetchXML: FetchXML is client input. Whatever compiles names real
// attributes and links.
func FuzzFetchXML(f *testing.F) {
	f.Add(`<fetch><entity name="bot"><attribute name="name"/><attribute name="ownerid"/><link-entity name="systemuser" from="systemuserid" to="ownerid" alias="o"><attribute name="fullname"/></link-entity><order attribute="name" descending="true"/><filter type="or"><condition attribute="statecode" operator="eq" value="0"/><condition attribute="name" operator="in"><value>a</value></condition></filter></entity></fetch>`)
	f.Add(`<fetch top="2"><entity name="bot"><all-attributes/></entity></fetch>`)
	f.Add(`<fetch count="1" page="3"><entity name="bot"/></fetch>`)
	f.Add(`<fetch><entity name="bot"><filter><filter type="and"><condition attribute="publishedon" operator="null"/></filter></filter></entity></fetch>`)
	f.Add(`<fetch aggregate="true"><entity name="bot"/></fetch>`)
	f.Add(`<x/>`)
	f.Fuzz(func(t *testing.T, doc string) {
		pl, err := compileFetch(entBot, doc)
		if err != nil {
			return
		}
		for _, i := range pl.q.sel {
			_ = entBot.fields[i]
		}
		for _, j := range pl.joins {
			if entBot.fields[j.to].kind != dvLookup {
				t.Fatalf("linked through a non-lookup %s", entBot.fields[j.to].name)
			}
			for _, a := range j.attrs {
				_ = j.target.fields[a]
			}
		}
		if pl.top == 0 && (pl.count < 1 || pl.count > 5000 || pl.page < 1) {
			t.Fatalf("paging %d/%d", pl.count, pl.page)
		}
		row := &dvRow{vals: make([]any, len(entBot.fields))}
		for _, p := range pl.preds {
			_ = p(row)
		}
	})
}
