package attest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

// Options configure Sign, Attest and Release.
type Options struct {
	// Registry is how golden reaches the registry (credentials, plain
	// HTTP, transport), as for every registry operation of golden.
	Registry registry.Options
	// Annotations go into the signature payload's "optional" object, as
	// `cosign sign -a KEY=VALUE` puts them.
	Annotations map[string]string
}

// Written says what Sign or Attest wrote.
type Written struct {
	// Image is the signed or attested image, REPOSITORY@DIGEST.
	Image string `json:"image"`
	// Attachment is the attachment image that holds the signature or the
	// attestations, as it is after the call.
	Attachment Attachment `json:"attachment"`
	// Types are the predicate types Attest wrote; empty for Sign.
	Types []string `json:"types,omitempty"`
	// Changed is false when Sign found the same signature already there.
	Changed bool `json:"changed"`
}

// Sign signs the image digest ("sha256:<hex>") in the repository repo
// ("REGISTRY/REPOSITORY") with key as `cosign sign --key KEY
// --tlog-upload=false` does: it adds a layer holding cosign's simple
// signing payload for the digest, its signature in the layer's
// "dev.cosignproject.cosign/signature" annotation, to the image tagged
// "sha256-<hex>.sig" next to the image, keeping the signatures already
// there. Signing again with the same key changes nothing. Nothing goes to
// a transparency log.
//
// A missing image or a malformed reference is an input error (exit 2), an
// unreachable registry an infrastructure error (exit 3).
func Sign(ctx context.Context, repo, digest string, key *PrivateKey, opts Options) (*Written, error) {
	if key == nil {
		return nil, exitcode.Inputf("signing: no key")
	}
	t, err := newTarget(ctx, repo, digest, opts.Registry)
	if err != nil {
		return nil, err
	}
	payload, err := simpleSigningPayload(t.repo.Name(), digest, opts.Annotations)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", t.ref(), err)
	}
	existing, current, err := t.read(SignatureSuffix)
	if err != nil {
		return nil, err
	}
	w := &Written{Image: t.ref()}
	for _, l := range existing {
		if l.mediaType == SimpleSigningMediaType && bytes.Equal(l.payload, payload) &&
			len(l.annotations) == 1 && verifyLayerSignature(l, key.pub) == nil {
			w.Attachment = t.attachment(SignatureSuffix, current)
			return w, nil
		}
	}
	sig, err := key.sign(payload)
	if err != nil {
		return nil, err
	}
	layers := append(existing, layer{
		mediaType:   SimpleSigningMediaType,
		annotations: map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
		payload:     payload,
	})
	d, err := t.write(SignatureSuffix, layers)
	if err != nil {
		return nil, err
	}
	w.Changed = true
	w.Attachment = t.attachment(SignatureSuffix, d)
	return w, nil
}

// verifyLayerSignature checks the signature annotation of a signature
// layer over its payload.
func verifyLayerSignature(l layer, pub *PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(l.annotations[SignatureAnnotation])
	if err != nil {
		return err
	}
	return pub.verify(l.payload, sig)
}

