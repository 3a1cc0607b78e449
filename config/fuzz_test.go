package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
)

// FuzzParse checks that Parse never panics, that its errors are input
// errors naming the file, and that what it accepts is valid once the
// language is known, and parses the same twice. Seeds: the example, the
// bad configs of testdata/bad and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad/*.yaml")
	seeds = append(seeds, "testdata/golden.example.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("language: go\ncoverage: {min: 1e400}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "golden.yaml")
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a config and an error")
			}
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Fatalf("exit code %d for %v", code, err)
			}
			if !strings.HasPrefix(err.Error(), "golden.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if c.File != "golden.yaml" {
			t.Fatalf("File = %q", c.File)
		}
		again, err := Parse(data, "golden.yaml")
		if err != nil {
			t.Fatalf("second Parse: %v", err)
		}
		if d := cmp.Diff(c, again); d != "" {
			t.Fatalf("Parse is not deterministic:\n%s", d)
		}
		if c.Language == "" {
			c.Language = Go
			c.setDefaults()
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v\n%q", err, data)
		}
	})
}
