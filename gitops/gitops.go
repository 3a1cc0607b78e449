// Package gitops rewrites and reads the image of an application in the
// files of a GitOps repository: the images list of a kustomization, the
// image fields of Helm values, or the container images of plain Kubernetes
// manifests. It works on files and bytes and knows nothing about git.
//
// Edits keep every byte they do not need to change: comments, key order,
// quoting, indentation, line endings and document markers survive. The
// YAML node tree (yaml.v3) locates each value; only that value's bytes, or
// the lines of an added or removed field, change. Every rewrite is checked
// by parsing the result again: it must hold exactly the intended data.
//
// Update changes what its Image names and keeps every other value unless
// the change makes it wrong (see Image): a new digest without a tag
// removes a stale tag, a new tag without a digest a stale digest, and
// each such removal is a Change with a Note. Otherwise it follows
// kustomize's semantics (sigs.k8s.io/kustomize, types.Image and the image
// transformer):
//
//   - Kustomize: in the images entry named Image.Name, newName, newTag
//     and digest change as above; a newName stays unless Image.NewName
//     names another (Image.NewName equal to Image.Name removes it), and
//     tagSuffix goes with a new tag or digest. A missing entry is added.
//     Where kustomize edit set image replaces the whole entry with what
//     it was given (so "name@digest" drops a newName), rewrites the whole
//     file, sorts the list and each entry's fields and drops comments,
//     gitops edits in place: a new entry goes into the list at its sorted
//     place (at the end of a list that is not sorted), with its fields in
//     types.Image order (name, newName, newTag, digest), a new field
//     after the entry's last field. The data is what kustomize edit set
//     image writes when told to keep what the image does not name (a test
//     runs the real kustomize, and kustomize build on the result).
//   - Manifests: every containers, initContainers and ephemeralContainers
//     image whose repository is Image.Name (or already Image.NewName)
//     becomes NewName:Tag@Digest; a new tag without a digest drops the
//     digest, a new digest without a tag drops the tag, neither keeps both.
//   - Helm values: when the value at the repository path is Image.Name
//     (or NewName), the repository, tag and digest values change the same
//     way; a dropped tag or digest is set to "" (charts read "" as unset),
//     a missing tag or digest key is added to its mapping.
package gitops

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/goldenci/golden/exitcode"
)

// Kind is the kind of file an update rewrites.
type Kind string

// The kinds of files.
const (
	// Auto picks the kind from the file name: a kustomization file name
	// (KustomizationFiles) is Kustomize, values*.yaml or values*.yml is
	// Helm, any other file is Manifests. For a directory: its
	// kustomization when it has one, else every *.yaml and *.yml file in
	// it (not recursively), the values files as Helm.
	Auto Kind = ""
	// Kustomize: the images list of a kustomization.
	Kustomize Kind = "kustomize"
	// Helm: image fields of Helm values (Options.Helm*Path).
	Helm Kind = "helm"
	// Manifests: container images of Kubernetes manifests.
	Manifests Kind = "manifests"
)

// ParseKind parses "auto" (or ""), "kustomize", "helm" or "manifests".
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.ToLower(strings.TrimSpace(s))); k {
	case "auto", Auto:
		return Auto, nil
	case Kustomize, Helm, Manifests:
		return k, nil
	}
	return Auto, exitcode.Inputf("unknown kind %q (want auto, kustomize, helm or manifests)", s)
}

// String returns the kind's name, "auto" for Auto.
func (k Kind) String() string {
	if k == Auto {
		return "auto"
	}
	return string(k)
}

// Options configure Update and CurrentImage. The zero value picks the
// kind from file names and uses the default Helm paths.
type Options struct {
	// Kind of the files; Auto picks it from their names.
	Kind Kind
	// HelmRepositoryPath, HelmTagPath and HelmDigestPath are
	// dot-separated paths of mapping keys in Helm values; empty means
	// image.repository, image.tag and image.digest. A values file is
	// the image's when the repository equals the image's name.
	HelmRepositoryPath, HelmTagPath, HelmDigestPath string
}

