package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/steps"
)

// IdentityDoc is an identity as whoami and login print it.
type IdentityDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	IdentityJSON
	TokensPersisted bool     `json:"tokensPersisted"`
	SignIn          string   `json:"signIn,omitempty"`
	Foreign         bool     `json:"foreign,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`
}

// Identity is the machine shape of who.
func Identity(w steps.Who) IdentityJSON {
	return IdentityJSON{Kind: string(w.Kind), DisplayName: w.DisplayName, UPN: w.UPN, ObjectID: w.ObjectID, AppID: w.AppID,
		TenantID: w.TenantID, TenantName: w.TenantName, TenantDomain: w.TenantDomain, UserType: w.UserType, HomeTenantID: w.HomeTenant}
}

var identityCSV = []string{"kind", "displayName", "userPrincipalName", "objectId", "appId", "tenantId", "tenantName",
	"tenantDomain", "userType", "homeTenantId", "tokensPersisted"}

func identityDoc(w steps.Who) IdentityDoc {
	return IdentityDoc{SchemaVersion: SchemaVersion, IdentityJSON: Identity(w), TokensPersisted: w.TokensInStore,
		SignIn: w.SignIn, Foreign: w.Foreign, Warnings: w.Warnings}
}

func writeIdentityCSV(out io.Writer, d IdentityDoc) error {
	t := newTable(identityCSV...)
	t.add(d.Kind, d.DisplayName, d.UPN, d.ObjectID, d.AppID, d.TenantID, d.TenantName, d.TenantDomain, d.UserType,
		d.HomeTenantID, strconv.FormatBool(d.TokensPersisted))
	return t.write(out, CSV)
}

// Name is the identity for people: "PAL Service Account (pal-service@…)",
// "service principal PAL-4977985-SPN (e1a2…)".
func Name(w steps.Who) string {
	if w.Kind == auth.KindServicePrincipal {
		return "service principal " + joinParen(w.DisplayName, w.AppID)
	}
	return joinParen(w.DisplayName, w.UPN)
}

func joinParen(name, id string) string {
	switch {
	case name == "" || strings.EqualFold(name, id):
		return id
	case id == "":
		return name
	}
	return name + " (" + id + ")"
}

// WhoAmI prints the signed-in identity; the warnings are for the caller to
// put on stderr in the table format.
func WhoAmI(out io.Writer, f Format, w steps.Who) error {
	d := identityDoc(w)
	switch f {
	case JSON:
		return writeJSON(out, d)
	case CSV:
		return writeIdentityCSV(out, d)
	}
	dir := Directory{TenantID: w.TenantID, Name: w.TenantName, Domain: w.TenantDomain}
	kind := "user"
	switch {
	case w.Kind == auth.KindServicePrincipal:
		kind = "service principal"
	case w.UserType != "":
		kind = "user (" + strings.ToLower(w.UserType) + ")"
	}
	store := "OS keyring"
	if !w.TokensInStore {
		store = "memory only (this run)"
	}
	kv(out, "Name", w.DisplayName, "Kind", kind, "User principal name", w.UPN, "App ID", w.AppID,
		"Object ID", w.ObjectID, "Directory", dir.Label(), "Signed in with", w.SignIn, "Tokens", store)
	return nil
}

// Login prints who signed in.
func Login(out io.Writer, f Format, w steps.Who) error {
	d := identityDoc(w)
	switch f {
	case JSON:
		return writeJSON(out, d)
	case CSV:
		return writeIdentityCSV(out, d)
	}
	dir := Directory{TenantID: w.TenantID, Name: w.TenantName, Domain: w.TenantDomain}
	line(out, "Signed in as %s in %s.", Name(w), dir.Label())
	switch {
	case w.SignIn != "":
		line(out, "Signed in with %s, for this run only: nothing was stored.", w.SignIn)
	case !w.TokensInStore:
		line(out, "Tokens are in memory only: the next command will ask you to sign in again.")
	}
	return nil
}

