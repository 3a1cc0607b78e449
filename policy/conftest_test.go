package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// The real conftest (v0.66.0, built from the Go module proxy into
// .tools/bin) is the reference: on the same policies, data and documents,
// Check gives the same failures, warnings and exceptions, with the same
// messages and metadata, for the same files and namespaces, and the same
// counts.

// conftestOutcome is what conftest and Check say about one file in one
// namespace.
type conftestOutcome struct {
	Failures, Warnings, Exceptions []string // "message metadata-JSON", sorted
}

// conftestRun is conftest's or Check's whole answer: outcomes by
// "file namespace", the successes of each file, and the closing line.
type conftestRun struct {
	Outcomes  map[string]conftestOutcome
	Successes map[string]int
	Summary   string
}

// runConftest runs `conftest test` with args and reads its JSON output
// and its standard output's closing line.
func runConftest(t *testing.T, args ...string) conftestRun {
	t.Helper()
	bin := testtool.Path(t, "conftest")
	run := func(extra ...string) []byte {
		cmd := exec.Command(bin, append(append([]string{"test", "--no-color"}, extra...), args...)...)
		cmd.Dir = testtool.Root()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1 || stderr.Len() > 0) {
			t.Fatalf("conftest test %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.Bytes()
	}
	var results []struct {
		Filename, Namespace            string
		Successes                      int
		Failures, Warnings, Exceptions []struct {
			Msg      string         `json:"msg"`
			Metadata map[string]any `json:"metadata"`
		}
	}
	out := run("-o", "json")
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest -o json: %v\n%s", err, out)
	}
	got := conftestRun{Outcomes: map[string]conftestOutcome{}, Successes: map[string]int{}}
	for _, r := range results {
		var o conftestOutcome
		for _, k := range []struct {
			from []struct {
				Msg      string         `json:"msg"`
				Metadata map[string]any `json:"metadata"`
			}
			to *[]string
		}{{r.Failures, &o.Failures}, {r.Warnings, &o.Warnings}, {r.Exceptions, &o.Exceptions}} {
			for _, x := range k.from {
				delete(x.Metadata, "query") // conftest's own: golden has the rule
				*k.to = append(*k.to, resultKey(x.Msg, x.Metadata))
			}
			slices.Sort(*k.to)
		}
		if o.Failures != nil || o.Warnings != nil || o.Exceptions != nil {
			got.Outcomes[r.Filename+" "+r.Namespace] = o
		}
		got.Successes[r.Filename] += r.Successes
	}
	lines := strings.Split(strings.TrimSpace(string(run())), "\n")
	got.Summary = lines[len(lines)-1]
	return got
}

func resultKey(msg string, meta map[string]any) string {
	if len(meta) == 0 {
		return msg
	}
	b, _ := json.Marshal(meta)
	return msg + " " + string(b)
}

// checkRun evaluates docs as runConftest reads conftest: file by file, so
// that each file's successes are known, then the whole report's summary.
func checkRun(t *testing.T, pols *Policies, docs []Document, rename func(string) string) conftestRun {
	t.Helper()
	ctx := context.Background()
	got := conftestRun{Outcomes: map[string]conftestOutcome{}, Successes: map[string]int{}}
	var files []string
	byFile := map[string][]Document{}
	for _, d := range docs {
		if byFile[d.File] == nil {
			files = append(files, d.File)
		}
		byFile[d.File] = append(byFile[d.File], d)
	}
	for _, f := range files {
		rep, err := pols.Check(ctx, byFile[f])
		if err != nil {
			t.Fatal(err)
		}
		got.Successes[rename(f)] += rep.Successes
	}
	rep, err := pols.Check(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		// Metadata through JSON, as conftest's output carries it.
		var meta map[string]any
		if r.Metadata != nil {
			b, _ := json.Marshal(r.Metadata)
			_ = json.Unmarshal(b, &meta)
		}
		key := rename(r.File) + " " + r.Namespace
		o := got.Outcomes[key]
		switch r.Kind {
		case Failure:
			o.Failures = append(o.Failures, resultKey(r.Message, meta))
		case Warning:
			o.Warnings = append(o.Warnings, resultKey(r.Message, meta))
		case Exception:
			o.Exceptions = append(o.Exceptions, resultKey(r.Message, meta))
		}
		got.Outcomes[key] = o
	}
	for k, o := range got.Outcomes {
		slices.Sort(o.Failures)
		slices.Sort(o.Warnings)
		slices.Sort(o.Exceptions)
		got.Outcomes[k] = o
	}
	got.Summary = rep.Summary()
	return got
}

