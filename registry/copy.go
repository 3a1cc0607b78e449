package registry

import (
	"context"
	"errors"
	"net"
	"net/url"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/goldenci/golden/exitcode"
)

// Copy copies the image or index src ("REGISTRY/REPOSITORY@sha256:...")
// into the repository dst ("REGISTRY/REPOSITORY") under the same digest,
// and returns that digest.
//
// For an index (OCI image index or Docker manifest list) every child
// manifest and blob is copied first, then the index. Manifests are written
// with the exact bytes the source served, so the digest is preserved. When
// src and dst are in the same registry the blobs are cross-repository
// mounted (no layer bytes move); between registries each distinct blob is
// read and written once, even when platforms share layers.
//
// When dst already has the digest Copy only makes one HEAD request and
// returns. A Copy that failed half-way completes when called again: blobs
// and manifests already present are skipped.
func Copy(ctx context.Context, src, dst string, opts Options) (string, error) {
	srcRef, err := parseDigestRef(src, opts)
	if err != nil {
		return "", err
	}
	dstRepo, err := parseRepository(dst, opts)
	if err != nil {
		return "", err
	}
	ropts, err := opts.remoteOptions(ctx)
	if err != nil {
		return "", err
	}
	digest := srcRef.DigestStr()
	target := dstRepo.Digest(digest)

	present, err := has(target, ropts)
	if err != nil {
		return "", classify(err, "copying %s to %s: checking the target", srcRef, dstRepo)
	}
	if present {
		return digest, nil
	}

	desc, err := remote.Get(srcRef, ropts...)
	if err != nil {
		return "", classify(err, "copying %s to %s: reading the source", srcRef, dstRepo)
	}
	// remote.Push keeps the bytes: for a *remote.Descriptor it PUTs the raw
	// manifests as fetched, and the images it yields wrap their layers in
	// remote.MountableLayer, which asks the target registry to mount them
	// from the source repository when both are in the same registry.
	if err := remote.Push(target, desc, ropts...); err != nil {
		return "", classify(err, "copying %s to %s", srcRef, dstRepo)
	}
	return digest, nil
}

// has reports whether the manifest ref exists.
func has(ref name.Reference, ropts []remote.Option) (bool, error) {
	_, ok, err := digestOf(ref, ropts)
	return ok, err
}

// digestOf returns the digest ref points to, with a HEAD request, falling
// back to GET for registries whose HEAD answers lack the digest header.
// A missing repository or manifest is (_, false, nil).
func digestOf(ref name.Reference, ropts []remote.Option) (string, bool, error) {
	desc, err := remote.Head(ref, ropts...)
	if err == nil {
		return desc.Digest.String(), true, nil
	}
	if IsNotFound(err) {
		return "", false, nil
	}
	var (
		terr   *transport.Error
		urlErr *url.Error
		netErr net.Error
	)
	if errors.As(err, &terr) || errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		exitcode.Code(err) != exitcode.Infra || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "", false, err
	}
	// The registry answered HEAD without Docker-Content-Digest or
	// Content-Length: GET the manifest and hash it.
	d, err := remote.Get(ref, ropts...)
	if err != nil {
		if IsNotFound(err) {
			return "", false, nil
		}
		return "", false, err
	}
	return d.Digest.String(), true, nil
}
