// Golden is the golden pipeline for a service: lint, test with coverage
// gates, Trivy scans, image build and publish, the GitOps staging bump
// and promotion by digest, for Go, Python and Node services.
//
// Run it on a service from the root of the service's repository:
//
//	dagger -m github.com/goldenci/golden@v0.1.0 call --source=. ci export --path=golden-out
//	golden report --result golden-out/golden-result.json --exit-status
//
// The constructor takes what every function shares: the service's source,
// settings of its golden.yaml (--set), and what air-gapped and corporate
// networks need (mirrors through --set, credentials as secrets, a CA
// bundle, a pre-seeded Trivy DB). Each function runs golden's pipeline
// library (package pipeline, through package internal/engine/daggermod) on them.
package main

import (
	"context"

	sdk "dagger.io/dagger"

	"github.com/goldenci/golden/ci/internal/dagger"
	"github.com/goldenci/golden/internal/engine/daggermod"
	"github.com/goldenci/golden/pipeline"
)

// Golden runs golden's pipeline on a service.
type Golden struct {
	// +private
	Source *dagger.Directory
	// +private
	Set []string
	// +private
	Netrc *dagger.Secret
	// +private
	Npmrc *dagger.Secret
	// +private
	CaCerts *dagger.File
	// +private
	TrivyDb *dagger.Directory
	// +private
	Commit string
	// +private
	Branch string
	// +private
	Tag string
	// +private
	Repository string
	// +private
	MainBranch string
	// +private
	SourcePath string
}

// New configures golden's pipeline for a service.
func New(
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// Settings of the service's golden.yaml, KEY=VALUE with a YAML value:
	// coverage.min=80, scan.severity=[HIGH,CRITICAL], tools.trivy=IMAGE,
	// env.GOPROXY=URL, scan.dbRepository=MIRROR. They beat the file; a
	// value may hold commas.
	//
	// +optional
	set []string,
	// A netrc file for the package managers of the tool containers
	// (private Go modules, pip indexes).
	//
	// +optional
	netrc *dagger.Secret,
	// An npmrc file for npm registries.
	//
	// +optional
	npmrc *dagger.Secret,
	// A PEM bundle the tool containers trust instead of their images' own
	// (caCerts).
	//
	// +optional
	caCerts *dagger.File,
	// A pre-seeded Trivy cache directory (db/, java-db/): the scans
	// download nothing.
	//
	// +optional
	trivyDb *dagger.Directory,
	// The commit built (e.g. $GITHUB_SHA): the image's sha- tag, revision
	// label and the bump's Golden-Source-Commit.
	//
	// +optional
	commit string,
	// The branch built (e.g. $GITHUB_REF_NAME), empty for a tag build.
	//
	// +optional
	branch string,
	// The git tag built (e.g. v1.2.3), empty for a branch build: the
	// image's version tags.
	//
	// +optional
	tag string,
	// The source repository's URL, for the image's source label.
	//
	// +optional
	repository string,
	// The repository's default branch, whose builds bump staging and are
	// tagged latest (default main).
	//
	// +optional
	mainBranch string,
	// The source's directory in its repository, for a service in a
	// subdirectory (a monorepo; e.g. services/api with
	// --source=./services/api): the reports name files from the
	// repository root, as GitHub and GitLab map them.
	//
	// +optional
	sourcePath string,
) *Golden {
	return &Golden{
		Source: source, Set: set, Netrc: netrc, Npmrc: npmrc, CaCerts: caCerts, TrivyDb: trivyDb,
		Commit: commit, Branch: branch, Tag: tag, Repository: repository, MainBranch: mainBranch, SourcePath: sourcePath,
	}
}

// args are the constructor's arguments for package daggermod.
func (m *Golden) args() daggermod.Args[dagger.ID] {
	return daggermod.Args[dagger.ID]{
		Source: m.Source, Set: m.Set, Netrc: m.Netrc, Npmrc: m.Npmrc, CACerts: m.CaCerts, TrivyDB: m.TrivyDb,
		Revision: daggermod.Revision{
			Commit: m.Commit, Branch: m.Branch, Tag: m.Tag, Repository: m.Repository, MainBranch: m.MainBranch, Path: m.SourcePath,
		},
	}
}

