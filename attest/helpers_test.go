package attest

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

// Canary secrets: the key's password and the registry's password. No
// error, report or registry content may contain them.
const (
	canaryPassword    = "canary-cosign-pw-5d2e91b7"
	canaryRegUser     = "attest-bot"
	canaryRegPassword = "canary-attest-registry-pw-8c41"
)

// keyPair is a key pair in cosign's format, encrypted with canaryPassword.
type keyPair struct {
	keyPEM, pubPEM []byte
	key            *PrivateKey
	pub            *PublicKey
}

var (
	keysOnce sync.Once
	keys     [2]keyPair
	keysErr  error
)

// testKeys returns two key pairs made by GenerateKey (once per test
// binary: scrypt is slow on purpose).
func testKeys(t testing.TB) (main, other keyPair) {
	t.Helper()
	keysOnce.Do(func() {
		for i := range keys {
			k := &keys[i]
			if k.keyPEM, k.pubPEM, keysErr = GenerateKey([]byte(canaryPassword)); keysErr != nil {
				return
			}
			if k.key, keysErr = ParsePrivateKey(k.keyPEM, []byte(canaryPassword)); keysErr != nil {
				return
			}
			if k.pub, keysErr = ParsePublicKey(k.pubPEM); keysErr != nil {
				return
			}
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys[0], keys[1]
}

// fixture is an in-process registry behind basic auth and the options
// that reach it.
type fixture struct {
	reg  *promotetest.Registry
	opts registry.Options
	auth authn.Authenticator
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	reg := promotetest.NewRegistry(t, canaryRegUser, canaryRegPassword)
	return &fixture{
		reg: reg,
		opts: registry.Options{Credentials: map[string]registry.Credential{
			reg.Host: {Username: canaryRegUser, Password: canaryRegPassword},
		}},
		auth: &authn.Basic{Username: canaryRegUser, Password: canaryRegPassword},
	}
}

// newImage starts a fixture holding one multi-platform image,
// acme/api:1.0.0, and returns its repository reference and digest.
func newImage(t testing.TB) (f *fixture, repo, digest string) {
	t.Helper()
	f = newFixture(t)
	repo, digest = f.push(t, "acme/api")
	return f, repo, digest
}

// push pushes a multi-platform image as path:1.0.0 and returns its
// repository reference and digest.
func (f *fixture) push(t testing.TB, path string) (repo, digest string) {
	t.Helper()
	return f.reg.Repo(path), f.reg.PushIndex(t, path, "1.0.0")
}

// layers reads the attachment suffix of digest in repo with
// go-containerregistry alone: each layer's media type, annotations and
// content.
func (f *fixture) layers(t testing.TB, repo, digest, suffix string) ([]v1.Descriptor, [][]byte) {
	t.Helper()
	tag, err := AttachmentTag(digest, suffix)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithAuth(f.auth))
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var contents [][]byte
	for _, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		contents = append(contents, b)
	}
	return m.Layers, contents
}

// rewrite replaces the attachment suffix of digest in repo with the
// layers edit returns, as someone with push rights could.
func (f *fixture) rewrite(t testing.TB, repo, digest, suffix string, edit func(descs []v1.Descriptor, contents [][]byte) ([]v1.Descriptor, [][]byte)) {
	t.Helper()
	descs, contents := f.layers(t, repo, digest, suffix)
	descs, contents = edit(descs, contents)
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i, d := range descs {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(contents[i], d.MediaType), Annotations: d.Annotations})
		if err != nil {
			t.Fatal(err)
		}
	}
	tag, _ := AttachmentTag(digest, suffix)
	ref, err := name.ParseReference(repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(f.auth)); err != nil {
		t.Fatal(err)
	}
}

// run returns a run of the lint, test, coverage and scan stages, with the
// scan stage's status st.
func run(st result.Status) *result.Run {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	r := result.New(t0)
	r.UpdatedAt = t0.Add(3 * time.Minute)
	r.Source = &result.Source{Repository: "https://github.com/acme/api", Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "main"}
	r.SetStage(result.Stage{Name: "lint", Status: result.Passed, Tool: "golangci-lint", Summary: "golangci-lint: no findings"})
	r.SetStage(result.Stage{Name: "test", Status: result.Passed, Tests: []result.TestCase{
		{Suite: "acme/api", Name: "TestA", Status: result.Passed},
		{Suite: "acme/api", Name: "TestB", Status: result.Skipped},
	}})
	r.SetStage(result.Stage{Name: "coverage", Status: result.Passed, Summary: "coverage 82.5%: gates passed"})
	scan := result.Stage{Name: "scan", Status: st, Tool: "trivy", Findings: []result.Finding{
		{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2026-0001", Severity: result.Medium},
	}}
	if st == result.Failed {
		scan.Findings = append(scan.Findings, result.Finding{Tool: "trivy", Kind: result.KindVulnerability, RuleID: "CVE-2026-0002", Severity: result.Critical})
		scan.Summary = "1 finding at CRITICAL,HIGH fails the gate"
	}
	r.SetStage(scan)
	r.Coverage = &result.Coverage{Percent: 82.5, Statements: 400, Covered: 330}
	return r
}

// provenance is a complete provenance of the test runs.
func provenance() *Provenance {
	return &Provenance{
		Repository:   "https://github.com/acme/api",
		Commit:       "0123456789abcdef0123456789abcdef01234567",
		Ref:          "main",
		ConfigPath:   "golden.yaml",
		ConfigDigest: "sha256:" + "ab12" + "0000000000000000000000000000000000000000000000000000000000ef",
		ToolImages: map[string]string{
			"go":    "golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81",
			"trivy": "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c",
		},
		InvocationID: "https://github.com/acme/api/actions/runs/42",
	}
}

// sbom is a small CycloneDX document as trivy writes one.
const sbom = `{
  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {"tools": {"components": [{"type": "application", "group": "aquasecurity", "name": "trivy", "version": "0.69.3"}]}},
  "components": [{"bom-ref": "pkg:golang/golang.org/x/text@v0.41.0", "type": "library", "name": "golang.org/x/text", "version": "v0.41.0", "purl": "pkg:golang/golang.org/x/text@v0.41.0"}]
}`

// release signs and attests the image with everything golden attests.
func release(t testing.TB, f *fixture, repo, digest string, key *PrivateKey, st result.Status) *Released {
	t.Helper()
	rel, err := Release(context.Background(), repo, digest, key, ReleaseInput{
		Run: run(st), Version: "v0.9.0", Provenance: provenance(), SBOM: []byte(sbom),
	}, Options{Registry: f.opts})
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// statement decodes the in-toto statement of a DSSE envelope (unverified).
func statement(t testing.TB, envelope []byte) map[string]any {
	t.Helper()
	var env struct{ Payload []byte }
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(env.Payload, &st); err != nil {
		t.Fatal(err)
	}
	return st
}
