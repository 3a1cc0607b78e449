package gitops

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// containerFields are the lists whose items' image fields are rewritten.
// Like kustomize's image transformer, any such list anywhere in an object
// counts: spec.containers of a Pod, spec.template.spec.containers of a
// Deployment, StatefulSet, DaemonSet, ReplicaSet or Job,
// spec.jobTemplate.spec.template.spec.containers of a CronJob, the items
// of a List, and custom resources of the same shape.
var containerFields = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}

// imageField is one container image field in a manifest.
type imageField struct {
	node   *yaml.Node // the scalar (an alias's target when aliased)
	flow   bool       // inside a flow collection
	object string     // Kind/name of the document's object
	field  string     // path, e.g. spec.template.spec.containers[name=web].image
}

// imageFields lists the container image fields of every document.
func (d *doc) imageFields() []imageField {
	var out []imageField
	seen := map[*yaml.Node]bool{}
	for _, dn := range d.docs {
		if len(dn.Content) == 0 {
			continue
		}
		root := dn.Content[0]
		kind, _ := mapGet(root, "kind")
		if kind != nil && kind.Value == "CustomResourceDefinition" {
			continue // its schema is not a workload, as in kustomize
		}
		object := objectName(root)
		walkImages(root, "", false, 0, func(n *yaml.Node, flow bool, field string) {
			if !seen[n] {
				seen[n] = true
				out = append(out, imageField{node: n, flow: flow, object: object, field: field})
			}
		})
	}
	return out
}

// objectName returns "Kind/name" of a Kubernetes object, or "".
func objectName(root *yaml.Node) string {
	kind, _ := mapGet(root, "kind")
	meta, _ := mapGet(root, "metadata")
	name, _ := mapGet(resolve(meta), "name")
	switch {
	case kind == nil || kind.Kind != yaml.ScalarNode:
		return ""
	case name == nil || name.Kind != yaml.ScalarNode:
		return kind.Value
	}
	return kind.Value + "/" + name.Value
}

// maxDepth bounds the walk on hostile input.
const maxDepth = 1000

// walkImages calls fn for the image scalar of every item of a containers,
// initContainers or ephemeralContainers list under n. Aliases are not
// followed (their anchors are walked where they are defined), except for
// an image value itself.
func walkImages(n *yaml.Node, path string, flow bool, depth int, fn func(*yaml.Node, bool, string)) {
	if n == nil || depth > maxDepth {
		return
	}
	flow = flow || n.Style&yaml.FlowStyle != 0
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			p := join(path, k.Value)
			if containerFields[k.Value] && v.Kind == yaml.SequenceNode {
				vflow := flow || v.Style&yaml.FlowStyle != 0
				for j, item := range v.Content {
					if item.Kind != yaml.MappingNode {
						continue
					}
					img, _ := mapGet(item, "image")
					if target := resolve(img); target != nil && target.Kind == yaml.ScalarNode {
						iflow := vflow || item.Style&yaml.FlowStyle != 0
						if img.Kind == yaml.AliasNode {
							iflow = true // the anchor's context is unknown: quote conservatively
						}
						fn(target, iflow, p+itemKey(item, j)+".image")
					}
				}
			}
			walkImages(v, p, flow, depth+1, fn)
		}
	case yaml.SequenceNode:
		for j, item := range n.Content {
			walkImages(item, path+itemKey(item, j), flow, depth+1, fn)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// itemKey names a sequence item: [name=web] when it has a name, else [i].
func itemKey(item *yaml.Node, i int) string {
	if name, _ := mapGet(item, "name"); name != nil && name.Kind == yaml.ScalarNode && name.Value != "" {
		return "[name=" + name.Value + "]"
	}
	return "[" + strconv.Itoa(i) + "]"
}

// updateManifests rewrites the container images that are img. matched
// is false when no container runs it.
func (d *doc) updateManifests(img Image) (changes []*Change, matched bool, err error) {
	for _, f := range d.imageFields() {
		repo, tag, digest := splitRef(f.node.Value)
		if !img.matches(repo) {
			continue
		}
		matched = true
		newRepo, newTag, newDigest := img.target(repo, tag, digest)
		v := joinRef(newRepo, newTag, newDigest)
		if v == f.node.Value {
			continue
		}
		c := &Change{Kind: Manifests, Object: f.object, Field: f.field, Old: f.node.Value, New: v}
		tagNote, digestNote := img.staleNotes(tag, digest, newTag, newDigest)
		c.Note = tagNote + digestNote // at most one: a stale tag needs a digest without a tag, a stale digest the reverse
		if err := d.setScalar(f.node, f.flow, v, c); err != nil {
			return nil, true, err
		}
		changes = append(changes, c)
	}
	return changes, matched, nil
}

// currentManifests returns the container images whose repository is name.
func (d *doc) currentManifests(name string) []found {
	var out []found
	for _, f := range d.imageFields() {
		repo, tag, digest := splitRef(f.node.Value)
		if repo != name {
			continue
		}
		field := f.field
		if f.object != "" {
			field = fmt.Sprintf("%s %s", f.object, f.field)
		}
		out = append(out, found{img: Image{Name: repo, Tag: tag, Digest: digest}, file: d.name, line: f.node.Line, field: field})
	}
	return out
}
