package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

func TestBumpTag(t *testing.T) {
	t.Parallel()
	if got := bumpTag("", "0123456789ABCDEF0123", "main"); got != "sha-0123456789ab" {
		t.Errorf("commit tag %q", got)
	}
	if got := bumpTag("", "", "main"); got != "main" {
		t.Errorf("branch tag %q", got)
	}
	if got := bumpTag("", "", ""); got != "" {
		t.Errorf("no tag %q", got)
	}
}

func TestStagingEnvironment(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.GitOps.Staging = ""
	name, env, err := stagingEnvironment(cfg)
	if err != nil || name != "staging" || env.Path != "overlays/staging" {
		t.Errorf("default staging: %q %+v %v", name, env, err)
	}
	cfg.GitOps.Staging = "stage"
	cfg.GitOps.Environments["stage"] = config.Environment{Path: "envs/stage"}
	if name, env, err = stagingEnvironment(cfg); err != nil || name != "stage" || env.Path != "envs/stage" {
		t.Errorf("named staging: %q %+v %v", name, env, err)
	}
}

// gitopsRepo makes a bare GitOps repository with a kustomize staging
// overlay naming ghcr.io/acme/api, and returns its path.
func gitopsRepo(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	writeFiles(t, work, map[string]string{
		"overlays/staging/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: []
images:
  - name: ghcr.io/acme/api
    newTag: old
`,
	})
	git(t, work, "init", "-q", "-b", "main")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "staging")
	bare := filepath.Join(t.TempDir(), "gitops.git")
	git(t, work, "clone", "-q", "--bare", work, bare)
	return bare
}

// TestBumpInProcess runs the staging bump as Bump does, in this process,
// against a real git repository.
func TestBumpInProcess(t *testing.T) {
	t.Parallel()
	bare := gitopsRepo(t)
	cfg := testConfig()
	cfg.Image.Repository = "ghcr.io/acme/api"
	cfg.GitOps.Repo = bare
	cfg.GitOps.Branch = "main"
	var progress testtool.SyncBuffer
	run := func(c *config.Config) (*BumpResult, error) {
		return bump(context.Background(), BumpOptions{
			Config: c, Digest: fakeDigest, Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "main",
			Progress: &progress, Now: time.Now,
		})
	}

	res, err := run(cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if res.Stage.Status != result.Passed || !res.Changed || len(res.Commit) != 40 || res.Outputs["branch"] != "main" {
		t.Fatalf("bump result %+v", res)
	}
	if head := git(t, bare, "rev-parse", "main"); head != res.Commit {
		t.Errorf("the repository's main is %s, bump says it pushed %s", head, res.Commit)
	}
	manifest := git(t, bare, "show", "main:overlays/staging/kustomization.yaml")
	if !strings.Contains(manifest, "newTag: sha-0123456789ab") || !strings.Contains(manifest, "digest: "+fakeDigest) {
		t.Errorf("kustomization after the bump:\n%s", manifest)
	}
	if msg := git(t, bare, "log", "-1", "--format=%B", "main"); !strings.Contains(msg, "Golden-Source-Commit: 0123456789abcdef0123456789abcdef01234567") {
		t.Errorf("commit message:\n%s", msg)
	}

	// Again: the environment already runs the image.
	res2, err := run(cfg)
	if err != nil || res2.Changed || res2.Commit != res.Commit || res2.Stage.Status != result.Passed {
		t.Errorf("second bump %+v, %v", res2, err)
	}

	// A path that is not in the repository is bad input; an unreachable
	// repository is infrastructure.
	missing := testConfig()
	*missing = *cfg
	missing.GitOps.Environments = map[string]config.Environment{"staging": {Path: "overlays/nope"}}
	if _, err := run(missing); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "overlays/nope") {
		t.Errorf("bump of a missing path: %v", err)
	}
	gone := testConfig()
	*gone = *cfg
	gone.GitOps.Repo = "http://127.0.0.1:1/gitops.git"
	if _, err := run(gone); exitcode.Code(err) != exitcode.Infra {
		t.Errorf("bump of an unreachable repository: exit %d, %v", exitcode.Code(err), err)
	}
}