// Ci runs the whole pipeline: lint, test with coverage, scan, and build
// with the image scan, in parallel; then, when asked, publish (only when
// every stage passed; with --sign-key, signed, and attested with the
// run's gates) and the staging bump (after a publish on the main
// branch). It returns a directory holding golden-result.json, the run, and
// golden.sarif, the lint and scan findings for code scanning, whatever the
// verdict: export it and run golden report on it, which renders the run
// for GitHub, GitLab or a terminal and fails the job when the run failed
// (--exit-status). Ci fails itself only when the pipeline cannot start
// (bad configuration or arguments).
//
// +cache="session"
func (m *Golden) Ci(
	ctx context.Context,
	// Stages not to run: lint, test, scan, build, scan-image.
	//
	// +optional
	skip []string,
	// Publish the image (image.repository) when every stage passed.
	//
	// +optional
	publish bool,
	// After publishing on the main branch, set the staging environment of
	// the GitOps repository to the image (needs --publish).
	//
	// +optional
	bump bool,
	// The registry host to log in to (default: the image repository's).
	//
	// +optional
	registry string,
	// The registry user name.
	//
	// +optional
	registryUsername string,
	// The registry password or token.
	//
	// +optional
	registryPassword *dagger.Secret,
	// The access token of the GitOps repository, for the bump.
	//
	// +optional
	gitToken *dagger.Secret,
	// The user name that goes with the token (default x-access-token;
	// GitLab's CI_JOB_TOKEN needs gitlab-ci-token).
	//
	// +optional
	gitUsername string,
	// cosign's private key (cosign.key of cosign generate-key-pair): with
	// --publish, sign the published image and attest its SLSA provenance,
	// its gates and its CycloneDX SBOM, next to it in its repository, as
	// cosign sign and cosign attest do.
	//
	// +optional
	signKey *dagger.Secret,
	// The signing key's password (COSIGN_PASSWORD).
	//
	// +optional
	signKeyPassword *dagger.Secret,
) (*dagger.Directory, error) {
	a := m.args()
	a.Registry, a.RegistryUsername, a.RegistryPassword = registry, registryUsername, registryPassword
	a.GitToken, a.GitUsername = gitToken, gitUsername
	a.SignKey, a.SignKeyPassword = signKey, signKeyPassword
	return daggermod.Call(ctx, a, func(s *daggermod.Session, ctx context.Context) (*sdk.Directory, error) {
		return s.Ci(ctx, pipeline.RunOptions{Skip: skip, Publish: publish, Bump: bump})
	}, dag.LoadDirectoryFromID)
}

// Lint runs the language's linter (golangci-lint, ruff or ESLint) and
// returns its JSON report and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *Golden) Lint(ctx context.Context) (*dagger.Directory, error) {
	return daggermod.Call(ctx, m.args(), (*daggermod.Session).Lint, dag.LoadDirectoryFromID)
}

// LintCheck runs the linter and fails when a finding is at or above the
// gate's severity (lint.failOn), naming the findings.
//
// +check
// +cache="session"
func (m *Golden) LintCheck(ctx context.Context) error {
	return daggermod.Do(ctx, m.args(), (*daggermod.Session).LintCheck)
}

// Test runs the tests with coverage (go test -race, pytest with
// pytest-cov, npm test) and the coverage gates, and returns the test
// reports, the coverage profile and golden-result.json, whatever the
// verdict.
//
// +cache="session"
func (m *Golden) Test(ctx context.Context) (*dagger.Directory, error) {
	return daggermod.Call(ctx, m.args(), (*daggermod.Session).Test, dag.LoadDirectoryFromID)
}

// TestCheck runs the tests and fails when a test or a coverage gate
// failed, naming the failed tests.
//
// +check
// +cache="session"
func (m *Golden) TestCheck(ctx context.Context) error {
	return daggermod.Do(ctx, m.args(), (*daggermod.Session).TestCheck)
}

// Scan runs Trivy on the source (vulnerabilities, secrets,
// misconfigurations) and returns trivy.json, trivy.sarif (for code
// scanning) and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *Golden) Scan(ctx context.Context) (*dagger.Directory, error) {
	return daggermod.Call(ctx, m.args(), (*daggermod.Session).Scan, dag.LoadDirectoryFromID)
}

// ScanCheck runs Trivy on the source and fails when a finding of a gating
// severity (scan.severity) remains, naming the findings.
//
// +check
// +cache="session"
func (m *Golden) ScanCheck(ctx context.Context) error {
	return daggermod.Do(ctx, m.args(), (*daggermod.Session).ScanCheck)
}

// Build builds the service's image for one platform, with the OCI
// labels, and returns the container.
func (m *Golden) Build(
	ctx context.Context,
	// The platform to build, os/arch (default: the first of
	// image.platforms, else linux/amd64).
	//
	// +optional
	platform string,
) (*dagger.Container, error) {
	return daggermod.Call(ctx, m.args(), func(s *daggermod.Session, ctx context.Context) (*sdk.Container, error) {
		return s.Build(ctx, platform)
	}, dag.LoadContainerFromID)
}

