// Package semver does the version arithmetic and policy of a promotion:
// it reads semantic versions from image tags, finds the highest, bumps it,
// and checks a candidate version against a policy (no downgrade, an
// optional constraint such as ">= 1.4, < 2.0").
//
// Versions are strict Semantic Versioning 2.0.0 MAJOR.MINOR.PATCH with an
// optional pre-release ("1.4.0-rc.1"), written with or without a leading
// "v". Anything else among a repository's tags ("latest", "sha-abc",
// "1.4", "stable") is not a version tag and is ignored. Build metadata
// ("+build.5") is rejected: '+' cannot appear in an image tag.
//
// Tag style: a version remembers whether it was written with "v". Check
// gives the candidate the style of the repository's highest version tag,
// so a repository tagged v1.2.3 gets v1.3.0 next and one tagged 1.2.3 gets
// 1.3.0, however the version was typed; a repository without version tags
// keeps the candidate's own spelling, and Next from no tags at all yields
// unprefixed versions (0.0.1, 0.1.0, 1.0.0).
//
// Parsing and constraints use github.com/hashicorp/go-version; precedence
// is the specification's (see Version.Compare).
package semver

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	version "github.com/hashicorp/go-version"

	"github.com/goldenci/golden/exitcode"
)

// MaxTagLength is the longest image tag the OCI distribution spec allows.
const MaxTagLength = 128

// strict is the Semantic Versioning 2.0.0 grammar (from semver.org) with
// an optional "v".
var strict = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// zero is the version the zero Version stands for.
var zero = version.Must(version.NewSemver("0.0.0"))

// Version is a semantic version. The zero value is 0.0.0, so Next of the
// zero Version starts a repository's first version.
type Version struct {
	v        *version.Version
	prefixed bool
}

// InvalidVersionError reports a string that is not a version golden can
// tag. Parse and Check return it classified as an input error (exit 2).
type InvalidVersionError struct {
	Input  string
	Reason string
}

// Error implements error.
func (e *InvalidVersionError) Error() string {
	return fmt.Sprintf("invalid version %q: %s", e.Input, e.Reason)
}

// Parse parses a version such as "1.4.0", "v1.4.0" or "1.4.0-rc.1". A
// malformed version is an *InvalidVersionError classified as an input
// error (exit 2).
func Parse(s string) (Version, error) {
	v, reason := parse(s)
	if reason != "" {
		return Version{}, exitcode.InputError(&InvalidVersionError{Input: s, Reason: reason})
	}
	return v, nil
}

// ParseTag parses an image tag as a version; ok is false for tags that are
// not version tags ("latest", "sha-abc", "1.4").
func ParseTag(tag string) (v Version, ok bool) {
	v, reason := parse(tag)
	return v, reason == ""
}

func parse(s string) (Version, string) {
	switch {
	case s == "":
		return Version{}, "empty version"
	case len(s) > MaxTagLength:
		return Version{}, fmt.Sprintf("longer than the %d characters an image tag may have", MaxTagLength)
	}
	m := strict.FindStringSubmatch(s)
	if m == nil {
		return Version{}, "want MAJOR.MINOR.PATCH[-PRERELEASE], optionally with a leading v, e.g. 1.4.0, v1.4.0 or 1.4.0-rc.1"
	}
	if m[5] != "" {
		return Version{}, "build metadata (+" + m[5] + ") cannot be part of an image tag"
	}
	v, err := version.NewSemver(strings.TrimPrefix(s, "v"))
	if err != nil {
		// The grammar matched, so only a number out of range gets here.
		return Version{}, "a number is out of range"
	}
	return Version{v: v, prefixed: strings.HasPrefix(s, "v")}, ""
}

func (v Version) core() *version.Version {
	if v.v == nil {
		return zero
	}
	return v.v
}

func (v Version) segment(i int) int64 { return v.core().Segments64()[i] }

// Major returns the major version.
func (v Version) Major() int64 { return v.segment(0) }

// Minor returns the minor version.
func (v Version) Minor() int64 { return v.segment(1) }

// Patch returns the patch version.
func (v Version) Patch() int64 { return v.segment(2) }

// Prerelease returns the pre-release ("rc.1" in 1.4.0-rc.1), or "".
func (v Version) Prerelease() string { return v.core().Prerelease() }

// Prefixed reports whether the version is written with a leading "v".
func (v Version) Prefixed() bool { return v.prefixed }

// WithPrefix returns v written with (true) or without a leading "v".
func (v Version) WithPrefix(prefixed bool) Version {
	v.prefixed = prefixed
	return v
}

// String returns the canonical version without prefix, e.g. "1.4.0-rc.1".
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch())
	if p := v.Prerelease(); p != "" {
		s += "-" + p
	}
	return s
}

