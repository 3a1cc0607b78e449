package gitrepo

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

// flatFiles is the size of the large flat directory of the checkout
// tests: large enough that go-git's own checkout, quadratic in the size of
// a directory, would take seconds.
const flatFiles = 1500

// newCheckoutRepo makes a bare repository with the git CLI whose main
// branch holds a large flat directory, nested directories, an executable,
// symbolic links (to a file, to a directory, dangling), an empty file,
// names that sort differently as files and as directories, and a
// submodule (a gitlink with its .gitmodules). It returns the repository's
// path.
func newCheckoutRepo(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	gitserver.Git(t, "", "init", "--quiet", "--initial-branch=main", work)
	files := map[string]string{
		"README.md":            "gitops\n",
		"a/b/c/d/deep.yaml":    "deep: true\n",
		"a/b/sibling.yaml":     "sibling: true\n",
		"a-b":                  "a file sorting before the directory a\n",
		"a.b":                  "another\n",
		"a0":                   "and one after\n",
		"empty":                "",
		"name with spaces.txt": "spaces\n",
		"ünïcödé.txt":          "unicode\n",
		"bin/deploy.sh":        "#!/bin/sh\necho deploy\n",
		".gitmodules":          "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n",
	}
	for i := range flatFiles {
		files[fmt.Sprintf("flat/svc-%05d.yaml", i)] = fmt.Sprintf("name: svc-%05d\nimage: ghcr.io/o/svc:1.0.%d\n", i, i)
	}
	for name, content := range files {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(work, "bin", "deploy.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"link-to-file":  "README.md",
		"link-to-dir":   "a/b",
		"a/b/up":        "../../bin/deploy.sh",
		"dangling-link": "does/not/exist",
	} {
		if err := os.Symlink(target, filepath.Join(work, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	gitserver.Git(t, work, "add", "--all")
	// A submodule that is not initialized: only its gitlink and
	// .gitmodules are in the repository.
	gitserver.Git(t, work, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/lib")
	gitserver.Git(t, work, "commit", "--quiet", "--message", "initial commit")
	bare := filepath.Join(t.TempDir(), "repo.git")
	gitserver.Git(t, "", "clone", "--quiet", "--bare", work, bare)
	return bare
}

// assertLikeGit checks that the worktree at dir, made by gitrepo, is what
// the git CLI makes of branch of the repository at bare: the same index
// (git ls-files -s), the same files with the same modes, contents and link
// targets, and a clean status for both go-git and the git CLI.
func assertLikeGit(t *testing.T, dir, bare, branch string) {
	t.Helper()
	theirs := filepath.Join(t.TempDir(), "git-clone")
	gitserver.Git(t, "", "clone", "--quiet", "--branch", branch, bare, theirs)

	// go-git's status, from the index and the files' stat data.
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	st, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsClean() {
		t.Errorf("go-git status is not clean:\n%s", st)
	}
	// Every file's index entry carries its size and modification time,
	// so that go-git's status does not read unchanged files.
	idx, err := repo.Storer.Index()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range idx.Entries {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(e.Name)))
		if err != nil {
			t.Errorf("index entry %s: %v", e.Name, err)
			continue
		}
		if fi.IsDir() { // a submodule
			continue
		}
		if int64(e.Size) != fi.Size() || !e.ModifiedAt.Equal(fi.ModTime()) {
			t.Errorf("index entry %s: size %d, mtime %v; the file has %d, %v", e.Name, e.Size, e.ModifiedAt, fi.Size(), fi.ModTime())
		}
	}

	// The git CLI: git diff-files compares the stat data of the index with
	// the files without refreshing the index first, so it lists any entry
	// whose stat data is wrong; git status refreshes and compares.
	if out := gitserver.Git(t, dir, "diff-files", "--name-status"); out != "" {
		t.Errorf("git diff-files lists files:\n%s", out)
	}
	if out := gitserver.Git(t, dir, "status", "--porcelain"); out != "" {
		t.Errorf("git status --porcelain:\n%s", out)
	}
	ours, want := gitserver.Git(t, dir, "ls-files", "--stage"), gitserver.Git(t, theirs, "ls-files", "--stage")
	if ours != want {
		t.Errorf("git ls-files --stage differs from the git CLI's checkout:\nours:\n%s\ngit's:\n%s", head(ours), head(want))
	}
	if got, want := snapshot(t, dir), snapshot(t, theirs); got != want {
		t.Errorf("the worktree differs from the git CLI's checkout:\nours:\n%s\ngit's:\n%s", got, want)
	}
}

// head returns the first lines of s.
func head(s string) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "...\n")
	}
	return strings.Join(lines, "")
}

