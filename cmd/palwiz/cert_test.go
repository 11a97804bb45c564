package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/sim"
	"software.sslmate.com/src/go-pkcs12"
)

const contosoSPObject = "f2b3c4d5-e6f7-4081-92a3-b4c5d6e70502"

// certKey is an RSA key and its self-signed certificate.
type certKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func newCertKey(t *testing.T, cn string) certKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return certKey{key: key, cert: c}
}

func (ck certKey) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ck.cert.Raw})
}

func (ck certKey) pkcs8PEM(t *testing.T) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(ck.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func (ck certKey) pkcs1PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(ck.key)})
}

func (ck certKey) pfx(t *testing.T, password string) []byte {
	b, err := pkcs12.Modern.Encode(ck.key, ck.cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// certScenarioFile writes a scenario file based on demo in which Contoso's
// service principal has the certificate (and still its secret).
func certScenarioFile(t *testing.T, dir string, ck certKey) string {
	t.Helper()
	sc, err := sim.LoadScenario("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Name = "demo-with-certificate"
	sc.ServicePrincipals[0].Certificates = []string{string(ck.certPEM())}
	b, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// harnessFromFile starts a simulator from a scenario file, as
// `palwiz sim --scenario FILE` does.
func harnessFromFile(t *testing.T, path string) *harness {
	t.Helper()
	sc, err := sim.LoadScenario(path, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	return harnessFor(t, sc)
}

// TestCertificateSignIn signs the Contoso service principal in with its
// certificate in each file form palwiz reads, then links with it.
func TestCertificateSignIn(t *testing.T) {
	t.Parallel()
	registered := newCertKey(t, "PAL-4977985-SPN")
	dir := t.TempDir()
	scenario := certScenarioFile(t, dir, registered)

	cases := []struct {
		name, file, password string
		data                 []byte
	}{
		{"PEM, PKCS#8 key", "spn.pem", "", append(registered.certPEM(), registered.pkcs8PEM(t)...)},
		{"PEM, PKCS#1 key", "spn-rsa.pem", "", append(registered.certPEM(), registered.pkcs1PEM()...)},
		{"PEM, key before certificate", "spn-keyfirst.pem", "", append(registered.pkcs8PEM(t), registered.certPEM()...)},
		{"PFX without a password", "spn.pfx", "", registered.pfx(t, "")},
		{"PFX with a password", "spn-pw.pfx", "correct horse battery staple", registered.pfx(t, "correct horse battery staple")},
		{"P12 with a password", "spn.p12", "s3cret", registered.pfx(t, "s3cret")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(file, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			h := harnessFromFile(t, scenario)
			if c.password != "" {
				h.env["PALWIZ_CERTIFICATE_PASSWORD"] = c.password
			}
			r := h.run("login", "--service-principal", "--client-id", contosoSPApp, "--tenant", "contoso.onmicrosoft.com", "--certificate", file)
			mustCode(t, r, 0)
			if !strings.Contains(r.stdout, contosoID) {
				t.Fatalf("login should name the directory: %s", r.stdout)
			}
			if strings.Contains(r.stdout+r.stderr, c.password) && c.password != "" {
				t.Fatalf("the certificate password is in the output")
			}
			r = h.run("link", "--partner-id", "4977985", "-o", "json")
			mustCode(t, r, 0)
			var got struct {
				Action string
				Link   struct{ PartnerID, ObjectID string }
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("link -o json: %v\n%s", err, r.stdout)
			}
			if got.Action != "link" || got.Link.PartnerID != "4977985" || got.Link.ObjectID != contosoSPObject {
				t.Fatalf("link: %+v", got)
			}
			if p := h.sim.LinkOf(contosoID, contosoSPObject); p != "4977985" {
				t.Fatalf("simulator holds link %q", p)
			}
		})
	}
}

// TestCertificateRefused: certificates that cannot sign the principal in
// give one clear line and the right exit code.
func TestCertificateRefused(t *testing.T) {
	t.Parallel()
	registered := newCertKey(t, "PAL-4977985-SPN")
	stranger := newCertKey(t, "someone else")
	scenario := certScenarioFile(t, t.TempDir(), registered)
	cases := []struct {
		name, file, password string
		data                 []byte
		code                 int
		says                 []string
	}{
		{"certificate not registered on the application", "other.pem", "", append(stranger.certPEM(), stranger.pkcs8PEM(t)...), 3,
			[]string{"refused the certificate", "AADSTS700027", "Upload this certificate"}},
		{"PFX with the wrong password", "spn.pfx", "not-the-pfx-password-42", registered.pfx(t, "right"), 1,
			[]string{"wrong PFX password", "PALWIZ_CERTIFICATE_PASSWORD"}},
		{"PFX password missing", "spn.pfx", "", registered.pfx(t, "right"), 1,
			[]string{"PALWIZ_CERTIFICATE_PASSWORD"}},
		{"PEM without a key", "cert-only.pem", "", registered.certPEM(), 1,
			[]string{"no private key", "export it as PEM"}},
		{"not a certificate", "notes.pem", "", []byte("-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n"), 1,
			[]string{"export it as PEM"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(file, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			h := harnessFromFile(t, scenario)
			if c.password != "" {
				h.env["PALWIZ_CERTIFICATE_PASSWORD"] = c.password
			}
			r := h.run("login", "--service-principal", "--client-id", contosoSPApp, "--tenant", contosoID, "--certificate", file)
			mustCode(t, r, c.code)
			for _, s := range c.says {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("message does not say %q: %s", s, r.stderr)
				}
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines > 1 {
				t.Errorf("want a one-line error (two with a hint), got:\n%s", r.stderr)
			}
			if c.password != "" && strings.Contains(r.stderr, c.password) {
				t.Errorf("the password is in the message")
			}
			if h.sim.Stats()["management.azure.com"] != 0 {
				t.Errorf("a refused sign-in reached ARM")
			}
		})
	}
}
