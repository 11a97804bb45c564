package auth

import (
	"encoding/json"
	"strings"
	"testing"
)

// Fuzz targets for what palwiz reads back from this computer: the stored
// profile and token cache (keyring items another program may have changed)
// and certificate files. Their seeds are in testdata/fuzz/<target>.

// FuzzProfile: any keyring content under "profile" parses or counts as no
// sign-in, and a parsed profile survives saving and loading.
func FuzzProfile(f *testing.F) {
	f.Add(`{"kind":"user","clientId":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","homeAccountId":"u.t","homeTenant":"t","tenant":"t","cloud":"public"}`)
	f.Add(`{"kind":"servicePrincipal","clientId":"a","homeTenant":"t","tenantNames":{"x":"y"}}`)
	f.Add(`{"kind":5}`)
	f.Fuzz(func(t *testing.T, raw string) {
		p := parseProfile(raw)
		if p == nil {
			return
		}
		if p.Kind != KindUser && p.Kind != KindServicePrincipal {
			t.Fatalf("kind %q accepted", p.Kind)
		}
		for k, v := range p.TenantNames {
			if !isGUID(k) || v == "" || len(v) > maxTenantName {
				t.Fatalf("tenant name %q → %q kept", k, v)
			}
		}
		b, err := marshalProfile(p)
		if err != nil {
			t.Fatal(err)
		}
		q := parseProfile(string(b))
		if q == nil || q.Kind != p.Kind || q.ClientID != p.ClientID || q.HomeAccountID != p.HomeAccountID || q.Tenant != p.Tenant {
			t.Fatalf("round trip: %+v → %+v", p, q)
		}
	})
}

// FuzzTokenCache: editing and merging a serialized MSAL cache from the
// keyring never panics; a merge keeps every entry of ours; dropping every
// access token leaves none.
func FuzzTokenCache(f *testing.F) {
	f.Add([]byte(`{"AccessToken":{"a":{"home_account_id":"u.t","realm":"t","secret":"s"}},"RefreshToken":{},"AppMetadata":{"m":{}}}`),
		[]byte(`{"AccessToken":{"b":{"home_account_id":"v.t","realm":"organizations","secret":"s2"}},"Account":{"v":{"home_account_id":"v.t"}}}`))
	f.Add([]byte(`[]`), []byte(`{}`))
	f.Add([]byte(`{"AccessToken":[1]}`), []byte(`{"AccessToken":null}`))
	f.Fuzz(func(t *testing.T, stored, ours []byte) {
		out, n, err := editCache(stored, func(e cacheEntry) bool { return e.Section == sectionAccessToken })
		if err == nil && n > 0 {
			var m map[string]map[string]json.RawMessage
			if json.Unmarshal(out, &m) == nil && len(m[sectionAccessToken]) != 0 {
				t.Fatalf("access tokens left: %s", out)
			}
		}
		merged, err := mergeCache(stored, ours)
		if err != nil {
			return
		}
		var om map[string]json.RawMessage
		if json.Unmarshal(ours, &om) != nil {
			return
		}
		var mm map[string]json.RawMessage
		if err := json.Unmarshal(merged, &mm); err != nil {
			t.Fatalf("merged cache is not JSON: %v", err)
		}
		for sec, v := range om {
			var entries map[string]json.RawMessage
			if json.Unmarshal(v, &entries) != nil {
				continue
			}
			var got map[string]json.RawMessage
			_ = json.Unmarshal(mm[sec], &got)
			for k := range entries {
				if _, ok := got[k]; !ok {
					t.Fatalf("merge lost %s/%s", sec, k)
				}
			}
		}
	})
}

// FuzzCertificate: any file given as --certificate (PEM or PFX, any name)
// loads or fails with a message naming the file, never a panic.
func FuzzCertificate(f *testing.F) {
	f.Add("spn.pem", []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "")
	f.Add("spn.pfx", []byte{0x30, 0x82, 0x01}, "pw")
	f.Add("spn", []byte(""), "")
	f.Fuzz(func(t *testing.T, name string, data []byte, password string) {
		name = strings.ReplaceAll(name, "/", "_")
		if name == "" {
			name = "c"
		}
		certs, key, err := parseCertificate(name, data, password)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if len(certs) == 0 || certs[0] == nil || key == nil {
			t.Fatal("loaded without a certificate and key")
		}
	})
}