// LogoutDoc is what logout did, and what it found when it checked.
type LogoutDoc struct {
	SchemaVersion int           `json:"schemaVersion"`
	SignedOut     *IdentityJSON `json:"signedOut"`
	RemovedItems  int           `json:"removedItems"`
	All           bool          `json:"all"`
	// Left describes what of palwiz's is still in the keyring.
	Left []string `json:"left"`
	// Verified says palwiz read the keyring again and found nothing left.
	Verified bool `json:"verified"`
	// Searched says that check searched the keyring by palwiz's service
	// attributes, not only through palwiz's own index.
	Searched bool `json:"searched"`
}

// LogoutResult is what a logout did.
type LogoutResult struct {
	Who      *steps.Who
	Removed  int
	All      bool
	Left     []string
	Verified bool
	Searched bool
	// Ephemeral says there was no keyring to sign out of (--ephemeral).
	Ephemeral bool
}

// Logout prints what a logout removed and what its check found.
func Logout(out io.Writer, f Format, res LogoutResult) error {
	who, removed, all := res.Who, res.Removed, res.All
	d := LogoutDoc{SchemaVersion: SchemaVersion, RemovedItems: removed, All: all, Left: nonNil(res.Left), Verified: res.Verified, Searched: res.Searched}
	if who != nil {
		id := Identity(*who)
		d.SignedOut = &id
	}
	switch f {
	case JSON:
		return writeJSON(out, d)
	case CSV:
		t := newTable("signedOut.kind", "signedOut.userPrincipalName", "signedOut.appId", "removedItems", "all", "verified", "left")
		var id IdentityJSON
		if d.SignedOut != nil {
			id = *d.SignedOut
		}
		t.add(id.Kind, id.UPN, id.AppID, strconv.Itoa(removed), strconv.FormatBool(all), strconv.FormatBool(res.Verified), strings.Join(res.Left, "; "))
		return t.write(out, CSV)
	}
	if res.Ephemeral {
		line(out, "Nothing to remove: with --ephemeral tokens are only ever in memory.")
		return nil
	}
	what := "Not signed in"
	if who != nil {
		what = "Signed out " + Name(*who)
	}
	if !res.Verified {
		line(out, "%s; removed %d keyring item%s.", what, removed, plural(removed))
		return nil
	}
	how := "palwiz's index"
	if res.Searched {
		how = "a search of the keyring"
	}
	line(out, "%s; removed %d keyring item%s. Checked by %s: nothing of it is left.", what, removed, plural(removed), how)
	return nil
}

// CreatedSPDoc is a service principal palwiz created. The secret is in it
// once: it is shown now and kept nowhere.
type CreatedSPDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	DisplayName   string `json:"displayName"`
	TenantID      string `json:"tenantId"`
	AppID         string `json:"appId"`
	ObjectID      string `json:"objectId"`
	AppObjectID   string `json:"applicationObjectId"`
	Secret        string `json:"secret"`
	SecretExpires string `json:"secretExpires"`
}

// CreatedSP prints the created service principal and its secret.
func CreatedSP(out io.Writer, f Format, c *steps.CreatedSP) error {
	d := CreatedSPDoc{SchemaVersion: SchemaVersion, DisplayName: c.DisplayName, TenantID: c.TenantID, AppID: c.AppID,
		ObjectID: c.ObjectID, AppObjectID: c.AppObjectID, Secret: c.Secret, SecretExpires: c.Expires.UTC().Format(time.RFC3339)}
	switch f {
	case JSON:
		return writeJSON(out, d)
	case CSV:
		t := newTable("displayName", "tenantId", "appId", "objectId", "applicationObjectId", "secret", "secretExpires")
		t.add(d.DisplayName, d.TenantID, d.AppID, d.ObjectID, d.AppObjectID, d.Secret, d.SecretExpires)
		return t.write(out, CSV)
	}
	kv(out, "Service principal", c.DisplayName, "Directory", c.TenantID, "Application (client) ID", c.AppID,
		"Object ID", c.ObjectID, "Secret expires", c.Expires.UTC().Format("2006-01-02"))
	line(out, "Client secret (shown only now; palwiz does not keep it): %s", c.Secret)
	return nil
}

// Warning prints a guard rail's warning on w (stderr), cleaned of control
// sequences: "Warning: …", in yellow when colour is on.
func Warning(w io.Writer, color bool, msg string) {
	prefix := "Warning: "
	if color {
		prefix = "\x1b[33mWarning:\x1b[0m "
	}
	fmt.Fprintf(w, "%s%s\n", prefix, Clean(msg))
}
