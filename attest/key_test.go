package attest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// encryptKey writes priv as cosign writes keys (with scrypt's legacy, faster
// parameters, which cosign reads too).
func encryptKey(t testing.TB, priv crypto.PrivateKey, password string) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encrypted.EncryptWithCustomKDFParameters(der, []byte(password), encrypted.Legacy)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: CosignPrivateKeyType, Bytes: enc})
}

func TestKeyAlgorithms(t *testing.T) {
	t.Parallel()
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, priv := range map[string]crypto.Signer{"P-384": p384, "P-521": p521, "RSA-2048": rsa2048} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key, err := ParsePrivateKey(encryptKey(t, priv, ""), nil)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := x509.MarshalPKIXPublicKey(priv.Public())
			pub, err := ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Equal(key.Public()) {
				t.Fatal("the private key's public half differs")
			}
			sig, err := key.sign([]byte("payload"))
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.verify([]byte("payload"), sig); err != nil {
				t.Fatal(err)
			}
			if err := pub.verify([]byte("payload!"), sig); !errors.Is(err, errBadSignature) {
				t.Fatalf("a changed payload: %v", err)
			}
		})
	}
}

func TestParsePrivateKeyRefuses(t *testing.T) {
	t.Parallel()
	k, _ := testKeys(t)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	plainDER, _ := x509.MarshalPKCS8PrivateKey(p256)
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: plainDER})
	block, _ := pem.Decode(k.keyPEM)
	withDoc := func(edit func(map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(block.Bytes, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		b, _ := json.Marshal(doc)
		return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: b})
	}
	tests := []struct {
		name     string
		pem      []byte
		password string
		want     string
	}{
		{"wrong password", k.keyPEM, "not-the-password", "decryption failed: wrong password, or a corrupt key"},
		{"no password", k.keyPEM, "", "decryption failed"},
		{"not PEM", []byte("not a key"), canaryPassword, "no PEM block"},
		{"public key", k.pubPEM, canaryPassword, `PEM block "PUBLIC KEY"`},
		{"unencrypted key", plain, canaryPassword, `PEM block "PRIVATE KEY"`},
		{"not JSON", pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType, Bytes: []byte("{")}), "", "malformed encrypted key"},
		{"huge scrypt N", withDoc(func(d map[string]any) { d["kdf"].(map[string]any)["params"].(map[string]any)["N"] = 1 << 30 }), "", "unsupported scrypt parameters"},
		{"other KDF", withDoc(func(d map[string]any) { d["kdf"].(map[string]any)["name"] = "pbkdf2" }), "", `key derivation "pbkdf2"`},
		{"other cipher", withDoc(func(d map[string]any) { d["cipher"].(map[string]any)["name"] = "aes" }), "", `cipher "aes"`},
		{"short nonce", withDoc(func(d map[string]any) { d["cipher"].(map[string]any)["nonce"] = "AAAA" }), "", "nonce of 3 bytes"},
		{"RSA 1024", encryptKey(t, rsa1024, ""), "", "RSA key of 1024 bits is too weak"},
		{"Ed25519", encryptKey(t, ed, ""), "", "key type ed25519.PublicKey is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePrivateKey(tc.pem, []byte(tc.password))
			testtool.AssertExit(t, err, exitcode.Usage, ErrKey)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			testtool.AssertNoCanary(t, "error", err.Error(), canaryPassword, "not-the-password", string(block.Bytes[:40]))
		})
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	t.Parallel()
	k, _ := testKeys(t)
	for name, in := range map[string][]byte{
		"private key": k.keyPEM,
		"garbage":     []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
		"empty":       nil,
	} {
		_, err := ParsePublicKey(in)
		testtool.AssertExit(t, err, exitcode.Usage, ErrKey)
		if name == "private key" && strings.Contains(err.Error(), string(k.keyPEM[40:80])) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}

func TestPrivateKeyPrintsNoSecret(t *testing.T) {
	t.Parallel()
	k, _ := testKeys(t)
	b, err := json.Marshal(struct{ Key *PrivateKey }{k.key})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(k.keyPEM)
	for _, s := range []string{
		fmt.Sprint(k.key), fmt.Sprintf("%v %+v %#v %s", k.key, k.key, k.key, k.key), string(b),
		fmt.Sprintf("%+v", struct{ K *PrivateKey }{k.key}),
	} {
		if !strings.Contains(s, "redacted") || !strings.Contains(s, k.pub.Fingerprint()) {
			t.Errorf("%q does not say it is redacted", s)
		}
		if strings.Contains(s, "D:") || strings.Contains(s, string(block.Bytes[:20])) {
			t.Errorf("%q holds the key", s)
		}
	}
}

func TestGenerateKeyIsCosignsFormat(t *testing.T) {
	t.Parallel()
	k, _ := testKeys(t)
	block, rest := pem.Decode(k.keyPEM)
	if block == nil || block.Type != SigstorePrivateKeyType || len(rest) != 0 {
		t.Fatalf("key PEM %q", k.keyPEM)
	}
	var doc struct {
		KDF struct {
			Name   string
			Params struct{ N, R, P int }
		}
		Cipher struct{ Name string }
	}
	if err := json.Unmarshal(block.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.KDF.Name != "scrypt" || doc.KDF.Params.N != 1<<16 || doc.KDF.Params.R != 8 || doc.KDF.Params.P != 1 || doc.Cipher.Name != "nacl/secretbox" {
		t.Errorf("encryption %+v", doc)
	}
	if !strings.HasPrefix(string(k.pubPEM), "-----BEGIN PUBLIC KEY-----\n") || !strings.HasPrefix(k.pub.Fingerprint(), "SHA256:") {
		t.Errorf("public key %q, fingerprint %s", k.pubPEM, k.pub.Fingerprint())
	}
}
