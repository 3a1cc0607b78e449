package toolcmd

import (
	"strconv"
	"strings"
	"time"

	"github.com/goldenci/golden/semver"
)

// The OCI annotation keys OCILabels sets (see the OCI image spec,
// annotations.md).
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelCreated  = "org.opencontainers.image.created"
	LabelVersion  = "org.opencontainers.image.version"
	LabelTitle    = "org.opencontainers.image.title"
)

// LabelOptions are what an image's labels record.
type LabelOptions struct {
	// Source is the URL of the source repository.
	Source string
	// Revision is the commit the image was built from.
	Revision string
	// Version is the version of the packaged software (a release tag,
	// or whatever the pipeline calls the build).
	Version string
	// Title is the image's human-readable name (the service name).
	Title string
	// Created is when the image was built.
	Created time.Time
}

// OCILabels returns the org.opencontainers.image.* labels of an image:
// source, revision, created (RFC 3339, UTC, whole seconds), version and
// title. Empty values (and a zero Created) are left out rather than set
// to "", which would claim something.
func OCILabels(o LabelOptions) map[string]string {
	labels := map[string]string{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			labels[k] = v
		}
	}
	set(LabelSource, o.Source)
	set(LabelRevision, o.Revision)
	set(LabelVersion, o.Version)
	set(LabelTitle, o.Title)
	if !o.Created.IsZero() {
		labels[LabelCreated] = o.Created.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return labels
}

// maxTagLength is the longest tag the OCI distribution spec allows.
const maxTagLength = semver.MaxTagLength

// TagOptions are what an image's tags are derived from.
type TagOptions struct {
	// Commit is the full commit SHA the image was built from.
	Commit string
	// Branch is the branch being built (GITHUB_REF_NAME,
	// CI_COMMIT_BRANCH; a "refs/heads/" prefix is dropped); empty for a
	// tag build.
	Branch string
	// GitTag is the git tag being built ("v1.2.3"; a "refs/tags/" prefix
	// is dropped); empty for a branch build.
	GitTag string
	// DefaultBranch is the repository's default branch ("main"). A build
	// of it is also tagged "latest"; empty never tags "latest".
	DefaultBranch string
}

// ImageTags returns the tags of an image, in this order and without
// duplicates:
//
//   - "sha-" and the first 12 characters of Commit (lowercased), when
//     Commit is a hexadecimal SHA; anything else is left out.
//   - the branch, sanitized into a valid tag: lowercased, "/" and every
//     character outside [a-z0-9_.-] replaced by "-", leading "." and "-"
//     dropped, cut to 128 characters ("feature/Login" -> "feature-login").
//     A branch that sanitizes to nothing, or to "latest", gets no tag.
//   - for a git tag that is a semantic version ("v1.2.3" or "1.2.3") the
//     version without "v" and its floating aliases: "1.2.3", "1.2", "1"
//     (a pre-release keeps its case: "1.0.0-RC.1").
//     A pre-release ("v1.3.0-rc.1") gets only its own tag "1.3.0-rc.1",
//     so that it never moves "1.3" or "1"; a 0.x version gets no "0"
//     alias, since 0.x releases promise no compatibility. Any other git
//     tag is sanitized like a branch.
//   - "latest", only when Branch is DefaultBranch: "latest" is what the
//     default branch last built (what goes to staging), not the highest
//     release.
func ImageTags(o TagOptions) []string {
	var tags []string
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	if c := strings.ToLower(strings.TrimSpace(o.Commit)); isHex(c) {
		add("sha-" + c[:min(12, len(c))])
	}
	branch := strings.TrimPrefix(strings.TrimSpace(o.Branch), "refs/heads/")
	if b := SanitizeTag(branch); b != "latest" {
		add(b)
	}
	if gitTag := strings.TrimPrefix(strings.TrimSpace(o.GitTag), "refs/tags/"); gitTag != "" {
		for _, t := range versionTags(gitTag) {
			add(t)
		}
	}
	if branch != "" && branch == o.DefaultBranch {
		add("latest")
	}
	return tags
}

// versionTags returns the tags of a git tag: a semantic version and its
// aliases, or the sanitized tag.
func versionTags(gitTag string) []string {
	v, ok := semver.ParseTag(gitTag)
	if !ok {
		if t := SanitizeTag(gitTag); t != "" && t != "latest" {
			return []string{t}
		}
		return nil
	}
	v = v.WithPrefix(false)
	if v.Prerelease() != "" {
		return []string{v.String()}
	}
	tags := []string{v.String(), strconv.FormatInt(v.Major(), 10) + "." + strconv.FormatInt(v.Minor(), 10)}
	if v.Major() > 0 {
		tags = append(tags, strconv.FormatInt(v.Major(), 10))
	}
	return tags
}

// SanitizeTag turns a branch or git tag name into a valid image tag
// (the OCI distribution spec's [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}, and
// lowercase): lowercased, every "/" and every character outside
// [a-z0-9_.-] replaced by "-", leading "." and "-" dropped, cut to 128
// characters. It returns "" when nothing is left.
func SanitizeTag(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	t := strings.TrimLeft(b.String(), ".-")
	if len(t) > maxTagLength {
		t = t[:maxTagLength]
	}
	return t
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
