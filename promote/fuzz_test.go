package promote

import (
	"path"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
)

// FuzzParseConfig: no panic; an error is an input error naming the file;
// a parsed config has clean local paths and valid images.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("environments:\n  staging:\n    path: overlays/staging\n  production:\n    path: overlays/production\n    image: registry.example.com/acme/go-service-prod\n"))
	f.Add([]byte("environments: {a: {path: x}}\n"))
	f.Add([]byte("environments:\n  a:\n    path: ../x\n"))
	f.Add([]byte("e: &e {s: {path: a}}\nenvironments: *e\n"))
	f.Add([]byte("- 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("golden.yaml", data)
		if err != nil {
			if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), `"golden.yaml"`) {
				t.Fatalf("error %v: exit %d, want 2 naming the file", err, exitcode.Code(err))
			}
			return
		}
		for name, env := range cfg.Environments {
			if env.Path == "" || strings.HasPrefix(env.Path, "/") || strings.HasPrefix(env.Path, "../") ||
				env.Path == ".." || path.Clean(env.Path) != env.Path {
				t.Fatalf("environment %q: path %q", name, env.Path)
			}
			if env.Image != "" {
				if err := gitops.ValidateRepository(env.Image); err != nil {
					t.Fatalf("environment %q: image %q: %v", name, env.Image, err)
				}
			}
		}
	})
}

// FuzzCleanPath: a cleaned path is local, slash-separated and clean.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"overlays/staging", "./a//b/", "../x", "/abs", ".", ".git/x", "a/../../b", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := cleanPath("path", p)
		if err != nil {
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("exit %d for %q", exitcode.Code(err), p)
			}
			return
		}
		if strings.HasPrefix(c, "/") || c == ".." || strings.HasPrefix(c, "../") || path.Clean(c) != c ||
			c == ".git" || strings.HasPrefix(c, ".git/") {
			t.Fatalf("cleanPath(%q) = %q", p, c)
		}
	})
}
