package attest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// fuzzKeyPEM is a fixed ECDSA P-256 test key (PKCS #8, unencrypted), so
// that the committed seed corpora can hold envelopes and signatures that
// verify with it.
const fuzzKeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgY3ca0HO9+1383ZG6
mzrrU6md2/oJSGqcmzCCLx9W+ByhRANCAAQsyCaWOaSiesCEnMS6/tSjtpAPpBJ8
+lLPTKGJnAp0SYWb03d1V+mt8/uLVYsTsgjg/VqjEdo4L8uxOEiC0JKY
-----END PRIVATE KEY-----
`

// fuzzDigest is the image digest the fuzzed payloads are checked against.
const fuzzDigest = "sha256:0c4b53e5a3e3c0e2f3b1a3d1e8f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3"

func fuzzKey(t testing.TB) *PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(fuzzKeyPEM))
	k, err := parsePKCS8(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustKeyError fails unless err is nil or an input error wrapping ErrKey.
func mustKeyError(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && (exitcode.Code(err) != exitcode.Usage || !errors.Is(err, ErrKey)) {
		t.Fatalf("%s: %v (exit %d), want an input error wrapping ErrKey", what, err, exitcode.Code(err))
	}
}

// FuzzParsePublicKey: any input is a key or an input error; an accepted
// key survives its own PEM.
func FuzzParsePublicKey(f *testing.F) {
	k := fuzzKey(f)
	f.Add(k.pub.PEM())
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte(fuzzKeyPEM))
	f.Fuzz(func(t *testing.T, b []byte) {
		pub, err := ParsePublicKey(b)
		mustKeyError(t, "ParsePublicKey", err)
		if err != nil {
			return
		}
		again, err := ParsePublicKey(pub.PEM())
		if err != nil || !again.Equal(pub) || again.Fingerprint() != pub.Fingerprint() {
			t.Fatalf("the key does not survive its PEM: %v", err)
		}
	})
}

// FuzzPrivateKey: the parsers of a private key's PEM and encrypted
// document (before the deliberately slow key derivation) and of the
// decrypted PKCS #8 key. Errors are input errors and never quote the
// input.
func FuzzPrivateKey(f *testing.F) {
	block, _ := pem.Decode([]byte(fuzzKeyPEM))
	f.Add(block.Bytes)
	f.Add([]byte(fuzzKeyPEM))
	f.Fuzz(func(t *testing.T, b []byte) {
		enc, decErr := decodeEncryptedKey(b)
		mustKeyError(t, "decodeEncryptedKey", decErr)
		if decErr == nil && len(enc) == 0 {
			t.Fatal("accepted an empty document")
		}
		k, parseErr := parsePKCS8(b)
		mustKeyError(t, "parsePKCS8", parseErr)
		if parseErr == nil {
			sig, err := k.sign([]byte("x"))
			if err != nil || k.pub.verify([]byte("x"), sig) != nil {
				t.Fatalf("an accepted key does not sign: %v", err)
			}
		}
		for _, err := range []error{decErr, parseErr} {
			if err != nil && len(b) >= 8 && strings.Contains(err.Error(), string(b)) {
				t.Fatalf("the error quotes the key: %v", err)
			}
		}
	})
}

// FuzzVerifyAttestation: any ".att" layer content is verified or refused,
// never both, and a verified one is a statement about fuzzDigest.
func FuzzVerifyAttestation(f *testing.F) {
	k := fuzzKey(f)
	for _, p := range []Predicate{{Type: GatesPredicateType, Body: []byte(`{"status":"passed","stages":[]}`)}, {Type: CycloneDXType, Body: []byte(`{}`)}} {
		st, err := newStatement("127.0.0.1:5000/acme/api", fuzzDigest, p)
		if err != nil {
			f.Fatal(err)
		}
		env, err := signEnvelope(k, InTotoPayloadType, st)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(env)
	}
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AAAA"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := verifyAttestationLayer(b, fuzzDigest, k.pub)
		_ = peekPredicateType(b)
		if err != nil {
			return
		}
		if st.PredicateType == "" || (st.Type != StatementV1 && st.Type != StatementV01) {
			t.Fatalf("accepted statement %+v", st)
		}
		if st.PredicateType == GatesPredicateType {
			_, _ = ParseGates(st.Predicate)
		}
	})
}

// FuzzVerifySignature: any ".sig" layer (payload and signature
// annotation) is verified for fuzzDigest or refused.
func FuzzVerifySignature(f *testing.F) {
	k := fuzzKey(f)
	payload, err := simpleSigningPayload("127.0.0.1:5000/acme/api", fuzzDigest, map[string]string{"a": "b"})
	if err != nil {
		f.Fatal(err)
	}
	sig, err := k.sign(payload)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload, base64.StdEncoding.EncodeToString(sig))
	f.Add(payload, "")
	f.Add([]byte(`{"critical":{"type":"other"}}`), "AAAA")
	f.Fuzz(func(t *testing.T, payload []byte, b64sig string) {
		identity, err := verifySignatureLayer(payload, b64sig, fuzzDigest, k.pub)
		if err == nil && !strings.Contains(string(payload), fuzzDigest) {
			t.Fatalf("verified a payload for another digest (identity %q)", identity)
		}
		// The payload parser on its own, for payloads without a valid
		// signature.
		_, _ = parseSimpleSigning(payload, fuzzDigest)
	})
}

// FuzzParseStatement: in-toto statements and gates predicates, as a
// verified envelope's payload.
func FuzzParseStatement(f *testing.F) {
	st, err := newStatement("r", fuzzDigest, Predicate{Type: GatesPredicateType, Body: []byte(`{"status":"failed","stages":[{"name":"lint","status":"failed"}]}`)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(st)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"r","digest":{"sha256":"00"}}],"predicateType":"x","predicate":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStatement(b, fuzzDigest)
		if err != nil {
			return
		}
		g, err := ParseGates(s.Predicate)
		if err == nil {
			_ = failedStages(g) + gatesDetail(g)
			if _, err := json.Marshal(g); err != nil {
				t.Fatalf("a parsed gates predicate does not marshal: %v", err)
			}
		}
	})
}

// FuzzSBOMPredicate: a CycloneDX predicate is compact valid JSON, and
// anything else an input error.
func FuzzSBOMPredicate(f *testing.F) {
	f.Add([]byte(sbom))
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5"}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := SBOMPredicate(b)
		if err != nil {
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("exit %d: %v", exitcode.Code(err), err)
			}
			return
		}
		if !json.Valid(p.Body) || p.Type != CycloneDXType {
			t.Fatalf("predicate %s %q", p.Type, p.Body)
		}
	})
}
