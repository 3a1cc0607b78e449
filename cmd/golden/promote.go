package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/linewriter"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/semver"
)

var promoteCmd = &command{
	Name:    "promote",
	Summary: "promote the image one environment runs to another, by digest, with a version tag and an audit trail",
	Usage:   "promote --repo URL|PATH --image NAME --from DIR --to DIR (--version X.Y.Z | --bump major|minor|patch) [flags]",
	Help: `Promote gives the environment --to the image the environment --from runs,
by digest:

 1. It clones the GitOps repository and reads the image NAME of --from: its
    repository (kustomize newName, else NAME) and digest. When --from pins
    only a tag, the tag is resolved in the registry and a warning says that
    the environment is not pinned by digest.
 2. It picks the version: --version, or --bump of the highest version tag of
    the target repository. When the digest already carries a version tag
    there (an earlier promotion), --bump keeps that version. The version
    must not be lower than the highest one (unless --allow-downgrade) and
    must satisfy --constraint (e.g. ">= 1.4, < 2.0").
 3. It copies the digest to --to-image (the digest is preserved: a
    multi-platform index stays byte for byte the same) and tags it there
    with the version; without --to-image the tag goes on the source
    repository. A version tag that points to another digest is never moved.
 4. It sets --to to TARGET:VERSION@DIGEST and commits "promote NAME VERSION
    from FROM to TO" with the trailers Golden-Promoted-By (--actor),
    Golden-From, Golden-To, Golden-Image, Golden-Digest, Golden-Version,
    Golden-Source-Image and Golden-From-Commit (the GitOps commit --from
    was read at), and pushes as 'golden bump' does (retrying on a moved
    branch, never forcing; --branch for a pull or merge request).
    Golden-Source-Commit always names the application commit an image was
    built from, as 'golden bump' writes it; promote does not write it.

Re-running a completed promotion changes nothing and exits 0 ("already
promoted"); re-running one that failed half-way completes it. Two
concurrent promotions of the same version leave one commit and one tag.
--dry-run reads the repository and the registry and prints what the
promotion would do: "would copy" only when the digest is not in the target
repository yet, "would tag" only when the version tag does not exist yet,
the diff and "would commit" only when the target environment would change,
and "already promoted ... nothing would change" when nothing would. It
copies, tags and pushes nothing.

With --config FILE (a service's golden.yaml), --from and --to may name
environments of its gitops.environments instead of paths, --to-image
defaults to the image of --to's entry, and --repo, --base and --image to
gitops.repo, gitops.branch and image.repository:

  image:
    repository: registry.example.com/acme/go-service
  gitops:
    repo: https://github.com/acme/gitops.git
    environments:
      staging:
        path: overlays/staging
      production:
        path: overlays/production
        image: registry.example.com/acme/go-service-prod

Exit codes: 1 for policy (a downgrade, a version outside --constraint, a
version tag pointing elsewhere); 2 for input (a missing environment or
image, a malformed file, an invalid version or constraint, refused
credentials); 3 when the repository or a registry cannot be reached.

--result records the "promote" stage and the outputs digest, version,
image (TARGET:VERSION@DIGEST), source_image, source_commit (the GitOps
commit --from was read at, as in Golden-From-Commit), commit (the
pushed commit, or when unchanged the remote head that already has the
change), changed (true or false), branch and compare_url.

Registry credentials come from the environment only:
GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD (or
GOLDEN_REGISTRY_PASSWORD_FILE) are used for the source and the target
registry and no other; the Docker config (~/.docker/config.json and its
credential helpers) covers the rest. Registries on localhost and
127.0.0.1 are spoken to over plain HTTP.

` + gitCredentialsHelp + `

Example, promoting what staging runs to production as the next minor
version:

  golden promote --repo https://github.com/acme/gitops.git \
    --image registry.example.com/acme/go-service \
    --from overlays/staging --to overlays/production \
    --to-image registry.example.com/acme/go-service-prod --bump minor`,
}

func init() {
	promoteCmd.Run = runPromote
	register(promoteCmd)
}

// Environment variables of the registry credential.
const (
	envRegistryUsername = "GOLDEN_REGISTRY_USERNAME"
	envRegistryPassword = "GOLDEN_REGISTRY_PASSWORD"
)

