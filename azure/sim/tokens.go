package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"sync"
	"time"
)

// claims are the fields of the simulator's access tokens (Entra's v1.0
// access token, which the first-party resources the simulator serves get).
type claims struct {
	Aud        string   `json:"aud"`
	Iss        string   `json:"iss"`
	Iat        int64    `json:"iat"`
	Nbf        int64    `json:"nbf"`
	Exp        int64    `json:"exp"`
	Acct       *int     `json:"acct,omitempty"` // users: 0 member, 1 guest
	AIO        string   `json:"aio,omitempty"`
	AMR        []string `json:"amr,omitempty"`
	AppName    string   `json:"app_displayname,omitempty"`
	AppID      string   `json:"appid,omitempty"`
	AppIDACR   string   `json:"appidacr,omitempty"` // 0 public client, 1 secret, 2 certificate
	IDP        string   `json:"idp,omitempty"`      // the home directory's issuer, when not this one
	IDType     string   `json:"idtyp,omitempty"`
	Name       string   `json:"name,omitempty"`
	Oid        string   `json:"oid"`
	Roles      []string `json:"roles,omitempty"`
	Scp        string   `json:"scp,omitempty"`
	Sub        string   `json:"sub"`
	Tid        string   `json:"tid"`
	UniqueName string   `json:"unique_name,omitempty"`
	UPN        string   `json:"upn,omitempty"`
	UTI        string   `json:"uti,omitempty"`
	Ver        string   `json:"ver"`
	XmsCC      []string `json:"xms_cc,omitempty"` // client capabilities: ["CP1"] for a CAE-capable client
	HomeTenant string   `json:"home_tid,omitempty"`
	// XmsMirID is a managed identity's Azure resource ID.
	XmsMirID string `json:"xms_mirid,omitempty"`
}

// caeCapable reports whether the token was issued to a client that handles
// claims challenges (CAE): resources challenge only those.
func (c claims) caeCapable() bool {
	for _, v := range c.XmsCC {
		if strings.EqualFold(v, "cp1") {
			return true
		}
	}
	return false
}

// signer issues RS256 JWTs, as Entra does, with an RSA key that lives only in
// memory; its public half is served as the JWKS (jwks_uri). The key is made
// when it is first needed (so it costs a simulator that serves no sign-in,
// and the start of `palwiz demo`, nothing), and verified tokens are
// remembered, so a resource checks a signature once per token rather than
// once per request.
type signer struct {
	// name is its certificate's subject (the JWKS x5c).
	name string

	once sync.Once
	key  *multiPrimeKey
	cert []byte // a self-signed certificate for the key (the JWKS x5c)
	kid  string // base64url SHA-1 thumbprint of cert: Entra's kid and x5t
	hdr  string // the encoded JWT header
	err  error

	mu       sync.RWMutex
	verified map[string]claims // token -> its claims, once its signature checked out
}

// maxVerified bounds the verified-token memory; past it, it starts again.
const maxVerified = 1 << 14

func newSigner() (*signer, error) {
	return &signer{name: "palwiz simulated Entra ID token signing", verified: map[string]claims{}}, nil
}

func (s *signer) makeKey() error {
	k, err := newMultiPrimeKey()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: s.name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return err
	}
	sum := sha1.Sum(der)
	s.key, s.cert, s.kid = k, der, b64.EncodeToString(sum[:])
	hdr, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "x5t": s.kid, "kid": s.kid})
	s.hdr = b64.EncodeToString(hdr)
	return nil
}

// wait makes the key if it does not exist yet.
func (s *signer) wait() error {
	s.once.Do(func() { s.err = s.makeKey() })
	return s.err
}

var b64 = base64.RawURLEncoding

// sign issues a JWT carrying v (claims, or a map for ID tokens).
func (s *signer) sign(v any) string {
	if err := s.wait(); err != nil {
		panic("sim: no token signing key: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	body, _ := json.Marshal(v)
	unsigned := s.hdr + "." + b64.EncodeToString(body)
	h := sha256.Sum256([]byte(unsigned))
	tok := unsigned + "." + b64.EncodeToString(s.key.signSHA256(h[:]))
	if c, ok := v.(claims); ok {
		s.remember(tok, c) // an access token the simulator issued needs no check of its own signature
	}
	return tok
}

var (
	errTokenMalformed = errors.New("malformed token")
	errTokenSignature = errors.New("signature not valid")
	errTokenExpired   = errors.New("token expired")
)

// verify checks the signature and time window and returns the claims.
func (s *signer) verify(tok string, now time.Time) (claims, error) {
	s.mu.RLock()
	c, seen := s.verified[tok]
	s.mu.RUnlock()
	if !seen {
		var err error
		if c, err = s.check(tok); err != nil {
			return c, err
		}
		s.remember(tok, c)
	}
	if now.Unix() >= c.Exp {
		return c, errTokenExpired
	}
	if now.Unix()+300 < c.Nbf {
		return c, errTokenMalformed
	}
	return c, nil
}

// remember notes a token whose signature is known good.
func (s *signer) remember(tok string, c claims) {
	s.mu.Lock()
	if len(s.verified) >= maxVerified {
		s.verified = map[string]claims{}
	}
	s.verified[tok] = c
	s.mu.Unlock()
}

// check verifies a token's signature and decodes its claims.
func (s *signer) check(tok string) (claims, error) {
	var c claims
	body, err := s.payload(tok)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, errTokenMalformed
	}
	return c, nil
}

// payload verifies that this signer signed tok (its header, its RS256
// signature) and returns the decoded claims set.
func (s *signer) payload(tok string) ([]byte, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errTokenMalformed
	}
	if err := s.wait(); err != nil {
		return nil, err
	}
	if parts[0] != s.hdr {
		return nil, errTokenSignature
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errTokenMalformed
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.pub, crypto.SHA256, h[:], sig) != nil {
		return nil, errTokenSignature
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	return body, nil
}

// jwks is the signing key as Entra publishes it at jwks_uri.
func (s *signer) jwks(issuer string) map[string]any {
	if err := s.wait(); err != nil {
		return map[string]any{"keys": []any{}}
	}
	pub := s.key.pub
	return map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "use": "sig", "kid": s.kid, "x5t": s.kid,
		"n":      b64.EncodeToString(pub.N.Bytes()),
		"e":      b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c":    []string{base64.StdEncoding.EncodeToString(s.cert)},
		"issuer": issuer,
	}}}
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b64.EncodeToString(b)
}

func newGUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
