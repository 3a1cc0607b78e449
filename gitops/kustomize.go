package gitops

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KustomizationFiles are the names kustomize accepts for a kustomization,
// in its order of preference (sigs.k8s.io/kustomize/api/konfig).
var KustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// The fields of a kustomize images entry that an update sets, in the
// order of types.Image.
var kustomizeFields = []string{"newName", "newTag", "digest"}

// tagSuffix is the field of an images entry that an update removes and
// never sets (see kustomizeWant).
const tagSuffix = "tagSuffix"

// kustomizeWant returns the fields the entry for img gets, given the
// current entry (nil for a new one), and the note of each field it
// removes that img does not name. What img does not name stays, unless
// the change makes it wrong (see Image): a newName stays without a new
// one; a new tag or digest replaces both, a stale value going with a
// note; tagSuffix goes when the entry ends with a new tag or digest,
// next to which kustomize build ignores it.
func kustomizeWant(img Image, cur *yaml.Node) (want, notes map[string]string) {
	get := func(field string) string {
		if n, _ := mapGet(cur, field); n != nil && n.Kind == yaml.ScalarNode {
			return n.Value
		}
		return ""
	}
	newName := get("newName")
	switch {
	case img.NewName == img.Name:
		newName = "" // the image under its own name
	case img.NewName != "" && img.NewName != Preserve:
		newName = img.NewName
	}
	tag, digest := get("newTag"), get("digest")
	_, newTag, newDigest := img.target("", tag, digest)
	want = map[string]string{"newName": newName, "newTag": newTag, "digest": newDigest, tagSuffix: get(tagSuffix)}
	notes = map[string]string{}
	notes["newTag"], notes["digest"] = img.staleNotes(tag, digest, newTag, newDigest)
	if (newTag != tag || newDigest != digest) && (newTag != "" || newDigest != "") {
		want[tagSuffix], notes[tagSuffix] = "", noteTagSuffix
	}
	return want, notes
}

// kustomizeRoot returns the root mapping of a kustomization, nil for an
// empty file.
func (d *doc) kustomizeRoot() (*yaml.Node, error) {
	if len(d.docs) == 0 || len(d.docs[0].Content) == 0 {
		return nil, nil
	}
	for _, extra := range d.docs[1:] {
		if len(extra.Content) > 0 && !isNull(extra.Content[0]) {
			return nil, inputf(ErrMalformed, "%q: line %d: a kustomization holds one YAML document, found another", d.name, extra.Line)
		}
	}
	root := d.docs[0].Content[0]
	if isNull(root) {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, inputf(ErrMalformed, "%q: line %d: a kustomization is a mapping", d.name, root.Line)
	}
	return root, nil
}

// isNull reports a null scalar (empty, ~ or null).
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// kustomizeImages returns the images sequence (nil when absent or null).
func (d *doc) kustomizeImages(root *yaml.Node) (*yaml.Node, error) {
	imgs, _ := mapGet(root, "images")
	imgs = resolve(imgs)
	if imgs == nil || isNull(imgs) {
		return nil, nil
	}
	if imgs.Kind != yaml.SequenceNode {
		return nil, inputf(ErrMalformed, "%q: line %d: images is not a list", d.name, imgs.Line)
	}
	for i, it := range imgs.Content {
		if it = resolve(it); it.Kind != yaml.MappingNode {
			return nil, inputf(ErrMalformed, "%q: line %d: images[%d] is not a mapping", d.name, it.Line, i)
		}
	}
	return imgs, nil
}

