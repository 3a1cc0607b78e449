package attest

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/registry"
)

// The tag suffixes of cosign's attachments: "sha256-<hex>.sig" holds the
// signatures of the image sha256:<hex>, ".att" its attestations and ".sbom"
// an SBOM `cosign attach sbom` attached (golden writes none, but lists it
// to be copied with the rest).
const (
	SignatureSuffix   = "sig"
	AttestationSuffix = "att"
	SBOMSuffix        = "sbom"
)

// Limits on what golden reads from an attachment image, as cosign limits
// them: at most maxLayers layers (signatures or attestations) and
// maxPayload bytes each.
const (
	maxLayers  = 1000
	maxPayload = 128 << 20
)

// AttachmentTag returns the tag cosign stores the suffix attachment of
// digest under: "sha256-<hex>.<suffix>".
func AttachmentTag(digest, suffix string) (string, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return "", exitcode.Inputf("digest %q: want sha256:<64 hex digits>", digest)
	}
	return h.Algorithm + "-" + h.Hex + "." + suffix, nil
}

// Attachment is one of cosign's attachment images of a digest.
type Attachment struct {
	Kind   string `json:"kind"`   // "signature", "attestation" or "sbom"
	Tag    string `json:"tag"`    // "sha256-<hex>.sig"
	Digest string `json:"digest"` // the attachment image's own digest
}

var attachmentKinds = []struct{ suffix, kind string }{
	{SignatureSuffix, "signature"},
	{AttestationSuffix, "attestation"},
	{SBOMSuffix, "sbom"},
}

// Attachments lists the attachment images of digest in the repository repo
// ("REGISTRY/REPOSITORY"): its ".sig", ".att" and ".sbom" tags, those that
// exist, with the digest each tag points to. A promotion copies each one
// (registry.Copy of repo@Digest, then registry.Tag with Tag), or calls
// CopyAttachments.
func Attachments(ctx context.Context, repo, digest string, opts registry.Options) ([]Attachment, error) {
	var out []Attachment
	for _, k := range attachmentKinds {
		tag, err := AttachmentTag(digest, k.suffix)
		if err != nil {
			return nil, err
		}
		d, exists, err := registry.TagDigest(ctx, repo, tag, opts)
		if err != nil {
			return nil, err
		}
		if exists {
			out = append(out, Attachment{Kind: k.kind, Tag: tag, Digest: d})
		}
	}
	return out, nil
}

// CopyAttachments copies the attachment images of digest from the
// repository src to the repository dst under the same tags, so that the
// image's signatures and attestations verify in dst as in src. A tag dst
// already has is replaced (the attachments travel with the image); one
// that already points at the same digest is left alone. It returns what it
// copied.
func CopyAttachments(ctx context.Context, src, dst, digest string, opts registry.Options) ([]Attachment, error) {
	atts, err := Attachments(ctx, src, digest, opts)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		if _, err := registry.Copy(ctx, src+"@"+a.Digest, dst, opts); err != nil {
			return nil, err
		}
		if err := registry.Tag(ctx, dst, a.Tag, a.Digest, opts); err != nil {
			return nil, err
		}
	}
	return atts, nil
}

// layer is one layer of an attachment image, read in full.
type layer struct {
	mediaType   types.MediaType
	annotations map[string]string
	payload     []byte
}

// target is an image digest in a repository, with the registry options to
// reach it.
type target struct {
	repo   name.Repository
	digest string // "sha256:<hex>"
	ropts  []remote.Option
}

// newTarget parses repo and digest and checks that the registry has the
// image: a missing one is an input error (exit 2).
func newTarget(ctx context.Context, repo, digest string, opts registry.Options) (*target, error) {
	r, err := registry.ParseRepository(repo, opts)
	if err != nil {
		return nil, err
	}
	if _, err := v1.NewHash(digest); err != nil {
		return nil, exitcode.Inputf("digest %q: want sha256:<64 hex digits>", digest)
	}
	ropts, err := opts.RemoteOptions(ctx)
	if err != nil {
		return nil, err
	}
	ref := r.Digest(digest)
	if _, err := remote.Head(ref, ropts...); err != nil {
		if registry.IsNotFound(err) {
			return nil, exitcode.Inputf("image %s: not found in the registry", ref)
		}
		return nil, registry.Classify(err, "looking up %s", ref)
	}
	return &target{repo: r, digest: digest, ropts: ropts}, nil
}

