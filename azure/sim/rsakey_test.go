package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"
)

// TestMultiPrimeKey: the token signing key is a 2048-bit RSA key whose
// PKCS #1 v1.5 signatures crypto/rsa verifies, for any digest.
func TestMultiPrimeKey(t *testing.T) {
	for round := 0; round < 5; round++ {
		testKey(t)
	}
}

func testKey(t *testing.T) {
	k, err := newMultiPrimeKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range k.primes {
		if p.BitLen() > 64 || !p.ProbablyPrime(20) {
			t.Fatalf("factor %v", p)
		}
	}
	if k.pub.N.BitLen() != 2048 {
		t.Fatalf("%d bits", k.pub.N.BitLen())
	}
	prod := big.NewInt(1)
	for _, p := range k.primes {
		prod.Mul(prod, p)
	}
	if prod.Cmp(k.pub.N) != 0 {
		t.Fatal("the primes do not make the modulus")
	}
	for i := 0; i < 200; i++ {
		msg := make([]byte, 40)
		_, _ = rand.Read(msg)
		h := sha256.Sum256(msg)
		sig, err := k.Sign(nil, h[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.pub, crypto.SHA256, h[:], sig); err != nil {
			t.Fatalf("signature %d does not verify: %v", i, err)
		}
	}
	if _, err := k.Sign(nil, make([]byte, 20), crypto.SHA1); err == nil {
		t.Fatal("signed a SHA-1 digest")
	}
}

// BenchmarkTokenSignature is the cost of one token signature.
func BenchmarkTokenSignature(b *testing.B) {
	k, err := newMultiPrimeKey()
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.Sum256([]byte("x"))
	for b.Loop() {
		k.signSHA256(h[:])
	}
}

// TestMont64: Montgomery exponentiation agrees with math/big.
func TestMont64(t *testing.T) {
	for i := 0; i < 50; i++ {
		p, _ := rand.Prime(rand.Reader, 2+i%63)
		if p.Bit(0) == 0 {
			continue // 2
		}
		m := newMont64(p.Uint64())
		x, _ := rand.Int(rand.Reader, p)
		e, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
		want := new(big.Int).Exp(x, e, p).Uint64()
		if got := m.exp(x.Uint64(), e.Uint64()); got != want {
			t.Fatalf("%v^%v mod %v = %d, want %d", x, e, p, got, want)
		}
	}
}
