package semver

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

func TestParse(t *testing.T) {
	t.Parallel()
	maxInt := strconv.FormatInt(math.MaxInt64, 10)
	tests := []struct {
		in       string
		str, tag string // "" when invalid
		reason   string // part of the error, when invalid
	}{
		{in: "1.2.3", str: "1.2.3", tag: "1.2.3"},
		{in: "v1.2.3", str: "1.2.3", tag: "v1.2.3"},
		{in: "0.0.0", str: "0.0.0", tag: "0.0.0"},
		{in: "1.4.0-rc.1", str: "1.4.0-rc.1", tag: "1.4.0-rc.1"},
		{in: "v2.0.0-alpha-2.x.0", str: "2.0.0-alpha-2.x.0", tag: "v2.0.0-alpha-2.x.0"},
		{in: "10.20.30", str: "10.20.30", tag: "10.20.30"},
		{in: maxInt + ".0.0", str: maxInt + ".0.0", tag: maxInt + ".0.0"},
		{in: "", reason: "empty version"},
		{in: "latest", reason: "MAJOR.MINOR.PATCH"},
		{in: "sha-abc1234", reason: "MAJOR.MINOR.PATCH"},
		{in: "1", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.4", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3.4", reason: "MAJOR.MINOR.PATCH"},
		{in: "01.2.3", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.02.3", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3-01", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3-", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3-rc..1", reason: "MAJOR.MINOR.PATCH"},
		{in: "V1.2.3", reason: "MAJOR.MINOR.PATCH"},
		{in: "vv1.2.3", reason: "MAJOR.MINOR.PATCH"},
		{in: " 1.2.3", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3 ", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3_rc1", reason: "MAJOR.MINOR.PATCH"},
		{in: "1.2.3+build.5", reason: "build metadata (+build.5)"},
		{in: "1.2.3-rc.1+sha.abc", reason: "build metadata"},
		{in: "9223372036854775808.0.0", reason: "out of range"},
		{in: "1.0.0-" + strings.Repeat("a", 130), reason: "128 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			v, err := Parse(tt.in)
			_, ok := ParseTag(tt.in)
			if ok != (err == nil) {
				t.Errorf("ParseTag ok = %v but Parse error = %v", ok, err)
			}
			if tt.str == "" {
				var ive *InvalidVersionError
				if !errors.As(err, &ive) || ive.Input != tt.in {
					t.Fatalf("Parse(%q) = %v, %v; want an *InvalidVersionError", tt.in, v, err)
				}
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("exit code %d, want 2", exitcode.Code(err))
				}
				if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
					t.Errorf("error %q does not name the input and %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if v.String() != tt.str || v.Tag() != tt.tag {
				t.Errorf("Parse(%q) = String %q, Tag %q; want %q, %q", tt.in, v.String(), v.Tag(), tt.str, tt.tag)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	v, err := Parse("v3.14.15-rc.9")
	if err != nil {
		t.Fatal(err)
	}
	if v.Major() != 3 || v.Minor() != 14 || v.Patch() != 15 || v.Prerelease() != "rc.9" || !v.Prefixed() {
		t.Errorf("accessors of %s: %d %d %d %q %v", v.Tag(), v.Major(), v.Minor(), v.Patch(), v.Prerelease(), v.Prefixed())
	}
	if u := v.WithPrefix(false); u.Tag() != "3.14.15-rc.9" || !v.Prefixed() {
		t.Errorf("WithPrefix(false) = %s and changed the original to %s", u.Tag(), v.Tag())
	}
	var z Version
	if z.String() != "0.0.0" || z.Tag() != "0.0.0" || z.Prerelease() != "" || z.Compare(mustParse(t, "0.0.0")) != 0 {
		t.Errorf("zero Version = %q", z)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	// Ascending, from the Semantic Versioning 2.0.0 specification (item 11).
	ordered := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1", "1.1.0", "v2.0.0", "10.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, b := mustParse(t, ordered[i]), mustParse(t, ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if mustParse(t, "1.0.0-99999999999999999999").Compare(mustParse(t, "1.0.0-100000000000000000000")) != -1 {
		t.Error("numeric identifiers beyond int64 compare wrongly")
	}
	if mustParse(t, "1.0.0-rc.1").Compare(mustParse(t, "1.0.0-rc.1")) != 0 {
		t.Error("a pre-release differs from itself")
	}
	if mustParse(t, "v1.2.3").Compare(mustParse(t, "1.2.3")) != 0 {
		t.Error("the prefix changes the order")
	}
}

func TestVersionsAndHighest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tags     []string
		sorted   []string
		highest  string // "" when none
		prefixed bool
	}{
		{"no tags", nil, nil, "", false},
		{"no version tags", []string{"latest", "sha-abc", "1.4", "stable", "main"}, nil, "", false},
		{"plain", []string{"1.2.3", "latest", "1.10.0", "1.9.9", "sha-1"}, []string{"1.2.3", "1.9.9", "1.10.0"}, "1.10.0", false},
		{"v prefix", []string{"v0.1.0", "v0.2.0", "v0.1.5"}, []string{"v0.1.0", "v0.1.5", "v0.2.0"}, "v0.2.0", true},
		{"pre-release above release", []string{"1.2.3", "1.3.0-rc.1"}, []string{"1.2.3", "1.3.0-rc.1"}, "1.3.0-rc.1", false},
		{"release above its pre-release", []string{"1.3.0", "1.3.0-rc.1"}, []string{"1.3.0-rc.1", "1.3.0"}, "1.3.0", false},
		{"mixed style: the highest decides", []string{"v1.0.0", "1.1.0"}, []string{"v1.0.0", "1.1.0"}, "1.1.0", false},
		{"same version both styles: v wins", []string{"v2.0.0", "2.0.0", "1.0.0"}, []string{"1.0.0", "2.0.0", "v2.0.0"}, "v2.0.0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range Versions(tt.tags) {
				got = append(got, v.Tag())
			}
			if !slices.Equal(got, tt.sorted) {
				t.Errorf("Versions = %q, want %q", got, tt.sorted)
			}
			h, ok := Highest(tt.tags)
			if ok != (tt.highest != "") || (ok && h.Tag() != tt.highest) {
				t.Errorf("Highest = %q, %v; want %q", h.Tag(), ok, tt.highest)
			}
			prefixed, found := TagStyle(tt.tags)
			if prefixed != tt.prefixed || found != ok {
				t.Errorf("TagStyle = %v, %v; want %v, %v", prefixed, found, tt.prefixed, ok)
			}
		})
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	maxInt := strconv.FormatInt(math.MaxInt64, 10)
	tests := []struct {
		from                string // "" for the zero Version (no tags)
		major, minor, patch string // "" when an error is expected
	}{
		{"", "1.0.0", "0.1.0", "0.0.1"},
		{"0.0.0", "1.0.0", "0.1.0", "0.0.1"},
		{"1.2.3", "2.0.0", "1.3.0", "1.2.4"},
		{"v1.2.3", "v2.0.0", "v1.3.0", "v1.2.4"},
		{"1.4.0-rc.1", "2.0.0", "1.4.0", "1.4.0"},
		{"1.4.2-rc.1", "2.0.0", "1.5.0", "1.4.2"},
		{"2.0.0-rc.1", "2.0.0", "2.0.0", "2.0.0"},
		{"2.1.0-rc.1", "3.0.0", "2.1.0", "2.1.0"},
		{"v0.9.9", "v1.0.0", "v0.10.0", "v0.9.10"},
		{"1.2." + maxInt, "2.0.0", "1.3.0", ""},
		{maxInt + ".0.0", "", maxInt + ".1.0", maxInt + ".0.1"},
	}
	for _, tt := range tests {
		var from Version
		if tt.from != "" {
			from = mustParse(t, tt.from)
		}
		for bump, want := range map[Bump]string{Major: tt.major, Minor: tt.minor, Patch: tt.patch} {
			got, err := Next(from, bump)
			if want == "" {
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("Next(%q, %s) = %s, %v; want an input error", tt.from, bump, got.Tag(), err)
				}
				continue
			}
			if err != nil || got.Tag() != want {
				t.Errorf("Next(%q, %s) = %q, %v; want %q", tt.from, bump, got.Tag(), err, want)
			}
		}
	}
	for _, bump := range []Bump{"", "Major", "build", "prerelease"} {
		_, err := Next(Version{}, bump)
		if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), strconv.Quote(string(bump))) {
			t.Errorf("Next(bump %q) error = %v, want an input error naming it", bump, err)
		}
	}
}

func mustParse(t testing.TB, s string) Version {
	t.Helper()
	v, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
