package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/linewriter"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
)

// GitCredentials authenticate the staging bump to the GitOps repository.
type GitCredentials struct {
	// Auth are credentials the process holds already: the runner's, from
	// its environment (gitrepo.AuthFromEnv: a token, a password or an SSH
	// key).
	Auth gitrepo.Auth
	// Token, when set, is an HTTPS access token as a Dagger secret (a
	// module function's argument). Its plaintext is read only when the
	// bump runs, into Auth.Token, sent as the password of Auth.Username
	// (default x-access-token; GitLab's CI_JOB_TOKEN needs
	// gitlab-ci-token), and never logged, recorded or returned.
	Token *dagger.Secret
}

// BumpResult is the outcome of the staging bump.
type BumpResult struct {
	// Commit is the commit pushed to the GitOps repository, or when the
	// environment already ran the image, the head that has it.
	Commit string
	// Changed reports whether a commit was pushed.
	Changed bool
	// Outputs are the outputs the bump recorded: image, digest, version,
	// commit, changed, branch and compare_url.
	Outputs map[string]string
	// Stage is the "bump" stage.
	Stage result.Stage
}

// Bump sets the staging environment of the GitOps repository to the image
// published with digest, in this process (package promote's Bump: clone,
// edit, commit with trailers, push, retrying when the branch moved):
// the configured repository (gitops.repo, branch gitops.branch), the
// path of the environment gitops.staging (default "staging"), the image
// image.repository at the image's tag and digest. An environment that
// already runs the image is no change.
func (p *Pipeline) Bump(ctx context.Context, digest string, git GitCredentials) (*BumpResult, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	auth := git.Auth
	if git.Token != nil {
		tok, err := git.Token.Plaintext(ctx)
		if err != nil {
			return nil, engineError("reading the GitOps token", err)
		}
		auth.Token = tok
	}
	pol, err := LoadPolicy(ctx, p.source, p.cfg.Policy)
	if err != nil {
		return nil, err
	}
	return bump(ctx, BumpOptions{
		Config: p.cfg, Digest: digest, Auth: auth, Policy: pol,
		Commit: p.opts.Commit, Branch: p.opts.Branch, GitTag: p.opts.GitTag,
		Progress: p.opts.Progress, Now: p.now,
	})
}

// BumpOptions are what bump needs, all of it plain.
type BumpOptions struct {
	Config *config.Config
	// Digest is the published image's digest.
	Digest string
	// Auth authenticates to the GitOps repository.
	Auth gitrepo.Auth
	// Commit, Branch and GitTag are the revision built: the tag written
	// next to the digest and the Golden-Source-Commit trailer.
	Commit, Branch, GitTag string
	// Progress receives progress lines, without credentials.
	Progress io.Writer
	// Now is the clock.
	Now func() time.Time
	// Policy, when set, must pass on staging after the edit (the
	// configuration's policy.dir, see LoadPolicy).
	Policy *policy.Policies
}

// bump is Bump without the engine: validate, then promote.Bump, then the
// stage. A bump that could not be pushed for bad input (a path that is not
// in the repository, refused credentials) or an unreachable server is an
// error of that class; the stage records the rest.
func bump(ctx context.Context, o BumpOptions) (*BumpResult, error) {
	start := o.Now()
	if !digestRE.MatchString(o.Digest) {
		return nil, exitcode.Inputf("bump: digest %q: want sha256:<64 hex digits>", o.Digest)
	}
	repo, err := imageRepository(o.Config.Image.Repository)
	if err != nil {
		return nil, err
	}
	envName, env, err := stagingEnvironment(o.Config)
	if err != nil {
		return nil, err
	}
	progress := io.Discard
	if o.Progress != nil {
		lw := linewriter.New(o.Progress, "golden: bump: ")
		defer lw.Flush()
		progress = lw
	}
	res, err := promote.Bump(ctx, promote.BumpOptions{
		Repo: promote.Repo{
			URL: o.Config.GitOps.Repo, Base: o.Config.GitOps.Branch, Auth: o.Auth, Progress: progress, Policy: o.Policy,
		},
		Path:         env.Path,
		Image:        gitops.Image{Name: repo, Tag: bumpTag(o.GitTag, o.Commit, o.Branch), Digest: o.Digest},
		SourceCommit: o.Commit,
	})
	if err != nil {
		return nil, fmt.Errorf("bump %s: %w", envName, err)
	}
	r := result.New(start)
	res.Record(r)
	out := &BumpResult{
		Commit:  r.Outputs["commit"],
		Changed: res.Pushed,
		Outputs: r.Outputs,
		Stage: result.Stage{
			Name: StageBump, Status: result.Passed, Summary: res.Summary(),
			StartedAt: start.UTC(), Seconds: o.Now().Sub(start).Seconds(),
		},
	}
	return out, nil
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
