// Package promote moves images through the environments of a GitOps
// repository: Bump sets the image one environment runs (a build of main
// goes to staging), Promote gives what one environment runs to another
// (staging to production) by digest, with a version tag and an audit
// trail in the commit.
//
// Both read and change the repository through package gitrepo (clone,
// edit, commit with trailers, push without force, retry on a moved
// branch) and the files through package gitops; Promote also copies and
// tags the image through package registry and picks the version with
// package semver. Both are idempotent: re-running a completed call changes
// nothing, re-running one that failed half-way completes it, and two
// concurrent promotions of the same image leave one commit and one tag.
//
// Errors are classified for package exitcode: bad options and input
// (missing environments, images, malformed files, invalid versions,
// refused credentials) exit 2, policy (a downgrade, a version outside the
// constraint, a version tag pointing elsewhere) exits 1, an unreachable
// remote or registry exits 3. Credentials never appear in results,
// errors, progress output or commits.
package promote

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/semver"
)

// Options configures Promote.
type Options struct {
	Repo
	// Image is the image's name as the manifests of both environments
	// know it (a kustomize images entry's name, a Helm values repository,
	// a container image's repository).
	Image string
	// From and To are the environments' directories or files in the
	// repository, e.g. "overlays/staging" and "overlays/production".
	From, To string
	// ToImage, when set, is the repository ("REGISTRY/REPOSITORY", no tag)
	// the target environment pulls from: the digest is copied there and
	// tagged there. Empty means the source repository.
	ToImage string
	// Version is the version to give the image ("1.4.0"), or Bump the part
	// of the highest existing version to increment; set one of them. With
	// Bump, a digest that already carries a version tag in the target
	// repository keeps that version (a completed earlier promotion).
	Version string
	Bump    semver.Bump
	// Constraint, when set, must hold for the version (">= 1.4, < 2.0");
	// AllowDowngrade allows a version below the highest existing one.
	Constraint     string
	AllowDowngrade bool
	// Actor is who promotes: the Golden-Promoted-By trailer ("unknown"
	// when empty).
	Actor string
	// GitOps picks the kind of files and the Helm value paths.
	GitOps gitops.Options
	// Registry holds the registry credentials and transport.
	Registry registry.Options
	// RegistryCredential, when set, is the credential for the registries
	// involved: those of the source and of the target repository (unless
	// Registry.Credentials names them already), e.g. from
	// GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD. No other
	// registry is sent it.
	RegistryCredential *registry.Credential
	// VerifyKey, when set, is a cosign public key (PEM): before anything
	// is copied, tagged or committed, the source digest must carry a
	// signature by it and a gates attestation by it saying its run
	// passed (attest.Verify with RequireGates) with each stage of
	// RequiredStages passed, not skipped; else the promotion fails the
	// gate (exit 1) having moved nothing.
	VerifyKey []byte
	// RequiredStages are the stages a verified image's gates must have
	// passed (DefaultRequiredStages when empty).
	RequiredStages []string
}

// Result is what Promote did.
type Result struct {
	// From and To are the environments' paths in the repository.
	From, To string
	// SourceImage is the image the source environment runs, by digest:
	// SourceRepository@Digest. SourceTag is its tag there, if any, and
	// PinnedByTag reports that the source environment named only the tag,
	// which was resolved in the registry.
	SourceImage      string
	SourceRepository string
	SourceTag        string
	PinnedByTag      bool
	// SourceCommit is the GitOps repository commit the source environment
	// was read at: the Golden-From-Commit trailer. (It is not the
	// application commit a bump's Golden-Source-Commit names.)
	SourceCommit string
	// Digest is the promoted digest.
	Digest string
	// Version is the version tag given to the digest in TargetRepository
	// ("1.4.0" or "v1.4.0", in the repository's style); VersionReused
	// reports that the digest already carried it.
	Version       string
	VersionReused bool
	// TargetRepository is where the target environment pulls from, and
	// TargetImage the reference it runs: TargetRepository:Version@Digest.
	TargetRepository string
	TargetImage      string
	// Copied reports that the digest was copied to TargetRepository now,
	// Tagged that the version tag was created now. A dry run copies and
	// tags nothing: WouldCopy and WouldTag report what the run would do,
	// copy a digest TargetRepository lacks and create a version tag that
	// does not exist yet.
	Copied    bool
	Tagged    bool
	WouldCopy bool
	WouldTag  bool
	// AlreadyPromoted reports that nothing at all changed (on a dry run:
	// would change): the image was already copied and tagged, and the
	// target environment already ran it.
	AlreadyPromoted bool
	// Outcome is what happened in the GitOps repository: Base is the
	// branch read and changed, Parent the commit the change was made on,
	// Commit the pushed commit, Message the commit message with its
	// trailers.
	gitrepo.Outcome
	// Changes lists the values changed, with file names relative to the
	// repository.
	Changes []gitops.Change
	// Warnings are things the caller should know, such as a source
	// environment pinned by tag only.
	Warnings []string
	// Verified is what verifying the source digest found (with
	// Options.VerifyKey); Attachments the signature and attestation
	// images copied with the digest to TargetRepository.
	Verified    *attest.Report
	Attachments []attest.Attachment
	// Policy is the policies' verdict on the target environment
	// (Repo.Policy).
	Policy *policy.Report
}

