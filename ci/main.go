// Golden is the golden pipeline for a service: lint, test with coverage
// gates, Trivy scans, image build and publish, the GitOps staging bump
// and promotion by digest, for Go, Python and Node services.
//
// Run it on a service from the root of the service's repository:
//
//	dagger -m github.com/goldenci/golden@v0.1.0 call ci --source=. export --path=golden-out
//	golden report --result golden-out/golden-result.json --exit-status
//
// The functions are thin: each converts its arguments to objects of the
// published Go SDK (dagger.io/dagger) by ID, runs golden's pipeline
// library on them (package pipeline, through package internal/daggermod)
// and converts the results back. The service's golden.yaml configures the
// pipeline; arguments beat it.
package main

import (
	"context"

	sdk "dagger.io/dagger"

	"github.com/goldenci/golden/ci/internal/dagger"
	"github.com/goldenci/golden/internal/daggerid"
	"github.com/goldenci/golden/internal/daggermod"
	"github.com/goldenci/golden/pipeline"
)

// Golden runs golden's pipeline.
type Golden struct{}

// Ci runs the whole pipeline: lint, test with coverage, scan, and build
// with the image scan, in parallel; then, when asked, publish (only when
// every stage passed) and the staging bump (after a publish on the main
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
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// golden's own source tree, from which the staging bump builds golden
	// (default: the repository of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", ".tools", "golden-reports", "golden-out", "**/testdata", "**/node_modules", "examples", "bench", "ci", "modules"]
	golden *dagger.Directory,
	// Stages not to run: lint, test, scan, build, scan-image.
	//
	// +optional
	skip []string,
	// Publish the image when every stage passed.
	//
	// +optional
	publish bool,
	// After publishing on the main branch, set the staging environment of
	// the GitOps repository to the image (needs --publish).
	//
	// +optional
	bump bool,
	// The image repository to publish to, without tag (image.repository).
	//
	// +optional
	image string,
	// The platforms to build, os/arch (image.platforms; default
	// linux/amd64).
	//
	// +optional
	buildPlatform []string,
	// The lowest lint finding severity that fails the lint gate: LOW,
	// MEDIUM, HIGH or CRITICAL (lint.failOn; default LOW).
	//
	// +optional
	lintFailOn string,
	// The least total coverage, in percent (coverage.min).
	//
	// +optional
	minCoverage string,
	// The least coverage of every package, in percent
	// (coverage.minPackage).
	//
	// +optional
	minPackageCoverage string,
	// The scan findings' severities that fail the scan gates (scan.severity;
	// default HIGH,CRITICAL).
	//
	// +optional
	scanSeverity []string,
	// Let vulnerabilities without a fixed version pass
	// (scan.ignoreUnfixed).
	//
	// +optional
	ignoreUnfixed bool,
	// A mirror of Trivy's vulnerability database, for air-gapped engines
	// (scan.dbRepository).
	//
	// +optional
	trivyDbRepository string,
	// A mirror of Trivy's Java database (scan.javaDBRepository).
	//
	// +optional
	trivyJavaDbRepository string,
	// The GitOps repository the staging bump pushes to (gitops.repo).
	//
	// +optional
	gitopsRepo string,
	// The environment of the GitOps repository the bump sets
	// (gitops.staging; default staging).
	//
	// +optional
	staging string,
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
	// The commit built (e.g. $GITHUB_SHA): the image's sha- tag and
	// revision label.
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
	// The repository's default branch, whose builds bump staging (default
	// main).
	//
	// +optional
	mainBranch string,
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
) (*dagger.Directory, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	gold, err := daggerid.Convert(ctx, golden, c.LoadDirectoryFromID)
	if err != nil {
		return nil, err
	}
	password, err := daggerid.Convert(ctx, registryPassword, c.LoadSecretFromID)
	if err != nil {
		return nil, err
	}
	token, err := daggerid.Convert(ctx, gitToken, c.LoadSecretFromID)
	if err != nil {
		return nil, err
	}
	out, err := daggermod.Ci(ctx, c, daggermod.Inputs{
		Source: src,
		Golden: gold,
		Overrides: daggermod.Overrides{
			Image: image, Platforms: buildPlatform, FailOn: lintFailOn,
			CoverageMin: minCoverage, CoverageMinPackage: minPackageCoverage,
			Severity: scanSeverity, IgnoreUnfixed: ignoreUnfixed,
			DBRepository: trivyDbRepository, JavaDBRepository: trivyJavaDbRepository,
			GitOpsRepo: gitopsRepo, Staging: staging, Tools: tools,
		},
		Revision: daggermod.Revision{Commit: commit, Branch: branch, Tag: tag, Repository: repository, MainBranch: mainBranch},
	}, pipeline.RunOptions{
		Skip:        skip,
		Publish:     publish,
		Credentials: pipeline.Credentials{Registry: registry, Username: registryUsername, Password: password},
		Bump:        bump,
		Git:         pipeline.GitCredentials{Token: token, Username: gitUsername},
	})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// Lint runs the language's linter (golangci-lint, ruff or ESLint) and
// returns its JSON report and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *Golden) Lint(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The lowest finding severity that fails the gate: LOW, MEDIUM, HIGH or
	// CRITICAL (lint.failOn; default LOW).
	//
	// +optional
	lintFailOn string,
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
) (*dagger.Directory, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := daggermod.Lint(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{FailOn: lintFailOn, Tools: tools}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// LintCheck runs the linter and fails when a finding is at or above the
// gate's severity.
//
// +check
// +cache="session"
func (m *Golden) LintCheck(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
) error {
	c, src, err := session(ctx, source)
	if err != nil {
		return err
	}
	defer c.Close()
	return daggermod.LintCheck(ctx, c, daggermod.Inputs{Source: src})
}

// Test runs the tests with coverage (go test -race, pytest with
// pytest-cov, npm test) and the coverage gates, and returns the test
// reports, the coverage profile and golden-result.json, whatever the
// verdict.
//
// +cache="session"
func (m *Golden) Test(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The least total coverage, in percent (coverage.min).
	//
	// +optional
	minCoverage string,
	// The least coverage of every package, in percent
	// (coverage.minPackage).
	//
	// +optional
	minPackageCoverage string,
	// Run go test without -race (test.race: false).
	//
	// +optional
	noRace bool,
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
) (*dagger.Directory, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := daggermod.Test(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{
		CoverageMin: minCoverage, CoverageMinPackage: minPackageCoverage, NoRace: noRace, Tools: tools,
	}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// TestCheck runs the tests and fails when a test or a coverage gate
// failed.
//
// +check
// +cache="session"
func (m *Golden) TestCheck(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
) error {
	c, src, err := session(ctx, source)
	if err != nil {
		return err
	}
	defer c.Close()
	return daggermod.TestCheck(ctx, c, daggermod.Inputs{Source: src})
}

// Scan runs Trivy on the source (vulnerabilities, secrets,
// misconfigurations) and returns trivy.json, trivy.sarif (for code
// scanning) and golden-result.json, whatever the verdict.
//
// +cache="session"
func (m *Golden) Scan(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The severities that fail the gate (scan.severity; default
	// HIGH,CRITICAL).
	//
	// +optional
	scanSeverity []string,
	// Let vulnerabilities without a fixed version pass
	// (scan.ignoreUnfixed).
	//
	// +optional
	ignoreUnfixed bool,
	// A mirror of Trivy's vulnerability database, for air-gapped engines
	// (scan.dbRepository).
	//
	// +optional
	trivyDbRepository string,
	// A mirror of Trivy's Java database (scan.javaDBRepository).
	//
	// +optional
	trivyJavaDbRepository string,
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
) (*dagger.Directory, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := daggermod.Scan(ctx, c, daggermod.Inputs{Source: src, Overrides: daggermod.Overrides{
		Severity: scanSeverity, IgnoreUnfixed: ignoreUnfixed, DBRepository: trivyDbRepository, JavaDBRepository: trivyJavaDbRepository, Tools: tools,
	}})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadDirectoryFromID)
}

// ScanCheck runs Trivy on the source and fails when a finding of a gating
// severity remains.
//
// +check
// +cache="session"
func (m *Golden) ScanCheck(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
) error {
	c, src, err := session(ctx, source)
	if err != nil {
		return err
	}
	defer c.Close()
	return daggermod.ScanCheck(ctx, c, daggermod.Inputs{Source: src})
}

// Build builds the service's Dockerfile for one platform, with the OCI
// labels, and returns the container.
func (m *Golden) Build(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The platform to build, os/arch (default: the first of
	// image.platforms, else linux/amd64).
	//
	// +optional
	platform string,
	// The Dockerfile, relative to the source (image.dockerfile; default
	// Dockerfile).
	//
	// +optional
	dockerfile string,
	// The build stage to build (image.target; default the last).
	//
	// +optional
	target string,
	// Build arguments, NAME=VALUE (added to image.buildArgs).
	//
	// +optional
	buildArgs []string,
	// The commit built: the image's revision label.
	//
	// +optional
	commit string,
	// The git tag built: the image's version label.
	//
	// +optional
	tag string,
	// The source repository's URL, for the image's source label.
	//
	// +optional
	repository string,
) (*dagger.Container, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var platforms []string
	if platform != "" {
		platforms = []string{platform}
	}
	out, err := daggermod.Build(ctx, c, daggermod.Inputs{
		Source:    src,
		Overrides: daggermod.Overrides{Platforms: platforms, Dockerfile: dockerfile, Target: target, BuildArgs: buildArgs},
		Revision:  daggermod.Revision{Commit: commit, Tag: tag, Repository: repository},
	})
	if err != nil {
		return nil, err
	}
	return daggerid.Convert(ctx, out, dag.LoadContainerFromID)
}

// Publish builds the image for every platform, scans it, and when the
// scan passed pushes it under its tags (sha-<commit>, the branch, the
// version tags); it returns REPOSITORY@DIGEST.
//
// +cache="never"
func (m *Golden) Publish(
	ctx context.Context,
	// The service's source directory (default: the root of the repository
	// of this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// The image repository to publish to, without tag (image.repository).
	//
	// +optional
	image string,
	// The platforms to build, os/arch (image.platforms; default
	// linux/amd64).
	//
	// +optional
	buildPlatform []string,
	// The commit built (e.g. $GITHUB_SHA): the image's sha- tag.
	//
	// +optional
	commit string,
	// The branch built (e.g. $GITHUB_REF_NAME), empty for a tag build.
	//
	// +optional
	branch string,
	// The git tag built (e.g. v1.2.3), empty for a branch build.
	//
	// +optional
	tag string,
	// The source repository's URL, for the image's source label.
	//
	// +optional
	repository string,
	// The repository's default branch, whose builds are also tagged
	// latest (default main).
	//
	// +optional
	mainBranch string,
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
	// Tool image overrides, KEY=IMAGE; keys: go, golangci-lint, trivy,
	// python, node (tools).
	//
	// +optional
	tools []string,
) (string, error) {
	c, src, err := session(ctx, source)
	if err != nil {
		return "", err
	}
	defer c.Close()
	password, err := daggerid.Convert(ctx, registryPassword, c.LoadSecretFromID)
	if err != nil {
		return "", err
	}
	return daggermod.Publish(ctx, c, daggermod.Inputs{
		Source:    src,
		Overrides: daggermod.Overrides{Image: image, Platforms: buildPlatform, Tools: tools},
		Revision:  daggermod.Revision{Commit: commit, Branch: branch, Tag: tag, Repository: repository, MainBranch: mainBranch},
	}, pipeline.Credentials{Registry: registry, Username: registryUsername, Password: password})
}

// Bump sets the staging environment of the service's GitOps repository
// to the published image (image.repository at the digest, tagged after
// the revision), by running golden bump: commit and push, retrying when
// the branch moved. It returns what changed.
//
// +cache="never"
func (m *Golden) Bump(
	ctx context.Context,
	// The service's source directory, whose golden.yaml names the GitOps
	// repository and environments (default: the root of the repository of
	// this module: pass --source=. from a service's repository).
	//
	// +defaultPath="/"
	// +ignore=[".git", "**/node_modules", "**/.venv", "**/__pycache__", ".tools", "golden-reports", "golden-out"]
	source *dagger.Directory,
	// golden's own source tree, from which golden is built (default: the
	// repository of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", ".tools", "golden-reports", "golden-out", "**/testdata", "**/node_modules", "examples", "bench", "ci", "modules"]
	golden *dagger.Directory,
	// The published image's digest, sha256:...
	digest string,
	// The image repository, without tag (image.repository).
	//
	// +optional
	image string,
	// The GitOps repository (gitops.repo).
	//
	// +optional
	gitopsRepo string,
	// The environment to set (gitops.staging; default staging).
	//
	// +optional
	staging string,
	// The commit the image was built from (the Golden-Source-Commit
	// trailer and the sha- tag).
	//
	// +optional
	commit string,
	// The branch built.
	//
	// +optional
	branch string,
	// The git tag built: the version written next to the digest.
	//
	// +optional
	tag string,
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
	c, src, err := session(ctx, source)
	if err != nil {
		return "", err
	}
	defer c.Close()
	gold, err := daggerid.Convert(ctx, golden, c.LoadDirectoryFromID)
	if err != nil {
		return "", err
	}
	token, err := daggerid.Convert(ctx, gitToken, c.LoadSecretFromID)
	if err != nil {
		return "", err
	}
	return daggermod.Bump(ctx, c, daggermod.Inputs{
		Source:    src,
		Golden:    gold,
		Overrides: daggermod.Overrides{Image: image, GitOpsRepo: gitopsRepo, Staging: staging},
		Revision:  daggermod.Revision{Commit: commit, Branch: branch, Tag: tag},
	}, digest, pipeline.GitCredentials{Token: token, Username: gitUsername})
}

// Promote gives the environment --to the image the environment --from
// runs, by digest, with a version tag and an audit trail, by running
// golden promote: it copies the digest to the target repository, tags it
// with the version, commits the change with trailers and pushes. It
// returns what golden promote printed.
//
// +cache="never"
func (m *Golden) Promote(
	ctx context.Context,
	// golden's own source tree, from which golden is built (default: the
	// repository of this module).
	//
	// +defaultPath="/"
	// +ignore=[".git", ".tools", "golden-reports", "golden-out", "**/testdata", "**/node_modules", "examples", "bench", "ci", "modules"]
	golden *dagger.Directory,
	// The source environment: a directory or file of the GitOps
	// repository, or an environment of the service's golden.yaml.
	from string,
	// The target environment: a directory or file of the GitOps
	// repository, or an environment of the service's golden.yaml.
	to string,
	// A service's source directory whose golden.yaml names the GitOps
	// repository, the image and the environments.
	//
	// +optional
	source *dagger.Directory,
	// The GitOps repository's URL (default: gitops.repo of --source).
	//
	// +optional
	repo string,
	// The image's name as the manifests know it (default: image.repository
	// of --source).
	//
	// +optional
	image string,
	// The repository the target environment pulls from, without tag
	// (default: the image of --to's environment, else the source's).
	//
	// +optional
	toImage string,
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
) (string, error) {
	c, err := sdk.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	gold, err := daggerid.Convert(ctx, golden, c.LoadDirectoryFromID)
	if err != nil {
		return "", err
	}
	src, err := daggerid.Convert(ctx, source, c.LoadDirectoryFromID)
	if err != nil {
		return "", err
	}
	token, err := daggerid.Convert(ctx, gitToken, c.LoadSecretFromID)
	if err != nil {
		return "", err
	}
	password, err := daggerid.Convert(ctx, registryPassword, c.LoadSecretFromID)
	if err != nil {
		return "", err
	}
	return daggermod.Promote(ctx, c, daggermod.PromoteOptions{
		Command: daggermod.PromoteCommandOptions{
			Repo: repo, Branch: branch, Image: image, From: from, To: to, ToImage: toImage,
			Version: version, Bump: bump, Constraint: constraint, AllowDowngrade: allowDowngrade,
			Actor: actor, DryRun: dryRun,
		},
		Source:           src,
		Golden:           gold,
		GitToken:         token,
		GitUsername:      gitUsername,
		RegistryUsername: registryUsername,
		RegistryPassword: password,
	})
}

// session joins the function's Dagger session with the published SDK
// (DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN) and converts the source
// directory to it.
func session(ctx context.Context, source *dagger.Directory) (*sdk.Client, *sdk.Directory, error) {
	c, err := sdk.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	src, err := daggerid.Convert(ctx, source, c.LoadDirectoryFromID)
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	return c, src, nil
}
