package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"

	"github.com/goldenci/golden/exitcode"
)

// The PEM block types of cosign's private keys: `cosign generate-key-pair`
// writes SigstorePrivateKeyType (older releases wrote CosignPrivateKeyType);
// both hold the same JSON document: a PKCS #8 private key encrypted with
// scrypt and NaCl secretbox (go-securesystemslib's package encrypted).
const (
	SigstorePrivateKeyType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	CosignPrivateKeyType   = "ENCRYPTED COSIGN PRIVATE KEY"
	publicKeyType          = "PUBLIC KEY"
)

// ErrKey is wrapped by every error about a key that cannot be read or
// used: an unreadable or malformed file, a wrong password, an unsupported
// algorithm. These errors are input errors (exit 2) and never contain the
// key's bytes or its password.
var ErrKey = errors.New("unusable key")

func keyErrorf(format string, args ...any) error {
	return exitcode.InputError(fmt.Errorf("%w: "+format, append([]any{ErrKey}, args...)...))
}

// PublicKey is a key that verifies signatures: ECDSA on P-256 (what `cosign
// generate-key-pair` makes), P-384 or P-521 with SHA-256, SHA-384 or
// SHA-512 by curve, or RSA of at least 2048 bits with PKCS #1 v1.5 and
// SHA-256, as cosign signs with such keys.
type PublicKey struct {
	key  crypto.PublicKey
	hash crypto.Hash
	der  []byte
}

// PrivateKey signs. It holds the decrypted key in memory only; its String,
// GoString and JSON forms reveal nothing but the public key's fingerprint,
// so that printing one by accident leaks nothing.
type PrivateKey struct {
	signer crypto.Signer
	pub    *PublicKey
}

// ParsePublicKey reads a PEM "PUBLIC KEY" block (PKIX), the cosign.pub
// that `cosign generate-key-pair` writes.
func ParsePublicKey(pemBytes []byte) (*PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, keyErrorf("public key: no PEM block")
	}
	if block.Type != publicKeyType {
		return nil, keyErrorf("public key: PEM block %q, want %q", printable(block.Type), publicKeyType)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, keyErrorf("public key: %v", err)
	}
	return newPublicKey(pub)
}

// newPublicKey checks that pub is a key cosign signs with and picks its
// hash.
func newPublicKey(pub crypto.PublicKey) (*PublicKey, error) {
	var hash crypto.Hash
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			hash = crypto.SHA256
		case elliptic.P384():
			hash = crypto.SHA384
		case elliptic.P521():
			hash = crypto.SHA512
		default:
			return nil, keyErrorf("ECDSA curve %s is not supported (want P-256, P-384 or P-521)", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, keyErrorf("RSA key of %d bits is too weak (want at least 2048)", k.N.BitLen())
		}
		hash = crypto.SHA256
	default:
		// Ed25519 included: cosign v2 signs with Ed25519ph but verifies
		// --key signatures with pure Ed25519, so such keys cannot work
		// with it.
		return nil, keyErrorf("key type %T is not supported (want ECDSA or RSA)", pub)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, keyErrorf("public key: %v", err)
	}
	return &PublicKey{key: pub, hash: hash, der: der}, nil
}

// Fingerprint identifies the key in reports: "SHA256:" and the unpadded
// base64 of the SHA-256 of its DER encoding (the form ssh-keygen prints).
func (p *PublicKey) Fingerprint() string {
	sum := sha256.Sum256(p.der)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// PEM returns the key as a PEM "PUBLIC KEY" block, as cosign.pub holds it.
func (p *PublicKey) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyType, Bytes: p.der})
}

// Equal reports whether p and q are the same key.
func (p *PublicKey) Equal(q *PublicKey) bool {
	return p != nil && q != nil && bytes.Equal(p.der, q.der)
}

// verify checks sig over msg.
func (p *PublicKey) verify(msg, sig []byte) error {
	h := p.hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errBadSignature
		}
		return nil
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, p.hash, digest, sig) != nil {
			return errBadSignature
		}
		return nil
	}
	return errBadSignature
}

// errBadSignature is a signature that the key did not make.
var errBadSignature = errors.New("the signature does not verify with the key")

// ParsePrivateKey decrypts a cosign private key (the cosign.key that `cosign
// generate-key-pair` writes) with its password. An empty password is
// allowed, as cosign allows it. A wrong password, a malformed file and an
// unsupported key are input errors wrapping ErrKey; none of them quotes the
// key or the password.
func ParsePrivateKey(pemBytes, password []byte) (*PrivateKey, error) {
	enc, err := decodeEncryptedKey(pemBytes)
	if err != nil {
		return nil, err
	}
	der, err := encrypted.Decrypt(enc, password)
	if err != nil {
		// The package's own messages name no secret, but only the
		// cause is ever worth telling.
		return nil, keyErrorf("private key: decryption failed: wrong password, or a corrupt key")
	}
	return parsePKCS8(der)
}

