package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

// GitCredentials authenticate golden bump to the GitOps repository over
// HTTPS.
type GitCredentials struct {
	// Token is the access token (GOLDEN_GIT_TOKEN of golden bump).
	Token *dagger.Secret
	// Username goes with the token (default x-access-token; GitLab's
	// CI_JOB_TOKEN needs gitlab-ci-token).
	Username string
}

// BumpResult is the outcome of the staging bump.
type BumpResult struct {
	// Commit is the commit pushed to the GitOps repository, or when the
	// environment already ran the image, the head that has it.
	Commit string
	// Changed reports whether a commit was pushed.
	Changed bool
	// Outputs are the outputs golden bump recorded: image, digest,
	// version, commit, changed, branch and compare_url.
	Outputs map[string]string
	// Stage is the "bump" stage.
	Stage result.Stage
}

// Paths of the bump container.
const (
	goldenSourcePath = "/golden/source"
	goldenBinary     = "/usr/local/bin/golden"
	bumpResult       = OutPath + "/bump.json"
)

// Bump sets the staging environment of the GitOps repository to the image
// published with digest: it builds golden from its own source
// (Options.Golden) in the Go image and runs golden bump there, against the
// configured repository (gitops.repo, branch gitops.branch), in the path of
// the environment gitops.staging (default "staging"), for the image
// image.repository at the image's tag and digest. The token reaches the
// container only as a secret variable. golden bump clones, commits and
// pushes, retrying when the branch moved; an environment that already runs
// the image is no change.
func (p *Pipeline) Bump(ctx context.Context, digest string, git GitCredentials) (*BumpResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.opts.Golden == nil {
		return nil, exitcode.Inputf("bump: golden's source is not available (Options.Golden) to build golden bump from")
	}
	if !digestRE.MatchString(digest) {
		return nil, exitcode.Inputf("bump: digest %q: want sha256:<64 hex digits>", digest)
	}
	repo, err := imageRepository(p.cfg.Image.Repository)
	if err != nil {
		return nil, err
	}
	envName, env, err := stagingEnvironment(p.cfg)
	if err != nil {
		return nil, err
	}

	ctr := GoldenContainer(p.client, p.cfg.ToolImage("go"), p.opts.Golden).
		WithDirectory(OutPath, p.client.Directory()).
		WithWorkdir(OutPath).
		// Never reuse an earlier bump from the engine's cache: the GitOps
		// repository has moved on since.
		WithEnvVariable("GOLDEN_BUMP_AT", p.now().UTC().Format(time.RFC3339Nano))
	if git.Token != nil {
		ctr = ctr.WithSecretVariable("GOLDEN_GIT_TOKEN", git.Token)
	}
	if git.Username != "" {
		ctr = ctr.WithEnvVariable("GOLDEN_GIT_USERNAME", git.Username)
	}
	argv := BumpCommand(BumpCommandOptions{
		Golden:       goldenBinary,
		Repo:         p.cfg.GitOps.Repo,
		Base:         p.cfg.GitOps.Branch,
		Path:         env.Path,
		Image:        repo,
		Tag:          bumpTag(p.opts.GitTag, p.opts.Commit, p.opts.Branch),
		Digest:       digest,
		SourceCommit: p.opts.Commit,
		Result:       bumpResult,
	})
	_, run, err := p.exec(ctx, StageBump, ctr, argv, execOpts{Outputs: []string{bumpResult}})
	if err != nil {
		return nil, err
	}
	res, err := bumpStage(run, bumpResult)
	if err != nil {
		return nil, fmt.Errorf("bump %s: %w", envName, err)
	}
	p.stageTimes(&res.Stage, start)
	return res, nil
}

// stagingEnvironment is the environment bumped after publish:
// gitops.staging (default "staging") of gitops.environments, in the
// repository gitops.repo.
func stagingEnvironment(cfg *config.Config) (string, config.Environment, error) {
	name := cfg.GitOps.Staging
	if name == "" {
		name = "staging"
	}
	if strings.TrimSpace(cfg.GitOps.Repo) == "" {
		return name, config.Environment{}, exitcode.Inputf("bump: no GitOps repository: set gitops.repo in the configuration")
	}
	env, ok := cfg.GitOps.Environments[name]
	if !ok || strings.TrimSpace(env.Path) == "" {
		return name, env, exitcode.Inputf("bump: gitops.environments has no %q environment with a path (gitops.staging names the environment to bump)", name)
	}
	return name, env, nil
}

