package gitops

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/internal/text"
)

// This file holds the byte-exact editing machinery. yaml.v3 parses a file
// into a node tree; the tree tells what to change and where (line and
// column of each node), and only the bytes of the changed scalars, or the
// lines inserted or removed, change in the original text. Re-encoding the
// tree would normalise indentation, quoting and comments, so it is never
// done. After editing, the new text is parsed again and compared with the
// edited tree: an edit that would change anything else is an error, not a
// corrupted file.

// doc is one parsed YAML file: its text, a line index and its documents.
type doc struct {
	name  string
	data  []byte
	lines []int // byte offset of the start of each line
	br    string
	docs  []*yaml.Node // DocumentNodes
	edits []edit
}

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
	seq        int       // insertion order, for edits at one offset
	changes    []*Change // the changes this edit makes
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDoc parses data as a stream of YAML documents.
func parseDoc(name string, data []byte) (d *doc, err error) {
	if !utf8.Valid(data) {
		return nil, inputf(ErrMalformed, "parsing %q: not UTF-8 text", name)
	}
	d = &doc{name: name, data: data, br: "\n"}
	d.index()
	d.docs, err = decodeAll(data)
	if err != nil {
		return nil, inputf(ErrMalformed, "parsing %q: %s", name, d.describeYAMLError(err))
	}
	return d, nil
}

// decodeAll decodes every document of data. It never panics.
func decodeAll(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("yaml parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
}

// describeYAMLError turns a yaml.v3 error into "line N: message".
func (d *doc) describeYAMLError(err error) string {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		return "line " + strconv.Itoa(d.problemLine(m[2], m[1])) + ": " + m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	// Some yaml.v3 errors carry no line; find the offending byte.
	if strings.Contains(msg, "control characters") {
		for i, r := range string(d.data) {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
				return fmt.Sprintf("line %d: %s", d.lineOf(i), msg)
			}
		}
	}
	return msg
}

// problemLine finds the line of a parse error. yaml.v3 reports the line
// where the enclosing block starts (fallback), not the offending line; the
// offending line is the first one at which a prefix of the file fails with
// the same message. Prefixes that end inside a construct fail with other
// messages, so a binary search over prefixes finds it.
func (d *doc) problemLine(msg, fallback string) int {
	failsAt := func(k int) bool { // the first k lines fail with msg
		end := len(d.data)
		if k < len(d.lines) {
			end = d.lines[k]
		}
		_, err := decodeAll(d.data[:end])
		if err == nil {
			return false
		}
		m := yamlLineRE.FindStringSubmatch(err.Error())
		return m != nil && m[2] == msg
	}
	n := len(d.lines)
	if !failsAt(n) {
		line, _ := strconv.Atoi(fallback)
		return line
	}
	k := sort.Search(n, func(k int) bool { return failsAt(k + 1) })
	return k + 1
}

// index records line starts the way yaml.v3 counts lines: \r\n, \r, \n,
// NEL, LS and PS each end a line.
func (d *doc) index() {
	d.lines = append(d.lines[:0], 0)
	data := d.data
	first := true
	for i := 0; i < len(data); i++ {
		if n := breakLen(data, i); n > 0 {
			if first {
				first = false
				if n == 2 && data[i] == '\r' {
					d.br = "\r\n"
				}
			}
			i += n - 1
			d.lines = append(d.lines, i+1)
		}
	}
}

// breakLen returns the length of the line break at data[i], 0 if none.
func breakLen(data []byte, i int) int {
	switch c := data[i]; {
	case c == '\n':
		return 1
	case c == '\r':
		if i+1 < len(data) && data[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
		return 3
	}
	return 0
}

// lineOf returns the 1-based line of byte offset off.
func (d *doc) lineOf(off int) int {
	return sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off })
}

// offset converts a yaml.v3 position (1-based line, 1-based column counted
// in characters) into a byte offset.
func (d *doc) offset(line, col int) (int, error) {
	if line < 1 || line > len(d.lines) || col < 1 {
		return 0, d.internalf(line, "position %d:%d out of range", line, col)
	}
	off := d.lines[line-1]
	if line == 1 && bytes.HasPrefix(d.data, []byte("\uFEFF")) {
		off += 3
	}
	for c := 1; c < col; c++ {
		if off >= len(d.data) || breakLen(d.data, off) > 0 {
			return 0, d.internalf(line, "column %d out of range", col)
		}
		_, n := utf8.DecodeRune(d.data[off:])
		off += n
	}
	return off, nil
}

// internalf reports a position the tree and the text disagree about.
// It is an unsupported-YAML input error: the file is valid YAML that
// gitops cannot edit safely.
func (d *doc) internalf(line int, format string, args ...any) error {
	return inputf(ErrUnsupported, "%q: line %d: cannot locate the value to edit: %s", d.name, line, fmt.Sprintf(format, args...))
}

