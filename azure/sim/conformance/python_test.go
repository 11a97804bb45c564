package conformance

import (
	"strings"
	"testing"

	"github.com/palwiz/palwiz/azure/sim"
)

// py runs one command of testdata/clients.py and decodes its answer.
func (s *simProc) py(t *testing.T, cmd string, env []string, out any) {
	t.Helper()
	runCmd(t, env, python(t), "testdata/clients.py", cmd).ok(t, "clients.py "+cmd).json(t, out)
}

// msalOutcome is what clients.py reports of an MSAL result.
type msalOutcome struct {
	Claims      map[string]any `json:"claims"`
	Verified    bool           `json:"verified"`
	Error       string         `json:"error"`
	Codes       []int          `json:"codes"`
	Description string         `json:"description"`
}

// refused reports whether an MSAL result is Entra's refusal with code.
func (o msalOutcome) refused(code int) bool {
	return len(o.Codes) > 0 && o.Codes[0] == code
}

func spEnv(s *simProc, t *testing.T, extra ...string) []string {
	return s.clientEnv(t, append([]string{"SIM_TENANT=" + contosoID, "SIM_CLIENT_ID=" + contosoSPApp, "SIM_SECRET=" + contosoSecret}, extra...)...)
}

// TestMSALPythonServicePrincipal: MSAL Python's confidential client with a
// secret and with a certificate (RS256, x5t); the tokens verify against the
// published JWKS; Entra's refusals come back as MSAL Python expects them.
func TestMSALPythonServicePrincipal(t *testing.T) {
	t.Parallel()
	python(t)
	cert := newCert(t)
	s := startSim(t, scenarioFile(t, func(sc *sim.Scenario) { sc.ServicePrincipals[0].Certificates = []string{cert.certPEM} }))
	var secret struct {
		ARM             msalOutcome `json:"arm"`
		WithoutDefault  msalOutcome `json:"without_default"`
		UnknownResource msalOutcome `json:"unknown_resource"`
	}
	s.py(t, "msal-secret", spEnv(s, t), &secret)
	if secret.ARM.Error != "" || !secret.ARM.Verified || secret.ARM.Claims["appid"] != contosoSPApp || secret.ARM.Claims["app_displayname"] != "PAL-4977985-SPN" {
		t.Fatalf("secret: %+v", secret.ARM)
	}
	if !secret.WithoutDefault.refused(1002012) || !secret.UnknownResource.refused(500011) {
		t.Fatalf("refusals: %+v %+v", secret.WithoutDefault, secret.UnknownResource)
	}
	var c struct{ ARM msalOutcome }
	s.py(t, "msal-cert", spEnv(s, t, "SIM_CERT_FILE="+cert.file, "SIM_CERT_THUMBPRINT="+cert.thumbprint), &c)
	if c.ARM.Error != "" || !c.ARM.Verified || c.ARM.Claims["appidacr"] != "2" {
		t.Fatalf("certificate: %+v", c.ARM)
	}
	s.onlyHosts(t, "login.microsoftonline.com")
}

// TestMSALPythonDeviceCode: MSAL Python's device-code sign-in, approved on
// the simulator's sign-in page, then silent tokens per tenant: one works,
// the directory that demands MFA answers AADSTS50076 with a claims challenge.
func TestMSALPythonDeviceCode(t *testing.T) {
	t.Parallel()
	python(t)
	s := startSim(t, "demo")
	done := make(chan run, 1)
	env := s.clientEnv(t, "SIM_TENANT="+contosoID, "SIM_MFA_TENANT="+woodgroveID)
	go func() { done <- runCmd(t, env, python(t), "testdata/clients.py", "msal-device") }()
	s.approveNext(t, anaUPN, false)
	var out struct {
		SignIn    msalOutcome `json:"sign_in"`
		Accounts  []string
		Contoso   msalOutcome
		Woodgrove struct {
			msalOutcome
			Claims any `json:"claims"`
		}
	}
	(<-done).ok(t, "clients.py msal-device").json(t, &out)
	if out.SignIn.Error != "" || len(out.Accounts) != 1 || out.Accounts[0] != anaUPN {
		t.Fatalf("device-code sign-in: %+v", out)
	}
	if out.Contoso.Error != "" || out.Contoso.Claims["tid"] != contosoID || out.Contoso.Claims["acct"] != 1.0 {
		t.Fatalf("Contoso token: %+v", out.Contoso)
	}
	if !out.Woodgrove.refused(50076) || out.Woodgrove.Claims == nil || !strings.Contains(out.Woodgrove.Description, "multi-factor") {
		t.Fatalf("Woodgrove without MFA: %+v", out.Woodgrove)
	}
}

// TestAzureIdentity: azure-identity's ClientSecretCredential and
// CertificateCredential (which MSAL Python signs RS256 with an x5t and
// fractional times), and a call to ARM with each token.
func TestAzureIdentity(t *testing.T) {
	t.Parallel()
	python(t)
	cert := newCert(t)
	s := startSim(t, scenarioFile(t, func(sc *sim.Scenario) { sc.ServicePrincipals[0].Certificates = []string{cert.certPEM} }))
	var sec struct {
		Claims    map[string]any `json:"claims"`
		PalStatus int            `json:"pal_status"`
		PalCode   string         `json:"pal_code"`
	}
	s.py(t, "identity-secret", spEnv(s, t), &sec)
	if sec.Claims["oid"] != contosoSPObj || sec.PalStatus != 404 || sec.PalCode != "ManagementPartnerNotFound" {
		t.Fatalf("ClientSecretCredential: %+v", sec)
	}
	var ct struct {
		Claims    map[string]any `json:"claims"`
		PalStatus int            `json:"pal_status"`
		Partner   string         `json:"partner"`
	}
	s.py(t, "identity-cert", spEnv(s, t, "SIM_CERT_FILE="+cert.file), &ct)
	if ct.Claims["appidacr"] != "2" || ct.PalStatus != 200 || ct.Partner != "4977985" {
		t.Fatalf("CertificateCredential: %+v", ct)
	}
	s.onlyHosts(t, "login.microsoftonline.com", "management.azure.com")
}
