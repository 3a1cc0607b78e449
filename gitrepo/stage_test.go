package gitrepo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

// edits is a list of changes to a checkout, run in order.
type edits []func(dir string) error

func write(name, content string) func(string) error {
	return func(dir string) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(content), 0o644)
	}
}

func remove(name string) func(string) error {
	return func(dir string) error { return os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name))) }
}

func chmod(name string, mode os.FileMode) func(string) error {
	return func(dir string) error { return os.Chmod(filepath.Join(dir, filepath.FromSlash(name)), mode) }
}

func symlink(name, target string) func(string) error {
	return func(dir string) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		return os.Symlink(target, p)
	}
}

// TestCommitLikeGit: the commit gitrepo makes of an edit has the tree the
// git CLI makes of the same edit (git add --all, git commit), with a full
// checkout and with a sparse one (Options.Paths) that holds only the
// edited paths.
func TestCommitLikeGit(t *testing.T) {
	t.Parallel()
	bare := newCheckoutRepo(t)
	for _, tc := range []struct {
		name  string
		paths []string
		edit  edits
	}{
		{"change a file", []string{"a/b"}, edits{write("a/b/sibling.yaml", "sibling: false\n")}},
		{"same size, same tick", []string{"a"}, edits{write("a/b/c/d/deep.yaml", "deep: 1234\n")}},
		{"new file in new directories", []string{"new"}, edits{write("new/x/y.yaml", "y\n")}},
		{"remove a file", []string{"flat/svc-00007.yaml"}, edits{remove("flat/svc-00007.yaml")}},
		{"remove a directory", []string{"a"}, edits{remove("a/b/c")}},
		{"remove every file of a directory", []string{"a/b/c/d"}, edits{remove("a/b/c/d/deep.yaml")}},
		{"make executable", []string{"README.md"}, edits{chmod("README.md", 0o755)}},
		{"file to link", []string{"a0"}, edits{symlink("a0", "README.md")}},
		{"retarget a link", []string{"link-to-file"}, edits{symlink("link-to-file", "a.b")}},
		{"file to directory", []string{"a-b"}, edits{remove("a-b"), write("a-b/inside", "now a directory\n")}},
		{"ignored new file", []string{"flat"}, edits{write(".gitignore", "*.log\n"), write("flat/debug.log", "x\n"), write("flat/svc-00001.yaml", "changed\n")}},
		{"ignored in a subdirectory", nil, edits{write("a/.gitignore", "tmp/\n"), write("a/tmp/x", "x\n"), write("a/keep", "k\n")}},
		{"tracked file matching an ignore pattern", nil, edits{write(".gitignore", "*.md\n"), write("README.md", "still tracked\n")}},
		{"many files", []string{"flat"}, edits{write("flat/svc-00000.yaml", "0\n"), write("flat/svc-01499.yaml", "1499\n"), remove("flat/svc-00500.yaml")}},
	} {
		for _, sparse := range []bool{false, true} {
			if sparse && tc.paths == nil {
				continue
			}
			name := tc.name
			if sparse {
				name += ", sparse"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				run := func(dir string) error {
					for _, e := range tc.edit {
						if err := e(dir); err != nil {
							return err
						}
					}
					return nil
				}
				theirs := t.TempDir()
				gitserver.Git(t, "", "clone", "--quiet", bare, theirs)
				if err := run(theirs); err != nil {
					t.Fatal(err)
				}
				gitserver.Git(t, theirs, "add", "--all")
				gitserver.Git(t, theirs, "commit", "--quiet", "--message", "edit")
				want := strings.TrimSpace(gitserver.Git(t, theirs, "rev-parse", "HEAD^{tree}"))

				o := Options{CloneOptions: CloneOptions{URL: bare}, DryRun: true}
				if sparse {
					o.Paths = tc.paths
				}
				c, err := Open(testContext(t), o)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if sparse {
					if _, err := os.Stat(filepath.Join(c.Dir(), "flat", "svc-00003.yaml")); err == nil && !strings.HasPrefix(tc.paths[0], "flat") {
						t.Error("the sparse checkout holds a path it was not asked for")
					}
				}
				if _, err := c.Edit(testContext(t), func(dir string) (bool, error) { return true, run(dir) }); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Push(testContext(t), "edit", nil); err != nil {
					t.Fatal(err)
				}
				h, err := c.s.repo.Head()
				if err != nil {
					t.Fatal(err)
				}
				commit, err := c.s.repo.CommitObject(h.Hash())
				if err != nil {
					t.Fatal(err)
				}
				if got := commit.TreeHash.String(); got != want {
					t.Errorf("tree %s, git's %s; git's change:\n%s", got, want, gitserver.Git(t, theirs, "show", "--stat", "--format=", "HEAD"))
				}
			})
		}
	}
}

// TestSparseFollowsLinks: a sparse path reached through symbolic links
// brings the links and their targets; a link out of the tree is written,
// not followed.
func TestSparseFollowsLinks(t *testing.T) {
	t.Parallel()
	bare := newCheckoutRepo(t)
	c, err := Open(testContext(t), Options{CloneOptions: CloneOptions{URL: bare}, Paths: []string{"link-to-dir/c", "a/b/up", "dangling-link"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"link-to-dir", "a/b/c/d/deep.yaml", "a/b/up", "bin/deploy.sh", "dangling-link"} {
		if _, err := os.Lstat(filepath.Join(c.Dir(), filepath.FromSlash(p))); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"README.md", "flat", "a/b/sibling.yaml"} {
		if _, err := os.Lstat(filepath.Join(c.Dir(), filepath.FromSlash(p))); err == nil {
			t.Errorf("%s is checked out", p)
		}
	}
	if _, err := Open(testContext(t), Options{CloneOptions: CloneOptions{URL: bare}, Paths: []string{"../x"}}); err == nil {
		t.Error("a sparse path out of the repository was accepted")
	}
}
