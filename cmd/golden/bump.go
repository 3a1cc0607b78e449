package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/linewriter"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/result"
)

// gitCredentialsHelp documents the environment variables of
// gitrepo.AuthFromEnv, for bump and promote.
const gitCredentialsHelp = `Git credentials come from the environment only, never from flags (every
user of a machine can read the arguments of its processes):
  GOLDEN_GIT_TOKEN              HTTPS access token (GitHub, GitLab, Gitea), sent
                                as the password of GOLDEN_GIT_USERNAME
                                (default x-access-token; GitLab's CI_JOB_TOKEN
                                needs gitlab-ci-token)
  GOLDEN_GIT_USERNAME           HTTPS user name
  GOLDEN_GIT_PASSWORD           HTTPS password (instead of a token)
  GOLDEN_GIT_SSH_KEY            PEM private key for ssh:// and git@host:path
                                remotes (without it: the agent at $SSH_AUTH_SOCK)
  GOLDEN_GIT_SSH_KEY_PASSPHRASE passphrase of the key
  GOLDEN_GIT_KNOWN_HOSTS_FILE   known_hosts file verifying the SSH host key
                                (default $SSH_KNOWN_HOSTS, ~/.ssh/known_hosts)
Each variable but the last may instead name a file holding the value, with
a _FILE suffix (GOLDEN_GIT_TOKEN_FILE=/run/secrets/token). Credentials never
appear in output, errors, the result file or commit messages.`

var bumpCmd = &command{
	Name:    "bump",
	Summary: "set the image an environment of a GitOps repository runs, commit and push",
	Usage:   "bump (--repo URL|PATH --path DIR|FILE --image NAME | --config golden.yaml --path ENV) (--tag T | --digest sha256:... | both) [flags]",
	Help: `Bump clones the GitOps repository (shallow, one branch), sets the image
NAME in the environment --path to the tag and/or digest, commits with a
message such as "bump go-service in overlays/staging to 1.2.3@sha256:0123…"
and the trailers Golden-Image, Golden-Digest and Golden-Source-Commit, and
pushes to the base branch. It never force-pushes: when the push is rejected
because the branch moved, it fetches the new head, makes the same change on
it and tries again, with jittered backoff, up to --max-attempts times.

--path names a directory or a file of the repository. In a directory the
kustomization is used when there is one (the images entry NAME is updated,
or added); otherwise every *.yaml file in it: values*.yaml as Helm values
(--helm-*-path), the others as Kubernetes manifests (every container image
whose repository is NAME). --kind forces the kind. Only the values change:
comments, order and quoting stay. --new-name also changes the repository
(kustomize newName; --new-name equal to --image removes a newName).

What is not given stays: without --new-name, a kustomize newName stays and
the environment keeps pulling from the registry it names. A value the
change makes wrong goes, and the output says why: --digest without --tag
removes the previous image's tag (kustomize newTag, the Helm tag set to
""), --tag without --digest its digest (which would win over the new
tag), and a kustomize tagSuffix goes (kustomize ignores it next to a
newTag or digest).

An environment that already runs the image is no change: nothing is
committed or pushed, and bump exits 0 saying so. --dry-run prints the diff
and pushes nothing. --branch pushes the commit to that branch instead, for a
pull or merge request (built on the branch when it exists), and prints the
page that opens one for GitHub and GitLab remotes.

Progress (cloning, pushing, retrying) goes to stderr; the changed values
and the outcome to stdout. --result records the "bump" stage and the
outputs image, digest, version (the tag), commit (the pushed commit, or
when unchanged the remote head that already has the change), changed
(true or false), branch and compare_url.

` + gitCredentialsHelp + `

Example, after publishing an image in a pipeline of main:

  export GOLDEN_GIT_TOKEN=...   # from the CI secret store
  golden bump --repo https://github.com/acme/gitops.git \
    --path overlays/staging --image registry.example.com/acme/go-service \
    --tag 1.2.3 --digest sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`,
}

func init() {
	bumpCmd.Run = runBump
	register(bumpCmd)
}

// gitFlags are the flags bump and promote share about the GitOps
// repository.
type gitFlags struct {
	repo        string
	base        string
	branch      string
	dryRun      bool
	maxAttempts int
	kind        string
	helmRepo    string
	helmTag     string
	helmDigest  string
	policyDir   string
	policyNS    stringsFlag
}

func (g *gitFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.repo, "repo", "", "the GitOps repository: `URL` (https://, ssh://, git@host:path, file://) or local PATH (required)")
	fs.StringVar(&g.base, "base", "", "`BRANCH` to change (default: the branch the remote's HEAD points to, else main)")
	fs.StringVar(&g.branch, "branch", "", "push to this new `BRANCH` for a pull or merge request instead of the base branch")
	fs.BoolVar(&g.dryRun, "dry-run", false, "print the diff and change nothing")
	fs.IntVar(&g.maxAttempts, "max-attempts", gitrepo.DefaultMaxAttempts, "give up after `N` attempts to push while the branch keeps moving")
	fs.StringVar(&g.kind, "kind", "auto", "kind of the environment's files: auto, kustomize, helm or manifests")
	fs.StringVar(&g.helmRepo, "helm-repository-path", "", "Helm values `PATH` of the image repository (default image.repository)")
	fs.StringVar(&g.helmTag, "helm-tag-path", "", "Helm values `PATH` of the image tag (default image.tag)")
	fs.StringVar(&g.helmDigest, "helm-digest-path", "", "Helm values `PATH` of the image digest (default image.digest)")
	fs.StringVar(&g.policyDir, "policy", "", "Rego policies `DIR` (conftest's conventions, as golden policy): the changed environment, rendered, must pass them before anything is committed (exit 1 otherwise)")
	fs.Var(&g.policyNS, "policy-namespace", "a Rego package of --policy whose rules are evaluated (`NS`, repeatable; default main)")
}

