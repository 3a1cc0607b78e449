package coverage

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	fdiff "github.com/go-git/go-git/v5/plumbing/format/diff"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/goldenci/golden/exitcode"
)

// Patch is the coverage of the lines changed since a base revision: the
// gate codecov sells as a service, computed offline from git.
type Patch struct {
	Base       string // the revision asked for: "origin/main"
	BaseCommit string // the commit diffed against: the merge base of Base and HEAD
	HeadCommit string
	// Lines counts the changed lines that hold statements (some block of
	// the profile spans them); Covered those of them that ran.
	Lines   int
	Covered int
	// Percent is 100*Covered/Lines, and 100 when no changed line holds
	// statements (there is nothing to cover, and the gate passes).
	Percent float64
	// Files are the changed files with changed lines that hold statements,
	// sorted by path.
	Files []PatchFile
	// Warnings say what the patch coverage cannot see.
	Warnings []string
}

// PatchFile is the patch coverage of one changed file.
type PatchFile struct {
	Path      string // as in Summary.Files
	Lines     int
	Covered   int
	Uncovered []int // the changed lines that hold statements and did not run
}

// PatchCoverage computes the coverage of the lines changed between base
// and HEAD in the git repository that holds src.Dir. Lines are those added
// or modified in HEAD's version of each file, diffed (with rename
// detection) from the merge base of base and HEAD, as "git diff
// base...HEAD" does; when there is no merge base (unrelated or shallow
// history), from base itself. A changed line holds statements when a
// block of s spans it, and is covered when such a block ran.
//
// The profile must describe HEAD's tree. Errors: no repository or an
// unknown revision are input errors; failures to read git objects are
// infrastructure errors.
func PatchCoverage(ctx context.Context, s *Summary, src *Source, base string) (*Patch, error) {
	if strings.TrimSpace(base) == "" {
		return nil, exitcode.Inputf("patch coverage: empty base revision")
	}
	repo, err := git.PlainOpenWithOptions(src.Dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, exitcode.Inputf("patch coverage: %s is not in a git repository", src.Dir)
	}
	if err != nil {
		return nil, infraErr(fmt.Errorf("patch coverage: opening the git repository of %s: %w", src.Dir, err))
	}
	prefix, err := repoPrefix(repo, src.Dir)
	if err != nil {
		return nil, err
	}
	from, head, err := patchRange(repo, base)
	if err != nil {
		return nil, err
	}
	changes, err := treeDiff(ctx, from, head)
	if err != nil {
		return nil, err
	}
	byPath, missing, err := presentFiles(s, src.Dir)
	if err != nil {
		return nil, err
	}

	p := &Patch{Base: base, BaseCommit: from.Hash.String(), HeadCommit: head.Hash.String()}
	if missing > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d file(s) of the profile are not in the source tree, so changes to them are not seen", missing))
	}
	for _, c := range changes {
		if c.To.Name == "" || !c.To.TreeEntry.Mode.IsFile() {
			continue // deleted, or not a regular file
		}
		rel, ok := underPrefix(c.To.Name, prefix)
		if !ok || byPath[rel] == nil {
			continue
		}
		changed, err := changedLines(ctx, c)
		if err != nil {
			return nil, infraErr(fmt.Errorf("patch coverage: diffing %s: %w", c.To.Name, err))
		}
		if pf := patchFile(rel, byPath[rel], changed); pf.Lines > 0 {
			p.Files = append(p.Files, pf)
			p.Lines += pf.Lines
			p.Covered += pf.Covered
		}
	}
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
	p.Percent = 100
	if p.Lines > 0 {
		p.Percent = Percent(p.Covered, p.Lines)
	}
	return p, nil
}

