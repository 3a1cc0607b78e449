package gitops

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Node-tree edits. Each one records the text edit in d.edits and changes
// the tree the same way, so that finish can check the new text against
// the tree.

// setScalar gives scalar n the value v, keeping its quoting style when it
// can. flow says whether n is inside a flow collection.
func (d *doc) setScalar(n *yaml.Node, flow bool, v string, cs ...*Change) error {
	start, end, err := d.span(n, flow)
	if err != nil {
		return err
	}
	text := encodeReplacing(v, n.Value, n.Style, flow)
	if start == end && start > 0 && d.data[start-1] == ':' {
		text = " " + text // an empty value ("key:") gets its separating blank
	}
	d.add(start, end, text, cs...)
	// Only the value changes in the tree: the style and position still
	// describe the original text, which later edits measure.
	n.Value = v
	return nil
}

// scalar returns a new string scalar node.
func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// pair is a key and a value to write into a mapping.
type pair struct{ key, value string }

// flowMap writes pairs as a flow mapping: {name: app, newTag: v2}.
func flowMap(pairs []pair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = encodeScalar(p.key, 0, true) + ": " + encodeScalar(p.value, 0, true)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// mapNode builds a mapping node of string pairs.
func mapNode(pairs []pair) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, p := range pairs {
		m.Content = append(m.Content, scalar(p.key), scalar(p.value))
	}
	return m
}

// keyColumn returns the 0-based column of mapping m's keys.
func (d *doc) keyColumn(m *yaml.Node) (int, error) {
	off, err := d.offset(m.Content[0].Line, m.Content[0].Column)
	if err != nil {
		return 0, err
	}
	return d.column(off), nil
}

// afterNode returns where a line inserted after node n goes: the start of
// the line after n's last line, and the text to put before the inserted
// lines (a line break when n ends the file without one).
func (d *doc) afterNode(n *yaml.Node) (off int, prefix string, err error) {
	end, err := d.end(n, false)
	if err != nil {
		return 0, "", err
	}
	lineEnd, next := d.lineEnd(end)
	if lineEnd == next { // last line, no line break
		return next, d.br, nil
	}
	return next, "", nil
}

// insertLines inserts whole lines at off (a line start, or the end of a
// file without a final line break when prefix is a line break).
func (d *doc) insertLines(off int, prefix string, lines []string, cs ...*Change) {
	text := prefix + strings.Join(lines, d.br)
	if prefix == "" {
		text += d.br
	}
	d.add(off, off, text, cs...)
}

// addPair appends key: value (a string) to mapping m, which is inside a
// flow collection when flow is set.
func (d *doc) addPair(m *yaml.Node, flow bool, key, value string, cs ...*Change) error {
	if err := d.addPairText(m, key, encodeScalar(value, 0, flow || m.Style&yaml.FlowStyle != 0), nil, cs...); err != nil {
		return err
	}
	m.Content = append(m.Content, scalar(key), scalar(value))
	return nil
}

// addPairText appends "key: valueText" to mapping m; with block lines
// (and valueText empty), "key:" followed by those lines, indented by the
// mapping's indentation. The caller updates the tree.
func (d *doc) addPairText(m *yaml.Node, key, valueText string, block []string, cs ...*Change) error {
	keyText := encodeScalar(key, 0, true)
	// Nodes added by earlier edits have no position: place after the last
	// pair that was in the text.
	last := -1
	for i := 1; i < len(m.Content); i += 2 {
		if m.Content[i-1].Line > 0 {
			last = i
		}
	}
	if m.Style&yaml.FlowStyle != 0 {
		if last < 0 {
			start, err := d.start(m)
			if err != nil {
				return err
			}
			sep := ""
			if len(m.Content) > 0 {
				sep = ", "
			}
			d.add(start+1, start+1, sep+keyText+": "+valueText, cs...)
			return nil
		}
		end, err := d.end(m.Content[last], true)
		if err != nil {
			return err
		}
		d.add(end, end, ", "+keyText+": "+valueText, cs...)
		return nil
	}
	if last < 0 {
		return d.unsupportedf(m, "cannot add %s to an empty mapping", key)
	}
	col, err := d.keyColumn(m)
	if err != nil {
		return err
	}
	off, prefix, err := d.afterNode(m.Content[last])
	if err != nil {
		return err
	}
	indent := strings.Repeat(" ", col)
	lines := []string{indent + keyText + ": " + valueText}
	if block != nil {
		lines = []string{indent + keyText + ":"}
		for _, l := range block {
			lines = append(lines, indent+l)
		}
	}
	d.insertLines(off, prefix, lines, cs...)
	return nil
}