// entryName returns the name of a kustomize images entry.
func entryName(it *yaml.Node) string {
	if n, _ := mapGet(resolve(it), "name"); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// updateKustomization sets img in the images list of a kustomization,
// adding the entry when it is missing.
func (d *doc) updateKustomization(img Image) ([]*Change, error) {
	root, err := d.kustomizeRoot()
	if err != nil {
		return nil, err
	}
	imgs := (*yaml.Node)(nil)
	if root != nil {
		if imgs, err = d.kustomizeImages(root); err != nil {
			return nil, err
		}
	}
	var changes []*Change
	found := false
	if imgs != nil {
		for _, it := range imgs.Content {
			it = resolve(it)
			if entryName(it) != img.Name {
				continue
			}
			found = true
			cs, err := d.updateEntry(it, imgs.Style&yaml.FlowStyle != 0, img)
			if err != nil {
				return nil, err
			}
			changes = append(changes, cs...)
		}
	}
	if found {
		return changes, nil
	}
	return d.addEntry(root, imgs, img)
}

// newEntryPairs returns the fields of a new entry, in types.Image order.
func newEntryPairs(img Image) []pair {
	want, _ := kustomizeWant(img, nil)
	pairs := []pair{{"name", img.Name}}
	for _, f := range kustomizeFields {
		if want[f] != "" {
			pairs = append(pairs, pair{f, want[f]})
		}
	}
	return pairs
}

// entryChanges lists the fields of a new entry as changes.
func entryChanges(img Image, pairs []pair) []*Change {
	field := fmt.Sprintf("images[name=%s]", img.Name)
	changes := []*Change{{Kind: Kustomize, Field: field, New: img.Name}}
	for _, p := range pairs[1:] {
		changes = append(changes, &Change{Kind: Kustomize, Field: field + "." + p.key, New: p.value})
	}
	return changes
}

// addEntry adds a new images entry for img: into the list at its sorted
// place (at the end when the list is not sorted by name), or as a new
// images list.
func (d *doc) addEntry(root, imgs *yaml.Node, img Image) ([]*Change, error) {
	pairs := newEntryPairs(img)
	changes := entryChanges(img, pairs)
	if imgs != nil {
		names := make([]string, len(imgs.Content))
		for i, it := range imgs.Content {
			names[i] = entryName(it)
		}
		at := len(names)
		if slices.IsSorted(names) {
			at, _ = slices.BinarySearch(names, img.Name)
		}
		if err := d.insertItem(imgs, at, pairs, changes...); err != nil {
			return nil, err
		}
		return changes, nil
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{mapNode(pairs)}}
	if root == nil {
		// An empty kustomization file.
		text := "images:" + d.br + strings.Join(blockItemLines(0, 1, pairs), d.br) + d.br
		off := len(d.data)
		if off > 0 && breakLen(d.data, off-1) == 0 && d.data[off-1] != '\n' {
			text = d.br + text
		}
		d.add(off, off, text, changes...)
		if len(d.docs) == 0 {
			d.docs = append(d.docs, &yaml.Node{Kind: yaml.DocumentNode})
		}
		d.docs[0].Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("images"), seq}}}
		return changes, nil
	}
	if v, i := mapGet(root, "images"); v != nil {
		// images: with an empty or null value.
		if err := d.fillNull(root, i, pairs, changes...); err != nil {
			return nil, err
		}
		root.Content[2*i+1] = seq
		return changes, nil
	}
	if root.Style&yaml.FlowStyle != 0 {
		if err := d.addPairText(root, "images", "["+flowMap(pairs)+"]", nil, changes...); err != nil {
			return nil, err
		}
	} else {
		col, err := d.seqIndent(root)
		if err != nil {
			return nil, err
		}
		if err := d.addPairText(root, "images", "", blockItemLines(col, 1, pairs), changes...); err != nil {
			return nil, err
		}
	}
	root.Content = append(root.Content, scalar("images"), seq)
	return changes, nil
}

// fillNull replaces the null value of pair i of root ("images:" or
// "images: ~") with a one-item list.
func (d *doc) fillNull(root *yaml.Node, i int, pairs []pair, cs ...*Change) error {
	k, v := root.Content[2*i], root.Content[2*i+1]
	start, end, err := d.span(v, root.Style&yaml.FlowStyle != 0)
	if err != nil {
		return err
	}
	if root.Style&yaml.FlowStyle != 0 {
		text := "[" + flowMap(pairs) + "]"
		if start == end {
			text = " " + text
		}
		d.add(start, end, text, cs...)
		return nil
	}
	col, err := d.seqIndent(root)
	if err != nil {
		return err
	}
	ko, err := d.offset(k.Line, k.Column)
	if err != nil {
		return err
	}
	d.add(start, end, "")
	lineEnd, next := d.lineEnd(end)
	lines := blockItemLines(d.column(ko)+col, 1, pairs)
	if lineEnd == next {
		d.add(lineEnd, lineEnd, d.br+strings.Join(lines, d.br), cs...)
	} else {
		d.insertLines(next, "", lines, cs...)
	}
	return nil
}

// seqIndent returns how far the dashes of the block sequences in mapping
// m are indented from their keys (0 for kustomize's own style).
func (d *doc) seqIndent(m *yaml.Node) (int, error) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind != yaml.SequenceNode || v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 {
			continue
		}
		ko, err := d.offset(k.Line, k.Column)
		if err != nil {
			return 0, err
		}
		so, err := d.offset(v.Line, v.Column)
		if err != nil {
			return 0, err
		}
		if ind := d.column(so) - d.column(ko); ind >= 0 {
			return ind, nil
		}
	}
	return 0, nil
}

// updateEntry rewrites an existing images entry to img.
func (d *doc) updateEntry(it *yaml.Node, inFlow bool, img Image) ([]*Change, error) {
	want, notes := kustomizeWant(img, it)
	field := fmt.Sprintf("images[name=%s]", img.Name)
	ops, err := d.entryOps(it, want, field)
	if err != nil || len(ops) == 0 {
		return nil, err
	}
	var changes []*Change
	for _, o := range ops {
		c := &Change{Kind: Kustomize, Field: field + "." + o.key, New: o.value}
		if o.i >= 0 {
			c.Old = it.Content[2*o.i+1].Value
		}
		if o.del {
			c.New, c.Note = "", notes[o.key]
		}
		changes = append(changes, c)
	}
	if inFlow || it.Style&yaml.FlowStyle != 0 {
		return changes, d.rewriteFlowEntry(it, want, changes)
	}
	return changes, d.editBlockEntry(it, ops, changes)
}

