package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/keyring"
)

const sampleCache = `{"AccessToken":{
 "ana-org":{"home_account_id":"ana.fab","environment":"login.microsoftonline.com","realm":"organizations","client_id":"c","secret":"fresh"},
 "ana-con":{"home_account_id":"ana.fab","environment":"login.microsoftonline.com","realm":"con","client_id":"c","secret":"refused"},
 "pal-con":{"home_account_id":"pal.con","environment":"login.microsoftonline.com","realm":"con","client_id":"c","secret":"other"}},
"RefreshToken":{"ana-rt":{"home_account_id":"ana.fab","secret":"rt"}},
"IdToken":{},"Account":{"ana":{"home_account_id":"ana.fab"},"pal":{"home_account_id":"pal.con"}},"AppMetadata":{"m":{"client_id":"c"}}}`

func TestEditCache(t *testing.T) {
	out, n, err := editCache([]byte(sampleCache), func(e cacheEntry) bool {
		return e.Section == sectionAccessToken && e.HomeAccountID == "ana.fab" && e.Secret != "fresh"
	})
	if err != nil || n != 1 {
		t.Fatalf("%d removed, %v", n, err)
	}
	s := string(out)
	if strings.Contains(s, "refused") || !strings.Contains(s, "fresh") || !strings.Contains(s, "other") || !strings.Contains(s, `"AppMetadata"`) {
		t.Fatalf("edited: %s", s)
	}
	out, n, _ = editCache([]byte(sampleCache), accountEntries("ana.fab"))
	if n != 4 || strings.Contains(string(out), "ana.fab") {
		t.Fatalf("account removal: %d %s", n, out)
	}
	if _, _, err := editCache([]byte(`{"AccessToken":[]}`), accountEntries("x")); err == nil {
		t.Fatal("a section that is not an object must be an error")
	}
}

func TestMergeCache(t *testing.T) {
	stored := `{"AccessToken":{"a":{"secret":"old-a"},"b":{"secret":"b"}},"AppMetadata":{"m":{}}}`
	ours := `{"AccessToken":{"a":{"secret":"new-a"},"c":{"secret":"c"}},"RefreshToken":{"r":{}}}`
	out, err := mergeCache([]byte(stored), []byte(ours))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]struct{ Secret string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	at := m["AccessToken"]
	if at["a"].Secret != "new-a" || at["b"].Secret != "b" || at["c"].Secret != "c" || m["RefreshToken"] == nil || m["AppMetadata"] == nil {
		t.Fatalf("merged: %s", out)
	}
}

// TestSignOutChecksTheKeyring: a sign-out reads the keyring again; an
// item that would not go away is reported, not counted as removed.
func TestSignOutChecksTheKeyring(t *testing.T) {
	ctx := context.Background()
	mem := &keyring.Memory{}
	st := keyring.NewStore(mem, "svc")
	p := &Profile{Kind: KindUser, ClientID: "c", HomeAccountID: "ana.fab", Username: "ana@fabrikam.example", HomeTenant: "fab", Tenant: "con"}
	if err := saveProfile(ctx, st, p); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(ctx, "msal.user", []byte(sampleCache)); err != nil {
		t.Fatal(err)
	}
	res, err := SignOut(ctx, keyring.NewStore(stubborn{mem, "profile"}, "svc"), false)
	var se *SignOutError
	if !errors.As(err, &se) || len(se.Left) != 1 || se.Left[0] != "the sign-in record" || res.Profile == nil {
		t.Fatalf("%+v, %v", res, err)
	}
	// The account's tokens went; Pal's stayed.
	data, _ := st.Load(ctx, "msal.user")
	if strings.Contains(string(data), "ana.fab") || !strings.Contains(string(data), "pal.con") {
		t.Fatalf("cache: %s", data)
	}
	res, err = SignOut(ctx, st, false)
	if err != nil || res.Removed != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// stubborn is a keyring that pretends to delete one key but keeps it.
type stubborn struct {
	*keyring.Memory
	key string
}

func (s stubborn) Delete(ctx context.Context, svc, key string) error {
	if key == s.key {
		return nil
	}
	return s.Memory.Delete(ctx, svc, key)
}