func same(s string) string { return s }

const (
	fixturePolicy = "policy/testdata/conftest/policy"
	fixtureDocs   = "policy/testdata/conftest/docs"
)

// inRoot runs paths from the repository root, as conftest runs there.
func inRoot(p string) string { return filepath.Join(testtool.Root(), filepath.FromSlash(p)) }

// The fixture policies have every kind of rule conftest evaluates
// (deny, violation_*, warn, warn_* in two namespaces; strings and
// objects with metadata; an exception), data files beside them and in a
// subdirectory, data.conftest.file; the documents are a multi-document
// YAML file, a JSON file, a .yml file and Helm values in a subdirectory.
func TestCheckMatchesConftest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		namespaces []string
		all        bool
		paths      []string
	}{
		{name: "namespace main by default", paths: []string{fixtureDocs}},
		{name: "one other namespace", namespaces: []string{"k8s.security"},
			paths: []string{fixtureDocs + "/app.yaml", fixtureDocs + "/worker.json"}},
		{name: "several namespaces", namespaces: []string{"main", "k8s.security"}, paths: []string{fixtureDocs}},
		{name: "all namespaces", all: true, paths: []string{fixtureDocs + "/nested", fixtureDocs + "/exempt.yml", fixtureDocs + "/app.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--policy", fixturePolicy, "--data", fixturePolicy}
			for _, ns := range tt.namespaces {
				args = append(args, "--namespace", ns)
			}
			if tt.all {
				args = append(args, "--all-namespaces")
			}
			want := runConftest(t, append(args, tt.paths...)...)

			pols, err := Load(inRoot(fixturePolicy), Options{Namespaces: tt.namespaces, AllNamespaces: tt.all})
			if err != nil {
				t.Fatal(err)
			}
			var full []string
			for _, p := range tt.paths {
				full = append(full, inRoot(p))
			}
			_, docs, err := LoadDocuments(full...)
			if err != nil {
				t.Fatal(err)
			}
			root := testtool.Root() + string(filepath.Separator)
			got := checkRun(t, pols, docs, func(f string) string { return filepath.ToSlash(strings.TrimPrefix(f, root)) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Check differs from conftest test %v (-conftest +golden):\n%s", args, diff)
			}
			if len(want.Outcomes) == 0 {
				t.Error("no failure, warning or exception at all: the fixture tests nothing")
			}
		})
	}
}

// conftest splits a file with CRLF line ends at "\r\n---\r\n"; golden
// reads the same documents.
func TestCheckMatchesConftestCRLF(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(inRoot(fixtureDocs + "/app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "crlf.yaml")
	if err := os.WriteFile(file, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	want := runConftest(t, "--policy", fixturePolicy, "--data", fixturePolicy, "--all-namespaces", file)
	pols, err := Load(inRoot(fixturePolicy), Options{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents, want 3", len(docs))
	}
	if diff := cmp.Diff(want, checkRun(t, pols, docs, same)); diff != "" {
		t.Errorf("(-conftest +golden):\n%s", diff)
	}
}

// Where golden and conftest differ, by design: conftest evaluates an empty
// document as a null input (and counts its rules as passed), and does not
// split at "--- # comment", reading only the first document of the file;
// golden leaves empty documents out and splits at every marker, as
// kubectl and kustomize do.
func TestConftestDifferences(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"p/p.rego":     "package main\n\ndeny contains sprintf(\"%v is root\", [input.name]) if input.user == 0\n",
		"empty.yaml":   "# a leading comment\n---\nname: a\nuser: 1\n---\n",
		"comment.yaml": "name: a\nuser: 1\n--- # the second\nname: b\nuser: 0\n",
	})
	pols, err := Load(filepath.Join(dir, "p"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file             string
		conftest, golden string
	}{
		{"empty.yaml", "3 tests, 3 passed, 0 warnings, 0 failures, 0 exceptions", "1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions"},
		{"comment.yaml", "1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions", "2 tests, 1 passed, 0 warnings, 1 failure, 0 exceptions"},
	} {
		file := filepath.Join(dir, tt.file)
		if got := runConftest(t, "--policy", filepath.Join(dir, "p"), file).Summary; got != tt.conftest {
			t.Errorf("%s: conftest says %q, want %q (has conftest changed?)", tt.file, got, tt.conftest)
		}
		rep, err := pols.CheckPaths(context.Background(), file)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Summary(); got != tt.golden {
			t.Errorf("%s: golden says %q, want %q", tt.file, got, tt.golden)
		}
	}
}
