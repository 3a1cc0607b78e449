package pipeline

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

// BuildResult is the image Build built.
type BuildResult struct {
	// Platforms holds one container per platform, in the order of
	// PlatformNames; publish them together as one multi-platform image.
	Platforms []*dagger.Container
	// PlatformNames are the platforms built: "linux/amd64", ...
	PlatformNames []string
	// Tags are the tags to publish (toolcmd.ImageTags).
	Tags []string
	// Labels are the OCI labels set on every platform's image.
	Labels map[string]string
	// Stage is the "build" stage.
	Stage result.Stage
}

// PublishResult is the published image.
type PublishResult struct {
	// Ref is REPOSITORY@DIGEST.
	Ref string
	// Digest is the digest of the image (the index of a multi-platform
	// image): sha256:...
	Digest string
	// Tags are the tags pushed.
	Tags []string
	// Stage is the "publish" stage.
	Stage result.Stage
}

// Credentials log in to a registry.
type Credentials struct {
	// Registry is the registry host (default: the host of the image
	// repository, docker.io when it has none).
	Registry string
	// Username and Password are the login; without a Password the
	// engine's own credentials (the Dagger client's Docker config) apply.
	Username string
	Password *dagger.Secret
}

// ErrNoDockerfile is the error of Build when the source has no Dockerfile
// and is not a Go service (which golden builds itself): a service that
// ships no image. Run then skips the image stages unless publishing was
// asked for.
var ErrNoDockerfile = errors.New("no Dockerfile")

// BuildOptions choose what Build builds.
type BuildOptions struct {
	// Platforms are the platforms to build (default: image.platforms).
	// Run builds only the first when it does not publish: that is the
	// one the image scan scans.
	Platforms []string
}

// Binary paths of the native Go build.
const (
	goBuildOut = "/golden/build/app"
)

