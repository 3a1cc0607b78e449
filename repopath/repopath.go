// Package repopath makes the file paths tools write relative to the root
// of the repository: the one form GitHub (annotations, code scanning's
// SARIF) and GitLab (Code Quality, Cobertura, the merge request diff) map
// onto the files of a commit.
//
// A tool writes a path relative to the directory it ran in (Trivy,
// golangci-lint without a configuration file above it, the coverage
// profile through package coverage), relative to its configuration file
// (golangci-lint v2's default run.relative-path-mode "cfg", with a
// .golangci.yml at the repository root while it lints a service below
// it), or absolute (ESLint, ruff, golangci-lint --path-mode=abs). For a
// service at the root of its repository the three agree; for a service in
// a subdirectory (a monorepo, --source services/api) only the repository
// root says which file is meant: sub_dir/odd.go is
// services/api/sub_dir/odd.go.
//
// Paths is that mapping, and every golden command and pipeline stage that
// records a finding or a coverage file goes through it, so that the run
// (golden-result.json) and everything rendered from it (annotations, job
// summaries, SARIF, Code Quality, JUnit, Cobertura, the terminal) names
// files from the repository root. The repository root is the git top
// level of the directory the tool ran on (found on this host by Detect);
// outside git it is that directory itself, and paths stay as the tool
// wrote them. A pipeline whose tools run in a container is told the
// directory's place in its repository instead (Within).
package repopath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// Paths maps the paths a tool wrote, running in one directory, to paths
// relative to the repository root. The zero Paths only cleans paths and
// turns them to forward slashes.
type Paths struct {
	// dir is the absolute directory the tool ran in (on this host, or in a
	// container), realDir the same with symlinks resolved when it differs.
	dir, realDir string
	// root is the repository's top level on this host ("" when not
	// known: a container's path), realRoot with symlinks resolved.
	root, realRoot string
	// prefix is dir's slash path inside the repository: "" at its root.
	prefix string
}

// TopLevel returns the top level of the git working tree holding dir (the
// nearest directory, dir itself or a parent, holding a .git directory or
// file, as git rev-parse --show-toplevel finds it), with symlinks resolved,
// or "" when dir is not in a git working tree. dir need not exist here (a
// report may name the directory a tool ran in elsewhere): its nearest
// parent that holds a .git is the top level.
func TopLevel(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", exitcode.Inputf("source directory %q: %w", dir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for d := abs; ; {
		_, err := os.Lstat(filepath.Join(d, ".git"))
		if err == nil {
			return d, nil
		}
		if errors.Is(err, fs.ErrPermission) {
			return "", exitcode.InfraError(fmt.Errorf("looking for the git repository of %s: %w", dir, err))
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", nil
		}
		d = parent
	}
}

// Prefix returns dir's slash-separated path inside the git working tree
// holding it ("services/api"), "" when dir is the top level or is not in
// git.
func Prefix(dir string) (string, error) {
	p, err := Detect(dir)
	return p.prefix, err
}

// Detect returns the Paths of a tool that ran in dir on this host: the
// repository root is dir's git top level (see TopLevel); outside git, dir
// itself.
func Detect(dir string) (Paths, error) {
	top, err := TopLevel(dir)
	if err != nil {
		return Paths{}, err
	}
	p := newPaths(dir)
	if top == "" {
		return p, nil
	}
	p.root = top
	if real, err := filepath.EvalSymlinks(top); err == nil && real != top {
		p.realRoot = real
	}
	for _, d := range []string{p.realDir, p.dir} {
		if d == "" {
			continue
		}
		if rel, ok := under(top, d); ok {
			if rel != "." {
				p.prefix = rel
			}
			break
		}
	}
	return p, nil
}

// Within returns the Paths of a tool that ran in dir (a container's
// working directory, or a copy of the source on this host), the directory
// at prefix in its repository: a slash-separated relative path such as
// "services/api", "" or "." at the root. A prefix that is absolute or
// leaves the repository ("..") is an input error.
func Within(dir, prefix string) (Paths, error) {
	clean, err := CleanPrefix(prefix)
	if err != nil {
		return Paths{}, err
	}
	p := newPaths(dir)
	p.prefix = clean
	return p, nil
}

