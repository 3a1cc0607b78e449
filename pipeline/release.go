package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"runtime/debug"
	"sort"
	"strings"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

// Signing makes publish sign the image it pushed and attest it, in the
// process that runs the pipeline (package attest, as golden attest does):
// a signature of the digest, a SLSA provenance v1, golden's gates and the
// CycloneDX SBOM Trivy makes of the image, with a cosign key, next to the
// image in its repository (cosign's sha256-<hex>.sig and .att tags).
type Signing struct {
	// Key is a key this process holds already: golden ci reads and
	// decrypts --sign-key before any engine starts.
	Key *attest.PrivateKey
	// KeySecret, when Key is nil, is cosign's encrypted private key (the
	// PEM `cosign generate-key-pair` writes) as a Dagger secret, and
	// KeyPassword its password (nil: an empty password), a module
	// function's arguments. Their plaintext is read once, in this process,
	// before the image is pushed, and never logged, recorded or returned.
	KeySecret, KeyPassword *dagger.Secret
	// Version is golden's version, recorded in the provenance and the
	// gates (default: golden's module version in this binary's build
	// information, else "(devel)").
	Version string
	// InvocationID identifies the CI run in the provenance, such as its
	// URL (optional).
	InvocationID string
	// ConfigPath and ConfigData are the configuration file the run read,
	// recorded in the provenance with its sha256, when it is not the
	// source's own (golden ci --config). Default: Config.File of the
	// source, as a path from the repository root (Options.RepoPath).
	ConfigPath string
	ConfigData []byte
}

// privateKey returns the key: Key, or KeySecret decrypted with
// KeyPassword. A key that cannot be read is bad input (exit 2), and no
// error holds the key or its password.
func (s *Signing) privateKey(ctx context.Context) (*attest.PrivateKey, error) {
	if s.Key != nil {
		return s.Key, nil
	}
	if s.KeySecret == nil {
		return nil, exitcode.Inputf("signing: no key")
	}
	pem, err := s.KeySecret.Plaintext(ctx)
	if err != nil {
		return nil, engineError("reading the signing key", err)
	}
	var password string
	if s.KeyPassword != nil {
		if password, err = s.KeyPassword.Plaintext(ctx); err != nil {
			return nil, engineError("reading the signing key's password", err)
		}
	}
	return parseSigningKey([]byte(pem), []byte(password))
}

// parseSigningKey decrypts cosign's private key pem with password.
func parseSigningKey(pem, password []byte) (*attest.PrivateKey, error) {
	k, err := attest.ParsePrivateKey(pem, password)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return k, nil
}

// goldenModule is golden's Go module path.
const goldenModule = "github.com/goldenci/golden"

// version is golden's version for the attestations: Version, else that of
// golden's module in the build information (the main module of golden ci,
// a dependency of a module's binary), else "(devel)" (a build from a
// checkout, or a module's replace of golden by its own source).
func (s *Signing) version() string {
	if s.Version != "" {
		return s.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == goldenModule && bi.Main.Version != "" {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == goldenModule && d.Replace == nil && d.Version != "" {
				return d.Version
			}
		}
	}
	return "(devel)"
}

// validate checks what signing needs of the configuration: every tool
// image the configuration names instead of golden's pins is pinned by
// digest, as the provenance records them (golden's own pins are).
func (s *Signing) validate(cfg *config.Config) error {
	if s.Key == nil && s.KeySecret == nil {
		return exitcode.Inputf("signing: no key")
	}
	keys := make([]string, 0, len(cfg.Tools))
	for k := range cfg.Tools {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := name.NewDigest(cfg.Tools[k]); err != nil {
			return exitcode.Inputf("tools.%s %q: a signed image's provenance records every tool image by digest: pin it (NAME:TAG@sha256:DIGEST)", k, cfg.Tools[k])
		}
	}
	return nil
}

// validateSource checks that the revision names what the provenance
// records: the source repository and the commit (a hex hash).
func (s *Signing) validateSource(opts Options) error {
	repo, commit := strings.TrimSpace(opts.Repository), strings.TrimSpace(opts.Commit)
	if repo == "" || commit == "" {
		return exitcode.Inputf("signing: the provenance needs the source repository and commit, and the revision does not name both (repository %q, commit %q)", repo, commit)
	}
	if _, err := attest.ProvenancePredicate(attest.Provenance{Repository: repo, Commit: commit}); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	return nil
}

