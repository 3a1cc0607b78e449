package gitrepo

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

func TestCloneWithCredentials(t *testing.T) {
	t.Parallel()
	basic := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryPassword})
	basicURL := basic.CreateRepo(t, "gitops.git", map[string]string{"a.yaml": "a: 1\n"})
	token := gitserver.New(t, gitserver.Options{Username: DefaultTokenUsername, Password: canaryToken})
	tokenURL := token.CreateRepo(t, "gitops.git", map[string]string{"a.yaml": "a: 1\n"})
	glToken := gitserver.New(t, gitserver.Options{Username: "gitlab-ci-token", Password: canaryToken})
	glURL := glToken.CreateRepo(t, "gitops.git", map[string]string{"a.yaml": "a: 1\n"})

	for _, tc := range []struct {
		name string
		srv  *gitserver.Server
		o    CloneOptions
	}{
		{"basic auth", basic, CloneOptions{URL: basicURL, Auth: Auth{Username: canaryUser, Password: canaryPassword}}},
		{"token", token, CloneOptions{URL: tokenURL, Auth: Auth{Token: canaryToken}}},
		{"token with a user name", glToken, CloneOptions{URL: glURL, Auth: Auth{Username: "gitlab-ci-token", Token: canaryToken}}},
		{"credentials in the URL", basic, CloneOptions{URL: strings.Replace(basicURL, "http://", "http://"+canaryUser+":"+canaryPassword+"@", 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var progress syncBuffer
			tc.o.Progress = &progress
			dir := filepath.Join(t.TempDir(), "clone")
			head, err := Clone(testContext(t), dir, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if want := gitserver.Head(t, tc.srv.Path("gitops.git"), "main"); head != want {
				t.Errorf("head = %s, want %s", head, want)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "a.yaml")); err != nil || string(b) != "a: 1\n" {
				t.Errorf("a.yaml = %q, %v", b, err)
			}
			// Shallow and single-branch, and no credential stored.
			if _, err := os.Stat(filepath.Join(dir, ".git", "shallow")); err != nil {
				t.Errorf("clone is not shallow: %v", err)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, ".git/config", string(cfg))
			if strings.Contains(string(cfg), canaryUser+"@") {
				t.Errorf(".git/config keeps the URL's user:\n%s", cfg)
			}
			assertNoSecret(t, "progress", progress.String())
		})
	}
}

