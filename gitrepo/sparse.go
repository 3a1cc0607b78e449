package gitrepo

import (
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/goldenci/golden/exitcode"
)

// A sparse checkout writes only the paths an edit works on (Options.Paths)
// instead of the whole tree: a GitOps change touches one environment of a
// repository that may hold thousands, and writing (and later removing)
// every file would make a bump cost as much as the repository is large.
// The commit re-encodes only the trees on the changed paths (stage.go), so
// everything outside the sparse paths stays exactly as it was.

// maxLinkHops bounds the symbolic links followed to find what a sparse
// path needs, as the kernel bounds a path's links (ELOOP).
const maxLinkHops = 40

// sparsePaths checks and cleans Options.Paths; nil for none.
func sparsePaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		c := path.Clean(strings.ReplaceAll(p, `\`, "/"))
		if p == "" || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
			return nil, exitcode.Inputf("sparse path %q: want a path inside the repository", p)
		}
		out = append(out, c)
	}
	return out, nil
}

// sparseSet is the closure of the sparse paths: each path, the targets of
// the symbolic links on the way to it and below it, and theirs.
type sparseSet struct {
	full map[string]bool // written with everything below
	dirs map[string]bool // directories on the way to one (created, partly written)
}

// covers says how the checkout treats the tree path name: written with
// everything below it (all), entered for a path below it (partly), or left
// out.
func (s *sparseSet) covers(name string) (all, partly bool) {
	for p := name; ; {
		if s.full[p] {
			return true, false
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false, s.dirs[name]
}

// newSparseSet resolves paths (cleaned, slash-separated, relative) in
// tree. A path that does not exist is kept: the edit reports it missing,
// as it would in a full checkout. A symbolic link that leads out of the
// tree is written but not followed: the edit refuses it.
func newSparseSet(s storer.EncodedObjectStorer, tree *object.Tree, paths []string) (*sparseSet, error) {
	set := &sparseSet{full: map[string]bool{}, dirs: map[string]bool{}}
	r := &sparseResolver{s: s, root: tree, set: set}
	for _, p := range paths {
		if err := r.add(p, 0); err != nil {
			return nil, err
		}
	}
	return set, nil
}

type sparseResolver struct {
	s    storer.EncodedObjectStorer
	root *object.Tree
	set  *sparseSet
}

// add puts p in the set, following the symbolic links on its way and
// below it.
func (r *sparseResolver) add(p string, hops int) error {
	if hops > maxLinkHops {
		return badTree("%q: more than %d symbolic links", p, maxLinkHops)
	}
	p = path.Clean(p)
	if p == "." || p == "" {
		r.set.full[""] = true
		return nil
	}
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) || r.set.full[p] {
		return nil // out of the tree, or done
	}
	parts := strings.Split(p, "/")
	t := r.root
	for i, part := range parts {
		name := strings.Join(parts[:i+1], "/")
		if looksLike(part, ".git") {
			return nil // into .git: not in the tree; the edit refuses the link
		}
		e, err := t.FindEntry(part)
		if err != nil {
			// Missing, or not a valid name: the edit reports it, as it
			// would on a full checkout.
			r.set.full[p] = true
			return nil
		}
		switch {
		case e.Mode == filemode.Symlink:
			r.set.full[name] = true // the link itself
			target, err := r.linkTarget(e.Hash)
			if err != nil || path.IsAbs(target) {
				return err // an absolute link leads out of the tree
			}
			return r.add(path.Join(append([]string{path.Dir(name), target}, parts[i+1:]...)...), hops+1)
		case i == len(parts)-1:
			r.set.full[name] = true
			if e.Mode == filemode.Dir {
				return r.linksBelow(name, e.Hash, hops)
			}
			return nil
		case e.Mode != filemode.Dir:
			r.set.full[p] = true // a file on the way: the edit says so
			return nil
		}
		r.set.dirs[name] = true
		if t, err = object.GetTree(r.s, e.Hash); err != nil {
			return fmt.Errorf("%q: reading tree %s: %w", name, e.Hash, err)
		}
	}
	return nil
}

// linksBelow adds the targets of the symbolic links in the tree h at dir.
func (r *sparseResolver) linksBelow(dir string, h plumbing.Hash, hops int) error {
	t, err := object.GetTree(r.s, h)
	if err != nil {
		return fmt.Errorf("%q: reading tree %s: %w", dir, h, err)
	}
	for _, e := range t.Entries {
		name := dir + "/" + e.Name
		switch e.Mode {
		case filemode.Dir:
			if err := r.linksBelow(name, e.Hash, hops); err != nil {
				return err
			}
		case filemode.Symlink:
			target, err := r.linkTarget(e.Hash)
			if err != nil {
				return fmt.Errorf("%q: %w", name, err)
			}
			if path.IsAbs(target) {
				continue // out of the tree
			}
			if err := r.add(path.Join(dir, target), hops+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkTarget reads the target of a symbolic link from its blob.
func (r *sparseResolver) linkTarget(h plumbing.Hash) (string, error) {
	obj, err := r.s.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return "", fmt.Errorf("reading the link's blob %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return "", fmt.Errorf("reading the link's blob %s: %w", h, err)
	}
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, 4096))
	if err != nil {
		return "", fmt.Errorf("reading the link's blob %s: %w", h, err)
	}
	return string(b), nil
}