// ReleaseOptions are what Release signs and attests.
type ReleaseOptions struct {
	// Build is the image built; its first platform is the one the SBOM
	// lists (as the image scan scans it: the platforms of one build share
	// their packages but for the architecture).
	Build *BuildResult
	// Published is the image Publish pushed: its digest is signed.
	Published *PublishResult
	// Run is the run whose gates are attested: the stages before publish,
	// the source, the coverage and the image with the published digest.
	Run *result.Run
	// Signing holds the key and what the provenance records.
	Signing Signing
	// Credentials log in to the registry, as for Publish.
	Credentials Credentials
}

// ReleaseResult is what Release signed and attested.
type ReleaseResult struct {
	// Released is attest.Release's record: the signature and attestation
	// images, the predicate types.
	Released *attest.Released
	// Signature and Attestations are the attachment images,
	// REPOSITORY:sha256-<hex>.sig and REPOSITORY:sha256-<hex>.att.
	Signature, Attestations string
	// Summary says what was signed and attested, for the publish stage.
	Summary string
}

// Release signs the published image and attests its SLSA provenance, its
// gates (o.Run) and its SBOM, in this process, as golden attest does
// (attest.Release): nothing runs in a container but Trivy, which writes
// the CycloneDX SBOM of the image's first platform (toolcmd.TrivySBOM).
// The provenance records the source repository, ref and commit, the
// configuration file with its sha256, and the tool images this pipeline
// ran, by digest. The key, and the registry password of o.Credentials,
// are read here; neither appears in an output or an error. A key that
// cannot be used is bad input (exit 2), an unreachable registry
// infrastructure (exit 3).
func (p *Pipeline) Release(ctx context.Context, o ReleaseOptions) (*ReleaseResult, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if o.Build == nil || len(o.Build.Platforms) == 0 || o.Published == nil {
		return nil, exitcode.Inputf("release: no image built and published")
	}
	repo, err := imageRepository(p.cfg.Image.Repository)
	if err != nil {
		return nil, err
	}
	key, err := o.Signing.privateKey(ctx)
	if err != nil {
		return nil, err
	}
	sbom, err := p.sbom(ctx, o.Build)
	if err != nil {
		return nil, err
	}
	prov, err := p.provenance(ctx, &o.Signing)
	if err != nil {
		return nil, err
	}
	ropts, err := registryOptions(ctx, o.Credentials, repo)
	if err != nil {
		return nil, err
	}
	p.logf("%s: signing %s with %s", StagePublish, o.Published.Ref, key.Public().Fingerprint())
	return signRelease(ctx, releaseInput{
		Repo: repo, Digest: o.Published.Digest, Run: o.Run, Key: key, Version: o.Signing.version(),
		Provenance: prov, SBOM: sbom, SBOMPlatform: o.Build.PlatformNames[0], Registry: ropts,
	})
}

// trivySBOMOut is where Trivy writes the SBOM in its container.
const trivySBOMOut = OutPath + "/sbom.cdx.json"

// sbom runs Trivy on the first platform of b, exported as a tarball, for
// its CycloneDX SBOM (toolcmd.TrivySBOM), in the image scan's container.
func (p *Pipeline) sbom(ctx context.Context, b *BuildResult) ([]byte, error) {
	ctr := p.trivyContainer().WithMountedFile(imageTarball, b.Platforms[0].AsTarball())
	_, run, err := p.exec(ctx, StagePublish, ctr, toolcmd.TrivySBOM(p.trivyOptions(trivySBOMOut), imageTarball), execOpts{Outputs: []string{trivySBOMOut}})
	if err != nil {
		return nil, err
	}
	return sbomOf(run, trivySBOMOut)
}

// sbomOf is the SBOM a Trivy run wrote to out: a CycloneDX document
// attest.SBOMPredicate accepts. A run that wrote none failed (exit 3, as
// a scan that wrote no report).
func sbomOf(run *toolRun, out string) ([]byte, error) {
	data, ok := run.file(out)
	if run.ExitCode != 0 || !ok {
		return nil, trivyFailed(run.ExitCode, run.Stderr)
	}
	if _, err := attest.SBOMPredicate([]byte(data)); err != nil {
		return nil, fmt.Errorf("trivy's SBOM: %w", err)
	}
	return []byte(data), nil
}

