// GoldenBuild builds a service's image from its Dockerfile (build
// arguments, target, several platforms, OCI labels, tags from the commit,
// branch and version) and publishes it after a Trivy scan of the image.
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
	"github.com/goldenci/golden/modules/build/internal/dagger"
	"github.com/goldenci/golden/pipeline"
)

// GoldenBuild builds and publishes a service's image.
type GoldenBuild struct{}

// Build builds the service's Dockerfile for one platform, with the OCI
// labels, and returns the container.
func (m *GoldenBuild) Build(
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
func (m *GoldenBuild) Publish(
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