// validated is a checked Options.
type validated struct {
	from, to  string
	policy    semver.Policy
	actor     string
	verifyKey *attest.PublicKey
}

func (o *Options) validate() (validated, error) {
	var v validated
	var err error
	if err := gitops.ValidateRepository(o.Image); err != nil {
		return v, fmt.Errorf("image: %w", err)
	}
	if v.from, err = cleanPath("from", o.From); err != nil {
		return v, err
	}
	if v.to, err = cleanPath("to", o.To); err != nil {
		return v, err
	}
	if v.from == v.to {
		return v, exitcode.Inputf("from and to are the same environment %q", v.from)
	}
	if o.ToImage != "" {
		if err := gitops.ValidateRepository(o.ToImage); err != nil {
			return v, fmt.Errorf("target image repository: %w", err)
		}
	}
	switch {
	case o.Version != "" && o.Bump != "":
		return v, exitcode.Inputf("give a version or a bump, not both")
	case o.Version == "" && o.Bump == "":
		return v, exitcode.Inputf("give a version (e.g. 1.4.0) or a bump (major, minor or patch)")
	case o.Version != "":
		if _, err := semver.Parse(o.Version); err != nil {
			return v, err
		}
	default:
		if _, err := semver.Next(semver.Version{}, o.Bump); err != nil {
			return v, err
		}
	}
	if _, err := semver.ParseConstraint(o.Constraint); err != nil {
		return v, err
	}
	v.policy = semver.Policy{AllowDowngrade: o.AllowDowngrade, Constraint: o.Constraint}
	v.actor = strings.TrimSpace(o.Actor)
	if v.actor == "" {
		v.actor = "unknown"
	}
	if strings.ContainsAny(v.actor, "\r\n\x00") {
		return v, exitcode.Inputf("actor %q: contains a control character", v.actor)
	}
	if len(o.VerifyKey) > 0 {
		if v.verifyKey, err = attest.ParsePublicKey(o.VerifyKey); err != nil {
			return v, exitcode.Inputf("verify key: %w", err)
		}
	}
	return v, nil
}