func (t *target) ref() string { return t.repo.Name() + "@" + t.digest }

func (t *target) tag(suffix string) name.Tag {
	tag, _ := AttachmentTag(t.digest, suffix) // t.digest was checked
	return t.repo.Tag(tag)
}

// read returns the layers of the attachment image suffix and its digest,
// or nothing when the tag does not exist. An attachment that is not an image of at most
// maxLayers layers of at most maxPayload bytes is invalid (exit 1).
func (t *target) read(suffix string) ([]layer, string, error) {
	tag := t.tag(suffix)
	desc, err := remote.Get(tag, t.ropts...)
	switch {
	case registry.IsNotFound(err):
		return nil, "", nil
	case err != nil:
		return nil, "", registry.Classify(err, "reading %s", tag)
	case !desc.MediaType.IsImage():
		return nil, "", exitcode.Gatef("%s: a %s, not an image manifest", tag, desc.MediaType)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, "", exitcode.Gatef("%s: %v", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, "", exitcode.Gatef("%s: malformed manifest: %v", tag, err)
	}
	if len(m.Layers) > maxLayers {
		return nil, "", exitcode.Gatef("%s: %d layers, at most %d are read", tag, len(m.Layers), maxLayers)
	}
	out := make([]layer, 0, len(m.Layers))
	for _, d := range m.Layers {
		if d.Size < 0 || d.Size > maxPayload {
			return nil, "", exitcode.Gatef("%s: a layer of %d bytes, at most %d are read", tag, d.Size, maxPayload)
		}
		payload, err := t.blob(img, d)
		if err != nil {
			return nil, "", err
		}
		out = append(out, layer{mediaType: d.MediaType, annotations: d.Annotations, payload: payload})
	}
	return out, desc.Digest.String(), nil
}

// blob reads the layer d of img (go-containerregistry checks its digest).
func (t *target) blob(img v1.Image, d v1.Descriptor) ([]byte, error) {
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return nil, exitcode.Gatef("layer %s: %v", d.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, registry.Classify(err, "reading layer %s of %s", d.Digest, t.repo)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPayload+1))
	if err != nil {
		return nil, registry.Classify(err, "reading layer %s of %s", d.Digest, t.repo)
	}
	if int64(len(b)) != d.Size {
		return nil, exitcode.Gatef("layer %s of %s: %d bytes, the manifest says %d", d.Digest, t.repo, len(b), d.Size)
	}
	return b, nil
}

// write replaces the attachment image suffix with one of layers, built as
// cosign builds it: an OCI manifest with an OCI config, one uncompressed
// layer each, the layer's annotations on its descriptor. It returns the
// new image's digest.
func (t *target) write(suffix string, layers []layer) (string, error) {
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	adds := make([]mutate.Addendum, 0, len(layers))
	for _, l := range layers {
		adds = append(adds, mutate.Addendum{Layer: static.NewLayer(l.payload, l.mediaType), Annotations: l.annotations})
	}
	img, err := mutate.Append(img, adds...)
	if err != nil {
		return "", fmt.Errorf("building %s: %w", t.tag(suffix), err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("building %s: %w", t.tag(suffix), err)
	}
	tag := t.tag(suffix)
	if err := remote.Write(tag, img, t.ropts...); err != nil {
		return "", registry.Classify(err, "writing %s", tag)
	}
	return d.String(), nil
}

// attachment describes the attachment image suffix whose digest is digest.
func (t *target) attachment(suffix, digest string) Attachment {
	a := Attachment{Tag: t.tag(suffix).TagStr(), Digest: digest}
	for _, k := range attachmentKinds {
		if k.suffix == suffix {
			a.Kind = k.kind
		}
	}
	return a
}
