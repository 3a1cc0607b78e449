package gitops

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expected directories and result.txt of testdata/update")

// goldenCase is testdata/update/<case>/case.json.
type goldenCase struct {
	Note      string  `json:"note"`
	Image     Image   `json:"image"`
	Path      string  `json:"path"` // inside original/; "" is the directory
	Options   Options `json:"options"`
	Kustomize bool    `json:"kustomize"` // compare with the real kustomize
	// Renders is the image every container of kustomize build of the
	// updated directory runs ("" for no build).
	Renders string `json:"renders"`
}

func loadCase(t *testing.T, dir string) goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s/case.json: %v", dir, err)
	}
	return c
}

// forCases runs fn as a parallel subtest for each golden case that want
// selects, and fails when it selects none (what says which).
func forCases(t *testing.T, what string, want func(goldenCase) bool, fn func(t *testing.T, dir string, c goldenCase)) {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("testdata", "update", "*"))
	n := 0
	for _, dir := range dirs {
		c := loadCase(t, dir)
		if !want(c) {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			fn(t, dir, c)
		})
	}
	if n == 0 {
		t.Fatalf("no golden case %s", what)
	}
}

// copyDir copies the regular files of src (one level) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readDir returns the files of dir by name.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestUpdateGolden runs Update on a copy of each testdata/update/<case>/original
// and compares every file, byte for byte, with expected/, and the changes
// or the error with result.txt. Error and no-op cases expect the original
// files untouched. go test -run TestUpdateGolden -update rewrites them.
func TestUpdateGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "update", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c := loadCase(t, dir)
			work := t.TempDir()
			copyDir(t, filepath.Join(dir, "original"), work)
			res, err := Update(filepath.Join(work, c.Path), c.Image, c.Options)
			var got strings.Builder
			if err != nil {
				fmt.Fprintf(&got, "error (exit %d): %s\n", exitcode.Code(err), strings.ReplaceAll(err.Error(), work+string(filepath.Separator), ""))
			} else if !res.Changed() {
				got.WriteString("no changes\n")
			}
			for _, ch := range res.Changes {
				ch.File, _ = filepath.Rel(work, ch.File)
				fmt.Fprintln(&got, ch)
			}
			files := readDir(t, work)
			if *update {
				writeExpected(t, dir, files, got.String())
				return
			}
			want, err := os.ReadFile(filepath.Join(dir, "result.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("result.txt (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(readDir(t, filepath.Join(dir, "expected")), files); diff != "" {
				t.Errorf("files differ from expected/ (-want +got):\n%s", diff)
			}
		})
	}
}

func writeExpected(t *testing.T, dir string, files map[string]string, result string) {
	t.Helper()
	exp := filepath.Join(dir, "expected")
	if err := os.RemoveAll(exp); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(exp, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(exp, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "result.txt"), []byte(result), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateGoldenIdempotent applies each successful golden case to its
// expected output again: nothing may change.
func TestUpdateGoldenIdempotent(t *testing.T) {
	t.Parallel()
	dirs, _ := filepath.Glob(filepath.Join("testdata", "update", "*"))
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			c := loadCase(t, dir)
			if want, err := os.ReadFile(filepath.Join(dir, "result.txt")); err != nil || strings.HasPrefix(string(want), "error") {
				return // an error case
			}
			work := t.TempDir()
			copyDir(t, filepath.Join(dir, "expected"), work)
			before := readDir(t, work)
			res, err := Update(filepath.Join(work, c.Path), c.Image, c.Options)
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed() {
				t.Errorf("second update changed %v", res.Changes)
			}
			if diff := cmp.Diff(before, readDir(t, work)); diff != "" {
				t.Errorf("second update rewrote files (-before +after):\n%s", diff)
			}
		})
	}
}
