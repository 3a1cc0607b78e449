package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/jsonpos"
)

// MaxFileSize bounds a document file (or a rendering) that is read.
const MaxFileSize = 32 << 20

// Document is one YAML or JSON document, the input of an evaluation.
type Document struct {
	// File names where the document comes from: the path of its file as
	// it was given, or the kustomization directory it was rendered from.
	File string
	// Index is the document's position among the documents of File,
	// from 1.
	Index int
	// Line is the line of File the document starts on, from 1; 0 for a
	// rendered document.
	Line int
	// Value is the document as JSON decodes it: map[string]any, []any,
	// string, float64, bool.
	Value any
	// path is the file on disk, when File names it otherwise.
	path string
}

// source is the file on disk the document comes from, which
// data.conftest.file describes.
func (d Document) source() string {
	if d.path != "" {
		return d.path
	}
	return d.File
}

// Resource names a Kubernetes object by kind and name ("Deployment/api"),
// "" when the document is not one.
func (d Document) Resource() string {
	m, ok := d.Value.(map[string]any)
	if !ok {
		return ""
	}
	kind, _ := m["kind"].(string)
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind == "" || name == "" {
		return ""
	}
	return kind + "/" + name
}

// ReadDocuments decodes the documents of one file, named name in
// results and errors. A name ending in .json is one JSON document (a
// UTF-8 byte order mark is skipped); anything else is a stream of YAML
// documents separated by "---" lines, each decoded as conftest and
// Kubernetes decode YAML (YAML 1.1 through sigs.k8s.io/yaml, numbers as
// float64). Documents without content (empty, comments only, null) are
// left out. An error (exit 2) names the file and the line.
func ReadDocuments(name string, data []byte) ([]Document, error) {
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return readJSON(name, data)
	}
	return readYAML(name, data)
}

// readJSON reads a file that holds one JSON document.
func readJSON(name string, data []byte) ([]Document, error) {
	if len(data) > MaxFileSize {
		return nil, inputf(name, 0, "larger than %d bytes", MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		line := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, _ = jsonpos.Position(data, min(max(se.Offset-1, 0), int64(len(data))))
		}
		return nil, inputf(name, line, "not a JSON document: %v", err)
	}
	if v == nil {
		return nil, nil
	}
	return []Document{{File: name, Index: 1, Line: 1, Value: v}}, nil
}

// readYAML reads a stream of YAML documents.
func readYAML(name string, data []byte) ([]Document, error) {
	if len(data) > MaxFileSize {
		return nil, inputf(name, 0, "larger than %d bytes", MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var docs []Document
	for _, c := range splitYAML(data) {
		var v any
		if err := yaml.Unmarshal(c.text, &v); err != nil {
			line, msg := yamlErrorLine(err)
			if line > 0 {
				// The decoder may name the line after the last one.
				line = min(line+c.line-1, c.last)
			} else {
				line = c.first
			}
			return nil, inputf(name, line, "not a YAML document: %s", msg)
		}
		if v == nil {
			continue
		}
		if err := uniqueKeys(c.text); err != nil {
			return nil, inputf(name, c.first, "not a YAML document: %v", err)
		}
		docs = append(docs, Document{File: name, Index: len(docs) + 1, Line: c.first, Value: v})
	}
	return docs, nil
}

// chunk is the text of one YAML document: it starts on line, its
// content on first, and it ends on last.
type chunk struct {
	text              []byte
	line, first, last int
}

// splitYAML cuts a YAML stream into its documents' texts. A line that is
// "---", or starts with "--- " (or a tab), starts a document; a line
// "..." ends one (YAML allows neither anywhere else at the start of a
// line). Lines before a document's "---" (blank lines, comments and
// directives) stay with it, so that "%YAML 1.1" and a comment before a
// leading "---" start the first document rather than an empty one.
// A chunk's text keeps its lines and line breaks as they are, so the YAML
// decoder's line numbers are offsets from chunk.line.
func splitYAML(data []byte) []chunk {
	var out []chunk
	cur := chunk{line: 1}
	content := false // cur has a line with content
	started := false // cur has its "---" line
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		n, brk := lineBreak(data)
		line, bare := data[:n+brk], data[:n]
		data = data[n+brk:]
		switch {
		case marker(bare, "---"):
			if content {
				out = append(out, cur)
			}
			if content || started {
				// a new document; one without content is left out
				cur, content = chunk{}, false
			}
			started = true
			if len(cur.text) == 0 {
				cur.line = lineNo
			}
			cur.text = append(cur.text, line...)
			cur.last = lineNo
			if rest := bytes.Trim(bare[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				content, cur.first = true, lineNo
			}
			continue
		case marker(bare, "..."):
			if content {
				out = append(out, cur)
			}
			cur, content, started = chunk{}, false, false
			continue
		}
		if len(cur.text) == 0 {
			cur.line = lineNo
		}
		cur.text = append(cur.text, line...)
		cur.last = lineNo
		if t := bytes.Trim(bare, " \t"); !content && len(t) > 0 && t[0] != '#' && bare[0] != '%' {
			content, cur.first = true, lineNo
		}
	}
	if content {
		out = append(out, cur)
	}
	return out
}

// lineBreak finds the end of the first line of data: n bytes before a
// line break of width bytes (0 at the end of data). Line breaks are
// YAML's, as its decoders count lines: CR LF, LF, CR, and NEL, LS and PS.
func lineBreak(data []byte) (n, width int) {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			return i, 1
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				return i, 2
			}
			return i, 1
		case 0xc2: // NEL, U+0085
			if i+1 < len(data) && data[i+1] == 0x85 {
				return i, 2
			}
		case 0xe2: // LS and PS, U+2028 and U+2029
			if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9) {
				return i, 3
			}
		}
	}
	return len(data), 0
}