// Tag returns the image tag for v: String with a leading "v" when v is
// prefixed, e.g. "v1.4.0".
func (v Version) Tag() string {
	if v.prefixed {
		return "v" + v.String()
	}
	return v.String()
}

// Compare returns -1, 0 or 1 as v is lower than, equal to or higher than
// o in Semantic Versioning 2.0.0 precedence (1.0.0-alpha < 1.0.0-alpha.1 <
// 1.0.0-alpha.beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0;
// the prefix does not matter).
//
// Pre-releases are compared here rather than by go-version, whose order
// deviates from the specification when one pre-release extends the other
// (it puts 1.0.0-alpha above 1.0.0-alpha.beta).
func (v Version) Compare(o Version) int {
	for i := range 3 {
		if c := cmp.Compare(v.segment(i), o.segment(i)); c != 0 {
			return c
		}
	}
	return comparePrerelease(v.Prerelease(), o.Prerelease())
}

// comparePrerelease compares pre-releases by item 11 of the specification.
func comparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "": // a release is above its pre-releases
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := compareIdentifier(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// compareIdentifier compares two pre-release identifiers: numeric ones
// numerically (without leading zeros, a longer number is larger) and below
// alphanumeric ones, alphanumeric ones in ASCII order.
func compareIdentifier(a, b string) int {
	an, bn := numeric(a), numeric(b)
	switch {
	case an && bn:
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	case an:
		return -1
	case bn:
		return 1
	default:
		return strings.Compare(a, b)
	}
}

func numeric(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Versions returns the version tags among tags in ascending order,
// skipping the others. Equal versions spelled differently ("1.2.3" and
// "v1.2.3") are ordered by their tag, so the prefixed one comes last.
func Versions(tags []string) []Version {
	var vs []Version
	for _, t := range tags {
		if v, ok := ParseTag(t); ok {
			vs = append(vs, v)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if c := vs[i].Compare(vs[j]); c != 0 {
			return c < 0
		}
		return vs[i].Tag() < vs[j].Tag()
	})
	return vs
}

// Highest returns the highest version among tags, pre-releases included,
// keeping its tag's prefix style; ok is false when no tag is a version.
func Highest(tags []string) (v Version, ok bool) {
	vs := Versions(tags)
	if len(vs) == 0 {
		return Version{}, false
	}
	return vs[len(vs)-1], true
}

// Bump names the part of a version Next increments.
type Bump string

// The bumps Next understands.
const (
	Major Bump = "major"
	Minor Bump = "minor"
	Patch Bump = "patch"
)

// Next returns the version after highest for bump ("major", "minor" or
// "patch"), keeping highest's prefix style. From the zero Version (a
// repository without version tags) patch gives 0.0.1, minor 0.1.0 and
// major 1.0.0.
//
// A pre-release is bumped to its release the way npm's semver does it:
// patch of 1.4.0-rc.1 is 1.4.0; minor of 1.4.0-rc.1 is 1.4.0 but of
// 1.4.2-rc.1 is 1.5.0; major of 2.0.0-rc.1 is 2.0.0 but of 2.1.0-rc.1 is
// 3.0.0.
//
// An unknown bump, or a number that would overflow, is an input error
// (exit 2).
func Next(highest Version, bump Bump) (Version, error) {
	major, minor, patch := highest.Major(), highest.Minor(), highest.Patch()
	pre := highest.Prerelease() != ""
	inc := func(n int64) (int64, error) {
		if n == math.MaxInt64 {
			return 0, exitcode.Inputf("bumping %s: %s version is already the largest possible", highest, bump)
		}
		return n + 1, nil
	}
	var err error
	switch bump {
	case Patch:
		if !pre {
			patch, err = inc(patch)
		}
	case Minor:
		if !pre || patch != 0 {
			minor, err = inc(minor)
			patch = 0
		}
	case Major:
		if !pre || minor != 0 || patch != 0 {
			major, err = inc(major)
			minor, patch = 0, 0
		}
	default:
		return Version{}, exitcode.Inputf("unknown bump %q: want major, minor or patch", string(bump))
	}
	if err != nil {
		return Version{}, err
	}
	v, err := version.NewSemver(fmt.Sprintf("%d.%d.%d", major, minor, patch))
	if err != nil {
		return Version{}, exitcode.Inputf("bumping %s: %w", highest, err)
	}
	return Version{v: v, prefixed: highest.prefixed}, nil
}

// TagStyle reports whether the repository's version tags are written with
// a leading "v": the style of its highest version tag. found is false when
// tags holds no version tag.
func TagStyle(tags []string) (prefixed, found bool) {
	h, ok := Highest(tags)
	return h.prefixed, ok
}
