package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SetFlag is how every entry point spells a setting: golden ci --set and
// the modules' --set argument.
const SetFlag = "--set"

// A Setting sets one key of golden.yaml from outside the file: Key is a
// path of golden.yaml's keys joined by dots (scan.dbRepository,
// coverage.min, tools.trivy, env.GOPROXY), Value a YAML value (80, true,
// [HIGH, CRITICAL], a string). Settings beat the file: each replaces the
// value at its path in the file's document before it is read, so a
// setting is checked exactly as the same key in golden.yaml, and its
// errors name it by From (--set coverage.min, or the flag that made it:
// --min-coverage). A later setting of the same key wins.
type Setting struct {
	Key, Value string
	// From names the setting in errors; default "--set KEY".
	From string
}

func (s Setting) from() string {
	if s.From != "" {
		return s.From
	}
	return SetFlag + " " + s.Key
}

// ParseSettings reads --set items, KEY=VALUE, as every entry point takes
// them (golden ci --set, the modules' --set argument). Items the dagger
// CLI split at commas are joined again (see rejoin).
func ParseSettings(items []string) ([]Setting, error) {
	var out []Setting
	for _, s := range rejoin(items) {
		key, value, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, inputf("%s %q: want KEY=VALUE, KEY a golden.yaml key path such as scan.dbRepository", SetFlag, s)
		}
		out = append(out, Setting{Key: key, Value: value})
	}
	return out, nil
}

// String renders the setting as --set takes it.
func (s Setting) String() string { return s.Key + "=" + s.Value }

// settingRE is the start of a setting: a key path and "=".
var settingRE = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_.-]*=`)

// rejoin undoes the dagger CLI's splitting of list arguments at commas
// (--set scan.severity=[HIGH,CRITICAL] arrives as "scan.severity=[HIGH" and
// "CRITICAL]", --set env.GOPROXY=https://proxy,direct as two items too): an
// item that does not start with KEY= continues the one before it.
func rejoin(sets []string) []string {
	var out []string
	for _, s := range sets {
		if len(out) > 0 && !settingRE.MatchString(s) {
			out[len(out)-1] += "," + s
			continue
		}
		out = append(out, s)
	}
	return out
}

// applySets merges the settings into the document root (nil for no file)
// and returns the new root. The nodes it adds have no line: errors about
// them name the setting instead (see parser.errf).
func applySets(root *yaml.Node, sets []Setting) (*yaml.Node, error) {
	if len(sets) == 0 {
		return root, nil
	}
	if root == nil || isNull(root) {
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	if root.Kind != yaml.MappingNode {
		return root, nil // parse reports the file's error
	}
	for _, s := range sets {
		path := strings.Split(s.Key, ".")
		for _, p := range path {
			if p == "" {
				return nil, inputf("%s: empty key in the path %q", s.from(), s.Key)
			}
		}
		v := setValue(s.Value, s.from())
		if err := setAt(root, path, s.from(), v); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// setValue decodes a setting's VALUE as one YAML value; a value that is
// not YAML (a: b: c) is the string itself. from names the setting.
func setValue(value, from string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil || len(doc.Content) == 0 {
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
		if strings.TrimSpace(value) == "" {
			n.Tag = "!!null"
		}
		return unline(n, from)
	}
	return unline(doc.Content[0], from)
}

// unline clears the line of n and its children, and records the
// setting's name in their comments, so that errors name the setting.
func unline(n *yaml.Node, from string) *yaml.Node {
	n.Line, n.Column = 0, 0
	n.LineComment = setMark + from
	for _, c := range n.Content {
		unline(c, from)
	}
	return n
}

// setMark prefixes the name recorded on the nodes a setting made.
const setMark = "golden-set:"

// setAt sets the value at path in the mapping m, creating the mappings on
// the way; an existing value is replaced. key names the setting.
func setAt(m *yaml.Node, path []string, key string, v *yaml.Node) error {
	for i, name := range path {
		var found *yaml.Node
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == name {
				found = m.Content[j+1]
				if i == len(path)-1 {
					m.Content[j+1] = v
					return nil
				}
			}
		}
		if i == len(path)-1 {
			m.Content = append(m.Content, unline(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, key), v)
			return nil
		}
		switch {
		case found == nil:
			found = unline(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, key)
			m.Content = append(m.Content, unline(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, key), found)
		case isNull(found):
			*found = *unline(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, key)
		}
		if found.Kind != yaml.MappingNode {
			return inputf("%s: %s is %s, not a mapping of keys", key, strings.Join(path[:i+1], "."), describe(found))
		}
		m = found
	}
	return nil
}

// setOf returns the name of the setting that made n, if one did.
func setOf(n *yaml.Node) (string, bool) {
	if n == nil || n.Line != 0 {
		return "", false
	}
	k, ok := strings.CutPrefix(n.LineComment, setMark)
	return k, ok
}

// where is the location of a node in errors: file:line, or the setting.
func (p *parser) where(n *yaml.Node) string {
	if from, ok := setOf(n); ok {
		return from
	}
	return fmt.Sprintf("%s:%d", p.name, n.Line)
}