// normalize checks the options and canonicalises Kind.
func (o *Options) normalize() error {
	kind, err := ParseKind(string(o.Kind))
	if err != nil {
		return err
	}
	o.Kind = kind
	repo, tag, digest := o.helmPaths()
	for _, p := range []string{repo, tag, digest} {
		if !validHelmPath(p) {
			return exitcode.Inputf("bad Helm value path %q (want dot-separated keys, e.g. image.tag)", p)
		}
	}
	if repo == tag || repo == digest || tag == digest {
		return exitcode.Inputf("the Helm repository, tag and digest paths must differ (%s, %s, %s)", repo, tag, digest)
	}
	return nil
}

// Change is one value an update changed, added or removed.
type Change struct {
	// File is the path of the file (as given to Update, joined with the
	// file name for a directory), or the name given to UpdateBytes.
	File string `json:"file"`
	// Line is the 1-based line of the change in the updated file.
	Line int `json:"line"`
	// Kind is the kind of file.
	Kind Kind `json:"kind"`
	// Object is the manifest's object, "Deployment/web" (Manifests only).
	Object string `json:"object,omitempty"`
	// Field names the value: images[name=app].newTag,
	// spec.template.spec.containers[name=web].image, image.tag. A new
	// kustomize entry is images[name=app] and one change per field.
	Field string `json:"field"`
	// Old and New are the values before and after; "" is absent.
	Old string `json:"old"`
	New string `json:"new"`
	// Note says why a value the image did not name was removed: a stale
	// tag or digest, or a kustomize tagSuffix (see Image).
	Note string `json:"note,omitempty"`
}

// String formats the change as "file:line: field: old -> new", followed
// by " (note)" when it has a note.
func (c Change) String() string {
	field := c.Field
	if c.Object != "" {
		field = c.Object + " " + field
	}
	s := fmt.Sprintf("%s:%d: %s: %s -> %s", c.File, c.Line, field, orNone(c.Old), orNone(c.New))
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Result lists the changes of an update; none means the files were
// already up to date and were not written.
type Result struct {
	Changes []Change `json:"changes"`
}

// Changed reports whether the update changed anything.
func (r Result) Changed() bool { return len(r.Changes) > 0 }

// Files returns the changed files, in order, each once.
func (r Result) Files() []string {
	var files []string
	for _, c := range r.Changes {
		if !slices.Contains(files, c.File) {
			files = append(files, c.File)
		}
	}
	return files
}

// target is one file to read or rewrite.
type target struct {
	path string
	kind Kind
}

// kindOf returns the Auto kind of a file name.
func kindOf(name string) Kind {
	base := filepath.Base(name)
	if slices.Contains(KustomizationFiles, base) {
		return Kustomize
	}
	ext := filepath.Ext(base)
	if strings.HasPrefix(base, "values") && (ext == ".yaml" || ext == ".yml") {
		return Helm
	}
	return Manifests
}

// targets returns the files Update and CurrentImage look at in path.
func targets(path string, kind Kind) ([]target, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.InputError(fmt.Errorf("%q: no such file or directory", path))
		}
		return nil, exitcode.InputError(err)
	}
	if !fi.IsDir() {
		k := kind
		if k == Auto {
			k = kindOf(path)
		}
		return []target{{path, k}}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, exitcode.InputError(err)
	}
	var kust, yamls []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		if slices.Contains(KustomizationFiles, name) {
			kust = append(kust, filepath.Join(path, name))
		} else if ext := filepath.Ext(name); ext == ".yaml" || ext == ".yml" {
			yamls = append(yamls, filepath.Join(path, name))
		}
	}
	if len(kust) > 1 {
		return nil, inputf(ErrMalformed, "%q: found several kustomization files (%s); kustomize accepts one", path, strings.Join(kust, ", "))
	}
	switch kind {
	case Kustomize:
		if len(kust) == 0 {
			return nil, inputf(ErrImageNotFound, "%q: no kustomization file (%s)", path, strings.Join(KustomizationFiles, ", "))
		}
		return []target{{kust[0], Kustomize}}, nil
	case Auto:
		if len(kust) == 1 {
			return []target{{kust[0], Kustomize}}, nil
		}
	}
	var out []target
	for _, y := range yamls {
		k := kindOf(y)
		switch {
		case kind == Helm && k != Helm:
			continue
		case kind == Manifests:
			k = Manifests
		}
		out = append(out, target{y, k})
	}
	if len(out) == 0 {
		what := "*.yaml or *.yml files"
		if kind == Helm {
			what = "values*.yaml files"
		}
		return nil, inputf(ErrImageNotFound, "%q: no %s", path, what)
	}
	return out, nil
}

