package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/result"
)

// canaryKeyPassword is the password of the signing key of the attest and
// verify tests: no output, error or result file may contain it, nor the
// key itself.
const canaryKeyPassword = "canary-key-password-0f3a9d27"

var (
	signingKeyOnce        sync.Once
	signingKey, verifyKey []byte
	signingKeyErr         error
)

// testSigningKey returns a key pair in cosign's format, encrypted with
// canaryKeyPassword (made once: scrypt is slow on purpose).
func testSigningKey(t *testing.T) (keyPEM, pubPEM []byte) {
	t.Helper()
	signingKeyOnce.Do(func() { signingKey, verifyKey, signingKeyErr = attest.GenerateKey([]byte(canaryKeyPassword)) })
	if signingKeyErr != nil {
		t.Fatal(signingKeyErr)
	}
	return signingKey, verifyKey
}

// attestFixture is a registry behind basic auth holding one image, a key
// pair in files, a result file and an SBOM.
type attestFixture struct {
	reg     *promotetest.Registry
	image   string // REPOSITORY@DIGEST
	dir     string
	key     string // cosign.key
	pub     string // cosign.pub
	keyPEM  string
	result  string
	sbom    string
	config  string
	env     map[string]string
	secrets []string
}

func newAttestFixture(t *testing.T, status result.Status) *attestFixture {
	t.Helper()
	keyPEM, pubPEM := testSigningKey(t)
	reg := promotetest.NewRegistry(t, canaryRegUser, canaryRegPassword)
	f := &attestFixture{reg: reg, dir: t.TempDir(), keyPEM: string(keyPEM)}
	f.image = reg.Repo("acme/api") + "@" + reg.PushIndex(t, "acme/api", "1.0.0")
	f.key, f.pub = filepath.Join(f.dir, "cosign.key"), filepath.Join(f.dir, "cosign.pub")
	f.result, f.sbom, f.config = filepath.Join(f.dir, "golden-result.json"), filepath.Join(f.dir, "sbom.cdx.json"), filepath.Join(f.dir, "golden.yaml")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(f.key, string(keyPEM))
	write(f.pub, string(pubPEM))
	write(f.sbom, `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}`)
	write(f.config, "tools:\n  go: \"golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81\"\n")
	run := result.New(time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
	run.Source = &result.Source{Repository: "https://github.com/acme/api", Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "main"}
	run.SetStage(result.Stage{Name: "lint", Status: result.Passed})
	run.SetStage(result.Stage{Name: "scan", Status: status, Tool: "trivy"})
	if err := run.Save(f.result); err != nil {
		t.Fatal(err)
	}
	f.env = map[string]string{
		envKeyPassword:      canaryKeyPassword,
		envRegistryUsername: canaryRegUser,
		envRegistryPassword: canaryRegPassword,
	}
	// The key's body, as it could leak: a line of its base64.
	f.secrets = []string{canaryKeyPassword, canaryRegPassword, strings.Split(string(keyPEM), "\n")[2]}
	return f
}

// golden runs golden with the fixture's environment and extra, and
// checks every output and the result file for the secrets.
func (f *attestFixture) golden(t *testing.T, extra map[string]string, args ...string) invocation {
	t.Helper()
	env := map[string]string{}
	for k, v := range f.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	got := golden(t, env, args...)
	for _, s := range f.secrets {
		for what, out := range map[string]string{"stdout": got.stdout, "stderr": got.stderr} {
			if strings.Contains(out, s) {
				t.Errorf("%s of golden %s contains a secret %q:\n%s", what, args[0], s, out)
			}
		}
	}
	if b, err := os.ReadFile(f.result); err == nil {
		for _, s := range f.secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("the result file contains a secret %q", s)
			}
		}
	}
	return got
}

