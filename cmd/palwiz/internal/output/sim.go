package output

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/palwiz/palwiz/azure/sim"
)

// SimInfo is what `palwiz sim` prints on start.
type SimInfo struct {
	URL            string
	PagesURL       string
	DeviceLoginURL string
	CAFile         string
	Env            map[string]string
	Identities     sim.Identities
}

// SimDoc is SimInfo for programs: one JSON object on the first line.
type SimDoc struct {
	SchemaVersion     int               `json:"schemaVersion"`
	URL               string            `json:"url"`
	PagesURL          string            `json:"pagesUrl"`
	DeviceLoginURL    string            `json:"deviceLoginUrl"`
	CAFile            string            `json:"caFile"`
	Env               map[string]string `json:"env"`
	Scenario          string            `json:"scenario"`
	Users             []SimUser         `json:"users"`
	ServicePrincipals []SimSP           `json:"servicePrincipals"`
	Partners          []SimPartner      `json:"partners"`
	Tenants           []SimDirectory    `json:"tenants"`
}

// SimUser is a person of the scenario.
type SimUser struct {
	UPN          string   `json:"userPrincipalName"`
	DisplayName  string   `json:"displayName"`
	HomeTenantID string   `json:"homeTenantId"`
	GuestIn      []string `json:"guestIn,omitempty"`
	Note         string   `json:"note,omitempty"`
}

// SimSP is a service principal of the scenario, with its test secret.
type SimSP struct {
	DisplayName string `json:"displayName"`
	TenantID    string `json:"tenantId"`
	AppID       string `json:"appId"`
	Secret      string `json:"secret,omitempty"`
	Certificate bool   `json:"certificate,omitempty"`
	// FederatedCredentials are the pipeline tokens it accepts (workload
	// identity federation, docs/pipelines.md).
	FederatedCredentials []SimFederated `json:"federatedCredentials,omitempty"`
	// ManagedIdentity is "systemAssigned" or "userAssigned" for a managed
	// identity of the simulated machine (IMDS).
	ManagedIdentity string `json:"managedIdentity,omitempty"`
	Note            string `json:"note,omitempty"`
}

// SimFederated is a federated credential: a token with this issuer, subject
// and audience signs the application in.
type SimFederated struct {
	Name      string   `json:"name"`
	Issuer    string   `json:"issuer"`
	Subject   string   `json:"subject"`
	Audiences []string `json:"audiences"`
}

// SimPartner is a partner ID the simulated PAL service knows.
type SimPartner struct {
	PartnerID   string `json:"partnerId"`
	PartnerName string `json:"partnerName"`
	Kind        string `json:"kind,omitempty"`
}

// SimDirectory is a directory of the scenario.
type SimDirectory struct {
	Directory
	RequireMFA bool `json:"requireMFA,omitempty"`
}

func simDoc(s SimInfo) SimDoc {
	ids := s.Identities
	d := SimDoc{SchemaVersion: SchemaVersion, URL: s.URL, PagesURL: s.PagesURL, DeviceLoginURL: s.DeviceLoginURL, CAFile: s.CAFile, Env: s.Env,
		Scenario: ids.Scenario, Users: []SimUser{}, ServicePrincipals: []SimSP{}, Partners: []SimPartner{}, Tenants: []SimDirectory{}}
	for _, u := range ids.Users {
		d.Users = append(d.Users, SimUser{UPN: u.UPN, DisplayName: u.DisplayName, HomeTenantID: u.HomeTenant, GuestIn: u.GuestIn, Note: u.Note})
	}
	for _, sp := range ids.ServicePrincipals {
		ssp := SimSP{DisplayName: sp.DisplayName, TenantID: sp.Tenant, AppID: sp.ClientID,
			Secret: sp.Secret, Certificate: sp.Certificate, ManagedIdentity: sp.ManagedIdentity, Note: sp.Note}
		for _, f := range sp.FederatedCredentials {
			ssp.FederatedCredentials = append(ssp.FederatedCredentials, SimFederated{Name: f.Name, Issuer: f.Issuer, Subject: f.Subject, Audiences: f.Audiences})
		}
		d.ServicePrincipals = append(d.ServicePrincipals, ssp)
	}
	for _, p := range ids.Partners {
		d.Partners = append(d.Partners, SimPartner{PartnerID: p.ID, PartnerName: p.Name, Kind: p.Kind})
	}
	for _, t := range ids.Tenants {
		d.Tenants = append(d.Tenants, SimDirectory{Directory: Directory{TenantID: t.ID, Name: t.DisplayName, Domain: t.Domain}, RequireMFA: t.RequireMFA})
	}
	return d
}