// bumpTag is the tag bump writes next to the digest, for people reading
// the manifests: the git tag's version when the commit is tagged, else the
// commit tag (the first of toolcmd.ImageTags).
func bumpTag(gitTag, commit, branch string) string {
	tags := toolcmd.ImageTags(toolcmd.TagOptions{Commit: commit, Branch: branch, GitTag: gitTag})
	if len(tags) == 0 {
		return ""
	}
	return tags[0]
}

// bumpStage assembles the bump stage from the result file golden bump
// recorded, classified by its exit code: 0 and 1 are outcomes, 2 is bad
// input (a path that is not in the repository, an image the manifests do
// not name) and 3 the git server.
func bumpStage(run *toolRun, path string) (*BumpResult, error) {
	data, ok := run.file(path)
	if !ok {
		return nil, toolFailed("golden bump", run.ExitCode, run.Stderr)
	}
	r, err := result.Read(strings.NewReader(data), baseName(path))
	if err != nil {
		return nil, exitcode.InfraError(err)
	}
	st, ok := r.Stage(StageBump)
	if !ok {
		return nil, exitcode.Infraf("golden bump recorded no %q stage in %s", StageBump, baseName(path))
	}
	switch run.ExitCode {
	case 0, 1:
	case 2:
		return nil, exitcode.InputError(errors.New(st.Error))
	default:
		return nil, exitcode.InfraError(errors.New(st.Error))
	}
	res := &BumpResult{Outputs: r.Outputs, Stage: st}
	if res.Outputs == nil {
		res.Outputs = map[string]string{}
	}
	res.Commit = res.Outputs["commit"]
	res.Changed = res.Outputs["changed"] == "true"
	return res, nil
}

// GoldenBinary is where GoldenContainer puts the golden command.
const GoldenBinary = goldenBinary

// GoldenContainer is a container of goImage with the golden command at
// GoldenBinary, built from golden's source directory golden with the Go
// caches mounted. The build is an exec of its own, cached by the engine for
// one golden source; the container golden runs in has no caches mounted.
func GoldenContainer(client *dagger.Client, goImage string, golden *dagger.Directory) *dagger.Container {
	bin := withGoCaches(client, client.Container().From(goImage)).
		WithEnvVariable("CGO_ENABLED", "0").
		WithMountedDirectory(goldenSourcePath, golden).
		WithWorkdir(goldenSourcePath).
		WithExec(GoldenBuildCommand(goldenBinary)).
		File(goldenBinary)
	return client.Container().From(goImage).WithFile(goldenBinary, bin)
}

// GoldenBuildCommand is the command line that builds the golden command
// from golden's module root into out.
func GoldenBuildCommand(out string) []string {
	return []string{"go", "build", "-trimpath", "-o", out, "./cmd/golden"}
}

// BumpCommandOptions are the arguments of golden bump.
type BumpCommandOptions struct {
	// Golden is the golden binary (default "golden").
	Golden string
	// Repo is the GitOps repository's URL or path; Base its branch
	// (default: the remote's HEAD).
	Repo, Base string
	// Path is the environment's directory or file in the repository.
	Path string
	// Image is the image name as the manifests know it; Tag and Digest
	// its new tag and digest (at least one).
	Image, Tag, Digest string
	// SourceCommit is the application commit the image was built from.
	SourceCommit string
	// Result is the result file golden bump records into.
	Result string
}

// BumpCommand is the command line of golden bump. Credentials are never
// arguments: golden bump reads them from its environment
// (GOLDEN_GIT_TOKEN, ...).
func BumpCommand(o BumpCommandOptions) []string {
	golden := o.Golden
	if golden == "" {
		golden = "golden"
	}
	argv := []string{golden, "bump", "--repo=" + o.Repo, "--path=" + o.Path, "--image=" + o.Image}
	for _, f := range []struct{ flag, value string }{
		{"base", o.Base}, {"tag", o.Tag}, {"digest", o.Digest},
		{"source-commit", o.SourceCommit}, {"result", o.Result},
	} {
		if f.value != "" {
			argv = append(argv, "--"+f.flag+"="+f.value)
		}
	}
	return argv
}