// Promote gives the target environment the image the source environment
// runs, by digest:
//
//  1. It clones the repository and reads the image o.Image of o.From
//     (gitops.CurrentImage): its repository (newName, else the name) and
//     digest. A source pinned only by tag is resolved in the registry,
//     with a warning.
//  2. It picks the version: o.Version, or o.Bump of the highest version
//     tag of the target repository, unless the digest already carries a
//     version tag there, which is reused. The version must pass the
//     policy (semver.Check: no downgrade, the constraint).
//  3. It sets o.To to TARGET:VERSION@DIGEST in the clone (gitops.Update),
//     which checks that o.To can be rewritten, then copies the digest to
//     o.ToImage (registry.Copy, digest preserved). A version tag that
//     points elsewhere is a failed gate.
//  4. It commits "promote NAME VERSION from FROM to TO" with the trailers
//     Golden-Promoted-By, Golden-From, Golden-To, Golden-Image,
//     Golden-Digest, Golden-Version, Golden-Source-Image and
//     Golden-From-Commit (the GitOps commit FROM was read at), pushed
//     from the clone of step 1 (one gitrepo.Change: one listing, one
//     clone). Golden-Source-Commit is left out: it names the application
//     commit an image was built from (see Bump), which the depth-1 clone
//     of the repository does not reach.
//  5. It gives the digest the version tag (registry.TagImmutable).
//
// The tag comes after the push because registries cannot create a tag
// only if it is absent: the push decides between concurrent promotions of
// different digests to one version. The loser's push is refused, its edit
// made again on the new head finds the version running with another
// digest, and it fails the gate (exit 1) having tagged and committed
// nothing. A push that succeeds with a tag that then fails is reported;
// running the promotion again tags it.
//
// A dry run does steps 1, 2 and the checks of 3 (is the digest in the
// target repository, does the version tag exist), and returns the diff
// of steps 3 and 4; it copies, tags and pushes nothing. Its result says what the
// run would do: WouldCopy, WouldTag, and AlreadyPromoted when nothing
// would change.
func Promote(ctx context.Context, o Options) (*Result, error) {
	v, err := o.validate()
	if err != nil {
		return nil, err
	}
	opts := o.gitOptions()
	if o.Policy == nil {
		opts.Paths = []string{v.from, v.to} // the checkout holds the two environments only
	}
	c, err := gitrepo.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	pr := &promotion{o: o, v: v, c: c, res: &Result{From: v.from, To: v.to}}
	for _, step := range []func(context.Context) error{pr.readSource, pr.verifySource, pr.pickVersion, pr.checkTarget, pr.copyImage, pr.commit, pr.tagVersion} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return pr.res, nil
}

// promotion is one Promote, step by step: each step fills in res.
type promotion struct {
	o   Options
	v   validated
	res *Result
	c   *gitrepo.Change // the one clone of the repository
	src gitops.Image    // what the source environment runs
	img gitops.Image    // what the target environment is to run
	env *envEdit        // the edit of the target environment

	tagExists bool // the version tag pointed at the digest before
}

// readSource reads what the source environment runs in the clone of the
// base branch, resolving a tag to its digest.
func (pr *promotion) readSource(ctx context.Context) error {
	o, v, res, dir := &pr.o, pr.v, pr.res, pr.c.Dir()
	res.SourceCommit = pr.c.Head()
	srcPath, err := inCheckout(dir, v.from)
	if err != nil {
		return fmt.Errorf("reading the source environment: %w", err)
	}
	src, err := gitops.CurrentImage(srcPath, o.Image, o.GitOps)
	if err != nil {
		return relativeError(fmt.Errorf("reading the source environment: %w", err), dir)
	}
	pr.src = src
	res.SourceRepository = src.Name
	if src.NewName != "" {
		res.SourceRepository = src.NewName
	}
	if err := gitops.ValidateRepository(res.SourceRepository); err != nil {
		return fmt.Errorf("%s runs %s: %w", v.from, src.Ref(), err)
	}
	res.SourceTag = src.Tag
	res.Digest = src.Digest
	res.TargetRepository = res.SourceRepository
	if o.ToImage != "" {
		res.TargetRepository = o.ToImage
	}
	o.Registry = o.registryOptions(res.SourceRepository, res.TargetRepository)
	switch {
	case res.Digest == "" && src.Tag == "":
		return exitcode.Inputf("%s sets no tag and no digest for image %s: nothing to promote", v.from, o.Image)
	case res.Digest == "":
		ref := res.SourceRepository + ":" + src.Tag
		if res.Digest, err = registry.Resolve(ctx, ref, o.Registry); err != nil {
			return err
		}
		res.PinnedByTag = true
		res.warn(o.Repo, "%s is not pinned by digest: it runs %s by tag; promoting %s, the digest the tag points to now",
			v.from, ref, res.Digest)
	}
	if err := gitops.ValidateDigest(res.Digest); err != nil {
		return fmt.Errorf("%s runs %s: %w", v.from, src.Ref(), err)
	}
	res.SourceImage = res.SourceRepository + "@" + res.Digest
	return nil
}

