package modulegen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

var update = flag.Bool("update", false, "write the stage modules' main.go")

// TestModulesGenerated checks that every stage module's main.go is what
// Generate makes of ci/main.go.
func TestModulesGenerated(t *testing.T) {
	t.Parallel()
	root := testtool.Root()
	src, err := os.ReadFile(filepath.Join(root, "ci", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Modules {
		t.Run(m.Dir, func(t *testing.T) {
			t.Parallel()
			got, err := Generate(src, m)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(root, filepath.FromSlash(m.Dir), "main.go")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/main.go is not generated from ci/main.go: run go test ./internal/modulegen -update", m.Dir)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(testtool.Root(), "ci", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := Modules[0]
	m.Functions = []string{"Lint", "Deploy"}
	if _, err := Generate(src, m); err == nil || !strings.Contains(err.Error(), "no Deploy") {
		t.Errorf("a missing function: %v", err)
	}
	if _, err := Generate([]byte("package main\n\nfunc ("), m); err == nil || !strings.Contains(err.Error(), "parsing ci/main.go") {
		t.Errorf("bad source: %v", err)
	}
}
