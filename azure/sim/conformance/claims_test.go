package conformance

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// claimsOf reads a JWT's payload (for checks only; the simulator signs).
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	p := strings.Split(jwt, ".")
	if len(p) != 3 {
		t.Fatalf("not a JWT: %.40q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(p[1])
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return m
}

// testCert is an RSA key and its self-signed certificate, in one PEM file
// (what `az login --service-principal -p` and azure-identity read).
type testCert struct {
	certPEM, file, thumbprint string
}

func newCert(t *testing.T) testCert {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "conformance"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	file := filepath.Join(t.TempDir(), "cert.pem")
	body := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})) + certPEM
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(der)
	return testCert{certPEM: certPEM, file: file, thumbprint: hex.EncodeToString(sum[:])}
}
