package gitrepo

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://user:tok3n@github.com/o/r.git", "https://github.com/o/r.git"},
		{"https://tok3n@github.com/o/r.git", "https://github.com/o/r.git"},
		{"http://u:p%40ss@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"},
		{"https://u:p@ss@host/r", "https://host/r"},
		{"https://github.com/o/r.git", "https://github.com/o/r.git"},
		{"ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git"},
		{"ssh://git:pw@host/r.git", "ssh://host/r.git"},
		{"git@github.com:o/r.git", "git@github.com:o/r.git"},
		{"/srv/git/r.git", "/srv/git/r.git"},
		{`Get "https://x:secret@h/r/info/refs": dial tcp`, `Get "https://h/r/info/refs": dial tcp`},
		{"two: https://a:b@h1/x and http://c:d@h2/y", "two: https://h1/x and http://h2/y"},
		{"not a url: a@b", "not a url: a@b"},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	got := redact("token p@ss/w0rd! and p%40ss%2Fw0rd%21 at https://u:x@h/r", []string{"p@ss/w0rd!"})
	if want := "token *** and *** at https://h/r"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
}

func TestCompareURL(t *testing.T) {
	t.Parallel()
	const gh = "https://github.com/o/r/compare/main...golden/bump-prod?expand=1"
	const gl = "https://gitlab.com/g/sub/r/-/merge_requests/new?merge_request[source_branch]=golden%2Fbump-prod&merge_request[target_branch]=main"
	for _, tc := range []struct{ remote, want string }{
		{"https://github.com/o/r.git", gh},
		{"https://github.com/o/r", gh},
		{"https://x-access-token:t@github.com/o/r.git", gh},
		{"git@github.com:o/r.git", gh},
		{"ssh://git@github.com/o/r.git", gh},
		{"ssh://git@github.com:22/o/r.git/", gh},
		{"https://gitlab.com/g/sub/r.git", gl},
		{"git@gitlab.com:g/sub/r.git", gl},
		{"ssh://git@gitlab.com:2222/g/sub/r.git", gl},
		{"https://gitlab.example.com:8443/g/r.git", "https://gitlab.example.com:8443/g/r/-/merge_requests/new?merge_request[source_branch]=golden%2Fbump-prod&merge_request[target_branch]=main"},
		{"https://github.example.com/o/r.git", "https://github.example.com/o/r/compare/main...golden/bump-prod?expand=1"},
		{"https://bitbucket.org/o/r.git", ""},
		{"http://127.0.0.1:1234/gitops.git", ""},
		{"/srv/git/github/r.git", ""},
		{"file:///srv/github.com/r.git", ""},
		{"https://github.com/", ""},
	} {
		if got := CompareURL(tc.remote, "main", "golden/bump-prod"); got != tc.want {
			t.Errorf("CompareURL(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
	if got := CompareURL("https://github.com/o/r.git", "main", ""); got != "" {
		t.Errorf("CompareURL without a branch = %q", got)
	}
}

func ExampleCompareURL() {
	fmt.Println(CompareURL("git@github.com:acme/gitops.git", "main", "golden/promote-web"))
	fmt.Println(CompareURL("https://gitlab.com/acme/gitops.git", "main", "golden/promote-web"))
	// Output:
	// https://github.com/acme/gitops/compare/main...golden/promote-web?expand=1
	// https://gitlab.com/acme/gitops/-/merge_requests/new?merge_request[source_branch]=golden%2Fpromote-web&merge_request[target_branch]=main
}

func TestIsLocalPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"/srv/git/r.git", true},
		{"./r.git", true},
		{"r.git", true},
		{"./dir:with/colon", true},
		{"dir/a:b", true},
		{"git@github.com:o/r.git", false},
		{"github.com:o/r.git", false},
		{"host:/abs/r.git", false},
		{"https://github.com/o/r.git", false},
		{"file:///srv/r.git", false},
	} {
		if got := isLocalPath(tc.in); got != tc.want {
			t.Errorf("isLocalPath(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestValidBranchAgreesWithGit checks validBranch against the real
// git check-ref-format --branch.
func TestValidBranchAgreesWithGit(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	for _, name := range []string{
		"main", "golden/bump-prod", "release-1.2", "feature/x_y", "a.b", "v1.0.0",
		"", "-x", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[b", `a\b`, "a/", "/a",
		"a//b", "a.", ".a", "a/.b", "a.lock", "a/b.lock/c", "a@{b", "@", "a\tb", "a\x7fb",
		"über", "a/b/c/d", "HEAD", "x@y",
	} {
		if name == "@" {
			continue // --branch reads "@" as HEAD's branch; as a ref name it is invalid
		}
		out, gitErr := exec.Command(git, "check-ref-format", "--branch", name).CombinedOutput()
		ours := validBranch(name)
		if (gitErr == nil) != (ours == nil) {
			t.Errorf("branch %q: git says %v (%s), validBranch says %v", name, gitErr, strings.TrimSpace(string(out)), ours)
		}
	}
	if validBranch("@") == nil {
		t.Errorf(`validBranch("@") = nil`)
	}
}

func FuzzRedactURL(f *testing.F) {
	f.Add("https://user:tok3n@github.com/o/r.git")
	f.Add(`Get "https://x:secret@h/r/info/refs": dial tcp`)
	f.Add("ssh://git@host/r.git and ssh://git:pw@host/r.git")
	f.Add("https://u:p@ss@host/r")
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactURL(s)
		if again := RedactURL(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
		for _, m := range userinfoRE.FindAllStringSubmatch(out, -1) {
			if !strings.EqualFold(m[1], "ssh://") || strings.Contains(m[2], ":") {
				t.Fatalf("RedactURL(%q) = %q keeps userinfo %q", s, out, m[0])
			}
		}
	})
}

func FuzzRedactSecret(f *testing.F) {
	f.Add("error: token abc123 rejected at https://abc123@h/r", "abc123")
	f.Add("p%40ss", "p@ss")
	f.Fuzz(func(t *testing.T, msg, secret string) {
		if len(secret) < 4 || strings.Contains("***", secret) {
			return
		}
		if out := redact(msg, []string{secret}); strings.Contains(out, secret) {
			// A secret can reappear only by straddling a replacement.
			if strings.Contains(strings.ReplaceAll(out, "***", "\x00"), secret) {
				t.Fatalf("redact(%q, %q) = %q", msg, secret, out)
			}
		}
	})
}

func FuzzCompareURL(f *testing.F) {
	f.Add("git@github.com:o/r.git", "main", "golden/bump")
	f.Add("https://gitlab.example.com:8443/g/sub/r.git", "main", "b")
	f.Add("ssh://git@gitlab.com:2222/g/r.git", "release/1", "x&y=z")
	f.Fuzz(func(t *testing.T, remote, base, branch string) {
		u := CompareURL(remote, base, branch)
		if u == "" {
			return
		}
		if !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, " \t\r\n") {
			t.Fatalf("CompareURL(%q, %q, %q) = %q", remote, base, branch, u)
		}
		host, _, _ := strings.Cut(strings.TrimPrefix(u, "https://"), "/")
		if strings.Contains(host, "@") {
			t.Fatalf("CompareURL(%q) = %q keeps userinfo", remote, u)
		}
	})
}

func FuzzValidBranch(f *testing.F) {
	for _, s := range []string{"main", "golden/bump-prod", "a..b", "a.lock", "-x", "a@{b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if validBranch(name) != nil {
			return
		}
		if name == "" || strings.ContainsAny(name, " ~^:?*[\\\x00\n") || strings.Contains(name, "..") ||
			strings.HasPrefix(name, "-") || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".lock") {
			t.Fatalf("validBranch accepted %q", name)
		}
	})
}
