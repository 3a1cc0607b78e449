package config

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/testtool"
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

// TestLoadGoldensOwn loads golden's own golden.yaml: golden runs its own
// pipeline, and its fixtures are not scanned.
func TestLoadGoldensOwn(t *testing.T) {
	t.Parallel()
	c, err := Load(testtool.Root(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Service != "golden" || c.Language != Go || !slices.Contains(c.Scan.SkipDirs, "**/testdata") {
		t.Errorf("golden.yaml: service %q, language %q, scan.skipDirs %v", c.Service, c.Language, c.Scan.SkipDirs)
	}
}