// Publish builds the image for every platform, scans it, and when the
// scan passed pushes it under its tags (sha-<commit>, the branch, the
// version tags); with --sign-key it then signs the digest and attests its
// provenance, gates (build and image scan) and SBOM. It returns
// REPOSITORY@DIGEST.
//
// +cache="never"
func (m *Golden) Publish(
	ctx context.Context,
	// The registry host to log in to (default: the image repository's).
	//
	// +optional
	registry string,
	// The registry user name.
	//
	// +optional
	registryUsername string,
	// The registry password or token.
	//
	// +optional
	registryPassword *dagger.Secret,
	// cosign's private key (cosign.key of cosign generate-key-pair): sign
	// the published image and attest its SLSA provenance, its gates and
	// its CycloneDX SBOM, next to it in its repository, as cosign sign and
	// cosign attest do.
	//
	// +optional
	signKey *dagger.Secret,
	// The signing key's password (COSIGN_PASSWORD).
	//
	// +optional
	signKeyPassword *dagger.Secret,
) (string, error) {
	a := m.args()
	a.Registry, a.RegistryUsername, a.RegistryPassword = registry, registryUsername, registryPassword
	a.SignKey, a.SignKeyPassword = signKey, signKeyPassword
	return daggermod.Value(ctx, a, (*daggermod.Session).Publish)
}

// Bump sets the staging environment of the service's GitOps repository
// (gitops.repo, gitops.staging) to the published image (image.repository
// at the digest, tagged after the revision): commit and push, retrying
// when the branch moved. It returns what changed.
//
// +cache="never"
func (m *Golden) Bump(
	ctx context.Context,
	// The published image's digest, sha256:...
	digest string,
	// The access token of the GitOps repository.
	//
	// +optional
	gitToken *dagger.Secret,
	// The user name that goes with the token (default x-access-token;
	// GitLab's CI_JOB_TOKEN needs gitlab-ci-token).
	//
	// +optional
	gitUsername string,
) (string, error) {
	a := m.args()
	a.GitToken, a.GitUsername = gitToken, gitUsername
	return daggermod.Value(ctx, a, func(s *daggermod.Session, ctx context.Context) (string, error) {
		return s.Bump(ctx, digest)
	})
}

// Promote gives the environment --to the image the environment --from
// runs, by digest, with a version tag and an audit trail, as golden
// promote does: it copies the digest to the target repository, tags it
// with the version, commits the change with trailers and pushes. The
// service's golden.yaml names the GitOps repository, the image and the
// environments; the arguments beat it. It returns what changed.
//
// +cache="never"
func (m *Golden) Promote(
	ctx context.Context,
	// The source environment: an environment of golden.yaml, or a
	// directory or file of the GitOps repository.
	from string,
	// The target environment: an environment of golden.yaml, or a
	// directory or file of the GitOps repository.
	to string,
	// The version to give the image, e.g. 1.4.0.
	//
	// +optional
	version string,
	// Instead of --version, bump this part of the highest version: major,
	// minor or patch.
	//
	// +optional
	bump string,
	// The version must satisfy this constraint, e.g. ">= 1.4, < 2.0".
	//
	// +optional
	constraint string,
	// Allow a version lower than the highest existing one.
	//
	// +optional
	allowDowngrade bool,
	// The GitOps repository's URL (default: gitops.repo).
	//
	// +optional
	repo string,
	// The image's name as the manifests know it (default:
	// image.repository).
	//
	// +optional
	image string,
	// The repository the target environment pulls from, without tag
	// (default: the image of --to's environment, else the source's).
	//
	// +optional
	toImage string,
	// Push to this new branch, for a pull or merge request, instead of the
	// base branch.
	//
	// +optional
	branch string,
	// Who promotes, for the Golden-Promoted-By trailer.
	//
	// +optional
	actor string,
	// Print the change and change nothing.
	//
	// +optional
	dryRun bool,
	// The access token of the GitOps repository.
	//
	// +optional
	gitToken *dagger.Secret,
	// The user name that goes with the token (default x-access-token).
	//
	// +optional
	gitUsername string,
	// The user name for the source and target registries.
	//
	// +optional
	registryUsername string,
	// The password or token for the source and target registries.
	//
	// +optional
	registryPassword *dagger.Secret,
	// A cosign public key: promote only a digest signed by it with a
	// passing gates attestation, and copy its signature and attestations
	// with it (default: the file verifyKey of the target environment in
	// golden.yaml names in the source).
	//
	// +optional
	verifyKey *dagger.File,
) (string, error) {
	a := m.args()
	a.GitToken, a.GitUsername = gitToken, gitUsername
	a.RegistryUsername, a.RegistryPassword = registryUsername, registryPassword
	a.VerifyKey = verifyKey
	return daggermod.Value(ctx, a, func(s *daggermod.Session, ctx context.Context) (string, error) {
		return s.Promote(ctx, daggermod.PromoteOptions{
			Repo: repo, Branch: branch, Image: image, From: from, To: to, ToImage: toImage,
			Version: version, Bump: bump, Constraint: constraint, AllowDowngrade: allowDowngrade,
			Actor: actor, DryRun: dryRun,
		})
	})
}
