package semver

import (
	"errors"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// FuzzParse checks Parse and ParseTag on arbitrary strings: no panic,
// rejections are input errors, and an accepted version round-trips through
// its tag and bumps upwards.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.2.3", "v1.2.3", "1.4.0-rc.1", "0.0.0", "latest", "1.4", "01.2.3",
		"1.2.3+build", "9223372036854775807.9223372036854775807.9223372036854775807", "1.0.0-alpha.beta.1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		_, ok := ParseTag(s)
		if ok != (err == nil) {
			t.Fatalf("ParseTag(%q) ok = %v, Parse error = %v", s, ok, err)
		}
		if err != nil {
			var ive *InvalidVersionError
			if !errors.As(err, &ive) || exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("Parse(%q) error %v is not an input *InvalidVersionError", s, err)
			}
			return
		}
		if v.Tag() != s {
			t.Fatalf("Parse(%q).Tag() = %q", s, v.Tag())
		}
		if strings.HasPrefix(v.String(), "v") || v.Major() < 0 || v.Minor() < 0 || v.Patch() < 0 {
			t.Fatalf("Parse(%q) = %q (%d.%d.%d)", s, v.String(), v.Major(), v.Minor(), v.Patch())
		}
		again, err := Parse(v.String())
		if err != nil || again.Compare(v) != 0 || v.Compare(again) != 0 {
			t.Fatalf("%q does not round-trip through %q: %v", s, v.String(), err)
		}
		for _, b := range []Bump{Major, Minor, Patch} {
			n, err := Next(v, b)
			if err != nil {
				if exitcode.Code(err) != exitcode.Usage {
					t.Fatalf("Next(%q, %s): %v", s, b, err)
				}
				continue
			}
			if n.Compare(v) <= 0 || n.Prerelease() != "" || n.Prefixed() != v.Prefixed() {
				t.Fatalf("Next(%q, %s) = %q", s, b, n.Tag())
			}
		}
	})
}

// FuzzCompare checks that Compare is a consistent order on parsed versions.
func FuzzCompare(f *testing.F) {
	f.Add("1.0.0-alpha", "1.0.0-alpha.beta")
	f.Add("1.0.0-beta.11", "1.0.0-beta.2")
	f.Add("v1.2.3", "1.2.3")
	f.Add("1.0.0-rc.1", "1.0.0")
	f.Fuzz(func(t *testing.T, a, b string) {
		va, oka := ParseTag(a)
		vb, okb := ParseTag(b)
		if !oka || !okb {
			return
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if ab == 0 && va.String() != vb.String() {
			t.Fatalf("%q and %q compare equal but differ", a, b)
		}
		vs := Versions([]string{a, b})
		if len(vs) != 2 || vs[0].Compare(vs[1]) > 0 {
			t.Fatalf("Versions(%q, %q) out of order", a, b)
		}
	})
}

// FuzzParseConstraint checks the constraint wrapper: no panic, rejections
// are input errors, accepted constraints can be checked.
func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{">= 1.4, < 2.0", "~> 1.4", "!= 1.2.3", "= v1.2.3", "", " ", ",", "^1.0",
		">= 1.4 < 2.0", ">= 2.0.0-rc.1", "<=1.0.0.0.0", ">= 99999999999999999999"} {
		f.Add(s)
	}
	probes := []Version{{}}
	for _, s := range []string{"0.0.1", "1.4.0", "1.9.9", "2.0.0", "2.0.0-rc.1", "v10.0.0"} {
		v, err := Parse(s)
		if err != nil {
			f.Fatal(err)
		}
		probes = append(probes, v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraint(s)
		if err != nil {
			var ice *InvalidConstraintError
			if !errors.As(err, &ice) || exitcode.Code(err) != exitcode.Usage || ice.Constraint != s {
				t.Fatalf("ParseConstraint(%q) error %v is not an input *InvalidConstraintError", s, err)
			}
			return
		}
		for _, v := range probes {
			c.Check(v)
		}
		if strings.TrimSpace(s) == "" && (c.String() != "" || !c.Check(Version{})) {
			t.Fatalf("blank constraint %q does not allow everything", s)
		}
	})
}

// FuzzCheck checks the policy: only exit codes 1 and 2, typed errors, and
// an allowed candidate is never below the highest existing version unless
// downgrades are allowed, and satisfies the constraint.
func FuzzCheck(f *testing.F) {
	f.Add("1.4.0", "latest,v1.2.0,v1.3.0", ">= 1.4, < 2.0", false)
	f.Add("1.2.0", "1.3.0,1.3.0-rc.1", "", false)
	f.Add("1.2.0", "1.3.0", "", true)
	f.Add("v2.0.0", "", "~> 1.0", false)
	f.Add("nope", "1.0.0", "^1", false)
	f.Fuzz(func(t *testing.T, candidate, tags, constraint string, allow bool) {
		existing := strings.Split(tags, ",")
		v, err := Check(candidate, existing, Policy{AllowDowngrade: allow, Constraint: constraint})
		if err != nil {
			var (
				ive *InvalidVersionError
				ice *InvalidConstraintError
				de  *DowngradeError
				ce  *ConstraintError
			)
			switch exitcode.Code(err) {
			case exitcode.Usage:
				if !errors.As(err, &ive) && !errors.As(err, &ice) {
					t.Fatalf("input error of unexpected type: %v", err)
				}
			case exitcode.Failed:
				if !errors.As(err, &de) && !errors.As(err, &ce) {
					t.Fatalf("gate error of unexpected type: %v", err)
				}
				if de != nil && allow {
					t.Fatalf("downgrade refused although allowed: %v", err)
				}
			default:
				t.Fatalf("Check: exit %d: %v", exitcode.Code(err), err)
			}
			return
		}
		parsed, err := Parse(candidate)
		if err != nil || parsed.Compare(v) != 0 {
			t.Fatalf("Check(%q) returned %q", candidate, v.Tag())
		}
		if _, ok := ParseTag(v.Tag()); !ok || len(v.Tag()) > MaxTagLength {
			t.Fatalf("Check(%q) returned an invalid tag %q", candidate, v.Tag())
		}
		if h, ok := Highest(existing); ok {
			if !allow && v.Compare(h) < 0 {
				t.Fatalf("Check(%q) allowed a downgrade below %q", candidate, h.Tag())
			}
			if v.Prefixed() != h.Prefixed() {
				t.Fatalf("Check(%q) = %q ignores the style of %q", candidate, v.Tag(), h.Tag())
			}
		}
		c, err := ParseConstraint(constraint)
		if err != nil || !c.Check(v) {
			t.Fatalf("Check(%q) allowed a version outside %q", candidate, constraint)
		}
	})
}
