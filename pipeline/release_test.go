package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/cosigntest"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
	"github.com/goldenci/golden/tools"
)

// The canaries of the signing tests: the signing key's password and the
// registry password must appear in no output, error, summary or result,
// nor any line of the key itself.
const (
	canaryKeyPassword = "canary-sign-key-pw-7c2e90a1"
	canaryRegUser     = "publish-bot"
	canaryRegPassword = "canary-publish-pw-4d1b88f0"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

var (
	testKeyOnce sync.Once
	testKeyPEM  []byte
	testKeyErr  error
)

// testSigningKey is a key in cosign's format encrypted with
// canaryKeyPassword, made once (scrypt is slow on purpose), and the
// canaries it adds: the lines of its PEM body.
func testSigningKey(t *testing.T) (*attest.PrivateKey, []string) {
	t.Helper()
	testKeyOnce.Do(func() { testKeyPEM, _, testKeyErr = attest.GenerateKey([]byte(canaryKeyPassword)) })
	if testKeyErr != nil {
		t.Fatal(testKeyErr)
	}
	key, err := parseSigningKey(testKeyPEM, []byte(canaryKeyPassword))
	if err != nil {
		t.Fatal(err)
	}
	return key, append(keyLines(testKeyPEM), canaryKeyPassword)
}

// keyLines are the base64 lines of a PEM body.
func keyLines(pem []byte) []string {
	var out []string
	for _, l := range strings.Split(string(pem), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// hostSBOM runs the SBOM command line of publish (toolcmd.TrivySBOM with
// the pipeline's Trivy options; the cache a directory of this host) with
// the real trivy on an image tarball holding a Debian system, and reads
// it as publish does (sbomOf).
func hostSBOM(t *testing.T) []byte {
	t.Helper()
	trivy := testtool.Path(t, "trivy")
	root := t.TempDir()
	scantest.WriteDebian(t, root)
	tarball := scantest.WriteImageTarball(t, root)
	out := filepath.Join(t.TempDir(), "sbom.cdx.json")
	o := (&Pipeline{cfg: testConfig()}).trivyOptions(out)
	o.CacheDir = t.TempDir()
	run := hostRun(t, t.TempDir(), nil, trivy, toolcmd.TrivySBOM(o, tarball), "", out)
	sbom, err := sbomOf(run, out)
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
	}
	return sbom
}

// TestSBOMOnTheHost: the SBOM publish attests is CycloneDX that
// attest.SBOMPredicate accepts, listing the image's packages, made
// without any vulnerability DB (an empty cache, no network); a Trivy run
// that wrote nothing is infrastructure, a document that is not CycloneDX
// bad input.
func TestSBOMOnTheHost(t *testing.T) {
	t.Parallel()
	sbom := hostSBOM(t)
	pred, err := attest.SBOMPredicate(sbom)
	if err != nil || pred.Type != attest.CycloneDXType {
		t.Fatalf("predicate %q, %v", pred.Type, err)
	}
	if !strings.Contains(string(sbom), `"name": "`+scantest.DebianPackage+`"`) {
		t.Errorf("the SBOM does not list %s:\n%.3000s", scantest.DebianPackage, sbom)
	}

	const out = "/golden/out/sbom.cdx.json"
	if _, err := sbomOf(&toolRun{ExitCode: 1, Stderr: "FATAL init error: cache", Files: map[string]string{}}, out); exitcode.Code(err) != exitcode.Infra {
		t.Errorf("no SBOM: exit %d, %v", exitcode.Code(err), err)
	}
	if _, err := sbomOf(&toolRun{Files: map[string]string{out: `{"SchemaVersion": 2}`}}, out); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "CycloneDX") {
		t.Errorf("not CycloneDX: exit %d, %v", exitcode.Code(err), err)
	}
}

// gatesFixture is the run publish hands to Release: the stages before
// publish, the source, the coverage and the image with its digest.
func gatesFixture(repo, digest string) *result.Run {
	run := result.New(time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
	run.Source = &result.Source{Repository: "https://github.com/acme/api", Commit: testCommit, Branch: "main"}
	for _, s := range []result.Stage{
		{Name: StageLint, Status: result.Passed, Tool: "golangci-lint"},
		{Name: StageTest, Status: result.Passed, Tests: []result.TestCase{{Name: "TestA", Status: result.Passed}}},
		{Name: StageCoverage, Status: result.Passed},
		{Name: StageScan, Status: result.Passed, Tool: "trivy"},
		{Name: StageBuild, Status: result.Passed},
		{Name: StageScanImage, Status: result.Passed, Tool: "trivy"},
	} {
		run.SetStage(s)
	}
	run.Coverage = &result.Coverage{Percent: 82.5, Statements: 200, Covered: 165}
	run.Image = &result.Image{Name: repo, Digest: digest, Tags: []string{"sha-0123456789ab", "main"}}
	run.UpdatedAt = run.StartedAt.Add(3 * time.Minute)
	return run
}

// attestedPredicate decodes the predicate of the first statement `cosign
// verify-attestation` printed.
func attestedPredicate(t *testing.T, out string) map[string]any {
	t.Helper()
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	var env struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal([]byte(line), &env); err != nil {
		t.Fatalf("cosign's output %q: %v", line, err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate map[string]any `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	return st.Predicate
}

// TestSignRelease runs the release step of publish (signRelease, as
// Pipeline.Release calls it after the push) against a registry behind
// basic auth, with a key cosign generated and the SBOM the real trivy
// wrote: the real cosign verifies the signature and the SLSA provenance,
// CycloneDX and gates attestations (the gates with a CUE policy that the
// run passed), and golden's verify with --require-gates agrees. Signing
// again adds no second signature. Refused credentials are bad input
// (exit 2), an unreachable registry infrastructure (exit 3); no error or
// summary holds the key, its password or the registry password.
func TestSignRelease(t *testing.T) {
	t.Parallel()
	reg := promotetest.NewRegistry(t, canaryRegUser, canaryRegPassword)
	cs := cosigntest.New(t, reg.Host, canaryRegUser, canaryRegPassword, canaryKeyPassword)
	keyPEM, err := os.ReadFile(cs.Path("cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := parseSigningKey(keyPEM, []byte(canaryKeyPassword))
	if err != nil {
		t.Fatal(err)
	}
	canaries := append(keyLines(keyPEM), canaryKeyPassword, canaryRegPassword)
	repo := reg.Repo("acme/api")
	digest := reg.PushIndex(t, "acme/api", "sha-0123456789ab")
	cfgData := []byte("coverage: {min: 80}\n")
	sum := sha256.Sum256(cfgData)
	in := releaseInput{
		Repo: repo, Digest: digest, Run: gatesFixture(repo, digest), Key: key, Version: "v0.9.0",
		Provenance: &attest.Provenance{
			Repository: "https://github.com/acme/api", Commit: testCommit, Ref: gitRef("main", ""),
			ConfigPath: "golden.yaml", ConfigDigest: "sha256:" + hex.EncodeToString(sum[:]),
			ToolImages: map[string]string{"go": tools.Image("go"), "trivy": tools.Image("trivy")},
		},
		SBOM: hostSBOM(t), SBOMPlatform: "linux/amd64",
		Registry: registry.Options{Credentials: map[string]registry.Credential{reg.Host: {Username: canaryRegUser, Password: canaryRegPassword}}},
	}
	ctx := context.Background()
	res, err := signRelease(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"signed with " + key.Public().Fingerprint(), ".sig", "SLSA provenance v1", "gates (run passed)", "CycloneDX SBOM (linux/amd64)", ".att"} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary %q lacks %q", res.Summary, want)
		}
	}
	if want := repo + ":sha256-" + strings.TrimPrefix(digest, "sha256:"); res.Signature != want+".sig" || res.Attestations != want+".att" {
		t.Errorf("attachments %s, %s", res.Signature, res.Attestations)
	}
	testtool.AssertNoCanary(t, "the summary", res.Summary, canaries...)

	image, pub := repo+"@"+digest, cs.Path("cosign.pub")
	if out, err := cs.Verify(t, pub, image); err != nil {
		t.Errorf("cosign verify: %v\n%s", err, out)
	}
	out, err := cs.VerifyAttestation(t, pub, "slsaprovenance1", image, "")
	if err != nil {
		t.Fatalf("cosign verify-attestation --type slsaprovenance1: %v\n%s", err, out)
	}
	prov, _ := json.Marshal(attestedPredicate(t, out))
	for _, want := range []string{`"golden":"v0.9.0"`, `"gitCommit":"` + testCommit + `"`, `"ref":"refs/heads/main"`,
		`"uri":"docker://` + tools.Image("trivy") + `"`, `"path":"golden.yaml"`, hex.EncodeToString(sum[:])} {
		if !strings.Contains(string(prov), want) {
			t.Errorf("provenance lacks %s:\n%s", want, prov)
		}
	}
	if out, err := cs.VerifyAttestation(t, pub, "cyclonedx", image, ""); err != nil || !strings.Contains(string(mustJSON(t, attestedPredicate(t, out))), scantest.DebianPackage) {
		t.Errorf("cosign verify-attestation --type cyclonedx: %v\n%.2000s", err, out)
	}
	policy := "predicateType: \"" + attest.GatesPredicateType + "\"\npredicate: status: \"passed\"\n"
	if out, err := cs.VerifyAttestation(t, pub, attest.GatesPredicateType, image, policy); err != nil {
		t.Errorf("cosign verify-attestation of the gates with the passed policy: %v\n%s", err, out)
	}
	pubKey, err := attest.ParsePublicKey(key.Public().PEM())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := attest.Verify(ctx, repo, digest, pubKey, attest.VerifyOptions{
		Registry: in.Registry, RequireGates: true, RequireTypes: []string{"slsaprovenance1", "cyclonedx"},
	})
	if err != nil || !rep.Verified || rep.Gates == nil || rep.Gates.Coverage == nil || rep.Gates.Coverage.Statements != 200 {
		t.Errorf("golden verify: %v, %+v", err, rep)
	}

	again, err := signRelease(ctx, in)
	if err != nil || !strings.HasPrefix(again.Summary, "already signed") || again.Released.Signature.Changed {
		t.Errorf("signing again: %+v, %v", again, err)
	}

	wrong := in
	wrong.Registry = registry.Options{Credentials: map[string]registry.Credential{reg.Host: {Username: canaryRegUser, Password: "wrong-" + canaryRegPassword}}}
	_, err = signRelease(ctx, wrong)
	if exitcode.Code(err) != exitcode.Usage {
		t.Errorf("refused credentials: exit %d, %v", exitcode.Code(err), err)
	}
	gone := in
	gone.Repo = promotetest.ClosedAddr(t) + "/acme/api"
	_, err2 := signRelease(ctx, gone)
	if exitcode.Code(err2) != exitcode.Infra {
		t.Errorf("unreachable registry: exit %d, %v", exitcode.Code(err2), err2)
	}
	for _, e := range []error{err, err2} {
		if e != nil {
			testtool.AssertNoCanary(t, "an error", e.Error(), canaries...)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSigningKey: a wrong password or a key that is not one is bad input
// (exit 2) whose error holds neither the key nor the password; a Signing
// prints neither.
func TestSigningKey(t *testing.T) {
	t.Parallel()
	key, canaries := testSigningKey(t)
	if _, err := parseSigningKey(testKeyPEM, []byte("not-"+canaryKeyPassword)); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("wrong password: exit %d, %v", exitcode.Code(err), err)
	} else {
		testtool.AssertNoCanary(t, "the error", err.Error(), canaries...)
	}
	if _, err := parseSigningKey([]byte(canaryKeyPassword), nil); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("not a key: exit %d, %v", exitcode.Code(err), err)
	} else {
		testtool.AssertNoCanary(t, "the error", err.Error(), canaries...)
	}
	s := &Signing{Key: key}
	if k, err := s.privateKey(context.Background()); err != nil || k != key {
		t.Errorf("privateKey: %v, %v", k, err)
	}
	if _, err := (&Signing{}).privateKey(context.Background()); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("no key: %v", err)
	}
	printed := fmt.Sprintf("%v %+v %#v", *s, *s, s) + string(mustJSON(t, s))
	testtool.AssertNoCanary(t, "a printed Signing", printed, canaries...)
	if s.version() == "" || (&Signing{Version: "v1.2.3"}).version() != "v1.2.3" {
		t.Errorf("versions %q", s.version())
	}
}

// TestPipelineProvenance: the provenance records the revision, the
// configuration file with its digest, and exactly the tool images the
// pipeline ran.
func TestPipelineProvenance(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Tools = map[string]string{"trivy": "mirror.acme.internal/aquasec/trivy:0.69.3@sha256:" + strings.Repeat("ab", 32)}
	p := &Pipeline{cfg: cfg, opts: Options{Repository: "https://github.com/acme/mono", Commit: testCommit, GitTag: "v1.4.0", RepoPath: "services/api"}}
	p.toolImage("go")
	p.toolImage("trivy")
	p.toolImage("go")
	data := []byte("coverage: {min: 80}\n")
	pr, err := p.provenance(context.Background(), &Signing{InvocationID: "https://ci.example/run/7", ConfigPath: "services/api/golden.yaml", ConfigData: data})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := &attest.Provenance{
		Repository: "https://github.com/acme/mono", Commit: testCommit, Ref: "refs/tags/v1.4.0",
		ConfigPath: "services/api/golden.yaml", ConfigDigest: "sha256:" + hex.EncodeToString(sum[:]),
		ToolImages:   map[string]string{"go": tools.Image("go"), "trivy": cfg.Tools["trivy"]},
		InvocationID: "https://ci.example/run/7",
	}
	if diff := cmp.Diff(want, pr); diff != "" {
		t.Errorf("provenance (-want +got):\n%s", diff)
	}
	if _, err := attest.ProvenancePredicate(*pr); err != nil {
		t.Errorf("attest refuses it: %v", err)
	}
	// No configuration file: none recorded (and nothing read).
	p.opts.GitTag, p.opts.Branch = "", "main"
	pr, err = p.provenance(context.Background(), &Signing{})
	if err != nil || pr.ConfigPath != "" || pr.ConfigDigest != "" || pr.Ref != "refs/heads/main" {
		t.Errorf("without a config file: %+v, %v", pr, err)
	}
}

// TestRunSigns: with a signing key, publish signs the pushed digest with
// the gates of the stages before it, says so in its summary and records
// the attachments; a signature that cannot be written errors the publish
// stage with its class, records the pushed digest and bumps nothing.
func TestRunSigns(t *testing.T) {
	t.Parallel()
	key, canaries := testSigningKey(t)
	opts := Options{Repository: "https://github.com/acme/api", Commit: testCommit, Branch: "main"}
	ro := RunOptions{Publish: true, Bump: true, Signing: &Signing{Key: key, Version: "v0.9.0"}}

	fake := &fakeStages{}
	r, err := run(context.Background(), fake, runEnv{cfg: testConfig(), opts: opts}, ro)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"build", "bump", "lint", "publish", "release", "scan", "scan-image", "test"}, fake.callList()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	st, _ := r.Stage(StagePublish)
	if st.Status != result.Passed || !strings.HasSuffix(st.Summary, "; signed with SHA256:k (sha256-0123.sig); attested gates (sha256-0123.att)") {
		t.Errorf("publish stage %+v", st)
	}
	if r.Outputs["signature"] != "ghcr.io/acme/api:sha256-0123.sig" || r.Outputs["attestations"] != "ghcr.io/acme/api:sha256-0123.att" {
		t.Errorf("outputs %v", r.Outputs)
	}
	rel := fake.released
	if rel == nil || rel.Signing.Key != key || rel.Signing.Version != "v0.9.0" || rel.Published.Digest != fakeDigest || rel.Build == nil {
		t.Fatalf("Release got %+v", rel)
	}
	var gates []string
	for _, s := range rel.Run.Stages {
		gates = append(gates, s.Name)
	}
	if !slices.Equal(gates, []string{StageLint, StageTest, StageScan, StageBuild, StageScanImage}) ||
		rel.Run.Image == nil || rel.Run.Image.Digest != fakeDigest || rel.Run.Source == nil || rel.Run.Source.Commit != testCommit {
		t.Errorf("gates run: stages %v, image %+v, source %+v", gates, rel.Run.Image, rel.Run.Source)
	}
	doc, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	testtool.AssertNoCanary(t, "the result", string(doc), canaries...)

	fake = &fakeStages{releaseErr: exitcode.Infraf("pushing sha256-0123.sig: connection refused")}
	r, err = run(context.Background(), fake, runEnv{cfg: testConfig(), opts: opts}, ro)
	if exitcode.Code(err) != exitcode.Infra || !strings.Contains(err.Error(), "published ghcr.io/acme/api@"+fakeDigest+" but could not sign it") {
		t.Errorf("exit %d: %v", exitcode.Code(err), err)
	}
	if st, _ := r.Stage(StagePublish); st.Status != result.Errored {
		t.Errorf("publish %+v", st)
	}
	if st, _ := r.Stage(StageBump); st.Status != result.Skipped || fake.bumped != "" {
		t.Errorf("bump %+v, bumped %q", st, fake.bumped)
	}
	if r.Outputs["digest"] != fakeDigest || r.Outputs["signature"] != "" {
		t.Errorf("outputs %v: want the pushed digest and no signature", r.Outputs)
	}
}

// TestRunOptionsValidateSigning: signing needs publish, a key, tool images
// pinned by digest, and a revision that names the source repository and
// a commit.
func TestRunOptionsValidateSigning(t *testing.T) {
	t.Parallel()
	key, _ := testSigningKey(t)
	unpinned := testConfig()
	unpinned.Tools = map[string]string{"trivy": "mirror.acme.internal/aquasec/trivy:0.69.3"}
	pinned := testConfig()
	pinned.Tools = map[string]string{"trivy": "mirror.acme.internal/aquasec/trivy:0.69.3@sha256:" + strings.Repeat("ab", 32)}
	rev := Options{Repository: "https://github.com/acme/api", Commit: testCommit}
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		rev  Options
		opts RunOptions
		want string
	}{
		{"ok", pinned, rev, RunOptions{Publish: true, Signing: &Signing{Key: key}}, ""},
		{"without publish", testConfig(), rev, RunOptions{Signing: &Signing{Key: key}}, "signing needs publish"},
		{"without a key", testConfig(), rev, RunOptions{Publish: true, Signing: &Signing{}}, "signing: no key"},
		{"an unpinned tool", unpinned, rev, RunOptions{Publish: true, Signing: &Signing{Key: key}}, "tools.trivy"},
		{"no repository", testConfig(), Options{Commit: testCommit}, RunOptions{Publish: true, Signing: &Signing{Key: key}}, "source repository and commit"},
		{"no commit", testConfig(), Options{Repository: rev.Repository}, RunOptions{Publish: true, Signing: &Signing{Key: key}}, "source repository and commit"},
		{"not a commit", testConfig(), Options{Repository: rev.Repository, Commit: "main"}, RunOptions{Publish: true, Signing: &Signing{Key: key}}, "not a hex commit hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.rev
			o.Config = tc.cfg
			err := tc.opts.ValidateFor(o)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want %q (exit 2)", err, exitcode.Code(err), tc.want)
			}
			fake := &fakeStages{}
			if r, err := run(context.Background(), fake, runEnv{cfg: tc.cfg, opts: tc.rev}, tc.opts); r != nil || err == nil || len(fake.callList()) > 0 {
				t.Errorf("run = %v, %v, calls %v", r, err, fake.callList())
			}
		})
	}
}