func TestCloneErrors(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryPassword})
	url := srv.CreateRepo(t, "gitops.git", map[string]string{"a": "1"})
	srv.CreateRepo(t, "empty.git", nil)
	down := "http://127.0.0.1:" + strconv.Itoa(testtool.FreePort(t)) + "/gitops.git"
	good := Auth{Username: canaryUser, Password: canaryPassword}
	local := gitserver.NewBareRepo(t, map[string]string{"a": "1"})

	for _, tc := range []struct {
		name string
		o    CloneOptions
		code int
		kind error
		want string // the whole message when it starts with "=", else a part
	}{
		{"wrong password", CloneOptions{URL: url, Auth: Auth{Username: canaryUser, Password: canaryPassword + "x"}},
			2, ErrAuthentication, "=authenticating to " + url + ": invalid credentials"},
		{"wrong token", CloneOptions{URL: url, Auth: Auth{Token: canaryToken}},
			2, ErrAuthentication, "=authenticating to " + url + ": invalid credentials"},
		{"wrong password in the URL", CloneOptions{URL: strings.Replace(url, "http://", "http://"+canaryUser+":"+canaryToken+"@", 1)},
			2, ErrAuthentication, "=authenticating to " + url + ": invalid credentials"},
		{"no credentials", CloneOptions{URL: url},
			2, ErrAuthentication, "=authenticating to " + url + ": credentials required and none were given"},
		{"repository not found", CloneOptions{URL: srv.URL("nope.git"), Auth: good},
			2, ErrRepositoryNotFound, "=cloning " + srv.URL("nope.git") + ": repository not found"},
		{"branch not found", CloneOptions{URL: url, Branch: "nope", Auth: good},
			2, ErrBranchNotFound, `=cloning ` + url + `: branch "nope" not found`},
		{"empty repository", CloneOptions{URL: srv.URL("empty.git"), Auth: good},
			2, ErrBranchNotFound, "empty"},
		{"connection refused", CloneOptions{URL: down, Auth: good},
			3, ErrUnreachable, "cloning " + down + ": unreachable: "},
		{"local path not found", CloneOptions{URL: filepath.Join(t.TempDir(), "missing.git")},
			2, ErrRepositoryNotFound, "repository not found"},
		{"local branch not found", CloneOptions{URL: local, Branch: "nope"},
			2, ErrBranchNotFound, `branch "nope" not found`},
		{"SSH key for an HTTP remote", CloneOptions{URL: url, Auth: Auth{SSHKey: []byte("key")}},
			2, nil, "an SSH key was given for an HTTP remote"},
		{"token for an SSH remote", CloneOptions{URL: "ssh://git@127.0.0.1:1/r.git", Auth: Auth{Token: canaryToken}},
			2, nil, "HTTP credentials were given for an SSH remote"},
		{"token and password", CloneOptions{URL: url, Auth: Auth{Token: canaryToken, Password: canaryPassword}},
			2, nil, "both a token and a password"},
		{"bad SSH key", CloneOptions{URL: "git@127.0.0.1:r.git", Auth: Auth{SSHKey: []byte("not a key " + canaryPassword)}},
			2, nil, "reading the SSH key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var progress syncBuffer
			tc.o.Progress = &progress
			_, err := Clone(testContext(t), filepath.Join(t.TempDir(), "c"), tc.o)
			assertClass(t, err, tc.code, tc.kind)
			if err == nil {
				return
			}
			msg := err.Error()
			t.Logf("exit %d: %s", tc.code, msg)
			if w, whole := strings.CutPrefix(tc.want, "="); whole && msg != w {
				t.Errorf("err = %q, want %q", msg, w)
			} else if !whole && !strings.Contains(msg, tc.want) {
				t.Errorf("err = %q, want it to contain %q", msg, tc.want)
			}
			assertNoSecret(t, "error", msg)
			assertNoSecret(t, "progress", progress.String())
		})
	}
}

func TestServerErrorIsInfrastructure(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{})
	url := srv.CreateRepo(t, "r.git", map[string]string{"a": "1"})
	srv.FailNext(1, http.StatusServiceUnavailable)
	_, err := Clone(testContext(t), filepath.Join(t.TempDir(), "c"), CloneOptions{URL: url})
	assertClass(t, err, 3, ErrUnreachable)
	if err != nil && !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v", err)
	}
	// A failing push, too: the remote answers 502 to everything.
	srv.FailNext(100, http.StatusBadGateway)
	_, err = Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: url}, Message: "m"}, writeFile("a", "2"))
	assertClass(t, err, 3, ErrUnreachable)
}

func TestPushRejected(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "1"})
	hook := filepath.Join(repo, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: repo}, Message: "m", Backoff: fastBackoff}, writeFile("a", "2"))
	assertClass(t, err, 2, ErrRejected)
	if err != nil && !strings.Contains(err.Error(), "the remote rejected the push") {
		t.Errorf("err = %v", err)
	}
	t.Logf("%v", err)

	// A non-bare repository refuses a push to its checked-out branch.
	work := filepath.Join(t.TempDir(), "work")
	gitserver.Git(t, "", "clone", "--quiet", gitserver.NewBareRepo(t, map[string]string{"a": "1"}), work)
	_, err = Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: work}, Message: "m", Backoff: fastBackoff}, writeFile("a", "2"))
	assertClass(t, err, 2, ErrRejected)
	t.Logf("%v", err)
}