// Attest attaches one in-toto attestation per predicate to the image digest
// in repo, as `cosign attest --key KEY --tlog-upload=false --replace
// --type TYPE` does: each predicate becomes an in-toto statement (v1)
// whose subject is the repository's name with the digest, signed with key
// in a DSSE envelope (payload type application/vnd.in-toto+json), a layer
// of the image tagged "sha256-<hex>.att" with the annotation
// "predicateType". An earlier attestation of the same predicate type that
// key signed is replaced (so that attesting again leaves one); every
// other one stays.
func Attest(ctx context.Context, repo, digest string, key *PrivateKey, preds []Predicate, opts Options) (*Written, error) {
	if key == nil {
		return nil, exitcode.Inputf("attesting: no key")
	}
	if len(preds) == 0 {
		return nil, exitcode.Inputf("attesting: no predicate")
	}
	t, err := newTarget(ctx, repo, digest, opts.Registry)
	if err != nil {
		return nil, err
	}
	replaced := map[string]bool{}
	var fresh []layer
	w := &Written{Image: t.ref(), Changed: true}
	for _, p := range preds {
		if p.Type == "" || len(p.Body) == 0 {
			return nil, exitcode.Inputf("attesting %s: a predicate without a type or body", t.ref())
		}
		st, err := newStatement(t.repo.Name(), digest, p)
		if err != nil {
			return nil, fmt.Errorf("attesting %s: %w", t.ref(), err)
		}
		env, err := signEnvelope(key, InTotoPayloadType, st)
		if err != nil {
			return nil, err
		}
		fresh = append(fresh, layer{
			mediaType:   DSSEMediaType,
			annotations: map[string]string{PredicateTypeAnnotation: p.Type, SignatureAnnotation: ""},
			payload:     env,
		})
		replaced[p.Type] = true
		w.Types = append(w.Types, p.Type)
	}
	existing, _, err := t.read(AttestationSuffix)
	if err != nil {
		return nil, err
	}
	var layers []layer
	for _, l := range existing {
		if l.mediaType == DSSEMediaType {
			if st, err := verifyAttestationLayer(l.payload, digest, key.pub); err == nil && replaced[st.PredicateType] {
				continue
			}
		}
		layers = append(layers, l)
	}
	d, err := t.write(AttestationSuffix, append(layers, fresh...))
	if err != nil {
		return nil, err
	}
	w.Attachment = t.attachment(AttestationSuffix, d)
	return w, nil
}

// ReleaseInput is what Release signs and attests.
type ReleaseInput struct {
	// Run is the pipeline run whose gates are attested (required).
	Run *result.Run
	// Version is golden's version, for the gates and the provenance.
	Version string
	// Provenance, when set, is attested as a SLSA provenance v1 (its
	// BuilderVersion defaults to Version, its times to the run's).
	Provenance *Provenance
	// SBOM, when set, is a CycloneDX JSON document attested as such.
	SBOM []byte
}

// Released is what Release wrote.
type Released struct {
	Signature   *Written `json:"signature"`
	Attestation *Written `json:"attestation"`
	// Status is the run's status the gates attestation records.
	Status result.Status `json:"status"`
}

// Release signs the image digest in repo and attests its gates (always),
// its provenance and its SBOM (when given): Sign, then Attest. A run that
// records another image digest than digest is an input error: its gates
// are not this image's. The run's status is attested whatever it is
// (`golden verify --require-gates` refuses an image whose run did not
// pass).
func Release(ctx context.Context, repo, digest string, key *PrivateKey, rel ReleaseInput, opts Options) (*Released, error) {
	if rel.Run == nil {
		return nil, exitcode.Inputf("release: no result to attest")
	}
	if img := rel.Run.Image; img != nil && img.Digest != "" && img.Digest != digest {
		return nil, exitcode.Inputf("release: the result records image %s, not %s", img.Ref(), digest)
	}
	gates, err := GatesPredicate(rel.Run, rel.Version)
	if err != nil {
		return nil, err
	}
	preds := []Predicate{gates}
	if rel.Provenance != nil {
		p := *rel.Provenance
		if p.BuilderVersion == "" {
			p.BuilderVersion = rel.Version
		}
		if p.StartedOn.IsZero() && p.FinishedOn.IsZero() {
			p.StartedOn, p.FinishedOn = rel.Run.StartedAt, rel.Run.UpdatedAt
		}
		prov, err := ProvenancePredicate(p)
		if err != nil {
			return nil, err
		}
		preds = append([]Predicate{prov}, preds...)
	}
	if rel.SBOM != nil {
		sbom, err := SBOMPredicate(rel.SBOM)
		if err != nil {
			return nil, err
		}
		preds = append(preds, sbom)
	}
	sig, err := Sign(ctx, repo, digest, key, opts)
	if err != nil {
		return nil, err
	}
	att, err := Attest(ctx, repo, digest, key, preds, opts)
	if err != nil {
		return nil, err
	}
	return &Released{Signature: sig, Attestation: att, Status: rel.Run.Status()}, nil
}