// verifySource requires, with a verify key, that the source digest is
// signed by it and carries a passing gates attestation by it, before
// anything moves.
func (pr *promotion) verifySource(ctx context.Context) error {
	if pr.v.verifyKey == nil {
		return nil
	}
	res := pr.res
	rep, err := attest.Verify(ctx, res.SourceRepository, res.Digest, pr.v.verifyKey,
		attest.VerifyOptions{Registry: pr.o.Registry, RequireGates: true})
	res.Verified = rep
	if err != nil {
		return fmt.Errorf("%s runs %s: refusing to promote it: %w", pr.v.from, res.SourceImage, err)
	}
	required := pr.o.RequiredStages
	if len(required) == 0 {
		required = DefaultRequiredStages
	}
	for _, name := range required {
		if st := gateStage(rep.Gates, name); st == nil || st.Status != result.Passed {
			how := "has no such stage"
			if st != nil {
				how = "says it " + string(st.Status)
			}
			return exitcode.GateError(fmt.Errorf("%s runs %s: refusing to promote it: its gates attestation %s for stage %q: %w",
				pr.v.from, res.SourceImage, how, name, attest.ErrNotVerified))
		}
	}
	pr.o.logf("verified %s: signed by key %s, its gates passed (%s)", res.SourceImage, rep.Key, strings.Join(required, ", "))
	return nil
}

// DefaultRequiredStages are the stages whose pass a verified image's
// gates attestation must record: an image published by the modules'
// publish alone (lint, test and scan skipped) is not promoted.
var DefaultRequiredStages = []string{"lint", "test", "scan"}

// gateStage is the stage name of g, or nil.
func gateStage(g *attest.Gates, name string) *attest.GateStage {
	if g == nil {
		return nil
	}
	for i := range g.Stages {
		if g.Stages[i].Name == name {
			return &g.Stages[i]
		}
	}
	return nil
}

// pickVersion picks the version the digest gets in the target repository.
func (pr *promotion) pickVersion(ctx context.Context) error {
	res := pr.res
	tags, err := registry.ListTags(ctx, res.TargetRepository, pr.o.Registry)
	if err != nil {
		return err
	}
	if res.Version, res.VersionReused, err = pr.o.pickVersion(ctx, res.TargetRepository, res.Digest, tags, pr.v.policy); err != nil {
		return err
	}
	res.TargetImage = res.TargetRepository + ":" + res.Version + "@" + res.Digest
	// NewName always: the target environment must pull from where the
	// digest was copied to and tagged, even when it names another
	// registry now (a newName equal to the name is removed).
	pr.img = gitops.Image{Name: pr.o.Image, NewName: res.TargetRepository, Tag: res.Version, Digest: res.Digest}
	return nil
}

// checkTarget sets the target environment to the image in the clone
// before the registry changes: a missing or malformed environment stops
// here. The commit step pushes the edit.
func (pr *promotion) checkTarget(ctx context.Context) error {
	pr.env = &envEdit{rel: pr.v.to, img: pr.img, opts: pr.o.GitOps, guard: pr.versionGuard, ctx: ctx, policy: pr.o.Policy}
	if _, err := pr.c.Edit(ctx, pr.env.edit); err != nil {
		return fmt.Errorf("checking the target environment: %w", err)
	}
	return nil
}

