package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/tools"
)

var attestCmd = &command{
	Name:    "attest",
	Summary: "sign an image and attest its provenance, gates and SBOM, as cosign does",
	Usage:   "attest --image REF@DIGEST --key KEY --result FILE [--sbom FILE] [flags]",
	Help: `Attest signs the image --image (REGISTRY/REPOSITORY@sha256:DIGEST) with
the private key --key and attaches to it, next to the image in its
repository, in the form the cosign tooling reads:

  - a signature of the digest (the tag sha256-<hex>.sig), as
    'cosign sign --key KEY --tlog-upload=false' writes it;
  - in-toto attestations in DSSE envelopes (the tag sha256-<hex>.att), as
    'cosign attest --key KEY --tlog-upload=false --replace' writes them:
      a SLSA provenance v1 (https://slsa.dev/provenance/v1): builder
      golden and its version, the source repository and commit, the
      golden.yaml digest, the tool images by digest;
      golden's gates (` + attest.GatesPredicateType + `):
      each stage's verdict, the coverage, the scan counts and the run's
      status, from the result file --result;
      the CycloneDX SBOM --sbom, when given (e.g. the output of
      'trivy image --format cyclonedx').

Nothing goes to a transparency log. Signing again with the same key adds
no second signature, and attesting again replaces the key's earlier
attestation of each type; signatures and attestations of other keys stay.
The result's own "attest" and "verify" stages are not among the gates, so
re-running attest attests the same run. A result that records another
image digest is refused.

The private key is in cosign's format ('cosign generate-key-pair'), its
password in COSIGN_PASSWORD (empty when unset). ` + keyHelp + `

The provenance's source is --provenance-repository, --provenance-commit and
--provenance-ref, by default the result's source, else GitHub Actions'
or GitLab CI's variables. Its configuration is --provenance-config (by
default golden.yaml when it exists here), recorded with its sha256. Its
tool images are --provenance-tool KEY=IMAGE, each pinned by digest, or by
default every tool image golden runs: the pinned ones of
tools/versions.env with the configuration's tools overrides.

Registry credentials come from the environment only, as for 'golden
promote': GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD (or
GOLDEN_REGISTRY_PASSWORD_FILE) for the image's registry, the Docker config
for the rest.

Exit codes: 2 for bad arguments, an unreadable key or a wrong password, a
result or SBOM that cannot be read, an image the registry does not have or
refused credentials; 3 when the registry cannot be reached.

The "attest" stage is recorded into the result file, with the outputs
signature and attestations (the attachments' tags).

Example, after 'golden ci' published an image:

  export COSIGN_PASSWORD=...    # the key's password, never a flag
  golden attest --image ghcr.io/acme/api@sha256:... --key cosign.key \
    --result golden-result.json --sbom sbom.cdx.json`,
}

func init() {
	attestCmd.Run = runAttest
	register(attestCmd)
}

// provenanceFlags are the --provenance-* flags.
type provenanceFlags struct {
	repository, commit, ref, config, invocation string
	tools                                       stringsFlag
}

func runAttest(ctx context.Context, e *Env, args []string) error {
	c := attestCmd
	fs := c.flagSet(e)
	image := fs.String("image", "", "the image to sign and attest, `REF@DIGEST` (required)")
	keyRef := fs.String("key", "", "the private `KEY`: a file in cosign's format, or env://NAME (required; password in $COSIGN_PASSWORD)")
	resultPath := fs.String("result", e.Getenv("GOLDEN_RESULT"), "the run `FILE` whose gates are attested, and which the attest stage is recorded into (required; default $GOLDEN_RESULT)")
	sbomPath := fs.String("sbom", "", "attest this CycloneDX JSON `FILE` as the image's SBOM")
	var p provenanceFlags
	fs.StringVar(&p.repository, "provenance-repository", "", "the source repository `URL` (default the result's, $GITHUB_SERVER_URL/$GITHUB_REPOSITORY, $CI_PROJECT_URL)")
	fs.StringVar(&p.commit, "provenance-commit", "", "the source `COMMIT` built (default the result's, $GITHUB_SHA, $CI_COMMIT_SHA)")
	fs.StringVar(&p.ref, "provenance-ref", "", "the branch or tag `REF` built (default the result's branch, $GITHUB_REF, $CI_COMMIT_REF_NAME)")
	fs.StringVar(&p.config, "provenance-config", "", "the service's golden.yaml `FILE`, recorded with its digest (default golden.yaml when it exists)")
	fs.StringVar(&p.invocation, "provenance-invocation", "", "the CI run's `URL` (default GitHub Actions' run URL, $CI_JOB_URL)")
	fs.Var(&p.tools, "provenance-tool", "a tool image the run used, `KEY=IMAGE@DIGEST` (repeatable; default every tool image golden runs)")
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}
	if *resultPath == "" {
		return exitcode.Inputf("--result is required: the run whose gates are attested")
	}

	started := e.Now()
	rel, err := func() (*attest.Released, error) {
		repo, digest, ropts, err := imageTarget(e, *image)
		if err != nil {
			return nil, err
		}
		run, err := result.Load(*resultPath)
		if err != nil {
			return nil, exitcode.InputError(err)
		}
		in := attest.ReleaseInput{Run: run, Version: version()}
		if in.Provenance, err = p.provenance(e, run); err != nil {
			return nil, err
		}
		if *sbomPath != "" {
			if in.SBOM, err = readFlagFile("sbom", *sbomPath); err != nil {
				return nil, err
			}
		}
		key, err := loadPrivateKey(e, *keyRef)
		if err != nil {
			return nil, err
		}
		return attest.Release(ctx, repo, digest, key, in, attest.Options{Registry: ropts})
	}()
	if err == nil {
		err = printReleased(e, rel)
	}
	return finish(e, "attest", *resultPath, err, func(r *result.Run) {
		st := stageFor(e, "attest", started, err)
		if err == nil {
			st.Summary = fmt.Sprintf("signed and attested %s (gates: run %s)", rel.Signature.Image, rel.Status)
			repo := strings.SplitN(rel.Signature.Image, "@", 2)[0]
			r.SetOutput("signature", repo+":"+rel.Signature.Attachment.Tag)
			r.SetOutput("attestations", repo+":"+rel.Attestation.Attachment.Tag)
		}
		r.SetStage(st)
	})
}