// CleanPrefix checks a directory's path inside its repository and returns
// it cleaned, "" for the root.
func CleanPrefix(prefix string) (string, error) {
	s := strings.TrimSpace(strings.ReplaceAll(prefix, `\`, "/"))
	if s == "" {
		return "", nil
	}
	if path.IsAbs(s) || filepath.IsAbs(s) {
		return "", exitcode.Inputf("repository path %q: must be relative to the repository root", prefix)
	}
	s = path.Clean(s)
	if s == ".." || strings.HasPrefix(s, "../") {
		return "", exitcode.Inputf("repository path %q: leaves the repository", prefix)
	}
	if s == "." {
		return "", nil
	}
	return s, nil
}

func newPaths(dir string) Paths {
	var p Paths
	if dir == "" {
		return p
	}
	p.dir = filepath.Clean(dir)
	if abs, err := filepath.Abs(dir); err == nil {
		p.dir = abs
	}
	if real, err := filepath.EvalSymlinks(p.dir); err == nil && real != p.dir {
		p.realDir = real
	}
	return p
}

// Prefix is the tool's directory inside the repository ("services/api"),
// "" at its root.
func (p Paths) Prefix() string { return p.prefix }

// Root is the repository's top level on this host, "" when not known.
func (p Paths) Root() string { return p.root }

// Rel maps a path a tool wrote to a slash-separated path relative to the
// repository root:
//
//   - an absolute path under the tool's directory is joined to the
//     directory's place in the repository; one elsewhere under the
//     repository root is made relative to the root; any other absolute
//     path (a module cache, a system file) stays absolute;
//   - a relative path is relative to the tool's directory, unless the
//     root is known, no such file is in the tool's directory and one is at
//     the root: golangci-lint then wrote it relative to a configuration
//     file at the repository root.
//
// Rel returns "" for "".
func (p Paths) Rel(name string) string {
	if name == "" {
		return ""
	}
	native := filepath.FromSlash(strings.ReplaceAll(name, `\`, "/"))
	if filepath.IsAbs(native) {
		native = filepath.Clean(native)
		for _, d := range []string{p.dir, p.realDir} {
			if rel, ok := under(d, native); ok {
				return join(p.prefix, rel)
			}
		}
		for _, r := range []string{p.root, p.realRoot} {
			if rel, ok := under(r, native); ok {
				return rel
			}
		}
		return filepath.ToSlash(native)
	}
	rel := path.Clean(filepath.ToSlash(native))
	if p.root != "" && p.prefix != "" && !exists(filepath.Join(p.dir, native)) && exists(filepath.Join(p.root, native)) {
		return rel
	}
	return join(p.prefix, rel)
}

// Findings maps the File of every finding in place (see Rel) and returns
// fs.
func (p Paths) Findings(fs []result.Finding) []result.Finding {
	for i := range fs {
		fs[i].File = p.Rel(fs[i].File)
	}
	return fs
}

// Coverage maps the files of c in place: each file path that names a
// file in the tool's directory on this host (see Rel), and a package named
// after such a file's directory (Cobertura and LCOV packages) along with
// it. Go packages, named by import path, and files not in the directory
// (an import path the source tree does not hold) stay as they are. A nil
// c is left alone.
func (p Paths) Coverage(c *result.Coverage) {
	if c == nil || p.prefix == "" {
		return
	}
	dirs := map[string]string{}
	for i := range c.Files {
		f := &c.Files[i]
		if f.Path == "" || path.IsAbs(f.Path) || !exists(filepath.Join(p.dir, filepath.FromSlash(f.Path))) {
			continue
		}
		old := f.Path
		f.Path = p.Rel(old)
		if f.Package == path.Dir(old) {
			f.Package = path.Dir(f.Path)
			dirs[path.Dir(old)] = f.Package
		}
	}
	for i := range c.Packages {
		if to, ok := dirs[c.Packages[i].Package]; ok {
			c.Packages[i].Package = to
		}
	}
}

// under returns target relative to dir, slash-separated, when target is
// dir or below it.
func under(dir, target string) (string, bool) {
	if dir == "" {
		return "", false
	}
	rel, err := filepath.Rel(dir, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// join puts a repository-relative prefix in front of a relative path.
func join(prefix, rel string) string {
	if prefix == "" {
		return rel
	}
	return path.Join(prefix, rel)
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
