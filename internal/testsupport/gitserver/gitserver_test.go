package gitserver

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitWithAuth runs the git CLI with an Authorization header passed through
// the environment (GIT_CONFIG_*), so the password never is an argument.
func gitWithAuth(t *testing.T, dir, user, password string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	if user != "" {
		cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		cmd.Env = append(cmd.Env,
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.extraHeader",
			"GIT_CONFIG_VALUE_0=Authorization: Basic "+cred,
		)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestServerCloneAndPushWithGitCLI(t *testing.T) {
	t.Parallel()
	s := New(t, Options{Username: "ci", Password: "s3cret"})
	url := s.CreateRepo(t, "gitops.git", map[string]string{"apps/web.yaml": "image: web:1\n", "README": "hi\n"})

	work := filepath.Join(t.TempDir(), "work")
	if out, err := gitWithAuth(t, "", "ci", "s3cret", "clone", "--quiet", url, work); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if got := s.ReadFile(t, "gitops.git", "main", "apps/web.yaml"); got != "image: web:1\n" {
		t.Errorf("ReadFile = %q", got)
	}
	if err := os.WriteFile(filepath.Join(work, "apps/web.yaml"), []byte("image: web:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Git(t, work, "commit", "--quiet", "--all", "--message", "bump web\n\nGolden-Image: web:2")
	if out, err := gitWithAuth(t, work, "ci", "s3cret", "push", "--quiet", "origin", "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}

	log := s.Log(t, "gitops.git", "main")
	if len(log) != 2 {
		t.Fatalf("log has %d commits, want 2", len(log))
	}
	if log[0].Subject() != "bump web" || !strings.Contains(log[0].Message, "Golden-Image: web:2") {
		t.Errorf("newest commit message = %q", log[0].Message)
	}
	if len(log[0].Parents) != 1 || log[0].Parents[0] != log[1].Hash {
		t.Errorf("parents = %v, want [%s]", log[0].Parents, log[1].Hash)
	}
	if log[0].AuthorName != AuthorName || log[0].AuthorEmail != AuthorEmail {
		t.Errorf("author = %s <%s>", log[0].AuthorName, log[0].AuthorEmail)
	}
	if got := s.ReadFile(t, "gitops.git", "main", "apps/web.yaml"); got != "image: web:2\n" {
		t.Errorf("after push ReadFile = %q", got)
	}
	if got, want := ListFiles(t, s.Path("gitops.git"), "main"), []string{"README", "apps/web.yaml"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ListFiles = %v, want %v", got, want)
	}
	if Head(t, s.Path("gitops.git"), "main") != log[0].Hash {
		t.Errorf("Head(main) != newest commit")
	}
	if Head(t, s.Path("gitops.git"), "nope") != "" {
		t.Errorf("Head(nope) is not empty")
	}
	r := s.Requests()
	if r.UploadPack == 0 || r.ReceivePack == 0 || r.InfoRefs == 0 {
		t.Errorf("requests = %+v, want fetches and a push", r)
	}
}

func TestServerRequiresCredentials(t *testing.T) {
	t.Parallel()
	s := New(t, Options{Username: "ci", Password: "s3cret"})
	url := s.CreateRepo(t, "r.git", map[string]string{"a": "1"})

	for _, tc := range []struct {
		name, user, password string
	}{
		{"none", "", ""},
		{"wrong password", "ci", "wrong"},
		{"wrong user", "someone", "s3cret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, url+"/info/refs?service=git-upload-pack", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.password)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	dir := filepath.Join(t.TempDir(), "c")
	if out, err := gitWithAuth(t, "", "ci", "wrong", "clone", "--quiet", url, dir); err == nil {
		t.Errorf("clone with a wrong password succeeded: %s", out)
	}
	if s.Requests().Unauthorized < 4 {
		t.Errorf("Unauthorized = %d, want >= 4", s.Requests().Unauthorized)
	}
}

func TestServerWithoutAuthAcceptsPush(t *testing.T) {
	t.Parallel()
	s := New(t, Options{})
	url := s.CreateRepo(t, "open.git", map[string]string{"a": "1\n"})
	work := filepath.Join(t.TempDir(), "w")
	Git(t, "", "clone", "--quiet", url, work)
	if err := os.WriteFile(filepath.Join(work, "b"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Git(t, work, "add", "b")
	Git(t, work, "commit", "--quiet", "-m", "add b")
	Git(t, work, "push", "--quiet", "origin", "main")
	if got := s.ReadFile(t, "open.git", "main", "b"); got != "2\n" {
		t.Errorf("b = %q", got)
	}
}

func TestServerFailNext(t *testing.T) {
	t.Parallel()
	s := New(t, Options{})
	url := s.CreateRepo(t, "r.git", map[string]string{"a": "1"})
	s.FailNext(1, http.StatusServiceUnavailable)
	resp, err := http.Get(url + "/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", resp.StatusCode)
	}
	resp, err = http.Get(url + "/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("second status = %d, want 200", resp.StatusCode)
	}
	if r := s.Requests(); r.Injected != 1 || r.Total != 2 {
		t.Errorf("requests = %+v", r)
	}
}

func TestLocalBareRepoHelpers(t *testing.T) {
	t.Parallel()
	dir := NewBareRepo(t, map[string]string{"x/y.txt": "y\n"})
	h := CommitFiles(t, dir, "main", map[string]string{"z.txt": "z\n"}, "add z")
	log := Log(t, dir, "main")
	if len(log) != 2 || log[0].Hash != h || log[0].Subject() != "add z" {
		t.Fatalf("log = %+v", log)
	}
	if b := Branches(t, dir); b["main"] != h || len(b) != 1 {
		t.Errorf("branches = %v", b)
	}
	if got := ReadFile(t, dir, h, "x/y.txt"); got != "y\n" {
		t.Errorf("x/y.txt = %q", got)
	}
	empty := InitBare(t, filepath.Join(t.TempDir(), "empty.git"), nil)
	if b := Branches(t, empty); len(b) != 0 {
		t.Errorf("empty repo branches = %v", b)
	}
}

func TestSSHServer(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	InitBare(t, filepath.Join(root, "r.git"), map[string]string{"a": "1\n"})
	s := NewSSH(t, root, SSHOptions{})
	work := filepath.Join(t.TempDir(), "w")
	sshCmd := fmt.Sprintf("ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes",
		s.ClientKeyFile, s.KnownHostsFile)
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(gitEnv(), "GIT_SSH_COMMAND="+sshCmd)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("", "clone", "--quiet", s.URL("r.git"), work)
	if err := os.WriteFile(filepath.Join(work, "b"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Git(t, work, "add", "b")
	Git(t, work, "commit", "--quiet", "-m", "add b over ssh")
	run(work, "push", "--quiet", "origin", "main")
	if got := ReadFile(t, filepath.Join(root, "r.git"), "main", "b"); got != "2\n" {
		t.Errorf("b = %q", got)
	}
}