// marker reports whether line is the document marker m ("---" or "..."),
// alone or followed by white space.
func marker(line []byte, m string) bool {
	return bytes.HasPrefix(line, []byte(m)) && (len(line) == 3 || line[3] == ' ' || line[3] == '\t')
}

// uniqueKeys refuses a document with two keys of one mapping that are
// one name in JSON (0 and "0", true and "true"): sigs.k8s.io/yaml would
// keep either value, at random. It decodes the text as sigs.k8s.io/yaml
// does (go.yaml.in/yaml/v2) and names the keys as it does.
func uniqueKeys(text []byte) error {
	var v any
	if err := yamlv2.Unmarshal(text, &v); err != nil {
		return err
	}
	return uniqueIn(v)
}

func uniqueIn(v any) error {
	switch v := v.(type) {
	case map[any]any:
		seen := make(map[string]any, len(v))
		for k, x := range v {
			name := jsonKey(k)
			if other, dup := seen[name]; dup {
				return fmt.Errorf("mapping key %q is given twice (as %#v and %#v)", name, other, k)
			}
			seen[name] = k
			if err := uniqueIn(x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := uniqueIn(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonKey names a YAML key as sigs.k8s.io/yaml does in JSON.
func jsonKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case float64:
		switch s := strconv.FormatFloat(k, 'g', -1, 32); s {
		case "+Inf":
			return ".inf"
		case "-Inf":
			return "-.inf"
		case "NaN":
			return ".nan"
		default:
			return s
		}
	}
	return fmt.Sprint(k) // int, int64, bool
}

// yamlLineRE finds the line in a YAML decoder's message.
var yamlLineRE = regexp.MustCompile(`yaml: line (\d+): `)

// yamlErrorLine takes the line out of a YAML error and returns the rest of
// its message.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		line, _ := strconv.Atoi(msg[m[2]:m[3]])
		return line, msg[:m[0]] + msg[m[1]:]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// documentExt reports whether a file found in a directory holds
// documents: .yaml, .yml and .json, as conftest parses them.
func documentExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ReadFile reads the documents of one file (see ReadDocuments).
func ReadFile(path string) ([]Document, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ReadDocuments(path, data)
}

// LoadDocuments reads the documents of files and directories, in the
// order given. A directory is walked recursively, in lexical order, for
// its .yaml, .yml and .json files (.git directories are skipped); a file
// named explicitly is read whatever its name (JSON when it ends in .json,
// YAML otherwise). Files are named as given, joined with the path found
// in a directory.
func LoadDocuments(paths ...string) (files []string, docs []Document, err error) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fileError(err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == ".git" && path != p:
				return filepath.SkipDir
			case d.IsDir() || !documentExt(d.Name()):
				return nil
			}
			if !d.Type().IsRegular() {
				// a symbolic link: taken when it points to a file
				if fi, err := os.Stat(path); err != nil || fi.IsDir() {
					return nil
				}
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			return nil, nil, fileError(err)
		}
	}
	for _, f := range files {
		d, err := ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, d...)
	}
	return files, docs, nil
}

// readFile reads a file, or its first MaxFileSize+1 bytes (ReadDocuments
// refuses more).
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileError(err)
	}
	return data, nil
}

// fileError classifies a file system error: a path that does not exist
// is bad input (2), any other failure to read (permissions, I/O) is the
// machine's (3).
func fileError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return exitcode.InputError(err)
	}
	return exitcode.InfraError(err)
}
