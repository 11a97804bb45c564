package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"math/big"
	"math/bits"
)

// The token signing key is a 2048-bit RSA key made of many prime factors of
// at most 64 bits (RFC 8017's multi-prime RSA). Its public half is an
// ordinary RSA key: the signatures are RS256 (RSASSA-PKCS1-v1_5 with
// SHA-256) that any verifier checks against the JWKS. Signing works prime by
// prime in machine words (Montgomery multiplication) and joins the results
// with the Chinese remainder theorem, about fifty times faster than Go's
// crypto/rsa with a two-prime key: the simulator issues tokens by the
// hundred in benchmarks, where a two-prime key's signing would add the
// simulator's crypto to the client's measured time. Factors this small make
// the key easy to factor; it protects nothing real, lives only in memory and
// is thrown away when the simulator stops.

// keyBits is the modulus size, as Entra's keys (RFC 7518 requires at least 2048 for RS256).
const keyBits = 2048

// mont64 is Montgomery arithmetic modulo an odd prime below 2^64.
type mont64 struct {
	p, pinv, r2 uint64 // pinv = -p^-1 mod 2^64; r2 = 2^128 mod p
}

func newMont64(p uint64) mont64 {
	inv := p // Newton's iteration: p·inv ≡ 1 mod 2^64 after five steps
	for i := 0; i < 5; i++ {
		inv *= 2 - p*inv
	}
	r2 := new(big.Int).Lsh(big.NewInt(1), 128)
	r2.Mod(r2, new(big.Int).SetUint64(p))
	return mont64{p: p, pinv: -inv, r2: r2.Uint64()}
}

// mul is a·b·2^-64 mod p, for a, b < p.
func (m mont64) mul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q := lo * m.pinv
	qhi, qlo := bits.Mul64(q, m.p)
	_, c := bits.Add64(lo, qlo, 0)
	t, c2 := bits.Add64(hi, qhi, c)
	if c2 != 0 || t >= m.p {
		t -= m.p
	}
	return t
}

// exp is x^e mod p, for x < p.
func (m mont64) exp(x, e uint64) uint64 {
	xm := m.mul(x, m.r2)
	r := m.mul(1, m.r2)
	for i := bits.Len64(e) - 1; i >= 0; i-- {
		r = m.mul(r, r)
		if e>>uint(i)&1 == 1 {
			r = m.mul(r, xm)
		}
	}
	return m.mul(r, 1)
}

// multiPrimeKey is an RSA private key with its CRT values, for signing.
type multiPrimeKey struct {
	pub    rsa.PublicKey
	primes []*big.Int
	monts  []mont64
	exps   []uint64 // d mod (p_i - 1)
	// weights are the CRT weights (N/p_i)·((N/p_i)^-1 mod p_i): the
	// signature is Σ s_i·w_i mod N, s_i being the signature modulo p_i.
	weights []*big.Int
}

// keyPrimes draws distinct primes of at most 64 bits whose product is
// exactly keyBits long.
func keyPrimes() ([]*big.Int, *big.Int, error) {
	n := big.NewInt(1)
	var primes []*big.Int
	add := func(size int) (*big.Int, error) {
		for {
			p, err := rand.Prime(rand.Reader, size)
			if err != nil {
				return nil, err
			}
			dup := false
			for _, q := range primes {
				dup = dup || q.Cmp(p) == 0
			}
			if !dup {
				return p, nil
			}
		}
	}
	for keyBits-n.BitLen() > 128 {
		p, err := add(64)
		if err != nil {
			return nil, nil, err
		}
		primes, n = append(primes, p), n.Mul(n, p)
	}
	// The last two primes share what is left; the last one is drawn until
	// the modulus is exactly keyBits long.
	p, err := add((keyBits - n.BitLen()) / 2)
	if err != nil {
		return nil, nil, err
	}
	primes, n = append(primes, p), n.Mul(n, p)
	size := keyBits - n.BitLen()
	for try := 0; try < 256; try++ {
		size = min(max(size, 2), 64)
		p, err := add(size)
		if err != nil {
			return nil, nil, err
		}
		switch bl := new(big.Int).Mul(n, p).BitLen(); {
		case bl == keyBits:
			return append(primes, p), n.Mul(n, p), nil
		case bl > keyBits:
			size--
		default:
			size++
		}
	}
	return nil, nil, errors.New("sim: no prime makes the modulus 2048 bits")
}

// newMultiPrimeKey makes the token signing key, with e = 65537.
func newMultiPrimeKey() (*multiPrimeKey, error) {
	one, e := big.NewInt(1), big.NewInt(65537)
	for attempt := 0; attempt < 16; attempt++ {
		primes, n, err := keyPrimes()
		if err != nil {
			return nil, err
		}
		phi := big.NewInt(1)
		for _, p := range primes {
			phi.Mul(phi, new(big.Int).Sub(p, one))
		}
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		key := &multiPrimeKey{pub: rsa.PublicKey{N: n, E: int(e.Int64())}, primes: primes}
		for _, p := range primes {
			key.monts = append(key.monts, newMont64(p.Uint64()))
			key.exps = append(key.exps, new(big.Int).Mod(d, new(big.Int).Sub(p, one)).Uint64())
			mi := new(big.Int).Div(n, p)
			inv := new(big.Int).ModInverse(new(big.Int).Mod(mi, p), p)
			if inv == nil {
				break
			}
			key.weights = append(key.weights, mi.Mul(mi, inv))
		}
		if len(key.weights) == len(primes) {
			return key, nil
		}
	}
	return nil, errors.New("sim: could not make a token signing key")
}

// sha256DigestInfo is the DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2).
var sha256DigestInfo = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// signSHA256 is RSASSA-PKCS1-v1_5 over a SHA-256 digest.
func (k *multiPrimeKey) signSHA256(digest []byte) []byte {
	size := (k.pub.N.BitLen() + 7) / 8
	em := make([]byte, size)
	em[1] = 1
	t := len(sha256DigestInfo) + len(digest)
	for i := 2; i < size-t-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-t:], sha256DigestInfo)
	copy(em[size-len(digest):], digest)
	c := new(big.Int).SetBytes(em)
	x, r, si := new(big.Int), new(big.Int), new(big.Int)
	for i, p := range k.primes {
		r.Mod(c, p)
		si.SetUint64(k.monts[i].exp(r.Uint64(), k.exps[i]))
		x.Add(x, si.Mul(si, k.weights[i]))
	}
	return x.Mod(x, k.pub.N).FillBytes(make([]byte, size))
}

// Public and Sign make the key a crypto.Signer (for its self-signed certificate).
func (k *multiPrimeKey) Public() crypto.PublicKey { return &k.pub }

// Sign signs a SHA-256 digest with PKCS #1 v1.5, the only form the simulator uses.
func (k *multiPrimeKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 || len(digest) != 32 {
		return nil, errors.New("sim: the token signing key signs SHA-256 digests with PKCS #1 v1.5 only")
	}
	if _, pss := opts.(*rsa.PSSOptions); pss {
		return nil, errors.New("sim: the token signing key does not sign PSS")
	}
	return k.signSHA256(digest), nil
}