// updateDoc rewrites one parsed file.
func updateDoc(d *doc, kind Kind, img Image, opts Options) (out []byte, changes []Change, matched bool, err error) {
	var cs []*Change
	switch kind {
	case Kustomize:
		cs, err = d.updateKustomization(img)
		matched = true
	case Helm:
		cs, matched, err = d.updateHelm(img, opts)
	default:
		kind = Manifests
		cs, matched, err = d.updateManifests(img)
	}
	if err != nil {
		return nil, nil, matched, err
	}
	if out, err = d.finish(); err != nil {
		return nil, nil, matched, err
	}
	for _, c := range cs {
		c.File, c.Kind = d.name, kind
		changes = append(changes, *c)
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Line < changes[j].Line })
	return out, changes, matched, nil
}

// UpdateBytes rewrites the file data named name (the name picks the kind
// under Auto and names the file in changes and errors) so that it runs
// img, and returns the new text and the changes. Without changes it
// returns data itself. In Helm values and manifests, an image that is not
// there is an error wrapping ErrImageNotFound; in a kustomization, the
// entry is added.
func UpdateBytes(name string, data []byte, img Image, opts Options) ([]byte, []Change, error) {
	if err := img.Validate(); err != nil {
		return nil, nil, err
	}
	if err := opts.normalize(); err != nil {
		return nil, nil, err
	}
	kind := opts.Kind
	if kind == Auto {
		kind = kindOf(name)
	}
	d, err := parseDoc(name, data)
	if err != nil {
		return nil, nil, err
	}
	out, changes, matched, err := updateDoc(d, kind, img, opts)
	if err != nil {
		return nil, nil, err
	}
	if !matched {
		return nil, nil, notFound(img.Name, []string{name}, []Kind{kind}, opts)
	}
	return out, changes, nil
}

// notFound is the error for an image no file has.
func notFound(name string, files []string, kinds []Kind, opts Options) error {
	where := fmt.Sprintf("%q", files[0])
	if len(files) > 1 {
		q := make([]string, len(files))
		for i, f := range files {
			q[i] = fmt.Sprintf("%q", f)
		}
		where = "any of " + strings.Join(q, ", ")
	}
	repo, _, _ := opts.helmPaths()
	var what []string
	for _, k := range kinds {
		w := "no container image has repository " + fmt.Sprintf("%q", name)
		switch k {
		case Helm:
			w = fmt.Sprintf("no %s equal to %q", repo, name)
		case Kustomize:
			w = fmt.Sprintf("no images entry named %q", name)
		}
		if !slices.Contains(what, w) {
			what = append(what, w)
		}
	}
	return inputf(ErrImageNotFound, "image %q not found in %s: %s", name, where, strings.Join(what, ", "))
}

// Update rewrites the file or directory at path (see Auto for which files)
// so that it runs img, writing only files that change, each atomically,
// and only once every file could be rewritten. A file to change that is a
// symbolic link is an error: the link's target may be outside the
// repository or shared. In Helm values and manifests an
// image that matches nothing (in any of the files) is an error wrapping
// ErrImageNotFound; a kustomization gets a new entry. An image already
// set is no change.
func Update(path string, img Image, opts Options) (Result, error) {
	if err := img.Validate(); err != nil {
		return Result{}, err
	}
	if err := opts.normalize(); err != nil {
		return Result{}, err
	}
	ts, err := targets(path, opts.Kind)
	if err != nil {
		return Result{}, err
	}
	type write struct {
		path string
		data []byte
	}
	var writes []write
	var res Result
	matched := false
	var names []string
	var kinds []Kind
	for _, t := range ts {
		data, err := readFile(t.path)
		if err != nil {
			return Result{}, err
		}
		kinds = append(kinds, t.kind)
		d, err := parseDoc(t.path, data)
		if err != nil {
			return Result{}, err
		}
		out, changes, m, err := updateDoc(d, t.kind, img, opts)
		if err != nil {
			return Result{}, err
		}
		matched = matched || m
		names = append(names, t.path)
		if len(changes) > 0 && !bytes.Equal(out, data) {
			writes = append(writes, write{t.path, out})
			res.Changes = append(res.Changes, changes...)
		}
	}
	if !matched {
		return Result{}, notFound(img.Name, names, kinds, opts)
	}
	for _, w := range writes {
		if fi, err := os.Lstat(w.path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			// A cloned repository decides where its links point.
			return Result{}, exitcode.Inputf("refusing to rewrite %q: it is a symbolic link", w.path)
		}
	}
	for _, w := range writes {
		if err := writeFile(w.path, w.data); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, exitcode.InputError(fmt.Errorf("reading %q: %w", path, err))
		}
		return nil, exitcode.InfraError(fmt.Errorf("reading %q: %w", path, err))
	}
	return data, nil
}

