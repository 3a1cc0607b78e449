package gitops

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// The default paths of the image fields in Helm values.
const (
	DefaultHelmRepositoryPath = "image.repository"
	DefaultHelmTagPath        = "image.tag"
	DefaultHelmDigestPath     = "image.digest"
)

// helmPaths returns the configured value paths, defaults filled in.
func (o Options) helmPaths() (repo, tag, digest string) {
	repo, tag, digest = o.HelmRepositoryPath, o.HelmTagPath, o.HelmDigestPath
	if repo == "" {
		repo = DefaultHelmRepositoryPath
	}
	if tag == "" {
		tag = DefaultHelmTagPath
	}
	if digest == "" {
		digest = DefaultHelmDigestPath
	}
	return repo, tag, digest
}

// validHelmPath reports whether p is a dot-separated path of non-empty keys.
func validHelmPath(p string) bool {
	for _, k := range strings.Split(p, ".") {
		if k == "" {
			return false
		}
	}
	return true
}

// lookup follows a dot-separated path of mapping keys from m. It returns
// the value (nil when absent), the mapping holding the last key (nil when
// a parent is missing) and whether that mapping is inside a flow
// collection.
func lookup(m *yaml.Node, path string) (value, parent *yaml.Node, flow bool) {
	keys := strings.Split(path, ".")
	cur := resolve(m)
	for i, k := range keys {
		if cur == nil || cur.Kind != yaml.MappingNode {
			return nil, nil, false
		}
		flow = flow || cur.Style&yaml.FlowStyle != 0
		v, _ := mapGet(cur, k)
		if i == len(keys)-1 {
			return resolve(v), cur, flow
		}
		cur = resolve(v)
	}
	return nil, nil, false
}

// helmRoots returns the root mappings of the documents of a values file.
func (d *doc) helmRoots() []*yaml.Node {
	var roots []*yaml.Node
	for _, dn := range d.docs {
		if len(dn.Content) > 0 && dn.Content[0].Kind == yaml.MappingNode {
			roots = append(roots, dn.Content[0])
		}
	}
	return roots
}

// matches reports whether repository repo is img: its Name, or its NewName
// once an earlier update renamed it.
func (img Image) matches(repo string) bool {
	return repo == img.Name || img.NewName != "" && img.NewName != Preserve && repo == img.NewName
}

// target returns the repository, tag and digest an image reference with
// the current values repo, tag and digest gets, with the semantics of
// kustomize's image transformer: a new tag or digest replaces both.
func (img Image) target(repo, tag, digest string) (string, string, string) {
	if img.NewName != "" && img.NewName != Preserve {
		repo = img.NewName
	}
	if img.Tag == "" && img.Digest == "" {
		return repo, tag, digest
	}
	newTag, newDigest := img.Tag, img.Digest
	if newTag == Preserve {
		newTag = tag
	}
	if newDigest == Preserve {
		newDigest = digest
	}
	return repo, newTag, newDigest
}

// scalarValue returns n's value when it is a scalar ("" for null).
func scalarValue(n *yaml.Node) (string, bool) {
	if n == nil {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

// updateHelm sets img in Helm values. matched is false when no document
// has a repository equal to the image.
func (d *doc) updateHelm(img Image, opts Options) (changes []*Change, matched bool, err error) {
	repoPath, tagPath, digestPath := opts.helmPaths()
	for _, root := range d.helmRoots() {
		repoNode, _, repoFlow := lookup(root, repoPath)
		if repoNode == nil || repoNode.Kind != yaml.ScalarNode || !img.matches(repoNode.Value) {
			continue
		}
		matched = true
		tagNode, tagParent, tagFlow := lookup(root, tagPath)
		digestNode, digestParent, digestFlow := lookup(root, digestPath)
		tag, ok := scalarValue(tagNode)
		if !ok {
			return nil, true, inputf(ErrMalformed, "%q: line %d: %s is not a string", d.name, tagNode.Line, tagPath)
		}
		digest, ok := scalarValue(digestNode)
		if !ok {
			return nil, true, inputf(ErrMalformed, "%q: line %d: %s is not a string", d.name, digestNode.Line, digestPath)
		}
		newRepo, newTag, newDigest := img.target(repoNode.Value, tag, digest)
		tagNote, digestNote := img.staleNotes(tag, digest, newTag, newDigest)
		set := func(path string, n, parent *yaml.Node, flow bool, old, v, note string) error {
			if old == v {
				return nil
			}
			c := &Change{Kind: Helm, Field: path, Old: old, New: v, Note: note}
			changes = append(changes, c)
			if n != nil {
				return d.setScalar(n, flow, v, c)
			}
			if parent == nil {
				return inputf(ErrMalformed, "%q: cannot set %s: its parent mapping is missing", d.name, path)
			}
			keys := strings.Split(path, ".")
			return d.addPair(parent, flow, keys[len(keys)-1], v, c)
		}
		if err := set(repoPath, repoNode, nil, repoFlow, repoNode.Value, newRepo, ""); err != nil {
			return nil, true, err
		}
		if err := set(tagPath, tagNode, tagParent, tagFlow, tag, newTag, tagNote); err != nil {
			return nil, true, err
		}
		if err := set(digestPath, digestNode, digestParent, digestFlow, digest, newDigest, digestNote); err != nil {
			return nil, true, err
		}
	}
	return changes, matched, nil
}

// currentHelm returns the image of Helm values whose repository is name.
func (d *doc) currentHelm(name string, opts Options) []found {
	repoPath, tagPath, digestPath := opts.helmPaths()
	var out []found
	for _, root := range d.helmRoots() {
		repoNode, _, _ := lookup(root, repoPath)
		if repoNode == nil || repoNode.Kind != yaml.ScalarNode || repoNode.Value != name {
			continue
		}
		tagNode, _, _ := lookup(root, tagPath)
		digestNode, _, _ := lookup(root, digestPath)
		tag, _ := scalarValue(tagNode)
		digest, _ := scalarValue(digestNode)
		out = append(out, found{img: Image{Name: name, Tag: tag, Digest: digest}, file: d.name, line: repoNode.Line, field: repoPath})
	}
	return out
}
