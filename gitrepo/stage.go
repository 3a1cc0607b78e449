package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/goldenci/golden/exitcode"
)

// This file replaces go-git's "add all" and commit (Worktree.AddWithOptions
// and Worktree.Commit), whose cost grows with the whole repository: the
// status walk reads every .gitignore through a chrooted file system and
// compares a merkle trie of every file, and the commit encodes and stores
// every tree of the index again. A GitOps edit changes a file or two.
// Here the walk compares each file's stat data with what the checkout
// recorded (reading only files whose stat changed, or that were written
// in the checkout's last clock tick), and the commit re-encodes only the
// trees on the changed paths; every other subtree keeps its hash.

// checkoutState is what the last checkout wrote: the index entries by
// path, and when it ended.
type checkoutState struct {
	entries map[string]*index.Entry
	dirs    map[string]bool // directories holding tracked entries
	// mark is the modification time of a file written after the last
	// entry: an entry modified at or after it may have been changed in
	// the same clock tick without its stat data showing it (git's "racily
	// clean" entries), so it is read again.
	mark time.Time
}

func newCheckoutState(idx *index.Index, gitDir string) (*checkoutState, error) {
	st := &checkoutState{entries: make(map[string]*index.Entry, len(idx.Entries)), dirs: map[string]bool{"": true}}
	for _, e := range idx.Entries {
		st.entries[e.Name] = e
		for d := e.Name; ; {
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			d = d[:i]
			if st.dirs[d] {
				break
			}
			st.dirs[d] = true
		}
	}
	mark := filepath.Join(gitDir, "golden-checkout-mark")
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		return nil, err
	}
	fi, err := os.Stat(mark)
	if err != nil {
		return nil, err
	}
	st.mark = fi.ModTime()
	return st, os.Remove(mark)
}

// treeEdit is the change of one directory: files set (nil entry: removed)
// and subdirectories changed, by name.
type treeEdit struct {
	files map[string]*object.TreeEntry
	dirs  map[string]*treeEdit
}

func (t *treeEdit) at(path string) (*treeEdit, string) {
	parts := strings.Split(path, "/")
	for _, d := range parts[:len(parts)-1] {
		if t.dirs == nil {
			t.dirs = map[string]*treeEdit{}
		}
		sub := t.dirs[d]
		if sub == nil {
			sub = &treeEdit{}
			t.dirs[d] = sub
		}
		t = sub
	}
	if t.files == nil {
		t.files = map[string]*object.TreeEntry{}
	}
	return t, parts[len(parts)-1]
}

// stager finds what an edit changed in the checkout.
type stager struct {
	s       *session
	co      *checkoutState
	seen    map[string]bool
	root    treeEdit
	changed int
}

// commit records every change made to the checkout since it was checked
// out (files written, replaced or removed; new files that .gitignore and
// .git/info/exclude do not exclude) in a commit on HEAD and moves HEAD to
// it. It returns git.ErrEmptyCommit when nothing changed.
func (s *session) commit(msg string, o Options) (plumbing.Hash, error) {
	if s.co == nil {
		return plumbing.ZeroHash, exitcode.Infraf("committing the change: no checkout")
	}
	st := &stager{s: s, co: s.co, seen: map[string]bool{}}
	if err := st.walk("", nil, nil); err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("staging the change: %w", err)
	}
	for name := range st.co.entries {
		if !st.seen[name] {
			t, base := st.root.at(name)
			t.files[base] = nil
			st.changed++
		}
	}
	if st.changed == 0 {
		return plumbing.ZeroHash, git.ErrEmptyCommit
	}
	head, err := s.repo.Head()
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("committing the change: reading HEAD: %w", err)
	}
	parent, err := s.repo.CommitObject(head.Hash())
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("committing the change: reading commit %s: %w", head.Hash(), err)
	}
	tree, err := st.tree(parent.TreeHash, &st.root)
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("committing the change: %w", err)
	}
	if tree == parent.TreeHash {
		return plumbing.ZeroHash, git.ErrEmptyCommit
	}
	now := o.Now()
	c := &object.Commit{
		Author:       object.Signature{Name: o.Author.Name, Email: o.Author.Email, When: now},
		Committer:    object.Signature{Name: o.Committer.Name, Email: o.Committer.Email, When: now},
		Message:      msg,
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{parent.Hash},
	}
	h, err := st.store(c)
	if err != nil {
		return plumbing.ZeroHash, exitcode.Infraf("committing the change: %w", err)
	}
	if err := s.moveHead(h); err != nil {
		return plumbing.ZeroHash, err
	}
	return h, nil
}

