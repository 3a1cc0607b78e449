package attest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/cosigntest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// cosign is the real cosign, with a home of its own (cosigntest).
type cosign = cosigntest.Cosign

// newCosign prepares cosign for f's registry with a key pair cosign
// generates, encrypted with canaryPassword.
func newCosign(t *testing.T, f *fixture) *cosign {
	t.Helper()
	return cosigntest.New(t, f.reg.Host, canaryRegUser, canaryRegPassword, canaryPassword)
}

// gatesPolicy is the CUE policy that makes cosign refuse a gates
// attestation of a run that did not pass.
const gatesPolicy = `predicateType: "` + GatesPredicateType + `"
predicate: status: "passed"
`

// keys loads the key pair cosign generated into golden.
func cosignKeys(t *testing.T, c *cosign) (*PrivateKey, *PublicKey) {
	t.Helper()
	keyPEM, err := os.ReadFile(c.Path("cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParsePrivateKey(keyPEM, []byte(canaryPassword))
	if err != nil {
		t.Fatalf("golden cannot read the key cosign generated: %v", err)
	}
	pubPEM, err := os.ReadFile(c.Path("cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(key.Public()) {
		t.Fatal("cosign.pub is not the public half of cosign.key as golden reads it")
	}
	return key, pub
}

// writePub writes a golden public key where cosign can read it.
func writePub(t *testing.T, pub *PublicKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "golden.pub")
	if err := os.WriteFile(p, pub.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// statementsOf decodes the statements `cosign verify-attestation` prints
// (one DSSE envelope per line).
func statementsOf(t *testing.T, out string) []map[string]any {
	t.Helper()
	var sts []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		sts = append(sts, statement(t, []byte(line)))
	}
	return sts
}

func TestCosignVerifiesWhatGoldenSigns(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	c := newCosign(t, f)
	key, pub := cosignKeys(t, c)
	image := repo + "@" + digest
	release(t, f, repo, digest, key, result.Passed)

	out, err := c.Verify(t, c.Path("cosign.pub"), image)
	if err != nil {
		t.Fatalf("cosign verify: %v\n%s", err, out)
	}
	var payloads []simpleSigning
	if err := json.Unmarshal([]byte(out), &payloads); err != nil || len(payloads) != 1 ||
		payloads[0].Critical.Image.DockerManifestDigest != digest || payloads[0].Critical.Identity.DockerReference != repo {
		t.Errorf("cosign verify printed %s (%v)", out, err)
	}

	for _, tc := range []struct{ typ, want, policy string }{
		{"slsaprovenance1", SLSAProvenanceV1Type, ""},
		{"cyclonedx", CycloneDXType, ""},
		{GatesPredicateType, GatesPredicateType, gatesPolicy},
	} {
		out, err := c.VerifyAttestation(t, c.Path("cosign.pub"), tc.typ, image, tc.policy)
		if err != nil {
			t.Errorf("cosign verify-attestation --type %s: %v\n%s", tc.typ, err, out)
			continue
		}
		// cosign prints every attestation that verifies; the one of the
		// type asked for is among them.
		found := false
		for _, st := range statementsOf(t, out) {
			found = found || st["predicateType"] == tc.want
		}
		if !found {
			t.Errorf("cosign verify-attestation --type %s printed no %s statement:\n%s", tc.typ, tc.want, out)
		}
	}

	// golden agrees, with the key cosign generated.
	if _, err := Verify(context.Background(), repo, digest, pub, VerifyOptions{
		Registry: f.opts, RequireGates: true, RequireTypes: []string{"slsaprovenance1", "cyclonedx"},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenVerifiesWhatCosignSigns(t *testing.T) {
	t.Parallel()
	f, repo, digest := newImage(t)
	c := newCosign(t, f)
	_, pub := cosignKeys(t, c)
	image := repo + "@" + digest

	prov, err := ProvenancePredicate(*provenance())
	if err != nil {
		t.Fatal(err)
	}
	gates, err := GatesPredicate(run(result.Passed), "v0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	testtool.WriteFiles(t, c.Path(""), map[string]string{
		"provenance.json": string(prov.Body),
		"gates.json":      string(gates.Body),
		"sbom.cdx.json":   sbom,
	})
	c.Run(t, "sign", "--key", "cosign.key", "--tlog-upload=false", "--yes", image)
	c.Run(t, "attest", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--type", "slsaprovenance1", "--predicate", "provenance.json", image)
	c.Run(t, "attest", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--type", "cyclonedx", "--predicate", "sbom.cdx.json", image)
	c.Run(t, "attest", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--type", GatesPredicateType, "--predicate", "gates.json", image)

	rep, err := Verify(context.Background(), repo, digest, pub, VerifyOptions{
		Registry: f.opts, RequireGates: true, RequireTypes: []string{"slsaprovenance1", "cyclonedx"},
	})
	if err != nil {
		t.Fatalf("%v\n%+v", err, rep)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Identity != repo || strings.Join(rep.Types(), " ") !=
		CycloneDXType+" "+GatesPredicateType+" "+SLSAProvenanceV1Type || rep.Gates.Status != result.Passed {
		t.Errorf("report %+v", rep)
	}

	// golden adds its own signature and attestations next to cosign's,
	// replacing nothing of cosign's: both verify all.
	other, otherPub := testKeys(t)
	_ = otherPub
	release(t, f, repo, digest, other.key, result.Passed)
	if _, err := c.Verify(t, c.Path("cosign.pub"), image); err != nil {
		t.Errorf("cosign verify after golden signed too: %v", err)
	}
	if out, err := c.VerifyAttestation(t, writePub(t, other.pub), GatesPredicateType, image, gatesPolicy); err != nil {
		t.Errorf("cosign verify-attestation of golden's gates beside cosign's: %v\n%s", err, out)
	}
	if _, err := Verify(context.Background(), repo, digest, pub, VerifyOptions{Registry: f.opts, RequireGates: true}); err != nil {
		t.Error(err)
	}
}

func TestBothRefuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// prepare signs and attests (or not) with the key cosign made.
		prepare func(t *testing.T, f *fixture, c *cosign, key *PrivateKey, repo, digest string)
		// wrongKey verifies with another key than cosign.pub.
		wrongKey bool
		// cosignSays is in what cosign answers.
		cosignSays string
	}{
		{
			name:       "unsigned image",
			prepare:    func(*testing.T, *fixture, *cosign, *PrivateKey, string, string) {},
			cosignSays: "no signatures found",
		},
		{
			name: "wrong key",
			prepare: func(t *testing.T, f *fixture, _ *cosign, key *PrivateKey, repo, digest string) {
				release(t, f, repo, digest, key, result.Passed)
			},
			wrongKey:   true,
			cosignSays: "invalid signature when validating ASN.1 encoded signature",
		},
		{
			name: "tampered attestation",
			prepare: func(t *testing.T, f *fixture, _ *cosign, key *PrivateKey, repo, digest string) {
				release(t, f, repo, digest, key, result.Failed)
				f.rewrite(t, repo, digest, AttestationSuffix, func(descs []v1.Descriptor, contents [][]byte) ([]v1.Descriptor, [][]byte) {
					for i := range contents {
						contents[i] = editPayload(t, contents[i], `"status":"failed"`, `"status":"passed"`)
					}
					return descs, contents
				})
			},
			cosignSays: "none of the attestations matched the predicate type: " + GatesPredicateType,
		},
		{
			name: "signed and failing its gates",
			prepare: func(t *testing.T, f *fixture, _ *cosign, key *PrivateKey, repo, digest string) {
				release(t, f, repo, digest, key, result.Failed)
			},
			cosignSays: "validation errors occurred",
		},
		{
			name: "signed by cosign with failing gates attested by cosign",
			prepare: func(t *testing.T, f *fixture, c *cosign, _ *PrivateKey, repo, digest string) {
				gates, err := GatesPredicate(run(result.Failed), "v0.9.0")
				if err != nil {
					t.Fatal(err)
				}
				testtool.WriteFiles(t, c.Path(""), map[string]string{"gates.json": string(gates.Body)})
				image := repo + "@" + digest
				c.Run(t, "sign", "--key", "cosign.key", "--tlog-upload=false", "--yes", image)
				c.Run(t, "attest", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--type", GatesPredicateType, "--predicate", "gates.json", image)
			},
			cosignSays: "validation errors occurred",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, repo, digest := newImage(t)
			c := newCosign(t, f)
			key, pub := cosignKeys(t, c)
			image := repo + "@" + digest
			tc.prepare(t, f, c, key, repo, digest)
			pubFile := c.Path("cosign.pub")
			if tc.wrongKey {
				other, _ := testKeys(t)
				pub = other.pub
				pubFile = writePub(t, pub)
			}

			_, err := Verify(context.Background(), repo, digest, pub, VerifyOptions{Registry: f.opts, RequireGates: true})
			testtool.AssertExit(t, err, exitcode.Failed, ErrNotVerified)

			// cosign: the signature check, or the gates attestation with
			// the policy that it passed, fails.
			sigOut, sigErr := c.Verify(t, pubFile, image)
			attOut, attErr := c.VerifyAttestation(t, pubFile, GatesPredicateType, image, gatesPolicy)
			if sigErr == nil && attErr == nil {
				t.Errorf("cosign accepts it:\n%s\n%s", sigOut, attOut)
			}
			if said := lastLine(sigOut) + "\n" + lastLine(attOut); !strings.Contains(said, tc.cosignSays) {
				t.Errorf("cosign refused for another reason than %q:\n%s", tc.cosignSays, said)
			}
			testtool.AssertNoCanary(t, "error", err.Error(), canaryPassword, canaryRegPassword)
		})
	}
}

// lastLine is the last non-empty line of s: cosign's error message.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
