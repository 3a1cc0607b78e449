package gitops

import (
	"fmt"
	"regexp"
	"strings"
)

// Preserve, given as an Image's NewName, Tag or Digest, keeps the value
// that is already there, like the "*" of kustomize edit set image
// (app=*:v2 keeps the newName of the existing entry and sets its tag).
// A new kustomize entry gets no value for a preserved field. An empty
// NewName preserves too.
const Preserve = "*"

// Image is what to set. Name is the image repository as the manifests
// know it (a kustomize images entry's name, a Helm values repository, the
// part before the tag of a container image). NewName, Tag and Digest are
// the new repository, tag and digest; Preserve means "keep the current
// value".
//
// An update changes what the Image names and keeps the rest, unless the
// change makes it wrong:
//
//   - NewName: empty keeps the current repository (a kustomize entry's
//     newName stays); NewName equal to Name is the image under its own
//     name again (a kustomize entry loses its newName). Only a NewName
//     changes the repository: a production overlay pulling from its own
//     registry keeps pulling from it when a tag or digest changes.
//   - Tag and Digest, both empty: the tag and the digest stay (only the
//     name changes).
//   - A Tag without a Digest removes the current digest: it pinned the
//     previous image and would win over the new tag.
//   - A Digest without a Tag removes the current tag (kustomize newTag, a
//     Helm tag set to ""): it named the previous image.
//   - A kustomize entry's tagSuffix goes when the entry gets a new tag or
//     digest (kustomize build ignores it next to either).
//
// Each value removed that the Image did not name is a Change with a Note
// saying why. Unlike kustomize edit set image, which replaces the whole
// entry, "name:tag" does not remove a newName.
type Image struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	Tag     string `json:"tag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// String returns the image in kustomize edit set image syntax:
// name=newName:tag@digest, name:tag, name@digest, name:tag@digest.
func (img Image) String() string {
	var b strings.Builder
	b.WriteString(img.Name)
	if img.NewName != "" {
		b.WriteString("=")
		b.WriteString(img.NewName)
	}
	if img.Tag != "" {
		b.WriteString(":")
		b.WriteString(img.Tag)
	}
	if img.Digest != "" {
		b.WriteString("@")
		b.WriteString(img.Digest)
	}
	return b.String()
}

// Ref returns the image reference the image resolves to:
// NewName (or Name) followed by :tag and @digest when set. Preserved
// fields are left out.
func (img Image) Ref() string {
	repo := img.Name
	if img.NewName != "" && img.NewName != Preserve {
		repo = img.NewName
	}
	return joinRef(repo, keep(img.Tag), keep(img.Digest))
}

func keep(s string) string {
	if s == Preserve {
		return ""
	}
	return s
}

// Why an update removes a value its Image does not name (Change.Note).
const (
	noteStaleTag    = "stale: the previous image's tag, which a digest without a tag replaces"
	noteStaleDigest = "stale: the previous image's digest, which would win over the new tag"
	noteTagSuffix   = "kustomize ignores tagSuffix next to a newTag or digest"
)

// staleNotes returns why an update from tag and digest to newTag and
// newDigest removes the tag or the digest when img does not name it, ""
// for a value that stays or that img names.
func (img Image) staleNotes(tag, digest, newTag, newDigest string) (tagNote, digestNote string) {
	if tag != "" && newTag == "" && img.Tag == "" {
		tagNote = noteStaleTag
	}
	if digest != "" && newDigest == "" && img.Digest == "" {
		digestNote = noteStaleDigest
	}
	return tagNote, digestNote
}

// joinRef builds repo[:tag][@digest].
func joinRef(repo, tag, digest string) string {
	s := repo
	if tag != "" {
		s += ":" + tag
	}
	if digest != "" {
		s += "@" + digest
	}
	return s
}

// The grammar of image references, after the OCI distribution spec
// (github.com/distribution/reference).
const (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainPart      = domainComponent + `(?:\.` + domainComponent + `)*(?::[0-9]+)?`
	pathComponent   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
)

// MaxRepositoryLength is the longest image repository the distribution
// spec allows.
const MaxRepositoryLength = 255

var (
	repoRE   = regexp.MustCompile(`^(?:` + domainPart + `/)?` + pathComponent + `(?:/` + pathComponent + `)*$`)
	tagRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE = regexp.MustCompile(`^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$`)
)

// ValidateRepository returns an error unless s is a valid image repository
// ("app", "ghcr.io/org/app", "localhost:5000/app"), without tag or digest.
// Errors wrap ErrInvalidImage.
func ValidateRepository(s string) error {
	switch {
	case s == "":
		return invalid("empty image name")
	case len(s) > MaxRepositoryLength:
		return invalid("image name longer than %d characters", MaxRepositoryLength)
	case !repoRE.MatchString(s):
		return invalid("bad image name %q (want [registry[:port]/]path in lowercase, without tag or digest)", s)
	}
	return nil
}

// ValidateTag returns an error unless s is a valid OCI tag:
// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. Errors wrap ErrInvalidImage.
func ValidateTag(s string) error {
	if !tagRE.MatchString(s) {
		return invalid("bad tag %q (want [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})", s)
	}
	return nil
}

// ValidateDigest returns an error unless s is a valid digest: "sha256:" and 64
// lowercase hex digits (or "sha512:" and 128). Errors wrap ErrInvalidImage.
func ValidateDigest(s string) error {
	if !digestRE.MatchString(s) {
		return invalid("bad digest %q (want sha256:<64 lowercase hex digits>)", s)
	}
	return nil
}

// Validate checks an Image for Update: Name is a valid repository,
// NewName, Tag and Digest are empty, Preserve or valid, and at least one
// of them is set. Errors wrap ErrInvalidImage.
func (img Image) Validate() error {
	if err := ValidateRepository(img.Name); err != nil {
		return err
	}
	if img.NewName != "" && img.NewName != Preserve {
		if err := ValidateRepository(img.NewName); err != nil {
			return fmt.Errorf("new name: %w", err)
		}
	}
	if img.Tag != "" && img.Tag != Preserve {
		if err := ValidateTag(img.Tag); err != nil {
			return err
		}
	}
	if img.Digest != "" && img.Digest != Preserve {
		if err := ValidateDigest(img.Digest); err != nil {
			return err
		}
	}
	if img.NewName == "" && img.Tag == "" && img.Digest == "" {
		return invalid("image %q sets no new name, tag or digest", img.Name)
	}
	return nil
}

// splitRef splits an image reference into repository, tag and digest
// without validating them, the way kustomize does: the digest follows the
// first "@", the tag the last ":" after the last "/" (so a registry port,
// as in localhost:5000/app:1.0, is part of the repository).
func splitRef(s string) (repo, tag, digest string) {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s, digest = s[:i], s[i+1:]
	}
	slash := strings.LastIndexByte(s, '/')
	if i := strings.LastIndexByte(s, ':'); i > slash {
		s, tag = s[:i], s[i+1:]
	}
	return s, tag, digest
}

// ParseImageRef splits and validates an image reference
// repo[:tag][@digest], e.g. "localhost:5000/app:1.0" or
// "ghcr.io/org/app:v2@sha256:...". Errors wrap ErrInvalidImage.
func ParseImageRef(s string) (repo, tag, digest string, err error) {
	repo, tag, digest = splitRef(s)
	if err := ValidateRepository(repo); err != nil {
		return "", "", "", fmt.Errorf("image reference %q: %w", s, err)
	}
	name, _, hasDigest := strings.Cut(s, "@")
	if hasDigest {
		if err := ValidateDigest(digest); err != nil {
			return "", "", "", fmt.Errorf("image reference %q: %w", s, err)
		}
	}
	if strings.LastIndexByte(name, ':') > strings.LastIndexByte(name, '/') {
		if err := ValidateTag(tag); err != nil {
			return "", "", "", fmt.Errorf("image reference %q: %w", s, err)
		}
	}
	return repo, tag, digest, nil
}

// ParseImage parses an image in kustomize edit set image syntax:
// "name=newName:tag@digest", "name=newName", "name:tag", "name@digest" or
// "name:tag@digest"; "*" as the new name, tag or digest means Preserve
// ("name=*:v2"). The result is validated with Image.Validate. Errors wrap
// ErrInvalidImage. An update keeps what the image does not name (see
// Image): "name:tag" keeps a newName, where kustomize edit set image
// removes it.
func ParseImage(s string) (Image, error) {
	key, value, hasKey := strings.Cut(s, "=")
	var img Image
	if hasKey {
		img.Name = key
		img.NewName, img.Tag, img.Digest = splitRef(value)
	} else {
		img.Name, img.Tag, img.Digest = splitRef(key)
	}
	if err := img.Validate(); err != nil {
		return Image{}, fmt.Errorf("image %q: %w", s, err)
	}
	return img, nil
}