func TestCloneLocalPaths(t *testing.T) {
	t.Parallel()
	bare := gitserver.NewBareRepo(t, map[string]string{"f.txt": "bare\n"})
	work := filepath.Join(t.TempDir(), "work")
	gitserver.Git(t, "", "clone", "--quiet", bare, work)
	parent := filepath.Dir(bare)

	for _, tc := range []struct {
		name, url string
	}{
		{"bare path", bare},
		{"non-bare path", work},
		{"file URL", "file://" + bare},
		{"relative path", mustRel(t, bare)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "c")
			head, err := Clone(testContext(t), dir, CloneOptions{URL: tc.url})
			if err != nil {
				t.Fatal(err)
			}
			if head != gitserver.Head(t, bare, "main") {
				t.Errorf("head = %s", head)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "f.txt")); string(b) != "bare\n" {
				t.Errorf("f.txt = %q", b)
			}
		})
	}
	_ = parent
}

func mustRel(t *testing.T, path string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// TestSSH clones and pushes through a real OpenSSH sshd on 127.0.0.1 with
// a passphrase-protected key and a known_hosts file.
func TestSSH(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	gitserver.InitBare(t, filepath.Join(root, "gitops.git"), map[string]string{"web.yaml": "image: web:1\n"})
	sshd := gitserver.NewSSH(t, root, gitserver.SSHOptions{KeyPassphrase: canaryPassword})
	key := sshd.ClientKey(t)
	auth := Auth{SSHKey: key, SSHKeyPassphrase: canaryPassword, KnownHostsFile: sshd.KnownHostsFile}
	url := sshd.URL("gitops.git")

	t.Run("apply", func(t *testing.T) {
		var progress syncBuffer
		out, err := Apply(testContext(t), Options{
			CloneOptions: CloneOptions{URL: url, Auth: auth, Progress: &progress},
			Message:      "bump web over ssh",
		}, writeFile("web.yaml", "image: web:2\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !out.Pushed {
			t.Errorf("outcome = %+v", out)
		}
		if got := gitserver.ReadFile(t, filepath.Join(root, "gitops.git"), "main", "web.yaml"); got != "image: web:2\n" {
			t.Errorf("web.yaml = %q", got)
		}
		assertNoSecret(t, "progress", progress.String())
	})

	t.Run("remote head", func(t *testing.T) {
		got, err := RemoteHead(testContext(t), CloneOptions{URL: url, Auth: auth})
		if err != nil || got != "main" {
			t.Errorf("RemoteHead = %q, %v; want main", got, err)
		}
	})

	other := gitserver.NewSSH(t, t.TempDir(), gitserver.SSHOptions{})
	for _, tc := range []struct {
		name string
		auth Auth
		code int
		kind error
		want string
	}{
		{"key not authorized", Auth{SSHKey: other.ClientKey(t), KnownHostsFile: sshd.KnownHostsFile},
			2, ErrAuthentication, "authenticating to " + url + ": invalid credentials"},
		{"wrong passphrase", Auth{SSHKey: key, SSHKeyPassphrase: canaryToken, KnownHostsFile: sshd.KnownHostsFile},
			2, nil, "reading the SSH key"},
		{"unknown host key", Auth{SSHKey: key, SSHKeyPassphrase: canaryPassword, KnownHostsFile: other.KnownHostsFile},
			2, ErrHostKey, "verifying the host key of " + url},
		{"missing known_hosts", Auth{SSHKey: key, SSHKeyPassphrase: canaryPassword, KnownHostsFile: filepath.Join(t.TempDir(), "none")},
			2, nil, "known hosts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Clone(testContext(t), filepath.Join(t.TempDir(), "c"), CloneOptions{URL: url, Auth: tc.auth})
			assertClass(t, err, tc.code, tc.kind)
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if err != nil {
				t.Logf("%v", err)
				assertNoSecret(t, "error", err.Error())
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		down := "ssh://" + sshd.User + "@127.0.0.1:" + strconv.Itoa(testtool.FreePort(t)) + "/x.git"
		_, err := Clone(testContext(t), filepath.Join(t.TempDir(), "c"), CloneOptions{URL: down, Auth: auth})
		assertClass(t, err, 3, ErrUnreachable)
		t.Logf("%v", err)
	})
}

func TestRemoteHead(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryToken})
	srv.CreateRepo(t, "trunk.git", map[string]string{"a": "1"})
	gitDir := srv.Path("trunk.git")
	gitserver.Git(t, "", "--git-dir", gitDir, "branch", "-m", "main", "trunk")
	gitserver.Git(t, "", "--git-dir", gitDir, "symbolic-ref", "HEAD", "refs/heads/trunk")
	srv.CreateRepo(t, "main.git", map[string]string{"a": "1"})
	// A HEAD at a branch that does not exist is not advertised.
	unborn := srv.CreateRepo(t, "unborn.git", map[string]string{"a": "1"})
	gitserver.Git(t, "", "--git-dir", srv.Path("unborn.git"), "symbolic-ref", "HEAD", "refs/heads/gone")
	srv.CreateRepo(t, "empty.git", nil)
	good := Auth{Username: canaryUser, Token: canaryToken}
	down := "http://127.0.0.1:" + strconv.Itoa(testtool.FreePort(t)) + "/r.git"

	for _, tc := range []struct {
		name string
		o    CloneOptions
		want string
	}{
		{"http", CloneOptions{URL: srv.URL("trunk.git"), Auth: good}, "trunk"},
		{"http, credentials in the URL", CloneOptions{URL: strings.Replace(srv.URL("trunk.git"), "://", "://"+canaryUser+":"+canaryToken+"@", 1)}, "trunk"},
		{"http, main", CloneOptions{URL: srv.URL("main.git"), Auth: good}, "main"},
		{"http, Branch is not used", CloneOptions{URL: srv.URL("main.git"), Auth: good, Branch: "trunk"}, "main"},
		{"HEAD at a missing branch", CloneOptions{URL: unborn, Auth: good}, ""},
		{"local path", CloneOptions{URL: gitDir}, "trunk"},
		{"file URL", CloneOptions{URL: "file://" + gitDir}, "trunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := RemoteHead(testContext(t), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("RemoteHead = %q, want %q", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		o    CloneOptions
		code int
		kind error
		want string
	}{
		{"no credentials", CloneOptions{URL: srv.URL("trunk.git")}, 2, ErrAuthentication,
			"authenticating to " + srv.URL("trunk.git") + ": credentials required and none were given"},
		{"wrong token", CloneOptions{URL: srv.URL("trunk.git"), Auth: Auth{Token: canaryToken + "x"}}, 2, ErrAuthentication, "invalid credentials"},
		{"wrong password in the URL", CloneOptions{URL: strings.Replace(srv.URL("trunk.git"), "://", "://"+canaryUser+":"+canaryPassword+"@", 1)}, 2, ErrAuthentication, "invalid credentials"},
		{"repository not found", CloneOptions{URL: srv.URL("nope.git"), Auth: good}, 2, ErrRepositoryNotFound, "repository not found"},
		{"empty repository", CloneOptions{URL: srv.URL("empty.git"), Auth: good}, 2, ErrBranchNotFound, "empty"},
		{"local path not found", CloneOptions{URL: filepath.Join(t.TempDir(), "missing.git")}, 2, ErrRepositoryNotFound, "repository not found"},
		{"unreachable", CloneOptions{URL: down, Auth: good}, 3, ErrUnreachable, "connecting to " + down + ": unreachable"},
		{"no URL", CloneOptions{}, 2, nil, "no repository URL"},
		{"bad SSH key", CloneOptions{URL: "git@127.0.0.1:r.git", Auth: Auth{SSHKey: []byte("not a key " + canaryPassword)}}, 2, nil, "reading the SSH key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := RemoteHead(testContext(t), tc.o)
			assertClass(t, err, tc.code, tc.kind)
			if got != "" {
				t.Errorf("RemoteHead = %q with an error", got)
			}
			if err == nil {
				return
			}
			t.Logf("exit %d: %v", tc.code, err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}
