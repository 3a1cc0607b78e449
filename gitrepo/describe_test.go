package gitrepo

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

// TestDescribe reads a checkout made by the real git: HEAD's commit and
// branch, the lightweight and annotated tags on it, the origin without
// its credentials; outside git, nothing.
func TestDescribe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gitserver.Git(t, dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitserver.Git(t, dir, "add", ".")
	gitserver.Git(t, dir, "commit", "-q", "-m", "first")
	gitserver.Git(t, dir, "tag", "v1.2.3")
	gitserver.Git(t, dir, "tag", "-a", "-m", "release", "v1.2.4")
	gitserver.Git(t, dir, "remote", "add", "origin", "https://bot:s3cret@git.example.com/acme/api.git")
	head := strings.TrimSpace(gitserver.Git(t, dir, "rev-parse", "HEAD"))

	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Describe(sub)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(c.Tags)
	if c.Commit != head || c.Branch != "main" || !slices.Equal(c.Tags, []string{"v1.2.3", "v1.2.4"}) || c.Time.IsZero() {
		t.Errorf("Describe = %+v", c)
	}
	if c.Origin != "https://git.example.com/acme/api.git" {
		t.Errorf("origin %q: the credentials must go", c.Origin)
	}

	if c, err := Describe(t.TempDir()); err != nil || c.Commit != "" {
		t.Errorf("outside git: %+v, %v", c, err)
	}
	empty := t.TempDir()
	gitserver.Git(t, empty, "init", "-q")
	if c, err := Describe(empty); err != nil || c.Commit != "" {
		t.Errorf("no commit: %+v, %v", c, err)
	}
}
