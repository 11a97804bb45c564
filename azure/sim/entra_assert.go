package sim

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
)

// assertionHeader is a client assertion's JOSE header.
type assertionHeader struct {
	Alg     string `json:"alg"`
	X5t     string `json:"x5t"`
	X5tS256 string `json:"x5t#S256"`
}

// assertionClaimsIn are the claims Entra checks in a client assertion. The
// times are NumericDates: RFC 7519 allows fractions (MSAL Python sends them).
type assertionClaimsIn struct {
	Aud json.RawMessage `json:"aud"`
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Exp json.Number     `json:"exp"`
	Nbf json.Number     `json:"nbf"`
}

// thumbprintMatches compares a certificate with an x5t (SHA-1) or x5t#S256
// thumbprint, in base64url (the RFC 7515 form) or padded standard base64
// (what MSAL Go sends).
func thumbprintMatches(der []byte, x5t, x5tS256 string) bool {
	enc := func(sum []byte, v string) bool {
		return v != "" && (base64.RawURLEncoding.EncodeToString(sum) == v || base64.StdEncoding.EncodeToString(sum) == v ||
			base64.URLEncoding.EncodeToString(sum) == v)
	}
	s256 := sha256.Sum256(der)
	s1 := sha1.Sum(der)
	return enc(s256[:], x5tS256) || enc(s1[:], x5t)
}

func numericDate(n json.Number) (float64, bool) {
	if n == "" {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// checkAssertion verifies a client assertion as Entra does: RS256 or PS256,
// signed by a certificate registered on the application (named by x5t or
// x5t#S256), for this tenant's token endpoint, in its time window. It
// returns an AADSTS code and message on failure.
func (s *Server) checkAssertion(a string, sp *ServicePrincipal, tokenEndpoint string) (int, string) {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return 700027, "Client assertion is not a JWT."
	}
	hb, err1 := b64.DecodeString(parts[0])
	pb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return 700027, "Client assertion is not a JWT."
	}
	var hdr assertionHeader
	var cl assertionClaimsIn
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if json.Unmarshal(hb, &hdr) != nil || dec.Decode(&cl) != nil {
		return 700027, "Client assertion is not a JWT."
	}
	if hdr.Alg != "PS256" && hdr.Alg != "RS256" {
		return 700027, fmt.Sprintf("Client assertion uses algorithm %s; RS256 or PS256 is required.", hdr.Alg)
	}
	var cert *x509.Certificate
	for _, c := range sp.Certificates {
		xc, err := parseCertPEM(c)
		if err == nil && thumbprintMatches(xc.Raw, hdr.X5t, hdr.X5tS256) {
			cert = xc
			break
		}
	}
	if cert == nil {
		return 700027, "The certificate used to sign the client assertion (its x5t or x5t#S256) is not registered on the application."
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return 700027, "The registered certificate does not hold an RSA key."
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	var verr error
	if hdr.Alg == "PS256" {
		verr = rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		verr = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	}
	if verr != nil {
		return 700027, ""
	}
	exp, okExp := numericDate(cl.Exp)
	nbf, okNbf := numericDate(cl.Nbf)
	if !okExp {
		return 700027, "The client assertion has no valid exp claim."
	}
	now := float64(s.now().UnixNano()) / 1e9
	if now > exp || (okNbf && now+300 < nbf) {
		return 700024, ""
	}
	if !s.assertionAudienceOK(cl.Aud, tokenEndpoint) {
		return 700027, "The client assertion's audience " + string(cl.Aud) + " is not this tenant's token endpoint."
	}
	if cl.Iss != sp.AppID || cl.Sub != sp.AppID {
		return 700027, "The client assertion's issuer and subject must be the application ID."
	}
	return 0, ""
}

// assertionAudienceOK accepts an aud (a string or an array) naming the
// token endpoint the assertion was sent to, in its v1.0 or v2.0 form.
func (s *Server) assertionAudienceOK(raw json.RawMessage, tokenEndpoint string) bool {
	var auds []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(raw, &auds) != nil {
		return false
	}
	want, err := url.Parse(tokenEndpoint)
	if err != nil {
		return false
	}
	seg := strings.Split(strings.Trim(want.Path, "/"), "/")[0]
	for _, a := range auds {
		u, err := url.Parse(a)
		if err != nil || !strings.EqualFold(u.Host, want.Host) {
			continue
		}
		p := strings.Trim(u.Path, "/")
		if strings.EqualFold(p, seg+"/oauth2/v2.0/token") || strings.EqualFold(p, seg+"/oauth2/token") {
			return true
		}
	}
	return false
}