// deletePairs removes the pairs del (indexes, each with its change) from
// block mapping m: their key and value lines, and a key's head comment.
// The caller updates the tree.
func (d *doc) deletePairs(m *yaml.Node, del map[int]*Change) error {
	pairs := len(m.Content) / 2
	for i := 0; i < pairs; i++ {
		c, ok := del[i]
		if !ok {
			continue
		}
		k := m.Content[2*i]
		ks, err := d.offset(k.Line, k.Column)
		if err != nil {
			return err
		}
		ls := d.lineStart(ks)
		if strings.TrimLeft(string(d.data[ls:ks]), " ") != "" {
			// The key follows "- " (the first key of a sequence item): the
			// first key that stays moves up to its place, and every line
			// before that key goes.
			j := i + 1
			var gone []*Change
			for ; j < pairs; j++ {
				if cj, ok := del[j]; ok {
					gone = append(gone, cj)
					continue
				}
				break
			}
			if j == pairs {
				return d.unsupportedf(k, "cannot remove every field of an entry")
			}
			nk := m.Content[2*j]
			nks, err := d.offset(nk.Line, nk.Column)
			if err != nil {
				return err
			}
			d.add(ks, nks, "", append([]*Change{c}, gone...)...)
			i = j
			continue
		}
		end, err := d.end(m.Content[2*i+1], false)
		if err != nil {
			return err
		}
		_, next := d.lineEnd(end)
		// The key starts its line: drop its lines, and its head comment.
		start := ls
		if k.HeadComment != "" {
			indent := string(d.data[ls:ks])
			for start > 0 {
				prev := d.lineStart(start - 1)
				if !strings.HasPrefix(string(d.data[prev:start]), indent+"#") {
					break
				}
				start = prev
			}
		}
		d.add(start, next, "", c)
	}
	return nil
}

// dashIndent returns the 0-based column of the dashes of block sequence
// seq and the blanks between a dash and its item's first key.
func (d *doc) dashIndent(seq *yaml.Node) (col, gap int, err error) {
	off, err := d.offset(seq.Line, seq.Column)
	if err != nil {
		return 0, 0, err
	}
	col, gap = d.column(off), 1
	for _, item := range seq.Content {
		if item.Kind != yaml.MappingNode || item.Style&yaml.FlowStyle != 0 || len(item.Content) == 0 {
			continue
		}
		ko, err := d.offset(item.Content[0].Line, item.Content[0].Column)
		if err != nil {
			return 0, 0, err
		}
		ls := d.lineStart(ko)
		line := string(d.data[ls:ko])
		if strings.TrimSpace(line) == "-" && strings.HasPrefix(strings.TrimLeft(line, " "), "-") {
			gap = d.column(ko) - col - 1
		}
		break
	}
	return col, gap, nil
}

// blockItemLines writes a mapping as the lines of a block sequence item,
// with dashes at column col and gap blanks after the dash.
func blockItemLines(col, gap int, pairs []pair) []string {
	lines := make([]string, len(pairs))
	for i, p := range pairs {
		prefix := strings.Repeat(" ", col+1+gap)
		if i == 0 {
			prefix = strings.Repeat(" ", col) + "-" + strings.Repeat(" ", gap)
		}
		lines[i] = prefix + encodeScalar(p.key, 0, false) + ": " + encodeScalar(p.value, 0, false)
	}
	return lines
}

// insertItem inserts the mapping pairs into sequence seq at index at.
func (d *doc) insertItem(seq *yaml.Node, at int, pairs []pair, cs ...*Change) error {
	item := mapNode(pairs)
	if seq.Style&yaml.FlowStyle != 0 {
		text := flowMap(pairs)
		switch {
		case len(seq.Content) == 0:
			start, err := d.start(seq)
			if err != nil {
				return err
			}
			d.add(start+1, start+1, text, cs...)
		case at < len(seq.Content):
			start, err := d.start(seq.Content[at])
			if err != nil {
				return err
			}
			d.add(start, start, text+", ", cs...)
		default:
			end, err := d.end(seq.Content[len(seq.Content)-1], true)
			if err != nil {
				return err
			}
			d.add(end, end, ", "+text, cs...)
		}
	} else {
		col, gap, err := d.dashIndent(seq)
		if err != nil {
			return err
		}
		lines := blockItemLines(col, gap, pairs)
		if at > 0 {
			off, prefix, err := d.afterNode(seq.Content[at-1])
			if err != nil {
				return err
			}
			d.insertLines(off, prefix, lines, cs...)
		} else {
			off, err := d.itemLineStart(seq, col)
			if err != nil {
				return err
			}
			d.insertLines(off, "", lines, cs...)
		}
	}
	seq.Content = append(seq.Content[:at], append([]*yaml.Node{item}, seq.Content[at:]...)...)
	return nil
}

// itemLineStart returns the start of the line holding the first dash of
// block sequence seq, above any comment lines right before it at the
// dashes' indentation.
func (d *doc) itemLineStart(seq *yaml.Node, col int) (int, error) {
	off, err := d.offset(seq.Line, seq.Column)
	if err != nil {
		return 0, err
	}
	start := d.lineStart(off)
	if strings.TrimLeft(string(d.data[start:off]), " ") != "" {
		return 0, d.unsupportedf(seq, "cannot insert before a sequence that does not start its line")
	}
	indent := strings.Repeat(" ", col) + "#"
	for start > 0 {
		prev := d.lineStart(start - 1)
		if !strings.HasPrefix(string(d.data[prev:start]), indent) {
			break
		}
		start = prev
	}
	return start, nil
}

// mapGet returns the value of key in mapping m and the pair's index.
func mapGet(m *yaml.Node, key string) (*yaml.Node, int) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i+1], i / 2
		}
	}
	return nil, -1
}

// resolve follows an alias to its anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}