// walk compares the directory rel of the worktree with the checkout.
// parts is rel split at slashes; ps the ignore patterns in force.
func (st *stager) walk(rel string, parts []string, ps []gitignore.Pattern) error {
	dir := filepath.Join(st.s.dir, filepath.FromSlash(rel))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if rel == "" {
		if ps, err = readIgnore(filepath.Join(st.s.dir, git.GitDirName, "info", "exclude"), nil); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if e.Name() == ".gitignore" && e.Type().IsRegular() {
			more, err := readIgnore(filepath.Join(dir, ".gitignore"), parts)
			if err != nil {
				return err
			}
			ps = append(ps[:len(ps):len(ps)], more...)
			break
		}
	}
	var m gitignore.Matcher
	ignored := func(path []string, isDir bool) bool {
		if len(ps) == 0 {
			return false
		}
		if m == nil {
			m = gitignore.NewMatcher(ps)
		}
		return m.Match(path, isDir)
	}
	for _, e := range entries {
		name := e.Name()
		if rel == "" && name == git.GitDirName {
			continue
		}
		path := name
		if rel != "" {
			path = rel + "/" + name
		}
		sub := append(parts[:len(parts):len(parts)], name)
		if e.IsDir() {
			if old := st.co.entries[path]; old != nil && old.Mode == filemode.Submodule {
				st.seen[path] = true
				continue
			}
			if !st.co.dirs[path] && ignored(sub, true) {
				continue
			}
			if err := st.walk(path, sub, ps); err != nil {
				return err
			}
			continue
		}
		old := st.co.entries[path]
		if old == nil && ignored(sub, false) {
			continue
		}
		if old != nil {
			st.seen[path] = true
		}
		if err := st.file(path, e, old); err != nil {
			return err
		}
	}
	return nil
}

// file compares the file at path with its entry in the checkout (nil for
// a new file) and records it when it changed.
func (st *stager) file(path string, e fs.DirEntry, old *index.Entry) error {
	fi, err := e.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	mode, err := filemode.NewFromOSFileMode(fi.Mode())
	if err != nil || (mode != filemode.Regular && mode != filemode.Executable && mode != filemode.Symlink) {
		return nil // a socket, a device: git skips them too
	}
	if old != nil && old.Mode == mode && st.sameStat(old, fi) {
		return nil
	}
	p := filepath.Join(st.s.dir, filepath.FromSlash(path))
	var data []byte
	if mode == filemode.Symlink {
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		data = []byte(target)
	} else if data, err = os.ReadFile(p); err != nil {
		return err
	}
	h := plumbing.ComputeHash(plumbing.BlobObject, data)
	if old != nil && old.Mode == mode && old.Hash == h {
		return nil
	}
	obj := st.s.repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if _, err := st.s.repo.Storer.SetEncodedObject(obj); err != nil {
		return fmt.Errorf("storing %s: %w", path, err)
	}
	t, base := st.root.at(path)
	t.files[base] = &object.TreeEntry{Name: base, Mode: mode, Hash: h}
	st.changed++
	return nil
}

// sameStat reports whether fi still has the stat data the checkout
// recorded, and was not written in the checkout's last clock tick.
func (st *stager) sameStat(old *index.Entry, fi os.FileInfo) bool {
	return int64(old.Size) == fi.Size() && old.ModifiedAt.Equal(fi.ModTime()) && fi.ModTime().Before(st.co.mark) &&
		sameSys(old, fi, st.co.mark)
}

// tree applies edit to the tree h (zero: none yet), stores the trees it
// changes and returns the new tree's hash; the zero hash when the tree is
// left empty.
func (st *stager) tree(h plumbing.Hash, edit *treeEdit) (plumbing.Hash, error) {
	entries := map[string]object.TreeEntry{}
	if !h.IsZero() {
		t, err := st.s.repo.TreeObject(h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("reading tree %s: %w", h, err)
		}
		for _, e := range t.Entries {
			entries[e.Name] = e
		}
	}
	for name, e := range edit.files {
		if e == nil {
			if old, ok := entries[name]; ok && old.Mode != filemode.Dir {
				delete(entries, name)
			}
			continue
		}
		entries[name] = *e
	}
	for name, sub := range edit.dirs {
		var oldHash plumbing.Hash
		if old, ok := entries[name]; ok && old.Mode == filemode.Dir {
			oldHash = old.Hash
		}
		nh, err := st.tree(oldHash, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if nh.IsZero() {
			if old, ok := entries[name]; ok && old.Mode == filemode.Dir {
				delete(entries, name)
			}
			continue
		}
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: nh}
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, nil
	}
	t := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, e := range entries {
		t.Entries = append(t.Entries, e)
	}
	sort.Slice(t.Entries, func(i, j int) bool { return treeLess(t.Entries[i], t.Entries[j]) })
	return st.store(t)
}

// treeLess is git's order of tree entries: by name, a directory's name
// compared as if it ended in '/'.
func treeLess(a, b object.TreeEntry) bool {
	an, bn := a.Name, b.Name
	if a.Mode == filemode.Dir {
		an += "/"
	}
	if b.Mode == filemode.Dir {
		bn += "/"
	}
	return an < bn
}

// store encodes and stores a tree or a commit.
func (st *stager) store(o interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	obj := st.s.repo.Storer.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.s.repo.Storer.SetEncodedObject(obj)
}

// readIgnore reads the patterns of a .gitignore or info/exclude file, in
// the directory domain; a missing file has none.
func readIgnore(path string, domain []string) ([]gitignore.Pattern, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ps []gitignore.Pattern
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSuffix(string(line), "\r")
		if strings.HasPrefix(s, "#") || strings.TrimSpace(s) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(s, domain))
	}
	return ps, nil
}