// decodeEncryptedKey returns the encrypted document of a cosign private
// key PEM, after checking its shape: the KDF (scrypt with one of the
// parameter sets go-securesystemslib accepts) and the cipher (NaCl
// secretbox with a 24-byte nonce). Checking first keeps malformed input
// away from the expensive key derivation.
func decodeEncryptedKey(pemBytes []byte) ([]byte, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, keyErrorf("private key: no PEM block")
	}
	if block.Type != SigstorePrivateKeyType && block.Type != CosignPrivateKeyType {
		return nil, keyErrorf("private key: PEM block %q, want %q (a key 'cosign generate-key-pair' writes)",
			printable(block.Type), SigstorePrivateKeyType)
	}
	var doc struct {
		KDF struct {
			Name   string `json:"name"`
			Params struct {
				N, R, P int
			} `json:"params"`
			Salt []byte `json:"salt"`
		} `json:"kdf"`
		Cipher struct {
			Name  string `json:"name"`
			Nonce []byte `json:"nonce"`
		} `json:"cipher"`
		Ciphertext []byte `json:"ciphertext"`
	}
	if err := json.Unmarshal(block.Bytes, &doc); err != nil {
		return nil, keyErrorf("private key: malformed encrypted key")
	}
	p := doc.KDF.Params
	switch {
	case doc.KDF.Name != "scrypt":
		return nil, keyErrorf("private key: key derivation %q, want scrypt", printable(doc.KDF.Name))
	case p.R != 8 || p.P != 1 || (p.N != 1<<15 && p.N != 1<<16 && p.N != 1<<17):
		return nil, keyErrorf("private key: unsupported scrypt parameters")
	case len(doc.KDF.Salt) == 0:
		return nil, keyErrorf("private key: no scrypt salt")
	case doc.Cipher.Name != "nacl/secretbox":
		return nil, keyErrorf("private key: cipher %q, want nacl/secretbox", printable(doc.Cipher.Name))
	case len(doc.Cipher.Nonce) != 24:
		return nil, keyErrorf("private key: secretbox nonce of %d bytes, want 24", len(doc.Cipher.Nonce))
	case len(doc.Ciphertext) == 0:
		return nil, keyErrorf("private key: no ciphertext")
	}
	return block.Bytes, nil
}

// parsePKCS8 reads a decrypted PKCS #8 private key.
func parsePKCS8(der []byte) (*PrivateKey, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, keyErrorf("private key: not a PKCS #8 key")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, keyErrorf("private key: key type %T cannot sign", key)
	}
	pub, err := newPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	return &PrivateKey{signer: signer, pub: pub}, nil
}

// GenerateKey makes a key pair as `cosign generate-key-pair` does: an
// ECDSA P-256 key, encrypted with password into an "ENCRYPTED SIGSTORE
// PRIVATE KEY" PEM (scrypt N=2^16, r=8, p=1; NaCl secretbox), and its
// public key as a "PUBLIC KEY" PEM.
func GenerateKey(password []byte) (keyPEM, pubPEM []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the key: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, fmt.Errorf("encrypting the key: %w", err)
	}
	pub, err := newPublicKey(priv.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType, Bytes: enc}), pub.PEM(), nil
}

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// String implements fmt.Stringer without revealing the key.
func (k *PrivateKey) String() string {
	if k == nil || k.pub == nil {
		return "attest.PrivateKey{<nil>}"
	}
	return "attest.PrivateKey{" + k.pub.Fingerprint() + ", <redacted>}"
}

// GoString implements fmt.GoStringer without revealing the key.
func (k *PrivateKey) GoString() string { return k.String() }

// MarshalJSON writes only what String writes.
func (k *PrivateKey) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// sign signs msg as cosign does with such a key: ECDSA (ASN.1 DER) over the
// curve's hash, or RSA PKCS #1 v1.5 over SHA-256.
func (k *PrivateKey) sign(msg []byte) ([]byte, error) {
	h := k.pub.hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	switch s := k.signer.(type) {
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, s, digest)
	case *rsa.PrivateKey:
		return rsa.SignPKCS1v15(rand.Reader, s, k.pub.hash, digest)
	}
	return nil, keyErrorf("key type %T cannot sign", k.signer)
}

// printable quotes at most 64 bytes of an untrusted string for a message.
func printable(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
