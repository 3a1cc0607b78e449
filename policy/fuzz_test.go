package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/exitcode"
)

// FuzzReadDocuments checks the document loading on any input: it never
// panics; an error is bad input naming the file and a line of it; the
// documents are numbered from 1, start on a line of the file, hold a
// value that OPA can take (JSON), and are the same when read again; and
// a YAML stream that go.yaml.in/yaml/v3 reads whole splits into as many
// documents with content (the YAML 1.2 decoder golden's own files use:
// the two agree on where documents start and end). Seeds: the fixtures of testdata and
// testdata/fuzz/FuzzReadDocuments.
func FuzzReadDocuments(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/docs/*")
	more, _ := filepath.Glob("testdata/starter/*")
	for _, s := range append(seeds, more...) {
		data, err := os.ReadFile(s)
		if err != nil || len(data) == 0 {
			continue
		}
		f.Add(filepath.Ext(s) == ".json", data)
	}
	f.Fuzz(func(t *testing.T, isJSON bool, data []byte) {
		name := "in.yaml"
		if isJSON {
			name = "in.json"
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if !isJSON {
			lines = yamlLines(data)
		}
		docs, err := ReadDocuments(name, data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || exitcode.Code(err) != exitcode.Usage || pe.File != name || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error %v (%T) is not an input error naming %s and a line in 0..%d", err, err, name, lines)
			}
			return
		}
		for i, d := range docs {
			if d.File != name || d.Index != i+1 || d.Line < 1 || d.Line > lines || d.Value == nil {
				t.Fatalf("document %d: %+v (%d lines)", i, d, lines)
			}
			if _, err := json.Marshal(d.Value); err != nil {
				t.Fatalf("document %d is not JSON: %v", i, err)
			}
			if i > 0 && d.Line <= docs[i-1].Line {
				t.Fatalf("document %d starts on line %d, before document %d (line %d)", i, d.Line, i-1, docs[i-1].Line)
			}
		}
		again, err := ReadDocuments(name, data)
		if err != nil || !cmp.Equal(docs, again, cmp.AllowUnexported(Document{})) {
			t.Fatalf("read again: %v, %v", again, err)
		}
		// Tags ("!") are left out of the comparison: the two decoders
		// differ on a bare "!" document, which is "" to yaml.v2.
		if !isJSON && !bytes.ContainsRune(data, '!') {
			if n, ok := yamlV3Documents(data); ok && n != len(docs) {
				t.Fatalf("%d documents, go.yaml.in/yaml/v3 reads %d with content in %q", len(docs), n, data)
			}
		}
	})
}

// yamlV3Documents counts the documents with content (not empty, not
// null) of a YAML stream as go.yaml.in/yaml/v3 reads it; ok is false
// when it does not read all of it.
func yamlV3Documents(data []byte) (n int, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		if len(doc.Content) > 0 {
			c := doc.Content[0]
			if c.Kind != yaml.ScalarNode || c.ShortTag() != "!!null" {
				n++
			}
		}
	}
}

// yamlLines counts the lines of data as YAML does (see lineBreak).
func yamlLines(data []byte) int {
	lines := 1
	for len(data) > 0 {
		n, brk := lineBreak(data)
		if brk == 0 {
			break
		}
		lines++
		data = data[n+brk:]
	}
	return lines
}
