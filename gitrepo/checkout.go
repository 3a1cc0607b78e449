package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/goldenci/golden/exitcode"
)

// This file replaces go-git's checkout (Worktree.Reset and the checkout
// that PlainClone runs), whose cost grows with the square of the size of
// a directory: it looks every changed file up from the root tree with
// object.Tree.FindEntry, whose path cache never serves the first path
// element, so each file of a 5,000-entry directory decodes that directory
// again. checkoutTree walks the commit's tree once, writes each entry and
// builds the index in the same pass.

// maxTreeDepth bounds the nesting of trees, against malformed or
// self-referencing trees (go-git's own walker stops at the same depth).
const maxTreeDepth = 1024

// checkout writes the tree of commit into the worktree of the session's
// clone and replaces the index with it. The worktree must hold nothing
// but .git (see clearWorktree). A tree that cannot be checked out safely
// (an entry named .git or .., say) is an input error.
func (s *session) checkout(commit plumbing.Hash) error {
	fail := func(format string, args ...any) error {
		return exitcode.Infraf("checking out commit %s of %s: %s", commit, s.r.display, fmt.Sprintf(format, args...))
	}
	c, err := s.repo.CommitObject(commit)
	if err != nil {
		return fail("reading the commit: %v", err)
	}
	tree, err := c.Tree()
	if err != nil {
		return fail("reading its tree: %v", err)
	}
	var sparse *sparseSet
	if s.paths != nil {
		if sparse, err = newSparseSet(s.repo.Storer, tree, s.paths); err != nil {
			var bad *badTreeError
			if errors.As(err, &bad) {
				return exitcode.Inputf("checking out commit %s of %s: %w", commit, s.r.display, err)
			}
			return fail("%v", err)
		}
	}
	idx, err := checkoutTree(s.repo.Storer, tree, s.dir, sparse)
	var bad *badTreeError
	if errors.As(err, &bad) {
		return exitcode.Inputf("checking out commit %s of %s: %w", commit, s.r.display, err)
	}
	if err != nil {
		return fail("%v", err)
	}
	if err := s.repo.Storer.SetIndex(idx); err != nil {
		return fail("writing the index: %v", err)
	}
	if s.co, err = newCheckoutState(idx, filepath.Join(s.dir, git.GitDirName)); err != nil {
		return fail("recording the checkout: %v", err)
	}
	return nil
}

// badTreeError is a tree that cannot be checked out safely.
type badTreeError struct{ msg string }

func (e *badTreeError) Error() string { return e.msg }

func badTree(format string, args ...any) error {
	return &badTreeError{msg: fmt.Sprintf(format, args...)}
}

// checkoutTree writes every entry of tree into dir, which must hold
// nothing but .git, and returns the matching index: regular files (mode
// 0644), executables (0755), symbolic links and, for submodules (gitlinks),
// an empty directory, as git leaves a submodule that is not initialized.
// Each index entry carries the stat data of the file just written, so
// that a status sees unchanged files as unchanged without reading them.
//
// With a sparse set, only the paths it covers are written (see
// sparse.go), and the index holds only them.
func checkoutTree(s storer.EncodedObjectStorer, tree *object.Tree, dir string, sparse *sparseSet) (*index.Index, error) {
	w := &treeWriter{s: s, root: dir, buf: make([]byte, 32*1024), sparse: sparse}
	if err := w.tree(tree, "", 0, sparse == nil || sparse.full[""]); err != nil {
		return nil, err
	}
	return &index.Index{Version: 2, Entries: w.entries}, nil
}

type treeWriter struct {
	s       storer.EncodedObjectStorer
	root    string
	buf     []byte
	entries []*index.Entry
	sparse  *sparseSet
}

// tree writes the entries of t, found at the repository path rel ("" for
// the root), in tree order, which is the order of the index: all of them,
// or those the sparse set covers.
func (w *treeWriter) tree(t *object.Tree, rel string, depth int, all bool) error {
	if depth > maxTreeDepth {
		return badTree("%q: trees nested deeper than %d levels", rel, maxTreeDepth)
	}
	for _, e := range t.Entries {
		name := e.Name
		if rel != "" {
			name = rel + "/" + e.Name
		}
		if err := validEntryName(e.Name); err != nil {
			return badTree("%q: %v", name, err)
		}
		full, partly := all, false
		if !all {
			if full, partly = w.sparse.covers(name); !full && (!partly || e.Mode != filemode.Dir) {
				continue
			}
		}
		p := filepath.Join(w.root, filepath.FromSlash(name))
		switch e.Mode {
		case filemode.Dir:
			sub, err := object.GetTree(w.s, e.Hash)
			if err != nil {
				return fmt.Errorf("%q: reading tree %s: %w", name, e.Hash, err)
			}
			if err := mkdir(p); err != nil {
				return err
			}
			if err := w.tree(sub, name, depth+1, full); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated, filemode.Executable, filemode.Symlink:
			if err := w.file(name, p, e); err != nil {
				return err
			}
		case filemode.Submodule:
			if err := mkdir(p); err != nil {
				return err
			}
			w.entries = append(w.entries, &index.Entry{Name: name, Hash: e.Hash, Mode: filemode.Submodule})
		default:
			return badTree("%q: unsupported file mode %s", name, e.Mode)
		}
	}
	return nil
}