func printReleased(e *Env, rel *attest.Released) error {
	repo := strings.SplitN(rel.Signature.Image, "@", 2)[0]
	sig := "signed"
	if !rel.Signature.Changed {
		sig = "already signed"
	}
	gates := "gates: run " + string(rel.Status)
	if rel.Status != result.Passed {
		gates += " ('golden verify --require-gates' refuses this image)"
	}
	_, err := fmt.Fprintf(e.Stdout, "%s %s: %s:%s\nattested %s: %s:%s\n  %s\n%s\n",
		sig, rel.Signature.Image, repo, rel.Signature.Attachment.Tag,
		rel.Attestation.Image, repo, rel.Attestation.Attachment.Tag,
		strings.Join(rel.Attestation.Types, "\n  "), gates)
	return err
}

// provenance assembles the provenance from the flags, the run and the CI
// environment.
func (p *provenanceFlags) provenance(e *Env, run *result.Run) (*attest.Provenance, error) {
	src := run.Source
	if src == nil {
		src = &result.Source{}
	}
	pr := &attest.Provenance{
		Repository:   firstOf(p.repository, src.Repository, githubRepository(e), envFirst(e, "CI_PROJECT_URL")),
		Commit:       firstOf(p.commit, src.Commit, envFirst(e, "GITHUB_SHA", "CI_COMMIT_SHA")),
		Ref:          firstOf(p.ref, src.Branch, envFirst(e, "GITHUB_REF", "CI_COMMIT_REF_NAME")),
		InvocationID: firstOf(p.invocation, ciRunURL(e)),
	}
	if pr.Repository == "" || pr.Commit == "" {
		return nil, exitcode.Inputf("the provenance needs the source repository and commit: give --provenance-repository and --provenance-commit (the result records no source, and no CI variables say it)")
	}
	cfgPath := p.config
	if cfgPath == "" {
		if _, err := os.Stat(config.ConfigFile); err == nil {
			cfgPath = config.ConfigFile
		}
	}
	var cfg *config.Config
	if cfgPath != "" {
		data, err := readFlagFile("provenance-config", cfgPath)
		if err != nil {
			return nil, err
		}
		if cfg, err = config.Parse(data, cfgPath); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		pr.ConfigPath, pr.ConfigDigest = cfgPath, "sha256:"+hex.EncodeToString(sum[:])
	}
	pr.ToolImages = map[string]string{}
	if len(p.tools) > 0 {
		for _, kv := range p.tools {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return nil, exitcode.Inputf("--provenance-tool %q: want KEY=IMAGE@DIGEST", kv)
			}
			pr.ToolImages[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return pr, nil
	}
	keys := make([]string, 0)
	for k := range tools.Images() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pr.ToolImages[k] = cfg.ToolImage(k)
	}
	return pr, nil
}

// githubRepository is the repository URL of a GitHub Actions run.
func githubRepository(e *Env) string {
	server, repo := envFirst(e, "GITHUB_SERVER_URL"), envFirst(e, "GITHUB_REPOSITORY")
	if server == "" || repo == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo
}

// ciRunURL is the URL of the CI run: GitHub Actions' run, or GitLab CI's
// job (CI_JOB_URL); "" elsewhere.
func ciRunURL(e *Env) string {
	return firstOf(githubRunURL(e), envFirst(e, "CI_JOB_URL"))
}

// githubRunURL is the URL of a GitHub Actions run (and its attempt).
func githubRunURL(e *Env) string {
	repo, id := githubRepository(e), envFirst(e, "GITHUB_RUN_ID")
	if repo == "" || id == "" {
		return ""
	}
	u := repo + "/actions/runs/" + id
	if a := envFirst(e, "GITHUB_RUN_ATTEMPT"); a != "" {
		u += "/attempts/" + a
	}
	return u
}

// firstOf returns the first non-empty value.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
