package registry

import (
	"context"
	"sort"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/goldenci/golden/exitcode"
)

// Resolve returns the digest ("sha256:...") that ref ("REGISTRY/REPO:TAG"
// or "REGISTRY/REPO@sha256:...") points to. A digest reference is checked
// to exist. A missing tag, digest or repository is an input error (exit 2).
func Resolve(ctx context.Context, ref string, opts Options) (string, error) {
	r, err := parseReference(ref, opts)
	if err != nil {
		return "", err
	}
	ropts, err := opts.remoteOptions(ctx)
	if err != nil {
		return "", err
	}
	digest, ok, err := digestOf(r, ropts)
	if err != nil {
		return "", classify(err, "resolving %s", r)
	}
	if !ok {
		return "", exitcode.Inputf("resolving %s: %w", r, errNotFound)
	}
	return digest, nil
}

// TagDigest returns the digest tag points to in repo, and whether the tag
// exists. A missing repository counts as a missing tag.
func TagDigest(ctx context.Context, repo, tag string, opts Options) (digest string, exists bool, err error) {
	r, err := parseRepository(repo, opts)
	if err != nil {
		return "", false, err
	}
	t, err := parseTag(r, tag, opts)
	if err != nil {
		return "", false, err
	}
	ropts, err := opts.remoteOptions(ctx)
	if err != nil {
		return "", false, err
	}
	digest, exists, err = digestOf(t, ropts)
	if err != nil {
		return "", false, classify(err, "looking up tag %s", t)
	}
	return digest, exists, nil
}

// ListTags returns the tags of repo, sorted. A repository that does not
// exist yet has no tags (nil, nil), so that a first promotion can bump from
// nothing.
func ListTags(ctx context.Context, repo string, opts Options) ([]string, error) {
	r, err := parseRepository(repo, opts)
	if err != nil {
		return nil, err
	}
	ropts, err := opts.remoteOptions(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(r, ropts...)
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, classify(err, "listing tags of %s", r)
	}
	sort.Strings(tags)
	return tags, nil
}

// Tag points tag in repo at digest, which must already be in repo (Copy
// it there first). It moves an existing tag; when the tag already points
// at digest it changes nothing. The manifest is re-used byte for byte, so
// the tag resolves to exactly digest. Use TagImmutable for version tags.
func Tag(ctx context.Context, repo, tag, digest string, opts Options) error {
	_, err := tagDigest(ctx, repo, tag, digest, false, opts)
	return err
}

// TagImmutable is Tag for tags that must never move, such as version tags:
// it creates tag, changes nothing when tag already points at digest, and
// refuses with a *TagConflictError, classified as a failed gate (exit 1),
// when tag points at another digest. It reports whether it created the tag.
// It checks, then writes: registries cannot create a tag only if it is
// absent, so concurrent callers must be serialized by something else
// (golden promote tags after its GitOps push, which decides between them).
func TagImmutable(ctx context.Context, repo, tag, digest string, opts Options) (created bool, err error) {
	return tagDigest(ctx, repo, tag, digest, true, opts)
}

func tagDigest(ctx context.Context, repo, tag, digest string, immutable bool, opts Options) (bool, error) {
	r, err := parseRepository(repo, opts)
	if err != nil {
		return false, err
	}
	t, err := parseTag(r, tag, opts)
	if err != nil {
		return false, err
	}
	d, err := parseDigest(digest, r, opts)
	if err != nil {
		return false, err
	}
	ropts, err := opts.remoteOptions(ctx)
	if err != nil {
		return false, err
	}

	current, exists, err := digestOf(t, ropts)
	if err != nil {
		return false, classify(err, "looking up tag %s", t)
	}
	if exists && current == d.DigestStr() {
		return false, nil
	}
	if exists && immutable {
		return false, exitcode.GateError(&TagConflictError{
			Repository: r.Name(), Tag: tag, Existing: current, Wanted: d.DigestStr(),
		})
	}

	desc, err := remote.Get(d, ropts...)
	if err != nil {
		return false, classify(err, "tagging %s as %q: reading the manifest", d, tag)
	}
	if err := remote.Put(t, desc, ropts...); err != nil {
		return false, classify(err, "tagging %s as %q", d, tag)
	}
	return true, nil
}
