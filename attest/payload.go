package attest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// The formats cosign writes (cosign v2, the "legacy" tag layout):
//
// A signature is a layer of the image tagged "sha256-<hex>.sig" next to the
// signed image. The layer's media type is SimpleSigningMediaType, its
// content the simple signing payload (Red Hat's "atomic container
// signature" format, with cosign's type), and its annotation
// SignatureAnnotation holds the base64 signature over that content.
//
// An attestation is a layer of the image tagged "sha256-<hex>.att". Its
// media type is DSSEMediaType, its content a DSSE envelope whose payload
// is an in-toto statement (payload type InTotoPayloadType) naming the
// image digest as its subject; the signature is inside the envelope (the
// layer's SignatureAnnotation is empty) and the layer's annotation
// "predicateType" repeats the statement's predicate type.
const (
	SimpleSigningMediaType  = "application/vnd.dev.cosign.simplesigning.v1+json"
	DSSEMediaType           = "application/vnd.dsse.envelope.v1+json"
	InTotoPayloadType       = "application/vnd.in-toto+json"
	SignatureAnnotation     = "dev.cosignproject.cosign/signature"
	PredicateTypeAnnotation = "predicateType"

	// cosignSignatureType is the "type" of cosign's simple signing payload.
	cosignSignatureType = "cosign container image signature"

	// The in-toto statement types: golden writes v1; cosign v2 writes v0.1.
	StatementV1  = "https://in-toto.io/Statement/v1"
	StatementV01 = "https://in-toto.io/Statement/v0.1"
)

// simpleSigning is cosign's simple signing payload.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

// simpleSigningPayload is the payload `cosign sign` signs for the image
// digest in repository identity (the repository's name, as cosign writes
// it), with the optional annotations.
func simpleSigningPayload(identity, digest string, annotations map[string]string) ([]byte, error) {
	var p simpleSigning
	p.Critical.Identity.DockerReference = identity
	p.Critical.Image.DockerManifestDigest = digest
	p.Critical.Type = cosignSignatureType
	if len(annotations) > 0 {
		p.Optional = make(map[string]any, len(annotations))
		for k, v := range annotations {
			p.Optional[k] = v
		}
	}
	return json.Marshal(p)
}

// parseSimpleSigning reads a simple signing payload and returns the
// identity it claims; the payload must be cosign's type and sign digest.
func parseSimpleSigning(b []byte, digest string) (identity string, err error) {
	var p simpleSigning
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("malformed signature payload: %w", err)
	}
	if p.Critical.Type != cosignSignatureType {
		return "", fmt.Errorf("signature payload of type %q, want %q", printable(p.Critical.Type), cosignSignatureType)
	}
	if got := p.Critical.Image.DockerManifestDigest; got != digest {
		return "", fmt.Errorf("the signature is for %s, not %s", printable(got), digest)
	}
	return p.Critical.Identity.DockerReference, nil
}

// Statement is an in-toto statement about one image.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is what a statement is about: an artifact's name and digests by
// algorithm ("sha256": hex).
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// newStatement makes the in-toto v1 statement of predicate about the image
// digest ("sha256:<hex>") in the repository name.
func newStatement(name, digest string, p Predicate) ([]byte, error) {
	algo, hex, _ := strings.Cut(digest, ":")
	return json.Marshal(Statement{
		Type:          StatementV1,
		Subject:       []Subject{{Name: name, Digest: map[string]string{algo: hex}}},
		PredicateType: p.Type,
		Predicate:     p.Body,
	})
}

// parseStatement reads an in-toto statement (v1 or v0.1) and checks that
// one of its subjects is digest.
func parseStatement(b []byte, digest string) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("malformed in-toto statement: %w", err)
	}
	if st.Type != StatementV1 && st.Type != StatementV01 {
		return nil, fmt.Errorf("in-toto statement of type %q, want %q", printable(st.Type), StatementV1)
	}
	if st.PredicateType == "" {
		return nil, errors.New("in-toto statement without a predicateType")
	}
	algo, hex, _ := strings.Cut(digest, ":")
	for _, s := range st.Subject {
		if s.Digest[algo] == hex {
			return &st, nil
		}
	}
	return nil, fmt.Errorf("no subject of the %s statement is %s", printable(st.PredicateType), digest)
}

// signEnvelope wraps payload in a DSSE envelope signed with key, as
// `cosign attest` does (standard base64, one signature with an empty key
// ID).
func signEnvelope(key *PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	sig, err := key.sign(dsse.PAE(payloadType, payload))
	if err != nil {
		return nil, err
	}
	return json.Marshal(dsse.Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	})
}

// openEnvelope reads a DSSE envelope of an in-toto statement and returns
// its payload when one of its signatures verifies with pub. Like cosign, it
// accepts a signature whatever its key ID.
func openEnvelope(b []byte, pub *PublicKey) ([]byte, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("malformed DSSE envelope: %w", err)
	}
	if env.PayloadType != InTotoPayloadType {
		return nil, fmt.Errorf("DSSE envelope of payload type %q, want %q", printable(env.PayloadType), InTotoPayloadType)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("DSSE payload is not base64: %w", err)
	}
	if len(env.Signatures) == 0 {
		return nil, errors.New("DSSE envelope without signatures")
	}
	pae := dsse.PAE(env.PayloadType, payload)
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		if pub.verify(pae, sig) == nil {
			return payload, nil
		}
	}
	return nil, errBadSignature
}

// verifySignatureLayer checks one layer of a ".sig" image: its base64
// signature (the layer's SignatureAnnotation) over its payload, and that
// the payload signs digest. It returns the identity the payload claims.
func verifySignatureLayer(payload []byte, b64sig, digest string, pub *PublicKey) (string, error) {
	if b64sig == "" {
		return "", fmt.Errorf("no %s annotation", SignatureAnnotation)
	}
	sig, err := base64.StdEncoding.DecodeString(b64sig)
	if err != nil {
		return "", fmt.Errorf("the %s annotation is not base64", SignatureAnnotation)
	}
	if err := pub.verify(payload, sig); err != nil {
		return "", err
	}
	return parseSimpleSigning(payload, digest)
}

// verifyAttestationLayer checks one layer of a ".att" image: the envelope's
// signature with pub, then that its statement is about digest.
func verifyAttestationLayer(envelope []byte, digest string, pub *PublicKey) (*Statement, error) {
	payload, err := openEnvelope(envelope, pub)
	if err != nil {
		return nil, err
	}
	return parseStatement(payload, digest)
}

// peekPredicateType returns the predicate type an envelope's statement
// claims, without verifying anything, to report what an attestation that
// does not verify says it is; "" when it cannot be read.
func peekPredicateType(envelope []byte) string {
	var env dsse.Envelope
	if json.Unmarshal(envelope, &env) != nil {
		return ""
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return ""
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(bytes.TrimSpace(payload), &st) != nil {
		return ""
	}
	return printable(st.PredicateType)
}