// applyConfig reads the service's golden.yaml at path (nothing when path
// is empty) and lets configure fill in the options from it, starting from
// the flags' repository and base branch; it takes back the repository and
// branch, and the policies (policy.dir, relative to the golden.yaml)
// unless --policy named some.
func (g *gitFlags) applyConfig(path string, repo *promote.Repo, configure func(*config.Config)) (*config.Config, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	*repo = promote.Repo{URL: g.repo, Base: g.base}
	configure(cfg)
	g.repo, g.base = repo.URL, repo.Base
	if g.policyDir == "" && cfg.Policy.Dir != "" {
		g.policyDir = filepath.Join(filepath.Dir(path), filepath.FromSlash(cfg.Policy.Dir))
		g.policyNS = append(g.policyNS, cfg.Policy.Namespaces...)
	}
	return cfg, nil
}

// repo builds the promote.Repo from the flags and the environment.
func (g *gitFlags) toRepo(e *Env, progress io.Writer) (promote.Repo, gitops.Options, error) {
	if strings.TrimSpace(g.repo) == "" {
		return promote.Repo{}, gitops.Options{}, exitcode.Inputf("--repo is required: the GitOps repository's URL or path")
	}
	if g.maxAttempts < 1 {
		return promote.Repo{}, gitops.Options{}, exitcode.Inputf("--max-attempts %d: want at least 1", g.maxAttempts)
	}
	kind, err := gitops.ParseKind(g.kind)
	if err != nil {
		return promote.Repo{}, gitops.Options{}, fmt.Errorf("--kind: %w", err)
	}
	auth, err := gitrepo.AuthFromEnv(e.Getenv)
	if err != nil {
		return promote.Repo{}, gitops.Options{}, err
	}
	r := promote.Repo{
		URL:         g.repo,
		Auth:        auth,
		Base:        g.base,
		Branch:      g.branch,
		DryRun:      g.dryRun,
		MaxAttempts: g.maxAttempts,
		Now:         e.Now,
		Progress:    progress,
	}
	if g.policyDir != "" {
		if r.Policy, err = policy.Load(g.policyDir, policy.Options{Namespaces: g.policyNS}); err != nil {
			return promote.Repo{}, gitops.Options{}, fmt.Errorf("--policy: %w", err)
		}
	}
	opts := gitops.Options{Kind: kind, HelmRepositoryPath: g.helmRepo, HelmTagPath: g.helmTag, HelmDigestPath: g.helmDigest}
	return r, opts, nil
}

// envFirst returns the first non-empty variable of names.
func envFirst(e *Env, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(e.Getenv(n)); v != "" {
			return v
		}
	}
	return ""
}

func runBump(ctx context.Context, e *Env, args []string) error {
	c := bumpCmd
	fs := c.flagSet(e)
	var g gitFlags
	g.register(fs)
	path := fs.String("path", "", "the environment's `DIR` or FILE in the repository, e.g. overlays/staging (required)")
	image := fs.String("image", "", "the image `NAME` as the manifests know it, e.g. registry.example.com/acme/go-service (required)")
	tag := fs.String("tag", "", "the new image `TAG`")
	digest := fs.String("digest", "", "the new image `DIGEST` (sha256:...)")
	newName := fs.String("new-name", "", "also change the image repository to `REPO` (kustomize newName); without it the repository stays")
	sourceCommit := fs.String("source-commit", "", "the application commit `SHA` the image was built from (default $GITHUB_SHA, $CI_COMMIT_SHA)")
	message := fs.String("message", "", "commit `SUBJECT` instead of \"bump NAME in PATH to TAG@DIGEST\" (the trailers follow)")
	configPath := fs.String("config", "", "a service's golden.yaml `FILE`: --path may name an environment of its gitops.environments, and it gives --repo, --base, --image and --policy")
	resultPath := resultFlag(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}

	started := e.Now()
	progress := linewriter.New(e.Stderr, "golden bump: ")
	res, err := func() (*promote.BumpResult, error) {
		opts := promote.BumpOptions{Path: *path, Image: gitops.Image{Name: *image, NewName: *newName, Tag: *tag, Digest: *digest}}
		if _, err := g.applyConfig(*configPath, &opts.Repo, opts.Configure); err != nil {
			return nil, err
		}
		if strings.TrimSpace(opts.Image.Name) == "" {
			return nil, exitcode.Inputf("--image is required: the image name as the manifests know it")
		}
		if strings.TrimSpace(opts.Path) == "" {
			return nil, exitcode.Inputf("--path is required: the environment's directory or file, e.g. overlays/staging")
		}
		if *tag == "" && *digest == "" {
			return nil, exitcode.Inputf("give --tag, --digest or both")
		}
		repo, gopts, err := g.toRepo(e, progress)
		if err != nil {
			return nil, err
		}
		src := *sourceCommit
		if src == "" {
			src = envFirst(e, "GITHUB_SHA", "CI_COMMIT_SHA")
		}
		return promote.Bump(ctx, promote.BumpOptions{
			Repo:         repo,
			Path:         opts.Path,
			Image:        opts.Image,
			GitOps:       gopts,
			SourceCommit: src,
			Message:      *message,
		})
	}()
	progress.Flush()
	if err == nil {
		err = res.Print(e.Stdout)
	}
	return finish(e, "bump", *resultPath, err, func(r *result.Run) {
		st := stageFor(e, "bump", started, err)
		if err == nil {
			st.Summary = res.Summary()
			res.Record(r)
		}
		r.SetStage(st)
	})
}