// unsupportedf reports a YAML form gitops does not rewrite.
func (d *doc) unsupportedf(n *yaml.Node, format string, args ...any) error {
	return inputf(ErrUnsupported, "%q: line %d: %s", d.name, n.Line, fmt.Sprintf(format, args...))
}

// lineEnd returns the offset of the line break ending the line that holds
// off, and the offset of the next line's start (len(data) at the end).
func (d *doc) lineEnd(off int) (end, next int) {
	for i := off; i < len(d.data); i++ {
		if n := breakLen(d.data, i); n > 0 {
			return i, i + n
		}
	}
	return len(d.data), len(d.data)
}

// lineStart returns the offset of the start of the line that holds off.
func (d *doc) lineStart(off int) int {
	return d.lines[d.lineOf(off)-1]
}

// isSpace reports a blank inside a line.
func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// start returns the byte offset of node n's own text: after its anchor and
// tag properties, if any.
func (d *doc) start(n *yaml.Node) (int, error) {
	off, err := d.offset(n.Line, n.Column)
	if err != nil {
		return 0, err
	}
	if n.Kind == yaml.ScalarNode && n.Value == "" && n.Tag == "!!null" && n.Style&^yaml.TaggedStyle == 0 {
		return off, nil // an empty value: yaml.v3 puts it right after the ':'
	}
	for off < len(d.data) && (d.data[off] == '&' || d.data[off] == '!') {
		if d.data[off] == '!' && off+1 < len(d.data) && d.data[off+1] == '<' {
			for off < len(d.data) && d.data[off] != '>' {
				off++
			}
		}
		for off < len(d.data) && !isSpace(d.data[off]) && breakLen(d.data, off) == 0 {
			off++
		}
		off = d.skipBlank(off)
	}
	return off, nil
}

// skipBlank skips spaces, tabs, line breaks and comments.
func (d *doc) skipBlank(off int) int {
	for off < len(d.data) {
		switch c := d.data[off]; {
		case isSpace(c):
			off++
		case breakLen(d.data, off) > 0:
			off += breakLen(d.data, off)
		case c == '#':
			off, _ = d.lineEnd(off)
		default:
			return off
		}
	}
	return off
}

// scalarEnd returns the offset just past scalar n's text, which starts at
// start. flow says whether n is inside a flow collection.
func (d *doc) scalarEnd(n *yaml.Node, start int, flow bool) (int, error) {
	switch n.Style &^ yaml.TaggedStyle {
	case yaml.DoubleQuotedStyle:
		return d.doubleQuotedEnd(n, start)
	case yaml.SingleQuotedStyle:
		return d.singleQuotedEnd(n, start)
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return d.blockScalarEnd(start), nil
	}
	if n.Value == "" && n.Tag == "!!null" {
		return start, nil
	}
	return d.plainEnd(start, flow), nil
}