// snapshot describes the worktree at dir outside .git: every path with
// its type, permission bits and content or link target.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == ".git" {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s link -> %s", rel, target))
		case d.IsDir():
			lines = append(lines, fmt.Sprintf("%s dir", rel))
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s file %v %q", rel, fi.Mode().Perm(), b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestCheckoutLikeGit: a clone's checkout, written by gitrepo instead of
// go-git, is the git CLI's checkout, and both go-git and git see it clean.
func TestCheckoutLikeGit(t *testing.T) {
	t.Parallel()
	bare := newCheckoutRepo(t)
	dir := filepath.Join(t.TempDir(), "clone")
	head, err := Clone(testContext(t), dir, CloneOptions{URL: bare})
	if err != nil {
		t.Fatal(err)
	}
	if want := gitserver.Head(t, bare, "main"); head != want {
		t.Errorf("head = %s, want %s", head, want)
	}
	assertLikeGit(t, dir, bare, "main")
	if fi, err := os.Stat(filepath.Join(dir, "vendor", "lib")); err != nil || !fi.IsDir() {
		t.Errorf("submodule vendor/lib: want an empty directory (%v)", err)
	}
}

// TestFetchResetLikeGit: after an attempt's edit and a newer head, the
// reset of a retry leaves the git CLI's checkout of the new head: files
// the new head deleted, added, changed or made executable or links, and
// nothing of what the edit left, even ignored files.
func TestFetchResetLikeGit(t *testing.T) {
	t.Parallel()
	bare := newCheckoutRepo(t)
	ctx := testContext(t)
	s, err := newSession(CloneOptions{URL: bare})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	dir := filepath.Join(t.TempDir(), "clone")
	if _, err := s.clone(ctx, dir, "main"); err != nil {
		t.Fatal(err)
	}

	// What a first attempt's edit leaves behind.
	for _, f := range []string{"README.md", "flat/svc-00007.yaml", "link-to-dir"} {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		"flat/svc-00001.yaml": "changed by the edit\n",
		"new/dir/file.yaml":   "added by the edit\n",
		".gitignore":          "*.tmp\n",
		"scratch.tmp":         "ignored\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Another writer reshapes the branch meanwhile.
	work := t.TempDir()
	gitserver.Git(t, "", "clone", "--quiet", bare, work)
	gitserver.Git(t, work, "rm", "--quiet", "-r", "a/b/c", "flat/svc-00002.yaml", "link-to-file")
	for name, content := range map[string]string{
		"flat/svc-00003.yaml": "changed upstream\n",
		"flat/svc-99999.yaml": "added upstream\n",
		"link-to-file/x.yaml": "a directory where a link was\n",
		"README.md":           "changed upstream\n",
	} {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(work, "a-b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(work, "a0")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a-b", filepath.Join(work, "a0")); err != nil {
		t.Fatal(err)
	}
	gitserver.Git(t, work, "add", "--all")
	gitserver.Git(t, work, "commit", "--quiet", "--message", "reshape")
	gitserver.Git(t, work, "push", "--quiet", "origin", "main")
	want := gitserver.Head(t, bare, "main")

	got, err := s.fetchReset(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Errorf("fetchReset = %s, want %s", got, want)
	}
	head, err := s.repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Name() != plumbing.NewBranchReferenceName("main") || head.Hash().String() != want {
		t.Errorf("HEAD = %s at %s, want main at %s", head.Name(), head.Hash(), want)
	}
	for _, f := range []string{"scratch.tmp", ".gitignore", "new"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s survived the reset (%v)", f, err)
		}
	}
	assertLikeGit(t, dir, bare, "main")
}

// TestApplyKeepsWhatTheEditLeftAlone: a commit made on gitrepo's checkout
// holds the edit and nothing else: executables, links and the submodule
// stay as they are.
func TestApplyKeepsWhatTheEditLeftAlone(t *testing.T) {
	t.Parallel()
	bare := newCheckoutRepo(t)
	before := gitserver.Head(t, bare, "main")
	out, err := Apply(testContext(t), Options{CloneOptions: CloneOptions{URL: bare}, Message: "edit"},
		func(dir string) (bool, error) {
			if err := os.Remove(filepath.Join(dir, "flat", "svc-00010.yaml")); err != nil {
				return false, err
			}
			if err := os.WriteFile(filepath.Join(dir, "flat", "svc-00011.yaml"), []byte("changed\n"), 0o644); err != nil {
				return false, err
			}
			return true, os.WriteFile(filepath.Join(dir, "a", "b", "added.yaml"), []byte("added\n"), 0o644)
		})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pushed || fmt.Sprint(out.Files) != "[a/b/added.yaml flat/svc-00010.yaml flat/svc-00011.yaml]" {
		t.Errorf("outcome = %+v", out)
	}
	changes := gitserver.Git(t, "", "--git-dir", bare, "diff", "--name-status", before, "main")
	if changes != "A\ta/b/added.yaml\nD\tflat/svc-00010.yaml\nM\tflat/svc-00011.yaml\n" {
		t.Errorf("the commit changed:\n%s", changes)
	}
	// The commit's tree is the old tree but for the edit, entry modes
	// included.
	tree := func(rev string) string {
		out := gitserver.Git(t, "", "--git-dir", bare, "ls-tree", "-r", rev)
		var keep []string
		for _, l := range strings.SplitAfter(out, "\n") {
			if !strings.Contains(l, "flat/svc-0001") && !strings.Contains(l, "a/b/added.yaml") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "")
	}
	if a, b := tree(before), tree("main"); a != b {
		t.Errorf("the tree changed outside the edit:\nbefore:\n%s\nafter:\n%s", head(a), head(b))
	}
}

// TestCheckoutRefusesDangerousNames: a tree entry named .git (or a name a
// file system takes for it) or .. never reaches the file system.
func TestCheckoutRefusesDangerousNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{".git", ".GIT", "..", ".git. .", "git~1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bare := gitserver.NewBareRepo(t, nil)
			blob := strings.TrimSpace(gitserver.Git(t, "", "--git-dir", bare, "hash-object", "-w", os.DevNull))
			tree := mktree(t, bare, "100644 blob "+blob+"\tok\n"+"100644 blob "+blob+"\t"+name+"\n")
			commit := strings.TrimSpace(gitserver.Git(t, "", "--git-dir", bare, "commit-tree", "-m", "evil", tree))
			gitserver.Git(t, "", "--git-dir", bare, "update-ref", "refs/heads/main", commit)

			dir := filepath.Join(t.TempDir(), "clone")
			_, err := Clone(testContext(t), dir, CloneOptions{URL: bare})
			assertClass(t, err, 2, nil)
			if err != nil && (!strings.Contains(err.Error(), "invalid name") || !strings.Contains(err.Error(), "of "+bare+": ")) {
				t.Errorf("err = %v", err)
			}
			t.Logf("%v", err)
			if entries, _ := os.ReadDir(filepath.Join(dir, ".git")); len(entries) > 0 {
				for _, e := range entries {
					if e.Name() == "ok" {
						t.Errorf("wrote into .git")
					}
				}
			}
		})
	}
}