// registryCredential reads the registry credential from the environment;
// nil when none is set.
func registryCredential(e *Env) (*registry.Credential, error) {
	user := e.Getenv(envRegistryUsername)
	pass := e.Getenv(envRegistryPassword)
	file := e.Getenv(envRegistryPassword + "_FILE")
	if pass != "" && file != "" {
		return nil, exitcode.Inputf("both %s and %s_FILE are set: set one", envRegistryPassword, envRegistryPassword)
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, exitcode.Inputf("reading %s_FILE: %w", envRegistryPassword, err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	switch {
	case user == "" && pass == "":
		return nil, nil
	case user == "" || pass == "":
		return nil, exitcode.Inputf("set both %s and %s, or neither", envRegistryUsername, envRegistryPassword)
	}
	return &registry.Credential{Username: user, Password: pass}, nil
}

// readConfig reads a service's golden.yaml, as config reads it (a missing
// file, bad YAML or a bad value is exit 2, naming the file and line).
func readConfig(path string) (*config.Config, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exitcode.Inputf("--config %q: no such file", path)
	case err != nil:
		return nil, exitcode.Inputf("--config %q: %w", path, err)
	}
	return config.Parse(data, path)
}

func runPromote(ctx context.Context, e *Env, args []string) error {
	c := promoteCmd
	fs := c.flagSet(e)
	var g gitFlags
	g.register(fs)
	image := fs.String("image", "", "the image `NAME` as the manifests of both environments know it (required; default image.repository of --config)")
	from := fs.String("from", "", "the source environment: `DIR` or file in the repository, or an environment of --config (required)")
	to := fs.String("to", "", "the target environment: `DIR` or file in the repository, or an environment of --config (required)")
	toImage := fs.String("to-image", "", "copy the digest to this `REGISTRY/REPOSITORY` (no tag) and tag it there; default: the source repository")
	versionFlag := fs.String("version", "", "give the image this `VERSION` (e.g. 1.4.0)")
	bump := fs.String("bump", "", "give the image the highest version of the target repository bumped by `PART`: major, minor or patch")
	constraint := fs.String("constraint", "", "the version must satisfy `C`, e.g. \">= 1.4, < 2.0\"")
	allowDowngrade := fs.Bool("allow-downgrade", false, "allow a version lower than the highest existing one")
	actor := fs.String("actor", "", "who promotes, for the Golden-Promoted-By trailer (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN, $USER)")
	configPath := fs.String("config", "", "a service's golden.yaml `FILE`: its gitops.environments name --from and --to, and it gives --repo, --base, --image, --verify-key and --policy")
	verifyKey := fs.String("verify-key", "", "a cosign public `KEY` (a file, or env://NAME): promote only a digest signed by it with a passing gates attestation (golden verify --require-gates); the signature and attestations are copied with the digest (default: verifyKey of --to's environment in --config)")
	resultPath := resultFlag(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}

	started := e.Now()
	progress := linewriter.New(e.Stderr, "golden promote: ")
	res, err := func() (*promote.Result, error) {
		switch {
		case *from == "" || *to == "":
			return nil, exitcode.Inputf("--from and --to are required: the source and target environments")
		case *versionFlag != "" && *bump != "":
			return nil, exitcode.Inputf("give --version or --bump, not both")
		case *versionFlag == "" && *bump == "":
			return nil, exitcode.Inputf("give --version X.Y.Z or --bump major|minor|patch")
		}
		opts := promote.Options{Image: *image, From: *from, To: *to, ToImage: *toImage}
		keyRef := *verifyKey
		cfg, err := g.applyConfig(*configPath, &opts.Repo, opts.Configure)
		if err != nil {
			return nil, err
		}
		if cfg != nil && keyRef == "" {
			if env := cfg.GitOps.Environments[*to]; env.VerifyKey != "" {
				// Relative to the service, where its golden.yaml is.
				keyRef = filepath.Join(filepath.Dir(*configPath), filepath.FromSlash(env.VerifyKey))
			}
		}
		if keyRef != "" {
			if opts.VerifyKey, err = readKeyFlag(e, "verify-key", keyRef); err != nil {
				return nil, err
			}
		}
		if strings.TrimSpace(opts.Image) == "" {
			return nil, exitcode.Inputf("--image is required: the image name as the manifests know it")
		}
		repo, gopts, err := g.toRepo(e, progress)
		if err != nil {
			return nil, err
		}
		cred, err := registryCredential(e)
		if err != nil {
			return nil, err
		}
		who := *actor
		if who == "" {
			who = envFirst(e, "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER")
		}
		return promote.Promote(ctx, promote.Options{
			Repo:               repo,
			Image:              opts.Image,
			From:               opts.From,
			To:                 opts.To,
			ToImage:            opts.ToImage,
			Version:            *versionFlag,
			Bump:               semver.Bump(strings.ToLower(strings.TrimSpace(*bump))),
			Constraint:         *constraint,
			AllowDowngrade:     *allowDowngrade,
			Actor:              who,
			GitOps:             gopts,
			Registry:           registry.Options{Keychain: authn.DefaultKeychain},
			RegistryCredential: cred,
			VerifyKey:          opts.VerifyKey,
		})
	}()
	progress.Flush()
	if err == nil {
		err = res.Print(e.Stdout)
	}
	return finish(e, "promote", *resultPath, err, func(r *result.Run) {
		st := stageFor(e, "promote", started, err)
		if err == nil {
			st.Summary = res.Summary()
			res.Record(r)
		}
		r.SetStage(st)
	})
}