// doubleQuotedEnd is the end of the double-quoted scalar at start.
func (d *doc) doubleQuotedEnd(n *yaml.Node, start int) (int, error) {
	for i := start + 1; i < len(d.data); i++ {
		switch d.data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, d.internalf(n.Line, "unterminated double-quoted scalar")
}

// singleQuotedEnd is the end of the single-quoted scalar at start.
func (d *doc) singleQuotedEnd(n *yaml.Node, start int) (int, error) {
	data := d.data
	for i := start + 1; i < len(data); i++ {
		if data[i] == '\'' {
			if i+1 < len(data) && data[i+1] == '\'' {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	return 0, d.internalf(n.Line, "unterminated single-quoted scalar")
}

// plainEnd is the end of the plain scalar at start: up to the end of the
// line, a comment or, in a flow collection, a flow indicator. A
// multi-line plain scalar is caught by checkScalar (its first line does
// not decode to its value).
func (d *doc) plainEnd(start int, flow bool) int {
	data := d.data
	end := start
	for i := start; i < len(data); i++ {
		c := data[i]
		if breakLen(data, i) > 0 || c == '#' && i > start && isSpace(data[i-1]) {
			break
		}
		if flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') {
			break
		}
		if c == ':' && (i+1 == len(data) || isSpace(data[i+1]) || breakLen(data, i+1) > 0 ||
			flow && strings.IndexByte(",[]{}", data[i+1]) >= 0) {
			break // a key's value indicator
		}
		if !isSpace(c) {
			end = i + 1
		}
	}
	return end
}

// blockScalarEnd returns the end of the last non-blank line of the block
// scalar whose header (| or >) is at start.
func (d *doc) blockScalarEnd(start int) int {
	headerEnd, next := d.lineEnd(start)
	end := headerEnd
	indent := -1
	for off := next; off < len(d.data); {
		lineEnd, nextLine := d.lineEnd(off)
		line := d.data[off:lineEnd]
		trimmed := bytes.TrimLeft(line, " ")
		if len(bytes.TrimSpace(line)) == 0 {
			off = nextLine
			continue
		}
		ind := len(line) - len(trimmed)
		if indent < 0 {
			indent = ind
		}
		if ind < indent || ind == 0 {
			break
		}
		end = lineEnd
		off = nextLine
		if nextLine == lineEnd {
			break
		}
	}
	return end
}

// span returns the byte range of scalar n's text, checked: the text decodes
// to n's value. Only plain and quoted scalars are editable.
func (d *doc) span(n *yaml.Node, flow bool) (start, end int, err error) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, d.unsupportedf(n, "expected a scalar value")
	}
	switch n.Style &^ yaml.TaggedStyle {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return 0, 0, d.unsupportedf(n, "cannot rewrite a block scalar (| or >) value")
	}
	if start, err = d.start(n); err != nil {
		return 0, 0, err
	}
	// A plain scalar ends at a flow indicator only inside a flow
	// collection; when the context is unsure (an alias's anchor), the
	// other cut is tried too. Only a cut that decodes to n's value counts.
	for _, f := range []bool{flow, !flow} {
		if end, err = d.scalarEnd(n, start, f); err != nil {
			return 0, 0, err
		}
		if v, ok := decodeScalar(d.data[start:end]); ok && v == n.Value {
			return start, end, nil
		}
	}
	return 0, 0, d.unsupportedf(n, "cannot rewrite this scalar in place (multi-line or unusual form %q)", text.Clip(string(d.data[start:end]), 43))
}

// decodeScalar decodes YAML text holding one scalar.
func decodeScalar(text []byte) (v string, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = "", false
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		return "", false
	}
	if len(n.Content) != 1 || n.Content[0].Kind != yaml.ScalarNode {
		// Empty text decodes to no document: an empty scalar.
		return "", len(bytes.TrimSpace(text)) == 0
	}
	return n.Content[0].Value, true
}

// end returns the offset just past node n's text.
func (d *doc) end(n *yaml.Node, flow bool) (int, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return 0, d.internalf(n.Line, "empty document")
		}
		return d.end(n.Content[0], false)
	case yaml.ScalarNode:
		start, err := d.start(n)
		if err != nil {
			return 0, err
		}
		return d.scalarEnd(n, start, flow)
	case yaml.AliasNode:
		start, err := d.offset(n.Line, n.Column)
		if err != nil {
			return 0, err
		}
		return start + 1 + len(n.Value), nil
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			start, err := d.start(n)
			if err != nil {
				return 0, err
			}
			return d.matchBracket(n, start)
		}
		if len(n.Content) == 0 {
			return 0, d.internalf(n.Line, "empty block collection")
		}
		return d.end(n.Content[len(n.Content)-1], false)
	}
	return 0, d.internalf(n.Line, "unknown node kind %v", n.Kind)
}

// matchBracket returns the offset past the ] or } closing the flow
// collection that opens at start.
func (d *doc) matchBracket(n *yaml.Node, start int) (int, error) {
	data := d.data
	if start >= len(data) || data[start] != '[' && data[start] != '{' {
		return 0, d.internalf(n.Line, "expected [ or {")
	}
	depth := 0
	for i := start; i < len(data); i++ {
		switch c := data[i]; c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(data); i++ {
				if data[i] == '\'' {
					if i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > start && (isSpace(data[i-1]) || breakLen(data, i-1) > 0) {
				i, _ = d.lineEnd(i)
			}
		}
	}
	return 0, d.internalf(n.Line, "unterminated flow collection")
}

// column returns the 0-based column of offset off in characters.
func (d *doc) column(off int) int {
	ls := d.lineStart(off)
	if ls == 0 && bytes.HasPrefix(d.data, []byte("\uFEFF")) {
		ls = 3
	}
	return utf8.RuneCount(d.data[ls:off])
}

// add records an edit that makes changes cs.
func (d *doc) add(start, end int, text string, cs ...*Change) {
	d.edits = append(d.edits, edit{start: start, end: end, text: text, seq: len(d.edits), changes: cs})
}

// apply returns the text with all edits applied and sets each change's
// line to its line in the new text.
func (d *doc) apply() ([]byte, error) {
	edits := append([]edit(nil), d.edits...)
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].seq < edits[j].seq
	})
	var out bytes.Buffer
	out.Grow(len(d.data) + 256)
	pos := 0
	type mark struct {
		c   *Change
		off int
	}
	var marks []mark
	for _, e := range edits {
		if e.start < pos || e.end < e.start {
			return nil, fmt.Errorf("%q: internal error: overlapping edits", d.name)
		}
		out.Write(d.data[pos:e.start])
		for _, c := range e.changes {
			if c != nil {
				marks = append(marks, mark{c, out.Len()})
			}
		}
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(d.data[pos:])
	res := out.Bytes()
	nd := &doc{data: res}
	nd.index()
	for _, m := range marks {
		off := m.off
		// Point at the first non-blank byte of an insertion.
		for off < len(res) && (isSpace(res[off]) || breakLen(res, off) > 0 || res[off] == '-' || res[off] == ',') {
			off++
		}
		if off >= len(res) {
			off = m.off
		}
		m.c.Line = nd.lineOf(off)
	}
	return res, nil
}

