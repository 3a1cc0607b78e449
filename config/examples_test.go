package config

import (
	"path/filepath"
	"testing"

	"github.com/goldenci/golden/internal/testtool"
)

// TestLoadExamples loads the example services of the repository: each
// names itself and its language in service.yaml, and detection agrees.
func TestLoadExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir  string
		lang Language
	}{
		{"go-service", Go},
		{"python-service", Python},
		{"node-service", Node},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(testtool.Root(), "examples", tc.dir)
			c, err := Load(dir, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			if c.Service != tc.dir || c.Language != tc.lang {
				t.Errorf("Load = service %q, language %q; want %q, %q", c.Service, c.Language, tc.dir, tc.lang)
			}
			if got, err := Detect(dir); err != nil || got != tc.lang {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.lang)
			}
		})
	}
}