// copyImage copies the digest to the target repository (a dry run only
// says what it would copy and tag). A version tag pointing elsewhere stops
// the promotion before anything is copied. The tag itself comes after the
// push (tagVersion): the push is the promotions' lock.
func (pr *promotion) copyImage(ctx context.Context) error {
	o, res := &pr.o, pr.res
	cur, exists, err := registry.TagDigest(ctx, res.TargetRepository, res.Version, o.Registry)
	if err != nil {
		return err
	}
	if exists && cur != res.Digest {
		return exitcode.GateError(&registry.TagConflictError{
			Repository: res.TargetRepository, Tag: res.Version, Existing: cur, Wanted: res.Digest,
		})
	}
	pr.tagExists = exists
	present, err := hasDigest(ctx, res.TargetRepository, res.Digest, o.Registry)
	if err != nil {
		return err
	}
	if !present && res.TargetRepository == res.SourceRepository {
		return exitcode.Inputf("%s runs %s, which is not found in the registry", pr.v.from, res.SourceImage)
	}
	needCopy := !present
	if o.DryRun {
		res.WouldCopy, res.WouldTag = needCopy, !exists
		if res.WouldCopy {
			o.logf("dry run: not copying %s to %s", res.SourceImage, res.TargetRepository)
		}
		if res.WouldTag {
			o.logf("dry run: not tagging %s@%s as %s", res.TargetRepository, res.Digest, res.Version)
		}
		return nil
	}
	if needCopy {
		o.logf("copying %s to %s", res.SourceImage, res.TargetRepository)
		if _, err := registry.Copy(ctx, res.SourceImage, res.TargetRepository, o.Registry); err != nil {
			return err
		}
		res.Copied = true
	}
	if res.TargetRepository != res.SourceRepository {
		// The signature and attestations travel with the digest, so that
		// the target repository verifies as the source does.
		if res.Attachments, err = attest.CopyAttachments(ctx, res.SourceRepository, res.TargetRepository, res.Digest, o.Registry); err != nil {
			return err
		}
		for _, a := range res.Attachments {
			o.logf("copied %s:%s to %s", res.SourceRepository, a.Tag, res.TargetRepository)
		}
	}
	return nil
}

// versionGuard refuses to set the target environment to the version when
// it already runs that version of the target repository with another
// digest: a concurrent promotion of another digest to the same version
// won the push. Registries cannot create a tag only if it is absent, so
// the GitOps push decides between such promotions, and the loser stops
// here (exit 1), before it tags anything.
func (pr *promotion) versionGuard(cur gitops.Image) error {
	res := pr.res
	repo := cur.Name
	if cur.NewName != "" {
		repo = cur.NewName
	}
	if repo == res.TargetRepository && cur.Tag == res.Version && cur.Digest != "" && cur.Digest != res.Digest {
		return exitcode.GateError(fmt.Errorf("%s already runs %s:%s@%s: another promotion gave version %s to another digest: %w",
			pr.v.to, repo, cur.Tag, cur.Digest, res.Version, &registry.TagConflictError{
				Repository: res.TargetRepository, Tag: res.Version, Existing: cur.Digest, Wanted: res.Digest,
			}))
	}
	return nil
}

// tagVersion gives the digest its version tag in the target repository,
// once the target environment's commit is pushed (or found already there).
func (pr *promotion) tagVersion(ctx context.Context) error {
	o, res := &pr.o, pr.res
	defer func() {
		res.AlreadyPromoted = res.Unchanged && !res.Copied && !res.Tagged && !res.WouldCopy && !res.WouldTag
	}()
	if o.DryRun || pr.tagExists {
		return nil
	}
	// TagImmutable checks the tag again: a promotion to another
	// environment may have created it since.
	created, err := registry.TagImmutable(ctx, res.TargetRepository, res.Version, res.Digest, o.Registry)
	if err != nil {
		if res.Pushed {
			return fmt.Errorf("%s now runs %s (commit %s), but tagging it failed; promote again to tag it: %w",
				res.To, res.TargetImage, ShortCommit(res.Commit), err)
		}
		return err
	}
	res.Tagged = created
	if created {
		o.logf("tagged %s@%s as %s", res.TargetRepository, res.Digest, res.Version)
	}
	return nil
}

// commit commits the target environment's change with the audit trail
// and pushes it (made again on the new head if the branch moved).
func (pr *promotion) commit(ctx context.Context) error {
	o, v, res := &pr.o, pr.v, pr.res
	msg := fmt.Sprintf("promote %s %s from %s to %s", shortName(o.Image), res.Version, v.from, v.to)
	sourceRef := res.SourceRepository
	if pr.src.Tag != "" {
		sourceRef += ":" + pr.src.Tag
	}
	sourceRef += "@" + res.Digest
	trailers := []gitrepo.Trailer{
		{Key: "Golden-Promoted-By", Value: v.actor},
		{Key: "Golden-From", Value: v.from},
		{Key: "Golden-To", Value: v.to},
		{Key: "Golden-Image", Value: res.TargetImage},
		{Key: "Golden-Digest", Value: res.Digest},
		{Key: "Golden-Version", Value: res.Version},
		{Key: "Golden-Source-Image", Value: sourceRef},
		{Key: "Golden-From-Commit", Value: res.SourceCommit},
	}
	out, err := pr.c.Push(ctx, msg, trailers)
	if err != nil {
		return err
	}
	res.Outcome = *out
	res.Policy = pr.env.report
	if !out.Unchanged {
		res.Changes = pr.env.changes
	}
	return nil
}

