package toolcmd

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestImageTags(t *testing.T) {
	t.Parallel()
	const sha = "0123456789ABCDEF0123456789abcdef01234567"
	tests := []struct {
		name string
		in   TagOptions
		want []string
	}{
		{name: "default branch", in: TagOptions{Commit: sha, Branch: "main", DefaultBranch: "main"},
			want: []string{"sha-0123456789ab", "main", "latest"}},
		{name: "feature branch", in: TagOptions{Commit: sha, Branch: "feature/Login_Page", DefaultBranch: "main"},
			want: []string{"sha-0123456789ab", "feature-login_page"}},
		{name: "refs/heads prefix", in: TagOptions{Branch: "refs/heads/main", DefaultBranch: "main"},
			want: []string{"main", "latest"}},
		{name: "no default branch, no latest", in: TagOptions{Branch: "main"},
			want: []string{"main"}},
		{name: "release tag", in: TagOptions{Commit: sha, GitTag: "v1.2.3"},
			want: []string{"sha-0123456789ab", "1.2.3", "1.2", "1"}},
		{name: "refs/tags prefix, no v", in: TagOptions{GitTag: "refs/tags/2.10.0"},
			want: []string{"2.10.0", "2.10", "2"}},
		{name: "pre-release moves nothing", in: TagOptions{GitTag: "v1.3.0-rc.1"},
			want: []string{"1.3.0-rc.1"}},
		{name: "0.x has no major alias", in: TagOptions{GitTag: "v0.4.1"},
			want: []string{"0.4.1", "0.4"}},
		{name: "non-semver tag sanitized", in: TagOptions{GitTag: "Release/2024-Q1"},
			want: []string{"release-2024-q1"}},
		{name: "partial version is not semver", in: TagOptions{GitTag: "v1.2"},
			want: []string{"v1.2"}},
		{name: "build metadata is not a tag", in: TagOptions{GitTag: "v1.2.3+build.5"},
			want: []string{"v1.2.3-build.5"}},
		{name: "tag build on the default branch", in: TagOptions{Commit: sha, Branch: "main", GitTag: "v2.0.0", DefaultBranch: "main"},
			want: []string{"sha-0123456789ab", "main", "2.0.0", "2.0", "2", "latest"}},
		{name: "short commit", in: TagOptions{Commit: "abc123"},
			want: []string{"sha-abc123"}},
		{name: "not a commit", in: TagOptions{Commit: "HEAD"}},
		{name: "branch named latest", in: TagOptions{Branch: "latest"}},
		{name: "git tag named latest", in: TagOptions{GitTag: "latest"}},
		{name: "branch that sanitizes to nothing", in: TagOptions{Branch: "--/.."},
			want: []string{}},
		{name: "duplicates collapse", in: TagOptions{Branch: "1.2.3", GitTag: "v1.2.3"},
			want: []string{"1.2.3", "1.2", "1"}},
		{name: "nothing", in: TagOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ImageTags(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") })); diff != "" {
				t.Errorf("ImageTags(%+v) (-want +got):\n%s", tt.in, diff)
			}
			for _, tag := range got {
				if !validTag.MatchString(tag) {
					t.Errorf("invalid tag %q", tag)
				}
			}
		})
	}
}

func TestSanitizeTag(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 200)
	tests := map[string]string{
		"main":                 "main",
		"Feature/JIRA-12_fix":  "feature-jira-12_fix",
		"dependabot/npm/a@1.2": "dependabot-npm-a-1.2",
		"..hidden":             "hidden",
		"-x":                   "x",
		"ümlaut":               "mlaut",
		"":                     "",
		"///":                  "",
		long:                   long[:128],
		"_ok":                  "_ok",
	}
	for in, want := range tests {
		if got := SanitizeTag(in); got != want {
			t.Errorf("SanitizeTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOCILabels(t *testing.T) {
	t.Parallel()
	created := time.Date(2025, 3, 4, 5, 6, 7, 890, time.FixedZone("CET", 3600))
	got := OCILabels(LabelOptions{
		Source: "https://github.com/acme/api", Revision: "0123456789abcdef0123456789abcdef01234567",
		Version: "1.2.3", Title: "api", Created: created,
	})
	want := map[string]string{
		"org.opencontainers.image.source":   "https://github.com/acme/api",
		"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
		"org.opencontainers.image.created":  "2025-03-04T04:06:07Z",
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.title":    "api",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := OCILabels(LabelOptions{Title: " api ", Version: "  "}); !cmp.Equal(got, map[string]string{LabelTitle: "api"}) {
		t.Errorf("empty values: %v", got)
	}
	if _, err := time.Parse(time.RFC3339, got[LabelCreated]); err != nil {
		t.Errorf("created is not RFC 3339: %v", err)
	}
}

// validTag is the OCI distribution spec's tag grammar. (Branch tags are
// also lowercase; a version's pre-release keeps its case.)
var validTag = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// FuzzImageTags checks that any branch and git tag name (outside input:
// anyone can push a branch) gives only valid, distinct tags.
func FuzzImageTags(f *testing.F) {
	f.Add("0123456789abcdef", "feature/x", "v1.2.3", "main")
	f.Add("", "refs/heads/release/1.x", "refs/tags/v0.0.1-alpha+b", "")
	f.Fuzz(func(t *testing.T, commit, branch, gitTag, defaultBranch string) {
		tags := ImageTags(TagOptions{Commit: commit, Branch: branch, GitTag: gitTag, DefaultBranch: defaultBranch})
		seen := map[string]bool{}
		for _, tag := range tags {
			if !validTag.MatchString(tag) {
				t.Errorf("invalid tag %q from %q %q %q", tag, commit, branch, gitTag)
			}
			if seen[tag] {
				t.Errorf("duplicate tag %q", tag)
			}
			seen[tag] = true
		}
		if s := SanitizeTag(branch); s != "" && !validTag.MatchString(s) {
			t.Errorf("SanitizeTag(%q) = %q", branch, s)
		}
	})
}
