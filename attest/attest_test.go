package attest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

func TestReleaseWritesCosignLayout(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, _ := testKeys(t)
	rel := release(t, f, repo, digest, k.key, result.Passed)
	if !rel.Signature.Changed || rel.Status != result.Passed {
		t.Errorf("released %+v", rel)
	}
	hex := strings.TrimPrefix(digest, "sha256:")
	if got, want := rel.Signature.Attachment.Tag, "sha256-"+hex+".sig"; got != want {
		t.Errorf("signature tag %q, want %q", got, want)
	}
	if got := rel.Attestation.Types; strings.Join(got, " ") != SLSAProvenanceV1Type+" "+GatesPredicateType+" "+CycloneDXType {
		t.Errorf("attested types %v", got)
	}

	// The .sig image: one simple signing layer whose only annotation is
	// the signature, over the payload cosign writes.
	descs, contents := f.layers(t, repo, digest, SignatureSuffix)
	if len(descs) != 1 || descs[0].MediaType != SimpleSigningMediaType || len(descs[0].Annotations) != 1 {
		t.Fatalf(".sig layers %+v", descs)
	}
	want := `{"critical":{"identity":{"docker-reference":"` + repo + `"},"image":{"docker-manifest-digest":"` + digest +
		`"},"type":"cosign container image signature"},"optional":null}`
	if string(contents[0]) != want {
		t.Errorf("payload\n%s\nwant\n%s", contents[0], want)
	}
	sig, err := base64.StdEncoding.DecodeString(descs[0].Annotations[SignatureAnnotation])
	if err != nil || k.pub.verify(contents[0], sig) != nil {
		t.Errorf("the signature annotation does not verify: %v", err)
	}
	if rel.Signature.Attachment.Digest != f.reg.Digest(t, "acme/api:sha256-"+hex+".sig") {
		t.Errorf("signature attachment digest %s", rel.Signature.Attachment.Digest)
	}

	// The .att image: one DSSE layer per predicate, annotated with its
	// type and an empty signature annotation, each an in-toto v1
	// statement about the digest.
	descs, contents = f.layers(t, repo, digest, AttestationSuffix)
	if len(descs) != 3 {
		t.Fatalf("%d attestation layers, want 3", len(descs))
	}
	for i, d := range descs {
		if d.MediaType != DSSEMediaType || d.Annotations[SignatureAnnotation] != "" || len(d.Annotations) != 2 {
			t.Errorf("layer %d: %+v", i, d)
		}
		st := statement(t, contents[i])
		if st["_type"] != StatementV1 || st["predicateType"] != d.Annotations[PredicateTypeAnnotation] {
			t.Errorf("layer %d: statement %v", i, st)
		}
		subj := st["subject"].([]any)[0].(map[string]any)
		if subj["name"] != repo || subj["digest"].(map[string]any)["sha256"] != hex {
			t.Errorf("layer %d: subject %v", i, subj)
		}
		var env struct {
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				KeyID *string `json:"keyid"`
				Sig   string  `json:"sig"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal(contents[i], &env); err != nil || env.PayloadType != InTotoPayloadType ||
			len(env.Signatures) != 1 || env.Signatures[0].KeyID == nil || *env.Signatures[0].KeyID != "" {
			t.Errorf("layer %d: envelope %s", i, contents[i])
		}
	}

	rep, err := Verify(context.Background(), repo, digest, k.pub, VerifyOptions{
		Registry: f.opts, RequireGates: true, RequireTypes: []string{"slsaprovenance1", "cyclonedx", GatesPredicateType},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Verified || len(rep.Signatures) != 1 || len(rep.Types()) != 3 || rep.Gates == nil || rep.Gates.Status != result.Passed {
		t.Errorf("report %+v", rep)
	}
	if rep.Signatures[0].Identity != repo || rep.Key != k.pub.Fingerprint() {
		t.Errorf("report %+v", rep)
	}
}

func TestSignAndAttestAgainChangeNothingTwice(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, other := testKeys(t)
	release(t, f, repo, digest, k.key, result.Failed)
	// Another key's attestation of the same type stays; the key's own
	// earlier one is replaced.
	gates, err := GatesPredicate(run(result.Passed), "v0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Attest(context.Background(), repo, digest, other.key, []Predicate{gates}, Options{Registry: f.opts}); err != nil {
		t.Fatal(err)
	}
	second := release(t, f, repo, digest, k.key, result.Passed)
	if second.Signature.Changed {
		t.Error("signing again with the same key changed the signatures")
	}
	descs, _ := f.layers(t, repo, digest, SignatureSuffix)
	if len(descs) != 1 {
		t.Errorf("%d signature layers after signing twice, want 1", len(descs))
	}
	descs, contents := f.layers(t, repo, digest, AttestationSuffix)
	if len(descs) != 4 {
		t.Fatalf("%d attestation layers, want 4 (the other key's and three)", len(descs))
	}
	if _, err := verifyAttestationLayer(contents[0], digest, other.pub); err != nil {
		t.Errorf("the other key's attestation is not first any more: %v", err)
	}
	rep, err := Verify(context.Background(), repo, digest, k.pub, VerifyOptions{Registry: f.opts, RequireGates: true})
	if err != nil {
		t.Fatalf("%v\n%+v", err, rep)
	}
	// A second key signs too: both signatures stay.
	if _, err := Sign(context.Background(), repo, digest, other.key, Options{Registry: f.opts}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []*PublicKey{k.pub, other.pub} {
		if _, err := Verify(context.Background(), repo, digest, key, VerifyOptions{Registry: f.opts}); err != nil {
			t.Error(err)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	k, other := testKeys(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture, repo, digest string)
		opts    VerifyOptions
		pub     *PublicKey
		problem string
	}{
		{
			name:    "unsigned image",
			prepare: func(*testing.T, *fixture, string, string) {},
			problem: "no signature (the image is not signed)",
		},
		{
			name: "signed by another key",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, other.key, result.Passed)
			},
			opts:    VerifyOptions{RequireGates: true},
			problem: "none of its 1 signatures verifies with the key; no " + GatesPredicateType + " attestation verifies with the key",
		},
		{
			name: "wrong key given",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, k.key, result.Passed)
			},
			pub:     other.pub,
			problem: "none of its 1 signatures verifies with the key",
		},
		{
			name: "signed but failing its gates",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, k.key, result.Failed)
			},
			opts:    VerifyOptions{RequireGates: true},
			problem: "the gates attestation says the run failed (scan failed)",
		},
		{
			name: "signed without attestations",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				if _, err := Sign(context.Background(), repo, digest, k.key, Options{Registry: f.opts}); err != nil {
					t.Fatal(err)
				}
			},
			opts:    VerifyOptions{RequireGates: true, RequireTypes: []string{"slsaprovenance1"}},
			problem: "no " + GatesPredicateType + " attestation verifies with the key; no " + SLSAProvenanceV1Type + " attestation verifies with the key",
		},
		{
			name: "tampered gates attestation",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, k.key, result.Failed)
				f.rewrite(t, repo, digest, AttestationSuffix, func(descs []v1.Descriptor, contents [][]byte) ([]v1.Descriptor, [][]byte) {
					for i := range contents {
						contents[i] = editPayload(t, contents[i], `"status":"failed"`, `"status":"passed"`)
					}
					return descs, contents
				})
			},
			opts:    VerifyOptions{RequireGates: true},
			problem: "no " + GatesPredicateType + " attestation verifies with the key",
		},
		{
			name: "tampered provenance",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, k.key, result.Passed)
				f.rewrite(t, repo, digest, AttestationSuffix, func(descs []v1.Descriptor, contents [][]byte) ([]v1.Descriptor, [][]byte) {
					contents[0] = editPayload(t, contents[0], "github.com/acme/api", "github.com/evil/api")
					return descs, contents
				})
			},
			opts:    VerifyOptions{RequireTypes: []string{"slsaprovenance1"}},
			problem: "no " + SLSAProvenanceV1Type + " attestation verifies with the key",
		},
		{
			name: "tampered signature payload",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				release(t, f, repo, digest, k.key, result.Passed)
				f.rewrite(t, repo, digest, SignatureSuffix, func(descs []v1.Descriptor, contents [][]byte) ([]v1.Descriptor, [][]byte) {
					contents[0] = bytes.Replace(contents[0], []byte(`"optional":null`), []byte(`"optional":{"a":"b"}`), 1)
					return descs, contents
				})
			},
			problem: "none of its 1 signatures verifies with the key",
		},
		{
			name: "another image's signature and attestations",
			prepare: func(t *testing.T, f *fixture, repo, digest string) {
				// The signature and gates of another image are copied
				// under this digest's tags: they verify with the key, but
				// they name the other digest.
				otherDigest := f.reg.PushIndex(t, "acme/api", "2.0.0")
				release(t, f, repo, otherDigest, k.key, result.Passed)
				for _, suffix := range []string{SignatureSuffix, AttestationSuffix} {
					from, _ := AttachmentTag(otherDigest, suffix)
					to, _ := AttachmentTag(digest, suffix)
					if err := registry.Tag(context.Background(), repo, to, f.reg.Digest(t, "acme/api:"+from), f.opts); err != nil {
						t.Fatal(err)
					}
				}
			},
			opts:    VerifyOptions{RequireGates: true},
			problem: "none of its 1 signatures verifies with the key; no " + GatesPredicateType + " attestation verifies with the key",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, repo, digest := newImage(t)
			tc.prepare(t, f, repo, digest)
			opts := tc.opts
			opts.Registry = f.opts
			pub := tc.pub
			if pub == nil {
				pub = k.pub
			}
			rep, err := Verify(context.Background(), repo, digest, pub, opts)
			testtool.AssertExit(t, err, exitcode.Failed, ErrNotVerified)
			if rep == nil || rep.Verified {
				t.Fatalf("report %+v", rep)
			}
			if got := strings.Join(rep.Problems, "; "); got != tc.problem {
				t.Errorf("problems:\n%s\nwant\n%s", got, tc.problem)
			}
			var out bytes.Buffer
			if err := rep.Print(&out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "NOT verified") {
				t.Errorf("printed report:\n%s", out.String())
			}
			testtool.AssertNoCanary(t, "error", err.Error(), canaryPassword, canaryRegPassword)
		})
	}
}

// editPayload replaces old with new in the statement of a DSSE envelope,
// keeping its signature.
func editPayload(t *testing.T, envelope []byte, old, new string) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	env["payload"] = base64.StdEncoding.EncodeToString(bytes.ReplaceAll(payload, []byte(old), []byte(new)))
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyPassesWithoutGatesUnlessRequired(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, _ := testKeys(t)
	release(t, f, repo, digest, k.key, result.Failed)
	rep, err := Verify(context.Background(), repo, digest, k.pub, VerifyOptions{Registry: f.opts})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		repo + "@" + digest + ": verified with key " + k.pub.Fingerprint(),
		"signature: verified (identity " + repo + ")",
		"attestation " + SLSAProvenanceV1Type + ": verified",
		"gates: run failed (lint passed, test passed, coverage passed, scan failed; coverage 82.5%; scan 1 CRITICAL, 0 HIGH, 1 MEDIUM, 0 LOW)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestVerifyInputAndInfraErrors(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, _ := testKeys(t)
	ctx := context.Background()
	missing := "sha256:" + strings.Repeat("e", 64)
	tests := []struct {
		name string
		err  func() error
		code int
	}{
		{"missing image", func() error { _, err := Verify(ctx, repo, missing, k.pub, VerifyOptions{Registry: f.opts}); return err }, exitcode.Usage},
		{"bad digest", func() error {
			_, err := Verify(ctx, repo, "sha256:abc", k.pub, VerifyOptions{Registry: f.opts})
			return err
		}, exitcode.Usage},
		{"tagged repository", func() error {
			_, err := Verify(ctx, repo+":1.0.0", digest, k.pub, VerifyOptions{Registry: f.opts})
			return err
		}, exitcode.Usage},
		{"unknown type", func() error {
			_, err := Verify(ctx, repo, digest, k.pub, VerifyOptions{Registry: f.opts, RequireTypes: []string{"nonsense"}})
			return err
		}, exitcode.Usage},
		{"refused credentials", func() error { _, err := Verify(ctx, repo, digest, k.pub, VerifyOptions{}); return err }, exitcode.Usage},
		{"unreachable registry", func() error {
			_, err := Verify(ctx, promotetest.ClosedAddr(t)+"/acme/api", digest, k.pub, VerifyOptions{})
			return err
		}, exitcode.Infra},
		{"sign unreachable", func() error {
			_, err := Sign(ctx, promotetest.ClosedAddr(t)+"/acme/api", digest, k.key, Options{})
			return err
		}, exitcode.Infra},
		{"attest missing image", func() error {
			_, err := Attest(ctx, repo, missing, k.key, []Predicate{{Type: CycloneDXType, Body: []byte(sbom)}}, Options{Registry: f.opts})
			return err
		}, exitcode.Usage},
		{"release of another image's run", func() error {
			r := run(result.Passed)
			r.Image = &result.Image{Name: repo, Digest: missing}
			_, err := Release(ctx, repo, digest, k.key, ReleaseInput{Run: r}, Options{Registry: f.opts})
			return err
		}, exitcode.Usage},
		{"release of an empty run", func() error {
			_, err := Release(ctx, repo, digest, k.key, ReleaseInput{Run: &result.Run{SchemaVersion: 1}}, Options{Registry: f.opts})
			return err
		}, exitcode.Usage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			testtool.AssertExit(t, err, tc.code, nil)
			if errors.Is(err, ErrNotVerified) {
				t.Errorf("%v wraps ErrNotVerified", err)
			}
			testtool.AssertNoCanary(t, "error", err.Error(), canaryPassword, canaryRegPassword)
		})
	}
}

func TestCopyAttachmentsVerifiesInTheTarget(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, _ := testKeys(t)
	release(t, f, repo, digest, k.key, result.Passed)
	ctx := context.Background()
	atts, err := Attachments(ctx, repo, digest, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 || atts[0].Kind != "signature" || atts[1].Kind != "attestation" {
		t.Fatalf("attachments %+v", atts)
	}
	prod := f.reg.Repo("acme/api-prod")
	if _, err := registry.Copy(ctx, repo+"@"+digest, prod, f.opts); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, prod, digest, k.pub, VerifyOptions{Registry: f.opts}); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("before the copy: %v, want ErrNotVerified", err)
	}
	copied, err := CopyAttachments(ctx, repo, prod, digest, f.opts)
	if err != nil || len(copied) != 2 {
		t.Fatalf("copied %+v: %v", copied, err)
	}
	rep, err := Verify(ctx, prod, digest, k.pub, VerifyOptions{Registry: f.opts, RequireGates: true})
	if err != nil {
		t.Fatal(err)
	}
	// The signature names the repository it was made in.
	if rep.Signatures[0].Identity != repo {
		t.Errorf("identity %q", rep.Signatures[0].Identity)
	}
	again, err := CopyAttachments(ctx, repo, prod, digest, f.opts)
	if err != nil || len(again) != 2 {
		t.Fatalf("copying again: %+v: %v", again, err)
	}
}

func TestNothingSecretInTheRegistry(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	k, _ := testKeys(t)
	rel := release(t, f, repo, digest, k.key, result.Passed)
	b, err := json.Marshal(rel)
	if err != nil {
		t.Fatal(err)
	}
	testtool.AssertNoCanary(t, "result", string(b), canaryPassword, canaryRegPassword, string(k.keyPEM))
	for _, suffix := range []string{SignatureSuffix, AttestationSuffix} {
		_, contents := f.layers(t, repo, digest, suffix)
		for _, c := range contents {
			testtool.AssertNoCanary(t, suffix+" layer", string(c), canaryPassword, canaryRegPassword, string(k.keyPEM))
		}
	}
}