// file writes the blob of e to p and records it in the index.
func (w *treeWriter) file(name, p string, e object.TreeEntry) error {
	obj, err := w.s.EncodedObject(plumbing.BlobObject, e.Hash)
	if err != nil {
		return fmt.Errorf("%q: reading blob %s: %w", name, e.Hash, err)
	}
	r, err := obj.Reader()
	if err != nil {
		return fmt.Errorf("%q: reading blob %s: %w", name, e.Hash, err)
	}
	defer r.Close()
	mode := filemode.Regular // as git, which writes 100664 (Deprecated) as 100644
	if e.Mode == filemode.Symlink {
		mode = filemode.Symlink
		if isDotGitmodules(e.Name) {
			return badTree("%q: refusing to check out .gitmodules as a symbolic link", name)
		}
		target, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("%q: reading blob %s: %w", name, e.Hash, err)
		}
		if err := replaceExisting(p, func() error { return os.Symlink(string(target), p) }); err != nil {
			return err
		}
	} else {
		perm := os.FileMode(0o644)
		if e.Mode == filemode.Executable {
			mode, perm = filemode.Executable, 0o755
		}
		if err := replaceExisting(p, func() error { return writeNew(p, perm, r, w.buf) }); err != nil {
			return err
		}
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	entry := &index.Entry{
		Name:       name,
		Hash:       e.Hash,
		Mode:       mode,
		Size:       uint32(fi.Size()),
		ModifiedAt: fi.ModTime(),
	}
	fillStat(entry, fi)
	w.entries = append(w.entries, entry)
	return nil
}

// writeNew creates the file p, which must not exist (O_EXCL also refuses
// to follow a symbolic link there), and copies r into it.
func writeNew(p string, perm os.FileMode, r io.Reader, buf []byte) (err error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.CopyBuffer(f, r, buf)
	return err
}

// replaceExisting runs create and, when p already exists as a file or a
// symbolic link (two entries of the tree that a case-insensitive file
// system takes for one), removes it and runs create again: the later entry
// wins, as with git.
func replaceExisting(p string, create func() error) error {
	err := create()
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, lerr := os.Lstat(p)
	if lerr != nil || fi.IsDir() {
		return err
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	return create()
}

// mkdir creates the directory p. An existing directory is fine (two
// entries of the tree that a case-insensitive file system takes for one);
// an existing file or symbolic link in the way is replaced, so that
// nothing is written through a link.
func mkdir(p string) error {
	err := os.Mkdir(p, 0o755)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, lerr := os.Lstat(p)
	if lerr != nil {
		return err
	}
	if fi.IsDir() {
		return nil
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	return os.Mkdir(p, 0o755)
}

// clearWorktree removes everything in dir but .git.
func clearWorktree(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// validEntryName checks the name of a tree entry before it becomes a path
// in the worktree, as git and go-git do: no empty name, no "." or "..",
// no control character, no path separator, and nothing a file system may
// take for .git (any case, 8.3 short name git~1, trailing dots or spaces
// and alternate data streams of NTFS, code points HFS+ ignores).
func validEntryName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("invalid name %q in the tree", name)
	case strings.ContainsAny(name, "/"+string(filepath.Separator)):
		return errors.New("invalid name in the tree: contains a path separator")
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return errors.New("invalid name in the tree: contains a control character")
		}
	}
	// A backslash separates paths on Windows: check each part, as
	// go-git does.
	for _, part := range strings.Split(name, `\`) {
		if part == "." || part == ".." {
			return fmt.Errorf("invalid name in the tree: contains %q", part)
		}
		if looksLike(part, ".git") || looksLike(part, "git~1") {
			return errors.New("invalid name in the tree: a file system may take it for .git")
		}
	}
	return nil
}

// isDotGitmodules reports whether a file system may take name for
// .gitmodules, which git refuses as a symbolic link.
func isDotGitmodules(name string) bool {
	return looksLike(name, ".gitmodules") || looksLike(name, "gitmod~1")
}

// looksLike reports whether a file system may resolve name to want (lower
// case): case folded, HFS+'s ignored code points dropped, and NTFS's
// trailing dots and spaces and alternate data stream (":stream") cut.
func looksLike(name, want string) bool {
	s := strings.ToLower(strings.Map(func(r rune) rune {
		if hfsIgnored(r) {
			return -1
		}
		return r
	}, name))
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, ". ") == want
}

// hfsIgnored reports whether HFS+ ignores r in file names.
func hfsIgnored(r rune) bool {
	switch {
	case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f, r == 0xfeff:
		return true
	}
	return false
}
