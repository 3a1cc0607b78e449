package promote

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

const digest1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

func TestBumpResult(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	before := f.head(t)
	res, err := Bump(testContext(t), BumpOptions{
		Repo:         f.repo(),
		Path:         "./overlays//staging/",
		Image:        gitops.Image{Name: exampleImage, NewName: "ghcr.io/acme/go-service", Tag: "1.2.3", Digest: digest1},
		SourceCommit: "abc123",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := "bump go-service in overlays/staging to ghcr.io/acme/go-service:1.2.3@sha256:111111111111…\n\n" +
		"Golden-Image: ghcr.io/acme/go-service:1.2.3@" + digest1 + "\nGolden-Digest: " + digest1 + "\nGolden-Source-Commit: abc123\n"
	if res.Message != wantMsg {
		t.Errorf("message = %q, want %q", res.Message, wantMsg)
	}
	if res.Path != "overlays/staging" || res.Ref != "ghcr.io/acme/go-service:1.2.3@"+digest1 || res.Base != "main" ||
		res.Branch != "main" || !res.Pushed || res.Unchanged || res.Parent != before || res.Commit != f.head(t) || res.Attempts != 1 {
		t.Errorf("result = %+v", res)
	}
	if !slices.Equal(res.Files, []string{"overlays/staging/kustomization.yaml"}) || len(res.Changes) != 3 {
		t.Errorf("files %v, changes %v", res.Files, res.Changes)
	}
	for _, c := range res.Changes {
		if c.File != "overlays/staging/kustomization.yaml" || c.Line == 0 {
			t.Errorf("change %+v", c)
		}
	}
	if log := f.srv.Log(t, "gitops.git", "main"); log[0].Message != wantMsg {
		t.Errorf("commit = %q", log[0].Message)
	}
	p := f.progress.String()
	if !strings.Contains(p, "cloning "+f.srv.URL("gitops.git")+" (branch main)") || !strings.Contains(p, "pushed ") {
		t.Errorf("progress:\n%s", p)
	}
}

// TestBumpRemoteHead: without a base branch, bump changes the branch the
// remote's HEAD points to, over HTTP and for a local path.
func TestBumpRemoteHead(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryToken})
	srv.CreateRepo(t, "r.git", map[string]string{"app/kustomization.yaml": "images:\n- name: app\n  newTag: \"1\"\n"})
	gitDir := srv.Path("r.git")
	gitserver.Git(t, "", "--git-dir", gitDir, "branch", "-m", "main", "trunk")
	gitserver.Git(t, "", "--git-dir", gitDir, "symbolic-ref", "HEAD", "refs/heads/trunk")
	for _, tc := range []struct {
		name string
		repo Repo
	}{
		{"http", Repo{URL: srv.URL("r.git"), Auth: gitrepo.Auth{Username: canaryUser, Token: canaryToken}}},
		{"http, credentials in the URL", Repo{URL: strings.Replace(srv.URL("r.git"), "://", "://"+canaryUser+":"+canaryToken+"@", 1)}},
		{"local path", Repo{URL: gitDir}},
		{"file URL", Repo{URL: "file://" + gitDir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.repo
			r.DryRun = true
			res, err := Bump(testContext(t), BumpOptions{Repo: r, Path: "app", Image: gitops.Image{Name: "app", Tag: "2"}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Base != "trunk" || res.Branch != "trunk" {
				t.Errorf("base, branch = %q, %q; want trunk", res.Base, res.Branch)
			}
		})
	}
	res, err := Bump(testContext(t), BumpOptions{Repo: Repo{URL: gitDir}, Path: "app", Image: gitops.Image{Name: "app", Tag: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Base != "trunk" || res.Branch != "trunk" || gitserver.Head(t, gitDir, "trunk") != res.Commit {
		t.Errorf("result = %+v", res)
	}
	// Unreachable, unknown or refusing remotes are errors from the one
	// listing of the remote's branches, never a silent "main".
	for _, tc := range []struct {
		repo Repo
		code int
	}{
		{Repo{URL: srv.URL("r.git")}, exitcode.Usage}, // no credentials
		{Repo{URL: srv.URL("nope.git"), Auth: gitrepo.Auth{Username: canaryUser, Token: canaryToken}}, exitcode.Usage},
		{Repo{URL: filepath.Join(t.TempDir(), "missing.git")}, exitcode.Usage},
		{Repo{URL: "ssh://git@127.0.0.1:1/acme/r.git", Auth: gitrepo.Auth{SSHKey: []byte("not a key")}}, exitcode.Usage},
		{Repo{URL: "http://127.0.0.1:1/r.git"}, exitcode.Infra},
		{Repo{URL: "ftp://example.com/r.git"}, exitcode.Usage},
	} {
		_, err := Bump(testContext(t), BumpOptions{Repo: tc.repo, Path: "app", Image: gitops.Image{Name: "app", Tag: "2"}})
		if got := exitcode.Code(err); got != tc.code {
			t.Errorf("Bump(%q): exit %d (%v), want %d", tc.repo.URL, got, err, tc.code)
		}
	}
}

// TestBumpRefusesLinksOutOfTheRepository: an environment that is a
// symbolic link out of the checkout is refused.
func TestBumpRefusesLinksOutOfTheRepository(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "kustomization.yaml"), []byte("images: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := gitserver.NewBareRepo(t, map[string]string{"README.md": "x\n"})
	work := t.TempDir()
	gitserver.Git(t, "", "clone", "--quiet", repo, work)
	for name, target := range map[string]string{"evil": outside, "up": "..", "git": ".git", "ok": "real"} {
		if err := os.Symlink(target, filepath.Join(work, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(work, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "real", "kustomization.yaml"), []byte("images: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitserver.Git(t, work, "add", "--all")
	gitserver.Git(t, work, "commit", "--quiet", "-m", "links")
	gitserver.Git(t, work, "push", "--quiet", "origin", "main")
	before := gitserver.Head(t, repo, "main")
	// go-git may not even check out a link to an absolute path: then the
	// environment is missing.
	for path, want := range map[string]string{"evil": "leads out of the GitOps repository|no such file", "up": "leads out of the GitOps repository", "git": "leads into .git"} {
		_, err := Bump(testContext(t), BumpOptions{Repo: Repo{URL: repo}, Path: path, Image: gitops.Image{Name: "app", Tag: "2"}})
		assertClass(t, err, exitcode.Usage, nil)
		if err != nil && !regexp.MustCompile(want).MatchString(err.Error()) {
			t.Errorf("%s: err = %v", path, err)
		}
	}
	if gitserver.Head(t, repo, "main") != before {
		t.Fatal("pushed")
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "kustomization.yaml")); string(b) != "images: []\n" {
		t.Errorf("the file outside was changed: %q", b)
	}
	// A link inside the repository is fine (its file is rewritten, not
	// the link).
	if _, err := Bump(testContext(t), BumpOptions{Repo: Repo{URL: repo}, Path: "ok", Image: gitops.Image{Name: "app", Tag: "2"}}); err != nil {
		t.Errorf("link inside: %v", err)
	}
}

func TestBumpOptionErrors(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a/kustomization.yaml": "images: []\n"})
	ok := BumpOptions{Repo: Repo{URL: repo}, Path: "a", Image: gitops.Image{Name: "app", Tag: "1"}}
	tests := []struct {
		name   string
		change func(*BumpOptions)
		want   string
	}{
		{"no path", func(o *BumpOptions) { o.Path = " " }, "no path given"},
		{"absolute", func(o *BumpOptions) { o.Path = "/a" }, "want a path inside"},
		{"dot dot", func(o *BumpOptions) { o.Path = "a/../.." }, "want a path inside"},
		{".git", func(o *BumpOptions) { o.Path = ".git" }, "is inside .git"},
		{"control", func(o *BumpOptions) { o.Path = "a\nb" }, "control character"},
		{"no tag or digest", func(o *BumpOptions) { o.Image.Tag = "" }, "give a tag, a digest or both"},
		{"preserve", func(o *BumpOptions) { o.Image.Tag = "*" }, `tag "*": give a value`},
		{"bad name", func(o *BumpOptions) { o.Image.Name = "App" }, "bad image name"},
		{"bad new name", func(o *BumpOptions) { o.Image.NewName = "x y" }, "new name"},
		{"bad digest", func(o *BumpOptions) { o.Image.Digest = "sha256:XYZ" }, "bad digest"},
		{"bad source commit", func(o *BumpOptions) { o.SourceCommit = "abc\nGolden-Digest: x" }, "source commit"},
		{"credential in message", func(o *BumpOptions) {
			o.Auth = gitrepo.Auth{Token: canaryToken}
			o.Message = "oops " + canaryToken
		}, "contains a credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.change(&o)
			_, err := Bump(testContext(t), o)
			assertClass(t, err, exitcode.Usage, nil)
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(gitserver.Log(t, repo, "main")); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
}

func TestShortRef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		img  gitops.Image
		want string
	}{
		{gitops.Image{Name: "a", Tag: "1.0"}, "1.0"},
		{gitops.Image{Name: "a", Digest: digest1}, "sha256:111111111111…"},
		{gitops.Image{Name: "a", Tag: "1.0", Digest: digest1}, "1.0@sha256:111111111111…"},
		{gitops.Image{Name: "a", NewName: "b/c", Tag: "1.0"}, "b/c:1.0"},
		{gitops.Image{Name: "a", NewName: "b/c", Digest: digest1}, "b/c@sha256:111111111111…"},
	} {
		if got := shortRef(tc.img); got != tc.want {
			t.Errorf("shortRef(%+v) = %q, want %q", tc.img, got, tc.want)
		}
	}
	if got := ShortDigest("sha256:abc"); got != "sha256:abc" {
		t.Errorf("ShortDigest = %q", got)
	}
}

func TestRelativeErrorKeepsClassAndKind(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(os.TempDir(), "golden-gitrepo-123")
	for _, code := range []int{exitcode.Failed, exitcode.Usage, exitcode.Infra} {
		base := fmt.Errorf("%q: bad: %w", filepath.Join(dir, "x", "k.yaml"), gitops.ErrMalformed)
		switch code {
		case exitcode.Failed:
			base = exitcode.GateError(base)
		case exitcode.Usage:
			base = exitcode.InputError(base)
		}
		err := relativeError(base, dir)
		if exitcode.Code(err) != code || !errors.Is(err, gitops.ErrMalformed) || err.Error() != `"x/k.yaml": bad: malformed file` {
			t.Errorf("code %d: %v (code %d)", code, err, exitcode.Code(err))
		}
	}
	if relativeError(nil, dir) != nil {
		t.Error("nil")
	}
	plain := errors.New("no path here")
	if relativeError(plain, dir) != plain {
		t.Error("an error without the path was rewrapped")
	}
}

// TestBumpReportsWhatTheEnvironmentRuns: a bump given only a digest keeps
// the environment's newName, and its message, trailers and result name
// the registry the environment pulls from, not the name it was given.
func TestBumpReportsWhatTheEnvironmentRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"overlays/staging/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: " + exampleImage +
		"\n  newName: registry.acme.internal/prod/go-service\n  newTag: 1.4.2\n"})
	res, err := Bump(testContext(t), BumpOptions{Repo: f.repo(), Path: stagingOverlay, Image: gitops.Image{Name: exampleImage, Digest: digest1}})
	if err != nil {
		t.Fatal(err)
	}
	want := "registry.acme.internal/prod/go-service@" + digest1
	if res.Ref != want || res.Image.NewName != "registry.acme.internal/prod/go-service" {
		t.Errorf("ref = %q, image %+v; want %s", res.Ref, res.Image, want)
	}
	if !strings.Contains(res.Message, "to registry.acme.internal/prod/go-service@sha256:111111111111…") ||
		!strings.Contains(res.Message, "Golden-Image: "+want+"\n") {
		t.Errorf("message:\n%s", res.Message)
	}
	if got := f.current(t, "main", stagingOverlay+"/kustomization.yaml"); got.NewName != "registry.acme.internal/prod/go-service" || got.Digest != digest1 {
		t.Errorf("staging runs %+v", got)
	}
}
