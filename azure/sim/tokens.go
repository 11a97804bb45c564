package sim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// claims are the fields of the simulator's access and ID tokens.
type claims struct {
	Aud        string   `json:"aud"`
	Iss        string   `json:"iss"`
	Iat        int64    `json:"iat"`
	Nbf        int64    `json:"nbf"`
	Exp        int64    `json:"exp"`
	Tid        string   `json:"tid"`
	Oid        string   `json:"oid"`
	Sub        string   `json:"sub"`
	Name       string   `json:"name,omitempty"`
	UPN        string   `json:"upn,omitempty"`
	Preferred  string   `json:"preferred_username,omitempty"`
	AppID      string   `json:"appid,omitempty"`
	AZP        string   `json:"azp,omitempty"`
	IDType     string   `json:"idtyp,omitempty"`
	Scp        string   `json:"scp,omitempty"`
	AMR        []string `json:"amr,omitempty"`
	Ver        string   `json:"ver"`
	UTI        string   `json:"uti,omitempty"`
	Nonce      string   `json:"nonce,omitempty"`
	HomeTenant string   `json:"home_tid,omitempty"`
}

// signer issues and checks HS256 JWTs with a key that lives only in memory.
type signer struct {
	key []byte
	kid string
}

func newSigner() (*signer, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(k)
	return &signer{key: k, kid: hex.EncodeToString(sum[:6])}, nil
}

var b64 = base64.RawURLEncoding

func (s *signer) sign(c claims) string {
	hdr, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": s.kid})
	body, _ := json.Marshal(c)
	unsigned := b64.EncodeToString(hdr) + "." + b64.EncodeToString(body)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(unsigned))
	return unsigned + "." + b64.EncodeToString(m.Sum(nil))
}

var (
	errTokenMalformed = errors.New("malformed token")
	errTokenSignature = errors.New("signature not valid")
	errTokenExpired   = errors.New("token expired")
)

// verify checks the signature and time window and returns the claims.
func (s *signer) verify(tok string, now time.Time) (claims, error) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errTokenMalformed
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return c, errTokenMalformed
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return c, errTokenSignature
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return c, errTokenMalformed
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, errTokenMalformed
	}
	if now.Unix() >= c.Exp {
		return c, errTokenExpired
	}
	if now.Unix()+300 < c.Nbf {
		return c, errTokenMalformed
	}
	return c, nil
}

// unsignedJWT encodes claims as an alg:none token, the shape MSAL reads for id_tokens.
func unsignedJWT(v any) string {
	hdr, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	body, _ := json.Marshal(v)
	return b64.EncodeToString(hdr) + "." + b64.EncodeToString(body) + "."
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

// resourceOfScope turns a v2 scope into the resource it names:
// "https://management.core.windows.net//.default" -> "https://management.core.windows.net/".
func resourceOfScope(scopes []string) (string, []string) {
	var resource string
	var rest []string
	for _, sc := range scopes {
		switch sc {
		case "openid", "profile", "offline_access", "":
			continue
		}
		rest = append(rest, sc)
		if resource != "" {
			continue
		}
		if i := strings.LastIndex(sc, "/"); i > len("https://") {
			resource = sc[:i]
		}
	}
	return resource, rest
}