func (r *Result) warn(repo Repo, format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	r.Warnings = append(r.Warnings, w)
	repo.logf("warning: %s", w)
}

// pickVersion returns the version tag for digest in repo and whether the
// digest already carried it.
func (o *Options) pickVersion(ctx context.Context, repo, digest string, tags []string, policy semver.Policy) (string, bool, error) {
	if o.Version != "" {
		v, err := semver.Check(o.Version, tags, policy)
		if err != nil {
			return "", false, err
		}
		return v.Tag(), false, nil
	}
	existing, err := versionTagOf(ctx, repo, digest, tags, o.Registry)
	if err != nil {
		return "", false, err
	}
	if existing != "" {
		if _, err := semver.Check(existing, tags, policy); err != nil {
			return "", false, fmt.Errorf("%s@%s already carries the version tag %s: %w", repo, digest, existing, err)
		}
		return existing, true, nil
	}
	highest, _ := semver.Highest(tags)
	next, err := semver.Next(highest, o.Bump)
	if err != nil {
		return "", false, err
	}
	v, err := semver.Check(next.Tag(), tags, policy)
	if err != nil {
		return "", false, err
	}
	return v.Tag(), false, nil
}

// lookupBatch is how many tags versionTagOf looks up at once.
const lookupBatch = 8

// versionTagOf returns the highest version tag among tags that points at
// digest in repo, or "". It looks the version tags up highest first, a
// batch at a time, and stops at the first batch with a hit.
func versionTagOf(ctx context.Context, repo, digest string, tags []string, opts registry.Options) (string, error) {
	type versioned struct {
		tag string
		v   semver.Version
	}
	var vs []versioned
	for _, t := range tags {
		if v, ok := semver.ParseTag(t); ok {
			vs = append(vs, versioned{t, v})
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].v.Compare(vs[j].v) > 0 })
	for start := 0; start < len(vs); start += lookupBatch {
		batch := vs[start:min(start+lookupBatch, len(vs))]
		hits := make([]bool, len(batch))
		errs := make([]error, len(batch))
		var wg sync.WaitGroup
		for i, c := range batch {
			wg.Go(func() {
				d, ok, err := registry.TagDigest(ctx, repo, c.tag, opts)
				hits[i], errs[i] = ok && d == digest, err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return "", err
			}
		}
		for i, hit := range hits {
			if hit {
				return batch[i].tag, nil
			}
		}
	}
	return "", nil
}

// registryOptions returns o.Registry with o.RegistryCredential for the
// registries of the repositories repos.
func (o *Options) registryOptions(repos ...string) registry.Options {
	ro := o.Registry
	if o.RegistryCredential == nil {
		return ro
	}
	creds := make(map[string]registry.Credential, len(ro.Credentials)+len(repos))
	for h, c := range ro.Credentials {
		creds[h] = c
	}
	for _, repo := range repos {
		var nopts []name.Option
		if ro.Insecure {
			nopts = append(nopts, name.Insecure)
		}
		r, err := name.NewRepository(repo, nopts...)
		if err != nil {
			continue // reported by the registry call itself
		}
		host := r.RegistryStr()
		if _, ok := creds[host]; !ok {
			creds[host] = *o.RegistryCredential
		}
	}
	ro.Credentials = creds
	return ro
}

// hasDigest reports whether repo holds digest.
func hasDigest(ctx context.Context, repo, digest string, opts registry.Options) (bool, error) {
	_, err := registry.Resolve(ctx, repo+"@"+digest, opts)
	switch {
	case err == nil:
		return true, nil
	case registry.IsNotFound(err):
		return false, nil
	}
	return false, err
}
