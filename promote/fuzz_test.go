package promote

import (
	"path"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

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