// Sim prints the running simulator's address and test identities.
func Sim(w io.Writer, f Format, s SimInfo) error {
	ids := s.Identities
	if f == JSON {
		b, err := json.Marshal(simDoc(s))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(escapeC1(b)))
		return err
	}
	line(w, "palwiz simulated cloud: scenario %q\n", ids.Scenario)
	kv(w, "  API (HTTPS)", s.URL, "  Sign-in page", s.DeviceLoginURL, "  CA file", s.CAFile)
	line(w, "\nUse it from another terminal:\n  export PALWIZ_CLOUD=sim PALWIZ_SIM_URL=%s PALWIZ_SIM_CA=%s", s.URL, s.CAFile)
	fmt.Fprintln(w, "\nPeople (run `palwiz login`, then pick one on the sign-in page):")
	t := newTable("  USER", "NAME", "NOTE")
	for _, u := range ids.Users {
		t.add("  "+u.UPN, u.DisplayName, u.Note)
	}
	_ = t.write(w, Table)
	fmt.Fprintln(w, "\nService principals (PALWIZ_CLIENT_SECRET=SECRET palwiz login --service-principal --client-id ID --tenant TENANT):")
	t = newTable("  NAME", "TENANT", "CLIENT ID", "SECRET")
	for _, sp := range ids.ServicePrincipals {
		if sp.ManagedIdentity == "" {
			t.add("  "+sp.DisplayName, sp.Tenant, sp.ClientID, sp.Secret)
		}
	}
	_ = t.write(w, Table)
	simPipelines(w, ids)
	fmt.Fprintln(w, "\nPartner IDs the simulated PAL service knows:")
	t = newTable("  ID", "NAME", "KIND")
	for _, p := range ids.Partners {
		kind := p.Kind
		if kind == "global" {
			kind = "global (PAL refuses it)"
		}
		t.add("  "+p.ID, p.Name, kind)
	}
	_ = t.write(w, Table)
	fmt.Fprintln(w, "\nDirectories:")
	t = newTable("  NAME", "DOMAIN", "TENANT ID", "MFA")
	for _, tn := range ids.Tenants {
		mfa := ""
		if tn.RequireMFA {
			mfa = "required"
		}
		t.add("  "+tn.DisplayName, tn.Domain, tn.ID, mfa)
	}
	_ = t.write(w, Table)
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
	return nil
}

// VersionDoc is `palwiz version -o json`.
type VersionDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	Modified      bool   `json:"modified,omitempty"`
	Date          string `json:"date,omitempty"`
	GoVersion     string `json:"goVersion"`
	Platform      string `json:"platform"`
}

// Version prints the build's version information; line is its one-line form.
func Version(w io.Writer, f Format, d VersionDoc, oneLine string) error {
	d.SchemaVersion = SchemaVersion
	switch f {
	case JSON:
		return writeJSON(w, d)
	case CSV:
		t := newTable("version", "commit", "date", "goVersion", "platform")
		t.add(d.Version, d.Commit, d.Date, d.GoVersion, d.Platform)
		return t.write(w, CSV)
	}
	commit := d.Commit
	if d.Modified && commit != "" {
		commit += " (modified)"
	}
	fmt.Fprintln(w, oneLine)
	fmt.Fprintln(w)
	kv(w, "Version", d.Version, "Commit", commit, "Built", d.Date, "Go", d.GoVersion, "Platform", d.Platform)
	return nil
}

// simPipelines lists the scenario's federated credentials and the simulated
// machine's managed identities, when it has any.
func simPipelines(w io.Writer, ids sim.Identities) {
	fed := newTable("  NAME", "CLIENT ID", "ISSUER", "SUBJECT")
	mi := newTable("  NAME", "TENANT", "CLIENT ID", "KIND")
	var nf, nm int
	for _, sp := range ids.ServicePrincipals {
		for _, f := range sp.FederatedCredentials {
			fed.add("  "+sp.DisplayName, sp.ClientID, f.Issuer, f.Subject)
			nf++
		}
		if sp.ManagedIdentity != "" {
			mi.add("  "+sp.DisplayName, sp.Tenant, sp.ClientID, sp.ManagedIdentity)
			nm++
		}
	}
	if nf > 0 {
		fmt.Fprintln(w, "\nPipelines (AZURE_CLIENT_ID=ID AZURE_TENANT_ID=TENANT palwiz login --federated; a job's variables from POST /_sim/pipeline/github or /_sim/pipeline/azuredevops; docs/pipelines.md):")
		_ = fed.write(w, Table)
	}
	if nm > 0 {
		fmt.Fprintln(w, "\nManaged identities of this machine (palwiz login --managed-identity [CLIENT ID]):")
		_ = mi.write(w, Table)
	}
}
