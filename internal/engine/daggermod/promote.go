package daggermod

import (
	"context"
	"io"
	"strings"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/linewriter"
	"github.com/goldenci/golden/pipeline"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/semver"
)

// PromoteOptions are the arguments of a promotion, as golden promote takes
// them. Repo, Base, Image, From, To and ToImage default from the
// service's configuration: From and To may name environments of
// gitops.environments, and ToImage defaults to the image of To's entry.
type PromoteOptions struct {
	// Repo is the GitOps repository's URL or path; Base the branch to
	// change (default: the remote's HEAD); Branch a new branch to push to
	// for a pull or merge request instead.
	Repo, Base, Branch string
	// Image is the image's name as the manifests of both environments
	// know it.
	Image string
	// From and To are the environments (names of gitops.environments, or
	// directories or files of the repository); ToImage the repository the
	// target pulls from.
	From, To, ToImage string
	// Version is the version to give the image, or Bump the part of the
	// highest existing version to increment (major, minor, patch).
	Version, Bump string
	// Constraint must hold for the version; AllowDowngrade allows a
	// version below the highest one.
	Constraint     string
	AllowDowngrade bool
	// Actor is who promotes (the Golden-Promoted-By trailer).
	Actor string
	// DryRun computes the change and changes nothing.
	DryRun bool
	// VerifyKey is a cosign public key (PEM): only a digest signed by it
	// with a passing gates attestation is promoted. Session.Promote reads
	// it from the function's verify key, else from the file verifyKey of
	// To's environment names in the source.
	VerifyKey []byte
	// Policy, when set, must pass on To after the edit (the service's
	// policy.dir, loaded by Session.Promote).
	Policy *policy.Policies
}

// Promote gives the environment To the image the environment From runs,
// by digest, with a version tag and an audit trail (package promote, as
// golden promote does), in this process. It returns what golden promote
// prints. The token and the registry password are read from their secrets
// here, where they are used, and appear in no output or error. A refused
// promotion (a downgrade, a version outside the constraint) is a gate
// error (exit 1); bad input exits 2; an unreachable repository or
// registry 3.
func (s *Session) Promote(ctx context.Context, o PromoteOptions) (string, error) {
	cfg, cfgErr := s.Config(ctx)
	auth := gitrepo.Auth{Username: s.gitUsername}
	if s.token != nil {
		tok, err := s.token.Plaintext(ctx)
		if err != nil {
			return "", exitcode.Infraf("reading the GitOps token: %w", err)
		}
		auth.Token = tok
	}
	var cred *registry.Credential
	if s.registryPassword != nil {
		if s.registryUsername == "" {
			return "", exitcode.Inputf("promote: a registry password needs a registry username")
		}
		pw, err := s.registryPassword.Plaintext(ctx)
		if err != nil {
			return "", exitcode.Infraf("reading the registry password: %w", err)
		}
		cred = &registry.Credential{Username: s.registryUsername, Password: pw}
	}
	key := s.verifyKey
	if key == nil && cfgErr == nil {
		if env, ok := cfg.GitOps.Environments[o.To]; ok && env.VerifyKey != "" {
			key = s.source.File(env.VerifyKey)
		}
	}
	if key != nil {
		pem, err := key.Contents(ctx)
		if err != nil {
			return "", exitcode.Inputf("promote: reading the verify key: %w", err)
		}
		o.VerifyKey = []byte(pem)
	}
	if cfgErr == nil {
		var err error
		if o.Policy, err = pipeline.LoadPolicy(ctx, s.source, cfg.Policy); err != nil {
			return "", err
		}
	}
	return promoteWith(ctx, o, cfg, cfgErr, auth, cred, s.progress)
}

// promoteWith is Promote without the engine: the service's configuration
// (or the error loading it), the credentials in plain text, and where
// progress goes.
func promoteWith(ctx context.Context, o PromoteOptions, cfg *config.Config, cfgErr error, auth gitrepo.Auth, cred *registry.Credential, w io.Writer) (string, error) {
	progress := linewriter.New(w, "golden: promote: ")
	defer progress.Flush()
	opts := promote.Options{
		Repo: promote.Repo{
			URL: o.Repo, Base: o.Base, Branch: o.Branch, Auth: auth, DryRun: o.DryRun, Progress: progress, Policy: o.Policy,
		},
		Image:              o.Image,
		From:               o.From,
		To:                 o.To,
		ToImage:            o.ToImage,
		Version:            o.Version,
		Bump:               semver.Bump(strings.ToLower(strings.TrimSpace(o.Bump))),
		Constraint:         o.Constraint,
		AllowDowngrade:     o.AllowDowngrade,
		Actor:              o.Actor,
		RegistryCredential: cred,
		VerifyKey:          o.VerifyKey,
	}
	// The source's configuration is optional when the options name
	// everything: a promotion run outside a service's repository.
	if cfgErr == nil {
		opts.Configure(cfg)
	}
	switch {
	case strings.TrimSpace(opts.URL) == "" && cfgErr != nil:
		return "", cfgErr
	case strings.TrimSpace(opts.URL) == "":
		return "", exitcode.Inputf("promote: no GitOps repository: pass --repo or set gitops.repo in the service's golden.yaml")
	case strings.TrimSpace(opts.Image) == "":
		return "", exitcode.Inputf("promote: no image: pass --image or set image.repository in the service's golden.yaml")
	case strings.TrimSpace(opts.From) == "" || strings.TrimSpace(opts.To) == "":
		return "", exitcode.Inputf("promote: --from and --to are required: the source and target environments")
	case o.Version != "" && o.Bump != "":
		return "", exitcode.Inputf("promote: give --version or --bump, not both")
	case o.Version == "" && o.Bump == "":
		return "", exitcode.Inputf("promote: give --version X.Y.Z or --bump major|minor|patch")
	}
	res, err := promote.Promote(ctx, opts)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	if err := res.Print(&out); err != nil {
		return "", err
	}
	return out.String(), nil
}