// patchRange is the merge base of base and HEAD, and HEAD.
func patchRange(repo *git.Repository, base string) (from, head *object.Commit, err error) {
	headRef, err := repo.Head()
	if err != nil {
		return nil, nil, exitcode.Inputf("patch coverage: resolving HEAD: %w", err)
	}
	head, err = repo.CommitObject(headRef.Hash())
	if err != nil {
		return nil, nil, infraErr(fmt.Errorf("patch coverage: reading HEAD commit %s: %w", headRef.Hash(), err))
	}
	baseHash, err := repo.ResolveRevision(plumbing.Revision(base))
	if err != nil {
		return nil, nil, exitcode.Inputf("patch coverage: unknown base revision %q (%w); in a shallow clone fetch it first, e.g. git fetch origin main, or fetch-depth: 0", base, err)
	}
	from, err = repo.CommitObject(*baseHash)
	if err != nil {
		return nil, nil, exitcode.Inputf("patch coverage: base revision %q (%s) is not a commit: %w", base, baseHash, err)
	}
	if mbs, err := from.MergeBase(head); err == nil && len(mbs) > 0 {
		from = mbs[0]
	}
	return from, head, nil
}

// treeDiff lists the files changed between two commits.
func treeDiff(ctx context.Context, from, head *object.Commit) (object.Changes, error) {
	fromTree, err := from.Tree()
	if err != nil {
		return nil, infraErr(fmt.Errorf("patch coverage: reading the tree of %s: %w", from.Hash, err))
	}
	headTree, err := head.Tree()
	if err != nil {
		return nil, infraErr(fmt.Errorf("patch coverage: reading the tree of %s: %w", head.Hash, err))
	}
	changes, err := object.DiffTreeWithOptions(ctx, fromTree, headTree, object.DefaultDiffTreeOptions)
	if err != nil {
		return nil, infraErr(fmt.Errorf("patch coverage: diffing %s..%s: %w", from.Hash, head.Hash, err))
	}
	return changes, nil
}

// presentFiles are the profile's files found in the source tree, by path,
// and how many were not. None found is bad input: the profile was made
// elsewhere.
func presentFiles(s *Summary, dir string) (map[string]*FileSummary, int, error) {
	byPath := map[string]*FileSummary{}
	for i := range s.Files {
		if f := &s.Files[i]; f.Present {
			byPath[f.Path] = f
		}
	}
	if len(byPath) == 0 && len(s.Files) > 0 {
		return nil, 0, exitcode.Inputf("patch coverage: none of the profile's %d files is in the source tree %s (set --source to the checkout the profile was made in)", len(s.Files), dir)
	}
	return byPath, len(s.Files) - len(byPath), nil
}

// patchFile counts the changed lines of a file that hold statements, and
// the covered ones.
func patchFile(rel string, fs *FileSummary, changed []int) PatchFile {
	pf := PatchFile{Path: rel}
	hits := fs.Lines
	for _, l := range changed {
		i := sort.Search(len(hits), func(i int) bool { return hits[i].Line >= l })
		if i == len(hits) || hits[i].Line != l {
			continue // holds no statement
		}
		pf.Lines++
		if hits[i].Hits > 0 {
			pf.Covered++
		} else {
			pf.Uncovered = append(pf.Uncovered, l)
		}
	}
	return pf
}

// repoPrefix returns the slash path of dir inside the repository's
// worktree: "." at its root.
func repoPrefix(repo *git.Repository, dir string) (string, error) {
	wt, err := repo.Worktree()
	if err != nil {
		return "", exitcode.Inputf("patch coverage: %s: %w (a bare repository has no files to cover)", dir, err)
	}
	root := wt.Filesystem.Root()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", infraErr(fmt.Errorf("patch coverage: %s is not inside the worktree %s", dir, root))
	}
	return filepath.ToSlash(rel), nil
}

// underPrefix maps a repository path onto the source tree.
func underPrefix(name, prefix string) (string, bool) {
	if prefix == "." {
		return name, true
	}
	rest, ok := strings.CutPrefix(name, prefix+"/")
	return path.Clean(rest), ok
}

// changedLines returns the lines of the change's new version that were
// added or modified, in order; none for a binary file.
func changedLines(ctx context.Context, c *object.Change) ([]int, error) {
	patch, err := c.PatchContext(ctx)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, fp := range patch.FilePatches() {
		line := 1
		for _, chunk := range fp.Chunks() {
			n := countLines(chunk.Content())
			switch chunk.Type() {
			case fdiff.Equal:
				line += n
			case fdiff.Add:
				for i := 0; i < n; i++ {
					out = append(out, line+i)
				}
				line += n
			}
		}
	}
	return out, nil
}

// countLines counts the lines of a diff chunk: its newlines, plus a last
// line without one.
func countLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}