// mktree writes a tree with git mktree from its ls-tree text. git mktree
// takes any name but one with a slash.
func mktree(t *testing.T, gitDir, entries string) string {
	t.Helper()
	cmd := exec.Command("git", "--git-dir", gitDir, "mktree")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	cmd.Stdin = strings.NewReader(entries)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git mktree: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestValidEntryName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"deployment.yaml", true},
		{".gitignore", true},
		{".github", true},
		{"git", true},
		{".gitx", true},
		{"a b", true},
		{"ünïcödé", true},
		{"", false},
		{".", false},
		{"..", false},
		{".git", false},
		{".Git", false},
		{"GIT~1", false},
		{".git ", false},
		{".git...", false},
		{".git::$INDEX_ALLOCATION", false},
		{".\u200cgit", false},
		{".git\ufeff", false},
		{"a/b", false},
		{"a\nb", false},
		{"a\x7fb", false},
		{`..\x`, false},
		{`x\.git`, false},
	} {
		err := validEntryName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("validEntryName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		name string
		want bool
	}{{".gitmodules", true}, {".GITMODULES ", true}, {"gitmod~1", true}, {".gitmodules.yaml", false}} {
		if got := isDotGitmodules(tc.name); got != tc.want {
			t.Errorf("isDotGitmodules(%q) = %v", tc.name, got)
		}
	}
}

// FuzzValidEntryName: a name validEntryName accepts is one local path
// component that is not .git in any case.
func FuzzValidEntryName(f *testing.F) {
	for _, s := range []string{"a", ".git", "..", "a/b", `a\b`, ".GIT ", "svc-00001.yaml"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if validEntryName(name) != nil {
			return
		}
		if !filepath.IsLocal(name) || strings.ContainsRune(name, '/') || strings.EqualFold(name, ".git") ||
			strings.EqualFold(strings.TrimRight(name, ". "), ".git") || bytes.ContainsAny([]byte(name), "\x00\n\r") {
			t.Errorf("validEntryName accepted %q", name)
		}
	})
}