// equalData reports whether two node trees hold the same data: the same
// kinds, scalar values, keys and structure; styles, comments and
// positions are ignored.
func equalData(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode, yaml.AliasNode:
		if a.Value != b.Value {
			return false
		}
	}
	if a.Anchor != b.Anchor {
		return false
	}
	for i := range a.Content {
		if !equalData(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// finish applies the edits and checks that the new text parses to exactly
// the edited tree.
func (d *doc) finish() ([]byte, error) {
	if len(d.edits) == 0 {
		return d.data, nil
	}
	out, err := d.apply()
	if err != nil {
		return nil, err
	}
	docs, err := decodeAll(out)
	if err == nil && len(docs) != len(d.docs) {
		err = fmt.Errorf("%d documents instead of %d", len(docs), len(d.docs))
	}
	if err == nil {
		for i := range docs {
			if !equalData(d.docs[i], docs[i]) {
				err = fmt.Errorf("document %d differs from the intended data", i+1)
				break
			}
		}
	}
	if err != nil {
		return nil, inputf(ErrUnsupported, "%q: cannot rewrite this file without changing other data (%v)", d.name, err)
	}
	return out, nil
}

// Scalar encoding.

var yaml11Words = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true,
	"on": true, "off": true, "null": true, "~": true,
}

// plainSafe reports whether s can be written as a plain scalar and read
// back as the same string by YAML 1.2 and YAML 1.1 readers (kubectl,
// helm), in block context or, with flow, inside a flow collection, where
// a ':' is only allowed when colonOK (the value it replaces was a plain
// scalar with a ':' already, so the file's readers accept that).
func plainSafe(s string, flow, colonOK bool) bool {
	if s == "" || len(s) > 1024 || !plainChars(s, flow, colonOK) {
		return false
	}
	if strings.HasSuffix(s, ":") || yaml11Words[strings.ToLower(s)] || yaml11Number(s) {
		return false
	}
	return resolvesToString(s)
}

// plainChars reports whether s has only the characters golden writes
// plain: letters, digits and ._/-+@: (a colon in flow context only when
// colonOK), starting with a letter, a digit or one of /._.
func plainChars(s string, flow, colonOK bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && !strings.ContainsRune("._/-+@:", rune(c)) {
			return false
		}
		if i == 0 && !alnum && c != '/' && c != '.' && c != '_' {
			return false
		}
		if flow && c == ':' && !colonOK {
			return false
		}
	}
	return true
}

// yaml11Number reports whether a YAML 1.1 reader (yaml.v2) resolves s to
// a number.
func yaml11Number(s string) bool {
	clean := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(clean, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseUint(clean, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseFloat(clean, 64); err == nil {
		return true
	}
	return strings.HasPrefix(clean, "0b") || strings.HasPrefix(clean, "-0b") || strings.HasPrefix(clean, "+")
}

// resolvesToString reports whether yaml.v3 reads the plain text s as the
// string s. It never panics.
func resolvesToString(s string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!str" && c.Value == s
}

// doubleQuote writes s as a YAML double-quoted scalar.
func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		case r == utf8.RuneError:
			b.WriteString(`\uFFFD`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// encodeScalar writes s as a YAML scalar, keeping style when it can: a
// double- or single-quoted scalar stays so, a plain one stays plain when
// that reads back as the same string, else it becomes double-quoted (as
// kustomize writes newTag: "1.0").
func encodeScalar(s string, style yaml.Style, flow bool) string {
	return encodeReplacing(s, "", style, flow)
}

// encodeReplacing is encodeScalar for a value that replaces old.
func encodeReplacing(s, old string, style yaml.Style, flow bool) string {
	switch style &^ yaml.TaggedStyle {
	case yaml.DoubleQuotedStyle:
		return doubleQuote(s)
	case yaml.SingleQuotedStyle:
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF {
				return doubleQuote(s)
			}
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	if plainSafe(s, flow, strings.Contains(old, ":")) {
		return s
	}
	return doubleQuote(s)
}
