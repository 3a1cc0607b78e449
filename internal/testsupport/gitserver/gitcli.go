package gitserver

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Identity of the commits this package makes with the git CLI.
const (
	AuthorName  = "gitserver"
	AuthorEmail = "gitserver@example.test"
)

// Commit is one commit of a repository as the git CLI shows it.
type Commit struct {
	Hash           string
	Parents        []string
	AuthorName     string
	AuthorEmail    string
	CommitterName  string
	CommitterEmail string
	Message        string // the full message, subject, body and trailers
}

// Subject is the first line of the commit message.
func (c Commit) Subject() string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return s
}

// gitEnv is the environment of every git command this package runs: the
// process environment without GIT_* variables, without the user's and the
// system's git configuration, with a fixed identity and no prompts.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME="+AuthorName,
		"GIT_AUTHOR_EMAIL="+AuthorEmail,
		"GIT_COMMITTER_NAME="+AuthorName,
		"GIT_COMMITTER_EMAIL="+AuthorEmail,
	)
}

// Git runs the git CLI in dir (any directory when dir is "") with an
// isolated configuration and returns its standard output. It fails the
// test when git fails.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := runGit(dir, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

func runGit(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", &gitError{args: args, err: err, stderr: strings.TrimSpace(stderr.String())}
	}
	return stdout.String(), nil
}

type gitError struct {
	args   []string
	err    error
	stderr string
}

func (e *gitError) Error() string {
	return "git " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.stderr
}

// InitBare creates a bare repository at dir whose default branch is main.
// With files it also makes an initial commit on main holding them (paths
// use slashes; directories are created). It returns dir.
func InitBare(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	Git(t, "", "init", "--quiet", "--bare", "--initial-branch=main", dir)
	if len(files) > 0 {
		work := t.TempDir()
		Git(t, "", "init", "--quiet", "--initial-branch=main", work)
		writeFiles(t, work, files)
		Git(t, work, "add", "--all")
		Git(t, work, "commit", "--quiet", "--message", "initial commit")
		Git(t, work, "push", "--quiet", dir, "main")
	}
	return dir
}

// NewBareRepo creates a bare repository with an initial commit holding
// files in a fresh temporary directory, for tests that need a local
// repository and no server. It returns the repository's path.
func NewBareRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	return InitBare(t, filepath.Join(t.TempDir(), "repo.git"), files)
}

// CommitFiles adds one commit on branch of the repository at gitDir, as a
// different writer would: it clones the branch with the git CLI, writes
// files and pushes. It returns the new commit's hash.
func CommitFiles(t testing.TB, gitDir, branch string, files map[string]string, message string) string {
	t.Helper()
	work := t.TempDir()
	Git(t, "", "clone", "--quiet", "--branch", branch, gitDir, work)
	writeFiles(t, work, files)
	Git(t, work, "add", "--all")
	Git(t, work, "commit", "--quiet", "--message", message)
	Git(t, work, "push", "--quiet", "origin", branch)
	return strings.TrimSpace(Git(t, work, "rev-parse", "HEAD"))
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ReadFile returns the content of path at ref (a branch, tag or hash) in
// the repository at gitDir. It fails the test when the file is missing.
func ReadFile(t testing.TB, gitDir, ref, path string) string {
	t.Helper()
	return Git(t, "", "--git-dir", gitDir, "show", ref+":"+path)
}

// ListFiles returns the paths of all files at ref in the repository at
// gitDir, sorted.
func ListFiles(t testing.TB, gitDir, ref string) []string {
	t.Helper()
	out := Git(t, "", "--git-dir", gitDir, "ls-tree", "-r", "--name-only", ref)
	files := strings.Fields(out)
	sort.Strings(files)
	return files
}

// Head returns the commit hash branch points to in the repository at
// gitDir, or "" when there is no such branch.
func Head(t testing.TB, gitDir, branch string) string {
	t.Helper()
	out, err := runGit("", "--git-dir", gitDir, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// Branches returns the branches of the repository at gitDir and the
// commits they point to.
func Branches(t testing.TB, gitDir string) map[string]string {
	t.Helper()
	out := Git(t, "", "--git-dir", gitDir, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, hash, ok := strings.Cut(line, " "); ok {
			m[name] = hash
		}
	}
	return m
}

// Log returns the commits reachable from ref in the repository at gitDir,
// newest first.
func Log(t testing.TB, gitDir, ref string) []Commit {
	t.Helper()
	const sep, end = "\x00", "\x1e"
	out := Git(t, "", "--git-dir", gitDir, "log", "--format=%H%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e", ref)
	var commits []Commit
	for _, rec := range strings.Split(out, end) {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, sep, 7)
		if len(f) != 7 {
			t.Fatalf("git log: unexpected record %q", rec)
		}
		commits = append(commits, Commit{
			Hash:           f[0],
			Parents:        strings.Fields(f[1]),
			AuthorName:     f[2],
			AuthorEmail:    f[3],
			CommitterName:  f[4],
			CommitterEmail: f[5],
			Message:        strings.TrimRight(f[6], "\n") + "\n",
		})
	}
	return commits
}
