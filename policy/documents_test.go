package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// place is a document's file, index and line, and its value.
type place struct {
	Index, Line int
	Value       any
}

func places(docs []Document) []place {
	var out []place
	for _, d := range docs {
		out = append(out, place{d.Index, d.Line, d.Value})
	}
	return out
}

func TestReadDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data string
		want             []place
	}{
		{"one document", "a.yaml", "a: 1\n", []place{{1, 1, map[string]any{"a": 1.0}}}},
		{"documents", "a.yaml", "a: 1\n---\nb: 2\n---\nc: 3\n",
			[]place{{1, 1, map[string]any{"a": 1.0}}, {2, 3, map[string]any{"b": 2.0}}, {3, 5, map[string]any{"c": 3.0}}}},
		{"leading marker and comments", "a.yaml", "# head\n---\n# about b\nb: x\n",
			[]place{{1, 4, map[string]any{"b": "x"}}}},
		{"empty and null documents are left out", "a.yaml", "---\n---\n# nothing\n---\nnull\n---\na: 1\n---\n",
			[]place{{1, 7, map[string]any{"a": 1.0}}}},
		{"marker with a comment", "a.yaml", "a: 1\n--- # next\nb: 2\n",
			[]place{{1, 1, map[string]any{"a": 1.0}}, {2, 3, map[string]any{"b": 2.0}}}},
		{"marker with content", "a.yaml", "--- [1, 2]\n--- |\n  text\n",
			[]place{{1, 1, []any{1.0, 2.0}}, {2, 2, "text\n"}}},
		{"document end", "a.yaml", "a: 1\n...\nb: 2\n",
			[]place{{1, 1, map[string]any{"a": 1.0}}, {2, 3, map[string]any{"b": 2.0}}}},
		{"directive", "a.yaml", "%YAML 1.1\n---\na: 1\n", []place{{1, 3, map[string]any{"a": 1.0}}}},
		{"CRLF", "a.yaml", "a: 1\r\n---\r\nb: 2\r\n",
			[]place{{1, 1, map[string]any{"a": 1.0}}, {2, 3, map[string]any{"b": 2.0}}}},
		{"byte order mark", "a.yml", "\ufeffa: 1\n", []place{{1, 1, map[string]any{"a": 1.0}}}},
		{"not a marker", "a.yaml", "a: |\n  ---\n---x: 1\n", []place{{1, 1, map[string]any{"a": "---\n", "---x": 1.0}}}},
		{"YAML 1.1 as Kubernetes reads it", "a.yaml", "on: yes\nnum: 012\n",
			[]place{{1, 1, map[string]any{"true": true, "num": 10.0}}}},
		{"JSON", "a.json", "\ufeff{\"a\": [1, \"x\"]}", []place{{1, 1, map[string]any{"a": []any{1.0, "x"}}}}},
		{"a JSON array is one document", "a.JSON", "[1, 2]", []place{{1, 1, []any{1.0, 2.0}}}},
		{"JSON null", "a.json", "null", nil},
		{"empty", "a.yaml", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := ReadDocuments(tt.file, []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, places(docs)); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
			for _, d := range docs {
				if d.File != tt.file {
					t.Errorf("File = %q, want %q", d.File, tt.file)
				}
			}
		})
	}
}

// An unreadable document is bad input naming the file and the line of
// the file (not of the document).
func TestReadDocumentsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data, want string
	}{
		{"YAML in the second document", "m.yaml", "a: 1\n---\nb: 2\nc: [\n", "m.yaml:4: not a YAML document: did not find expected node content"},
		{"YAML mapping", "m.yaml", "a: 1\n---\n# x\nb: c: d\n", "m.yaml:4: not a YAML document: mapping values are not allowed in this context"},
		{"YAML tab", "m.yaml", "a:\n\tb: 1\n", "m.yaml:2: not a YAML document: found character that cannot start any token"},
		{"keys that are one in JSON", "m.yaml", "a: 1\n---\nb:\n  0: x\n  '0': y\n", `m.yaml:3: not a YAML document: mapping key "0" is given twice (as `},
		{"YAML 1.1 boolean key", "m.yaml", "on: 1\n\"true\": 2\n", `m.yaml:1: not a YAML document: mapping key "true" is given twice (as `},
		{"JSON", "m.json", "{\n  \"a\": 1,\n}\n", "m.json:3: not a JSON document: invalid character '}' looking for beginning of object key string"},
		{"JSON truncated", "m.json", "{\"a\": ", "m.json:1: not a JSON document: unexpected end of JSON input"},
		{"JSON trailing data", "m.json", "{}\n{}\n", "m.json:2: not a JSON document: invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadDocuments(tt.file, []byte(tt.data))
			testtool.AssertExit(t, err, exitcode.Usage, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.File != tt.file {
				t.Errorf("error %v is not an *Error of %s", err, tt.file)
			}
		})
	}
}

func TestReadDocumentsTooLarge(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("#", MaxFileSize+1)
	for _, name := range []string{"big.yaml", "big.json"} {
		_, err := ReadDocuments(name, []byte(big))
		testtool.AssertExit(t, err, exitcode.Usage, nil)
	}
}

func TestLoadDocuments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{
		"b.yaml":             "b: 1\n---\nb: 2\n",
		"a/x.json":           `{"x": 1}`,
		"a/y.yml":            "y: 1\n",
		"a/notes.txt":        "not: read\n",
		".git/config.yaml":   "git: 1\n",
		"c/.git/HEAD.yaml":   "git: 2\n",
		"values.prod":        "explicit: 1\n",
		"a/deeper/z.YAML":    "z: 1\n",
		"a/deeper/empty.yml": "",
	})
	files, docs, err := LoadDocuments(filepath.Join(dir, "values.prod"), dir)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{"values.prod", "a/deeper/empty.yml", "a/deeper/z.YAML", "a/x.json", "a/y.yml", "b.yaml"}
	if diff := cmp.Diff(want, rel); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if len(docs) != 6 {
		t.Errorf("%d documents, want 6: %v", len(docs), docs)
	}

	_, _, err = LoadDocuments(filepath.Join(dir, "missing.yaml"))
	testtool.AssertExit(t, err, exitcode.Usage, os.ErrNotExist)
}

func TestDocumentResource(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		want string
	}{
		{map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "api"}}, "Deployment/api"},
		{map[string]any{"kind": "Deployment"}, ""},
		{map[string]any{"image": map[string]any{"tag": "1"}}, ""},
		{[]any{1.0}, ""},
	} {
		if got := (Document{Value: tt.v}).Resource(); got != tt.want {
			t.Errorf("Resource(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