// provenance is what the SLSA provenance of this pipeline's image
// records: the revision, the configuration file and the tool images run.
func (p *Pipeline) provenance(ctx context.Context, s *Signing) (*attest.Provenance, error) {
	pr := &attest.Provenance{
		Repository:   strings.TrimSpace(p.opts.Repository),
		Commit:       strings.TrimSpace(p.opts.Commit),
		Ref:          gitRef(p.opts.Branch, p.opts.GitTag),
		InvocationID: s.InvocationID,
		ToolImages:   p.toolImages(),
	}
	cfgPath, data := s.ConfigPath, s.ConfigData
	if data == nil && p.cfg.File != "" {
		text, err := p.source.File(p.cfg.File).Contents(ctx)
		if err != nil {
			return nil, engineError("reading "+p.cfg.File, err)
		}
		cfgPath, data = path.Join(p.opts.RepoPath, p.cfg.File), []byte(text)
	}
	if data != nil {
		sum := sha256.Sum256(data)
		pr.ConfigPath, pr.ConfigDigest = cfgPath, "sha256:"+hex.EncodeToString(sum[:])
	}
	return pr, nil
}

// gitRef is the full ref of a branch or tag build ("" for neither).
func gitRef(branch, tag string) string {
	switch {
	case tag != "":
		return "refs/tags/" + tag
	case branch != "":
		return "refs/heads/" + branch
	}
	return ""
}

// registryOptions are how this process reaches the registry publish
// pushed to: creds when they have a password (read here), else the
// Docker config of this process's user (golden ci's host, as the engine's
// client uses it).
func registryOptions(ctx context.Context, creds Credentials, repo string) (registry.Options, error) {
	o := registry.Options{Keychain: authn.DefaultKeychain}
	if creds.Password == nil {
		return o, nil
	}
	pw, err := creds.Password.Plaintext(ctx)
	if err != nil {
		return o, engineError("reading the registry password", err)
	}
	host := creds.Registry
	if host == "" {
		host = registryHost(repo)
	}
	o.Credentials = map[string]registry.Credential{host: {Username: creds.Username, Password: pw}}
	return o, nil
}

// releaseInput is what signRelease needs, all of it plain.
type releaseInput struct {
	// Repo is the image repository and Digest the published digest.
	Repo, Digest string
	// Run is the run whose gates are attested.
	Run *result.Run
	// Key signs; Version is golden's.
	Key     *attest.PrivateKey
	Version string
	// Provenance and SBOM are attested with the gates; SBOMPlatform is the
	// platform the SBOM lists.
	Provenance   *attest.Provenance
	SBOM         []byte
	SBOMPlatform string
	// Registry is how the registry is reached.
	Registry registry.Options
}

// signRelease is the release step without the engine: attest.Release of
// the digest, and the summary of what it wrote.
func signRelease(ctx context.Context, in releaseInput) (*ReleaseResult, error) {
	rel, err := attest.Release(ctx, in.Repo, in.Digest, in.Key, attest.ReleaseInput{
		Run: in.Run, Version: in.Version, Provenance: in.Provenance, SBOM: in.SBOM,
	}, attest.Options{Registry: in.Registry})
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	res := &ReleaseResult{
		Released:     rel,
		Signature:    in.Repo + ":" + rel.Signature.Attachment.Tag,
		Attestations: in.Repo + ":" + rel.Attestation.Attachment.Tag,
	}
	var types []string
	for _, t := range rel.Attestation.Types {
		switch t {
		case attest.SLSAProvenanceV1Type:
			types = append(types, "SLSA provenance v1")
		case attest.GatesPredicateType:
			types = append(types, "gates (run "+string(rel.Status)+")")
		case attest.CycloneDXType:
			types = append(types, "CycloneDX SBOM ("+in.SBOMPlatform+")")
		default:
			types = append(types, t)
		}
	}
	signed := "signed"
	if !rel.Signature.Changed {
		signed = "already signed"
	}
	res.Summary = fmt.Sprintf("%s with %s (%s); attested %s (%s)", signed, in.Key.Public().Fingerprint(),
		rel.Signature.Attachment.Tag, strings.Join(types, ", "), rel.Attestation.Attachment.Tag)
	return res, nil
}

// toolImage is the image of the tool key this pipeline runs, recorded as
// used (the provenance of a signed image lists the tool images run).
func (p *Pipeline) toolImage(key string) string {
	img := p.cfg.ToolImage(key)
	p.usedMu.Lock()
	defer p.usedMu.Unlock()
	if p.used == nil {
		p.used = map[string]string{}
	}
	p.used[key] = img
	return img
}

// toolImages are the tool images this pipeline ran, by key.
func (p *Pipeline) toolImages() map[string]string {
	p.usedMu.Lock()
	defer p.usedMu.Unlock()
	out := make(map[string]string, len(p.used))
	for k, v := range p.used {
		out[k] = v
	}
	return out
}
