package auth

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/palwiz/palwiz/azure/safefile"
	"software.sslmate.com/src/go-pkcs12"
)

// MaxCertificateSize bounds a certificate file: a PEM or PFX with a chain
// is a few kilobytes; anything past this is not a certificate.
const MaxCertificateSize = 1 << 20

// loadCertificate reads a PEM or PFX certificate with its RSA key. The read
// is bounded and ctx cancels it (a FIFO nobody writes to).
func loadCertificate(ctx context.Context, path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	name := filepath.Base(path)
	data, err := safefile.Read(ctx, path, MaxCertificateSize)
	var tb *safefile.TooBigError
	switch {
	case errors.As(err, &tb):
		return nil, nil, fmt.Errorf("certificate %s is larger than 1 MiB, which no certificate is: export it as PEM (certificate and unencrypted RSA key) or as PFX", name)
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err != nil:
		return nil, nil, fmt.Errorf("read the certificate: %w", err)
	}
	return parseCertificate(name, data, password)
}

// parseCertificate reads a PEM (certificate and unencrypted RSA key) or a
// PFX/P12 file's content.
func parseCertificate(name string, data []byte, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".pfx" || ext == ".p12" || !strings.Contains(string(data), "-----BEGIN") {
		key, cert, chain, err := pkcs12.DecodeChain(data, password)
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, nil, fmt.Errorf("certificate %s: wrong PFX password: set PALWIZ_CERTIFICATE_PASSWORD to the file's password", name)
		}
		if err != nil || cert == nil || key == nil {
			return nil, nil, fmt.Errorf("certificate %s is neither a PEM file nor a PFX file palwiz can read: export it as PEM (certificate and unencrypted RSA key) or as PFX", name)
		}
		return append([]*x509.Certificate{cert}, chain...), key, nil
	}
	certs, key, err := confidential.CertFromPEM(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %s: %v: export it as PEM (certificate and unencrypted RSA key) or as PFX", name, err)
	}
	return certs, key, nil
}