// Build builds the service's image for each platform (default the
// configured ones, else linux/amd64) and sets the OCI labels (source,
// revision, version, title, created) on each. With a Dockerfile
// (image.dockerfile, default "Dockerfile"), it builds that, with the
// configured build arguments and target; building for a platform other
// than the engine's needs QEMU (binfmt_misc) on the engine's host for RUN
// steps. A Go service without one is built natively, like ko: go build,
// cross-compiled for each platform in the Go image with the module and
// build caches, the binary put on the pinned distroless base (tools.base)
// as its entrypoint, run as nonroot. It evaluates the build, so that one
// that does not build fails here (exit 2). The containers stay SDK
// objects for ScanImage and Publish.
func (p *Pipeline) Build(ctx context.Context, o BuildOptions) (*BuildResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	img := p.cfg.Image
	dockerfile := img.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	ok, err := p.source.Exists(ctx, dockerfile, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeRegularType})
	if err != nil {
		return nil, engineError("looking for "+dockerfile, err)
	}
	native := !ok && p.cfg.Language == config.Go
	if !ok && !native {
		return nil, exitcode.InputError(fmt.Errorf("build: %w: %s is not in the source (image.dockerfile)", ErrNoDockerfile, dockerfile))
	}
	platforms := o.Platforms
	if len(platforms) == 0 {
		platforms = img.Platforms
	}
	if len(platforms) == 0 {
		platforms = []string{config.DefaultPlatform}
	}
	b := &BuildResult{
		PlatformNames: append([]string(nil), platforms...),
		Tags:          toolcmd.ImageTags(toolcmd.TagOptions{Commit: p.opts.Commit, Branch: p.opts.Branch, GitTag: p.opts.GitTag, DefaultBranch: p.opts.MainBranch}),
		Labels: toolcmd.OCILabels(toolcmd.LabelOptions{
			Source: p.opts.Repository, Revision: p.opts.Commit, Version: p.opts.GitTag,
			Title: p.cfg.Service, Created: p.opts.Created,
		}),
	}
	what := dockerfile
	if native {
		what = "go " + orDot(img.Main)
	}
	labels := sortedKeys(b.Labels)
	for _, pl := range platforms {
		var c *dagger.Container
		if native {
			p.logf("%s: go build %s (%s) onto %s", StageBuild, orDot(img.Main), pl, p.cfg.ToolImage("base"))
			c = p.goImage(pl)
		} else {
			p.logf("%s: docker build %s (%s)", StageBuild, dockerfile, pl)
			c = p.source.DockerBuild(dagger.DirectoryDockerBuildOpts{
				Platform:   dagger.Platform(pl),
				Dockerfile: dockerfile,
				Target:     img.Target,
				BuildArgs:  buildArgs(img.BuildArgs),
			})
		}
		for _, k := range labels {
			c = c.WithLabel(k, b.Labels[k])
		}
		b.Platforms = append(b.Platforms, c)
	}
	// Evaluate the platforms together: the engine builds them in parallel.
	errs := make([]error, len(b.Platforms))
	var wg sync.WaitGroup
	for i, c := range b.Platforms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Sync(ctx); err != nil {
				errs[i] = engineError(fmt.Sprintf("building %s for %s", what, platforms[i]), err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	b.Stage = result.Stage{Name: StageBuild, Status: result.Passed, Summary: buildSummary(what, platforms, b.Tags)}
	p.stageTimes(&b.Stage, start)
	return b, nil
}

// buildSummary is the build stage's line: what was built, for which
// platforms, and the tags it will be published under, if any.
func buildSummary(what string, platforms, tags []string) string {
	s := fmt.Sprintf("built %s for %s", what, strings.Join(platforms, ", "))
	if len(tags) == 0 {
		return s + "; no tags (no commit, branch or tag known: nothing to publish under)"
	}
	return s + "; tags " + strings.Join(tags, ", ")
}

func orDot(pkg string) string {
	if pkg == "" {
		return "."
	}
	return pkg
}

// goImage is the native Go build of the service for platform: the binary
// built in the Go image (on the engine's own platform, cross-compiling,
// with the tool environment and the Go caches), on the base image of
// platform, as /<service> (or /app), its entrypoint, as nonroot.
func (p *Pipeline) goImage(platform string) *dagger.Container {
	build := p.withGoCaches(p.tool("go"))
	env := toolcmd.GoBuildEnv(platform)
	for _, k := range sortedKeys(env) {
		build = build.WithEnvVariable(k, env[k])
	}
	bin := build.WithExec(toolcmd.GoBuild(toolcmd.GoBuildOptions{
		Package: p.cfg.Image.Main, Output: goBuildOut, Version: p.opts.GitTag,
	})).File(goBuildOut)
	name := "/" + binaryName(p.cfg.Service)
	return p.client.Container(dagger.ContainerOpts{Platform: dagger.Platform(platform)}).
		From(p.toolImage("base")).
		WithFile(name, bin, dagger.ContainerWithFileOpts{Permissions: 0o755}).
		WithUser("65532:65532").
		WithEntrypoint([]string{name})
}

// binaryName is the service's binary in the native image: its name, or
// "app".
func binaryName(service string) string {
	if service == "" || strings.ContainsAny(service, "/\\ ") {
		return "app"
	}
	return service
}

// buildArgs turns build arguments into the SDK's, sorted by name.
func buildArgs(m map[string]string) []dagger.BuildArg {
	var args []dagger.BuildArg
	for _, k := range sortedKeys(m) {
		args = append(args, dagger.BuildArg{Name: k, Value: m[k]})
	}
	return args
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Publish pushes the image b to the configured repository (image.repository)
// under each of b's tags, as one multi-platform image, logged in with creds
// when it has a password, and returns the digest. A registry that refuses
// the push is an infrastructure error (exit 3).
func (p *Pipeline) Publish(ctx context.Context, b *BuildResult, creds Credentials) (*PublishResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	repo, err := imageRepository(p.cfg.Image.Repository)
	if err != nil {
		return nil, err
	}
	if b == nil || len(b.Platforms) == 0 {
		return nil, exitcode.Inputf("publish: no image built")
	}
	if len(b.Tags) == 0 {
		return nil, exitcode.Inputf("publish: no tags to publish (no commit, branch or tag known)")
	}
	base := p.client.Container()
	variants := b.Platforms
	if creds.Password != nil {
		registry := creds.Registry
		if registry == "" {
			registry = registryHost(repo)
		}
		base = base.WithRegistryAuth(registry, creds.Username, creds.Password)
		variants = make([]*dagger.Container, len(b.Platforms))
		for i, c := range b.Platforms {
			variants[i] = c.WithRegistryAuth(registry, creds.Username, creds.Password)
		}
	}
	res := &PublishResult{Tags: b.Tags}
	for _, tag := range b.Tags {
		addr := repo + ":" + tag
		p.logf("%s: %s", StagePublish, addr)
		out, err := base.Publish(ctx, addr, dagger.ContainerPublishOpts{PlatformVariants: variants})
		if err != nil {
			return nil, exitcode.InfraError(fmt.Errorf("publishing %s: %w", addr, err))
		}
		digest, err := digestOf(out)
		if err != nil {
			return nil, err
		}
		switch {
		case res.Digest == "":
			res.Digest = digest
		case res.Digest != digest:
			p.logf("%s: warning: %s got digest %s, the first tag %s", StagePublish, addr, digest, res.Digest)
		}
	}
	res.Ref = repo + "@" + res.Digest
	res.Stage = result.Stage{Name: StagePublish, Status: result.Passed,
		Summary: fmt.Sprintf("published %s (tags %s)", res.Ref, strings.Join(res.Tags, ", "))}
	p.stageTimes(&res.Stage, start)
	return res, nil
}

// imageRepository checks the configured image repository: a repository
// name without tag or digest.
func imageRepository(repo string) (string, error) {
	repo = strings.TrimSpace(repo)
	if repo == "" {
		return "", exitcode.Inputf("no image repository to publish to: set image.repository in the configuration or --image")
	}
	if _, err := name.NewRepository(repo); err != nil {
		return "", exitcode.Inputf("image.repository %q: %w (want a repository without tag or digest, e.g. ghcr.io/acme/api)", repo, err)
	}
	return repo, nil
}

// registryHost is the registry of a repository name: its first element
// when that is a host (has a dot or a port, or is localhost), else Docker
// Hub, as docker resolves names.
func registryHost(repo string) string {
	first, _, ok := strings.Cut(repo, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// digestOf reads the digest from the address Publish returns,
// REPOSITORY:TAG@sha256:....
func digestOf(addr string) (string, error) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || !digestRE.MatchString(addr[i+1:]) {
		return "", exitcode.Infraf("publish returned %q: want an address with a sha256 digest", addr)
	}
	return addr[i+1:], nil
}