func TestAttestThenVerify(t *testing.T) {
	t.Parallel()
	f := newAttestFixture(t, result.Passed)
	got := f.golden(t, nil, "attest", "--image", f.image, "--key", f.key, "--result", f.result, "--sbom", f.sbom,
		"--provenance-config", f.config, "--provenance-invocation", "https://ci.example.com/runs/7")
	if got.code != exitcode.Passed {
		t.Fatalf("attest: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	repo, digest, _ := strings.Cut(f.image, "@")
	hex := strings.TrimPrefix(digest, "sha256:")
	for _, want := range []string{
		"signed " + f.image + ": " + repo + ":sha256-" + hex + ".sig\n",
		"attested " + f.image + ": " + repo + ":sha256-" + hex + ".att\n",
		"  " + attest.SLSAProvenanceV1Type + "\n  " + attest.GatesPredicateType + "\n  " + attest.CycloneDXType + "\n",
		"gates: run passed\n",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("attest printed no %q:\n%s", want, got.stdout)
		}
	}
	r := readResult(t, f.result)
	if st, ok := r.Stage("attest"); !ok || st.Status != result.Passed || st.Summary != "signed and attested "+f.image+" (gates: run passed)" {
		t.Errorf("attest stage %+v", st)
	}
	if r.Outputs["signature"] != repo+":sha256-"+hex+".sig" || r.Outputs["attestations"] != repo+":sha256-"+hex+".att" {
		t.Errorf("outputs %v", r.Outputs)
	}

	// Attesting again: the attest stage just recorded is no gate, the
	// signature is not repeated.
	again := f.golden(t, map[string]string{"COSIGN_PRIVATE_KEY": f.keyPEM}, "attest", "--image", f.image, "--key", "env://COSIGN_PRIVATE_KEY", "--result", f.result,
		"--provenance-config", f.config)
	if again.code != exitcode.Passed || !strings.Contains(again.stdout, "already signed "+f.image) {
		t.Fatalf("attest again: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}

	ver := f.golden(t, nil, "verify", "--image", f.image, "--key", f.pub, "--require-gates", "--require", "slsaprovenance1", "--require", "cyclonedx")
	if ver.code != exitcode.Passed {
		t.Fatalf("verify: exit %d\n%s%s", ver.code, ver.stdout, ver.stderr)
	}
	for _, want := range []string{
		f.image + ": verified with key SHA256:",
		"signature: verified (identity " + repo + ")",
		"attestation " + attest.GatesPredicateType + ": verified",
		"gates: run passed (lint passed, scan passed; scan 0 CRITICAL, 0 HIGH, 0 MEDIUM, 0 LOW)",
	} {
		if !strings.Contains(ver.stdout, want) {
			t.Errorf("verify printed no %q:\n%s", want, ver.stdout)
		}
	}

	js := f.golden(t, map[string]string{"GOLDEN_TEST_PUB": string(mustRead(t, f.pub))},
		"verify", "--image", f.image, "--key", "env://GOLDEN_TEST_PUB", "--json", "--result", f.result)
	var rep attest.Report
	if err := json.Unmarshal([]byte(js.stdout), &rep); js.code != exitcode.Passed || err != nil || !rep.Verified ||
		len(rep.Signatures) != 1 || len(rep.Types()) != 3 || rep.Gates == nil || len(rep.Gates.Stages) != 2 {
		t.Errorf("verify --json: exit %d, %v\n%s%s", js.code, err, js.stdout, js.stderr)
	}
	if st, ok := readResult(t, f.result).Stage("verify"); !ok || st.Status != result.Passed || !strings.HasPrefix(st.Summary, "verified "+f.image+" with key SHA256:") {
		t.Errorf("verify stage %+v", st)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAttestAndVerifyExitCodes(t *testing.T) {
	t.Parallel()
	closed := promotetest.ClosedAddr(t)
	tests := []struct {
		name   string
		status result.Status
		// args builds the command line; attestFirst attests the image
		// with the fixture's key first.
		args        func(f *attestFixture) []string
		env         map[string]string
		attestFirst bool
		code        int
		stderr      string
	}{
		{
			name: "verify an unsigned image",
			args: func(f *attestFixture) []string { return []string{"verify", "--image", f.image, "--key", f.pub} },
			code: exitcode.Failed, stderr: "not verified: no signature (the image is not signed)",
		},
		{
			name: "verify gates of a failed run", status: result.Failed, attestFirst: true,
			args: func(f *attestFixture) []string {
				return []string{"verify", "--image", f.image, "--key", f.pub, "--require-gates"}
			},
			code: exitcode.Failed, stderr: "the gates attestation says the run failed (scan failed)",
		},
		{
			name: "verify a missing attestation type", attestFirst: true,
			args: func(f *attestFixture) []string {
				return []string{"verify", "--image", f.image, "--key", f.pub, "--require", "spdxjson"}
			},
			code: exitcode.Failed, stderr: "no https://spdx.dev/Document attestation verifies with the key",
		},
		{
			name: "verify with the private key", args: func(f *attestFixture) []string {
				return []string{"verify", "--image", f.image, "--key", f.key}
			},
			code: exitcode.Usage, stderr: `PEM block "ENCRYPTED SIGSTORE PRIVATE KEY", want "PUBLIC KEY"`,
		},
		{
			name: "verify an unknown type", args: func(f *attestFixture) []string {
				return []string{"verify", "--image", f.image, "--key", f.pub, "--require", "slsa"}
			},
			code: exitcode.Usage, stderr: `predicate type "slsa"`,
		},
		{
			name: "verify a tag", args: func(f *attestFixture) []string {
				return []string{"verify", "--image", f.reg.Repo("acme/api") + ":1.0.0", "--key", f.pub}
			},
			code: exitcode.Usage, stderr: "want REGISTRY/REPOSITORY@sha256:DIGEST",
		},
		{
			name: "verify an unreachable registry", args: func(f *attestFixture) []string {
				return []string{"verify", "--image", closed + "/acme/api@" + strings.SplitN(f.image, "@", 2)[1], "--key", f.pub}
			},
			code: exitcode.Infra, stderr: "registry unreachable",
		},
		{
			name: "attest with a wrong password", env: map[string]string{envKeyPassword: "not-" + canaryKeyPassword},
			args: func(f *attestFixture) []string { return attestArgs(f) },
			code: exitcode.Usage, stderr: "decryption failed: wrong password, or a corrupt key",
		},
		{
			name: "attest without a password", env: map[string]string{envKeyPassword: ""},
			args: func(f *attestFixture) []string { return attestArgs(f) },
			code: exitcode.Usage, stderr: "(COSIGN_PASSWORD is unset)",
		},
		{
			name: "attest with the key in the command line",
			args: func(f *attestFixture) []string {
				return []string{"attest", "--image", f.image, "--key", f.keyPEM, "--result", f.result}
			},
			code: exitcode.Usage, stderr: "give a file or env://NAME, never the key itself",
		},
		{
			name: "attest with a missing key file",
			args: func(f *attestFixture) []string {
				return []string{"attest", "--image", f.image, "--key", filepath.Join(f.dir, "none.key"), "--result", f.result}
			},
			code: exitcode.Usage, stderr: "none.key\": no such file",
		},
		{
			name: "attest with an unset key variable",
			args: func(f *attestFixture) []string {
				return []string{"attest", "--image", f.image, "--key", "env://NO_SUCH_KEY", "--result", f.result}
			},
			code: exitcode.Usage, stderr: "the variable NO_SUCH_KEY is unset or empty",
		},
		{
			name: "attest without a result",
			args: func(f *attestFixture) []string { return []string{"attest", "--image", f.image, "--key", f.key} },
			code: exitcode.Usage, stderr: "--result is required",
		},
		{
			name: "attest a malformed SBOM",
			args: func(f *attestFixture) []string { return append(attestArgs(f), "--sbom", f.config) },
			code: exitcode.Usage, stderr: "SBOM: not a JSON document",
		},
		{
			name: "attest a tool image by tag",
			args: func(f *attestFixture) []string { return append(attestArgs(f), "--provenance-tool", "go=golang:1.26") },
			code: exitcode.Usage, stderr: "want NAME[:TAG]@sha256:DIGEST",
		},
		{
			name: "attest an unreachable registry",
			args: func(f *attestFixture) []string {
				return []string{"attest", "--image", closed + "/acme/api@" + strings.SplitN(f.image, "@", 2)[1], "--key", f.key,
					"--result", f.result, "--provenance-config", f.config}
			},
			code: exitcode.Infra, stderr: "registry unreachable",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status := tc.status
			if status == "" {
				status = result.Passed
			}
			f := newAttestFixture(t, status)
			if tc.attestFirst {
				if got := f.golden(t, nil, attestArgs(f)...); got.code != exitcode.Passed {
					t.Fatalf("attest: exit %d\n%s", got.code, got.stderr)
				}
			}
			got := f.golden(t, tc.env, tc.args(f)...)
			if got.code != tc.code || !strings.Contains(got.stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to contain %q", got.code, tc.code, got.stderr, tc.stderr)
			}
		})
	}
}

// attestArgs attests the fixture's image with its key, result and
// configuration.
func attestArgs(f *attestFixture) []string {
	return []string{"attest", "--image", f.image, "--key", f.key, "--result", f.result, "--provenance-config", f.config}
}

func TestAttestProvenanceDefaults(t *testing.T) {
	t.Parallel()
	run := result.New(time.Now())
	p := provenanceFlags{}
	e := &Env{Getenv: func(k string) string {
		return map[string]string{
			"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/api", "GITHUB_SHA": "abc123",
			"GITHUB_REF": "refs/tags/v1.2.0", "GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "2",
		}[k]
	}}
	pr, err := p.provenance(e, run)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Repository != "https://github.com/acme/api" || pr.Commit != "abc123" || pr.Ref != "refs/tags/v1.2.0" ||
		pr.InvocationID != "https://github.com/acme/api/actions/runs/99/attempts/2" || len(pr.ToolImages) < 5 || pr.ConfigPath != "" {
		t.Errorf("provenance %+v", pr)
	}
	if _, err := p.provenance(&Env{Getenv: func(string) string { return "" }}, run); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("no source anywhere: %v", err)
	}
}
