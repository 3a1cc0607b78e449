package coverage

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parserFuncs is how go tool cover -func finds functions: go/parser's
// FuncDecls with bodies, from Pos() to End().
func parserFuncs(t *testing.T, file string) ([]funcExtent, error) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []funcExtent
	ast.Inspect(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Body != nil {
			s, e := fset.Position(fd.Pos()), fset.Position(fd.End())
			out = append(out, funcExtent{start: pos{startLine: s.Line, startCol: s.Column}, end: pos{startLine: e.Line, startCol: e.Column}})
		}
		return true
	})
	return out, nil
}

func sameExtents(a, b []funcExtent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// findFuncs scans tokens instead of parsing; it must find exactly the
// extents go/parser gives, on tricky declarations and on the standard
// library.
func TestFindFuncsMatchesGoParser(t *testing.T) {
	t.Parallel()
	tricky := filepath.Join(t.TempDir(), "tricky.go")
	data, err := os.ReadFile("testdata/funcs/tricky.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tricky, data, 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{tricky}
	goroot := strings.TrimSpace(goCmd(t, ".", "env", "GOROOT"))
	// FINDFUNCS_DIRS adds more of GOROOT/src (e.g. "runtime cmd/compile").
	for _, dir := range strings.Fields(os.Getenv("FINDFUNCS_DIRS") + " go net/http strings encoding/json cmd/cover") {
		root := filepath.Join(goroot, "src", filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 200 {
		t.Fatalf("found only %d Go files in GOROOT", len(files))
	}
	funcs := 0
	for _, f := range files {
		want, err := parserFuncs(t, f)
		if err != nil {
			continue // not valid Go; go tool cover could not use it either
		}
		got, err := findFuncs(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !sameExtents(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", f, got, want)
		}
		funcs += len(want)
	}
	if got, _ := findFuncs(tricky); len(got) != 7 {
		t.Errorf("tricky.go: %d functions, want 7: %v", len(got), got)
	}
	t.Logf("%d files, %d functions agree", len(files), funcs)
}
