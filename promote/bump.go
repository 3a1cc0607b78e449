package promote

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/policy"
)

// BumpOptions configures Bump.
type BumpOptions struct {
	Repo
	// Path is the environment's directory or file in the repository, e.g.
	// "overlays/staging" (relative, slash-separated).
	Path string
	// Image is what the environment is to run: Name as the manifests know
	// the image, and a Tag, a Digest or both; NewName optionally changes
	// the repository (see gitops.Image).
	Image gitops.Image
	// GitOps picks the kind of files and the Helm value paths.
	GitOps gitops.Options
	// SourceCommit, when set, is the commit of the application the image
	// was built from: the Golden-Source-Commit trailer.
	SourceCommit string
	// Message replaces the default commit subject ("bump go-service in
	// overlays/staging to 1.2.3@sha256:abcdef012345…"); the trailers
	// follow it either way.
	Message string
}

// BumpResult is what Bump did.
type BumpResult struct {
	// Image is the image the environment runs now, as the manifests name
	// it, with what the bump kept (a newName it was not given, say); Ref
	// is the reference it runs: NewName (or Name), :Tag and @Digest.
	Image gitops.Image
	Ref   string
	// Path is the environment's path in the repository.
	Path string
	// Outcome is what happened in the repository: pushed a commit, found
	// the environment already running the image (Unchanged, nothing
	// committed), or only computed the change (DryRun).
	gitrepo.Outcome
	// Changes lists the values changed, with file names relative to the
	// repository.
	Changes []gitops.Change
	// Policy is the policies' verdict on the environment (Repo.Policy).
	Policy *policy.Report
}

// sourceCommitRE is what a source commit may look like: a hash or
// another revision name, on one line, without spaces.
var sourceCommitRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._/-]{0,127}$`)

// validateBump checks the options and returns the cleaned path.
func (o *BumpOptions) validate() (string, error) {
	p, err := cleanPath("path", o.Path)
	if err != nil {
		return "", err
	}
	img := o.Image
	for _, v := range []struct{ what, s string }{{"new name", img.NewName}, {"tag", img.Tag}, {"digest", img.Digest}} {
		if v.s == gitops.Preserve {
			return "", exitcode.Inputf("%s %q: give a value", v.what, v.s)
		}
	}
	if err := gitops.ValidateRepository(img.Name); err != nil {
		return "", fmt.Errorf("image: %w", err)
	}
	if img.Tag == "" && img.Digest == "" {
		return "", exitcode.Inputf("image %s: give a tag, a digest or both", img.Name)
	}
	if err := img.Validate(); err != nil {
		return "", err
	}
	if o.SourceCommit != "" && !sourceCommitRE.MatchString(o.SourceCommit) {
		return "", exitcode.Inputf("source commit %q: want a commit hash", o.SourceCommit)
	}
	if strings.ContainsAny(o.Message, "\x00") {
		return "", exitcode.Inputf("commit message: contains a NUL character")
	}
	return p, nil
}

// Bump clones the repository, sets the image of the environment at
// o.Path (gitops.Update), commits with a message and the trailers
// Golden-Image, Golden-Digest and Golden-Source-Commit, and pushes,
// retrying on the new head when the branch moved (gitrepo.Apply). An
// environment that already runs the image is no change: nothing is
// committed and Unchanged is set.
//
// Errors are classified for package exitcode: bad options, a missing
// environment, an image missing from Helm values or manifests and
// malformed files are input errors (exit 2); an unreachable remote is an
// infrastructure error (exit 3).
func Bump(ctx context.Context, o BumpOptions) (*BumpResult, error) {
	rel, err := o.validate()
	if err != nil {
		return nil, err
	}
	opts := o.gitOptions()
	if o.Policy == nil {
		opts.Paths = []string{rel} // the checkout holds the environment only
	}
	c, err := gitrepo.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	env := &envEdit{rel: rel, img: o.Image, opts: o.GitOps, ctx: ctx, policy: o.Policy}
	if _, err := c.Edit(ctx, env.edit); err != nil {
		return nil, err
	}
	// What the environment runs now: the edit keeps what it was not
	// given (a newName, say), so the image given is not the whole story.
	img, err := env.current(c.Dir())
	if err != nil {
		return nil, err
	}
	msg := o.Message
	if strings.TrimSpace(msg) == "" {
		msg = fmt.Sprintf("bump %s in %s to %s", shortName(img.Name), rel, shortRef(img))
	}
	trailers := []gitrepo.Trailer{{Key: "Golden-Image", Value: img.Ref()}}
	if img.Digest != "" {
		trailers = append(trailers, gitrepo.Trailer{Key: "Golden-Digest", Value: img.Digest})
	}
	if o.SourceCommit != "" {
		trailers = append(trailers, gitrepo.Trailer{Key: "Golden-Source-Commit", Value: o.SourceCommit})
	}
	out, err := c.Push(ctx, msg, trailers)
	if err != nil {
		return nil, err
	}
	res := &BumpResult{Image: img, Ref: img.Ref(), Path: rel, Outcome: *out, Policy: env.report}
	if !out.Unchanged {
		res.Changes = env.changes
	}
	return res, nil
}

// shortName is the last path element of an image name: "go-service" for
// registry.example.com/acme/go-service.
func shortName(name string) string { return path.Base(name) }

// ShortDigest abbreviates a digest for people: sha256:0123456789ab….
func ShortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return algo + ":" + hex[:12] + "…"
}

// shortRef is the image for a subject line: [newName:]tag@short-digest.
func shortRef(img gitops.Image) string {
	var b strings.Builder
	if img.NewName != "" {
		b.WriteString(img.NewName)
	}
	if img.Tag != "" {
		if b.Len() > 0 {
			b.WriteString(":")
		}
		b.WriteString(img.Tag)
	}
	if img.Digest != "" {
		if b.Len() > 0 {
			b.WriteString("@")
		}
		b.WriteString(ShortDigest(img.Digest))
	}
	return b.String()
}