// writeFile replaces path's content atomically (a temporary file in the
// same directory, renamed over it), keeping its mode.
func writeFile(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".gitops-*")
	if err != nil {
		return exitcode.InfraError(fmt.Errorf("writing %q: %w", path, err))
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return exitcode.InfraError(fmt.Errorf("writing %q: %w", path, err))
	}
	return nil
}

// found is one place an image is set.
type found struct {
	img   Image
	file  string
	line  int
	field string
}

// CurrentImage returns the image named name that the file or directory
// at path runs now (see Auto for which files): a kustomization's images
// entry (Name, NewName, Tag from newTag, Digest), the repository, tag and
// digest of Helm values, or the tag and digest of the container images of
// manifests. It is an error wrapping ErrImageNotFound, naming the files,
// when no file sets the image, and one wrapping ErrAmbiguous when files
// set it to different values.
func CurrentImage(path, name string, opts Options) (Image, error) {
	if err := ValidateRepository(name); err != nil {
		return Image{}, err
	}
	if err := opts.normalize(); err != nil {
		return Image{}, err
	}
	ts, err := targets(path, opts.Kind)
	if err != nil {
		return Image{}, err
	}
	var all []found
	var names []string
	var kinds []Kind
	for _, t := range ts {
		data, err := readFile(t.path)
		if err != nil {
			return Image{}, err
		}
		hits, err := currentBytes(t.path, data, t.kind, name, opts)
		if err != nil {
			return Image{}, err
		}
		all = append(all, hits...)
		names = append(names, t.path)
		kinds = append(kinds, t.kind)
	}
	return pickCurrent(name, all, names, kinds, opts)
}

// CurrentImageBytes is CurrentImage for the contents of one file; the
// name picks the kind under Auto.
func CurrentImageBytes(file string, data []byte, name string, opts Options) (Image, error) {
	if err := ValidateRepository(name); err != nil {
		return Image{}, err
	}
	if err := opts.normalize(); err != nil {
		return Image{}, err
	}
	kind := opts.Kind
	if kind == Auto {
		kind = kindOf(file)
	}
	hits, err := currentBytes(file, data, kind, name, opts)
	if err != nil {
		return Image{}, err
	}
	return pickCurrent(name, hits, []string{file}, []Kind{kind}, opts)
}

func currentBytes(file string, data []byte, kind Kind, name string, opts Options) ([]found, error) {
	d, err := parseDoc(file, data)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Kustomize:
		return d.currentKustomize(name)
	case Helm:
		return d.currentHelm(name, opts), nil
	}
	return d.currentManifests(name), nil
}

func pickCurrent(name string, all []found, files []string, kinds []Kind, opts Options) (Image, error) {
	if len(all) == 0 {
		return Image{}, notFound(name, files, kinds, opts)
	}
	for _, f := range all[1:] {
		if f.img != all[0].img {
			a := all[0]
			return Image{}, inputf(ErrAmbiguous, "image %q is set differently in %s:%d (%s: %s) and %s:%d (%s: %s)",
				name, a.file, a.line, a.field, a.img.Ref(), f.file, f.line, f.field, f.img.Ref())
		}
	}
	return all[0].img, nil
}