// entryOp is one edit of an images entry: set key to value in pair i (-1:
// add the pair), or delete pair i.
type entryOp struct {
	i     int
	key   string
	value string
	del   bool
}

// entryOps are the edits that make the images entry it what want says.
func (d *doc) entryOps(it *yaml.Node, want map[string]string, field string) ([]entryOp, error) {
	var ops []entryOp
	for _, f := range append(append([]string(nil), kustomizeFields...), tagSuffix) {
		v, i := mapGet(it, f)
		w := want[f]
		switch {
		case v == nil && w == "":
		case v == nil:
			ops = append(ops, entryOp{i: -1, key: f, value: w})
		case v.Kind != yaml.ScalarNode:
			return nil, inputf(ErrMalformed, "%q: line %d: %s.%s is not a string", d.name, v.Line, field, f)
		case w == "" && v.Value == "":
			// Empty already (kustomize reads "" as absent).
		case w == "":
			ops = append(ops, entryOp{i: i, key: f, del: true, value: v.Value})
		case v.Value != w:
			ops = append(ops, entryOp{i: i, key: f, value: w})
		}
	}
	return ops, nil
}

// editBlockEntry edits the changed lines of a block images entry, from
// the original tree, then the tree: deleted pairs dropped, added ones
// appended.
func (d *doc) editBlockEntry(it *yaml.Node, ops []entryOp, changes []*Change) error {
	del := map[int]*Change{}
	for k, o := range ops {
		if o.del {
			del[o.i] = changes[k]
		}
	}
	if err := d.deletePairs(it, del); err != nil {
		return err
	}
	for k, o := range ops {
		var err error
		switch {
		case o.del:
		case o.i >= 0:
			err = d.setScalar(it.Content[2*o.i+1], false, o.value, changes[k])
		default:
			err = d.addPairText(it, o.key, encodeScalar(o.value, 0, false), nil, changes[k])
		}
		if err != nil {
			return err
		}
	}
	var content []*yaml.Node
	for i := 0; i+1 < len(it.Content); i += 2 {
		if _, deleted := del[i/2]; !deleted {
			content = append(content, it.Content[i], it.Content[i+1])
		}
	}
	for _, o := range ops {
		if o.i < 0 {
			content = append(content, scalar(o.key), scalar(o.value))
		}
	}
	it.Content = content
	return nil
}

// rewriteFlowEntry writes a flow-style entry ({name: app, newTag: v1})
// anew: its other fields as they were, the image fields as wanted.
func (d *doc) rewriteFlowEntry(it *yaml.Node, want map[string]string, changes []*Change) error {
	start, err := d.start(it)
	if err != nil {
		return err
	}
	end, err := d.end(it, true)
	if err != nil {
		return err
	}
	if start >= end || d.data[start] != '{' {
		return d.unsupportedf(it, "cannot rewrite this images entry")
	}
	var parts []string
	var content []*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(it.Content); i += 2 {
		k, v := it.Content[i], it.Content[i+1]
		ks, err := d.start(k)
		if err != nil {
			return err
		}
		ke, err := d.end(k, true)
		if err != nil {
			return err
		}
		keyText := string(d.data[ks:ke])
		if k.Kind == yaml.ScalarNode && (slices.Contains(kustomizeFields, k.Value) || k.Value == tagSuffix) {
			seen[k.Value] = true
			w := want[k.Value]
			if w == "" {
				continue
			}
			if v.Value != w {
				parts = append(parts, keyText+": "+encodeScalar(w, v.Style, true))
				content = append(content, k, scalar(w))
				continue
			}
		}
		vs, err := d.start(v)
		if err != nil {
			return err
		}
		ve, err := d.end(v, true)
		if err != nil {
			return err
		}
		parts = append(parts, keyText+": "+string(d.data[vs:ve]))
		content = append(content, k, v)
	}
	for _, f := range kustomizeFields {
		if w := want[f]; w != "" && !seen[f] {
			parts = append(parts, f+": "+encodeScalar(w, 0, true))
			content = append(content, scalar(f), scalar(w))
		}
	}
	d.add(start, end, "{"+strings.Join(parts, ", ")+"}", changes...)
	it.Content = content
	return nil
}

// currentKustomize returns the images entry for name.
func (d *doc) currentKustomize(name string) ([]found, error) {
	root, err := d.kustomizeRoot()
	if err != nil || root == nil {
		return nil, err
	}
	imgs, err := d.kustomizeImages(root)
	if err != nil || imgs == nil {
		return nil, err
	}
	var out []found
	for _, it := range imgs.Content {
		it = resolve(it)
		if entryName(it) != name {
			continue
		}
		img := Image{Name: name}
		for f, p := range map[string]*string{"newName": &img.NewName, "newTag": &img.Tag, "digest": &img.Digest} {
			if v, _ := mapGet(it, f); v != nil && v.Kind == yaml.ScalarNode {
				*p = v.Value
			}
		}
		out = append(out, found{img: img, file: d.name, line: it.Line, field: fmt.Sprintf("images[name=%s]", name)})
	}
	return out, nil
}
