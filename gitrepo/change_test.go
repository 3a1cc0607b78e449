package gitrepo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

// TestChangeReadsBaseAndBuildsOnPushBranch: Open resolves the base branch
// from the remote's HEAD and clones it; the checkout holds the base until
// Edit, which builds on the review branch that already exists; one
// listing, one clone, one fetch of the review branch, one push.
func TestChangeReadsBaseAndBuildsOnPushBranch(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{})
	url := srv.CreateRepo(t, "r.git", map[string]string{"staging/api.yaml": "image: api:2\n", "prod/api.yaml": "image: api:1\n"})
	gitDir := srv.Path("r.git")
	gitserver.Git(t, "", "--git-dir", gitDir, "branch", "-m", "main", "trunk")
	gitserver.Git(t, "", "--git-dir", gitDir, "symbolic-ref", "HEAD", "refs/heads/trunk")
	review := gitserver.CommitFiles(t, gitDir, "trunk", map[string]string{"prod/web.yaml": "image: web:2\n"}, "promote web")
	gitserver.Git(t, "", "--git-dir", gitDir, "branch", "golden/promote-prod", review)
	trunk := gitserver.CommitFiles(t, gitDir, "trunk", map[string]string{"staging/api.yaml": "image: api:3\n"}, "bump api")

	before := srv.Requests()
	c, err := Open(testContext(t), Options{CloneOptions: CloneOptions{URL: url}, PushBranch: "golden/promote-prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Base() != "trunk" || c.Head() != trunk {
		t.Errorf("base %s at %s, want trunk at %s", c.Base(), c.Head(), trunk)
	}
	staged, err := os.ReadFile(filepath.Join(c.Dir(), "staging", "api.yaml"))
	if err != nil || string(staged) != "image: api:3\n" {
		t.Fatalf("the checkout before Edit holds staging/api.yaml = %q, %v; want the base's", staged, err)
	}
	if _, err := c.Edit(testContext(t), writeFile("prod/api.yaml", "image: api:3\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), "prod", "web.yaml")); err != nil {
		t.Errorf("the edit was not made on the review branch: %v", err)
	}
	out, err := c.Push(testContext(t), "promote api", []Trailer{{Key: "Golden-Version", Value: "3"}})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pushed || out.Base != "trunk" || out.Branch != "golden/promote-prod" || out.Parent != review ||
		out.Message != "promote api\n\nGolden-Version: 3\n" {
		t.Errorf("outcome = %+v", out)
	}
	after := srv.Requests()
	if refs, packs, pushes := after.InfoRefs-before.InfoRefs, after.UploadPack-before.UploadPack, after.ReceivePack-before.ReceivePack; refs != 4 || packs != 2 || pushes != 1 {
		t.Errorf("%d ref advertisements, %d clones or fetches, %d pushes; want 4 (listing, clone, fetch, push), 2 and 1", refs, packs, pushes)
	}
	if _, err := c.Edit(testContext(t), writeFile("x", "y")); err == nil {
		t.Error("a second Edit of one change succeeded")
	}
}
