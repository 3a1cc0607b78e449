// GoldenPromote moves images through the environments of a GitOps
// repository: the staging bump after a publish (golden bump), and the
// promotion of the digest one environment runs to another with a version
// tag and an audit trail (golden promote).
//
// It is a part of golden's pipeline as a module of its own (the module
// golden at the root of the repository has them all, and the whole
// pipeline). Its functions convert their arguments to objects of the
// published Go SDK (dagger.io/dagger) by ID, run golden's pipeline library
// on them (through package internal/daggermod) and convert the results
// back. The service's golden.yaml configures the stage; arguments beat it.
package main

import (
	"context"

	sdk "dagger.io/dagger"

	"github.com/goldenci/golden/internal/daggerid"
	"github.com/goldenci/golden/internal/daggermod"
	"github.com/goldenci/golden/modules/promote/internal/dagger"
	"github.com/goldenci/golden/pipeline"
)

// GoldenPromote bumps and promotes images in a GitOps repository.
type GoldenPromote struct{}

// Bump sets the staging environment of the service's GitOps repository
// to the published image (image.repository at the digest, tagged after
// the revision), by running golden bump: commit and push, retrying when
// the branch moved. It returns what changed.
//
// +cache="never"
func (m *GoldenPromote) Bump(
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
func (m *GoldenPromote) Promote(
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
