package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testtool"
	"github.com/goldenci/golden/result"
)

func TestBumpCommand(t *testing.T) {
	t.Parallel()
	got := BumpCommand(BumpCommandOptions{
		Repo: "https://github.com/acme/gitops.git", Base: "main", Path: "overlays/staging",
		Image: "ghcr.io/acme/api", Tag: "sha-0123456789ab", Digest: fakeDigest,
		SourceCommit: "0123456789abcdef", Result: "/golden/out/bump.json",
	})
	want := []string{"golden", "bump", "--repo=https://github.com/acme/gitops.git", "--path=overlays/staging",
		"--image=ghcr.io/acme/api", "--base=main", "--tag=sha-0123456789ab", "--digest=" + fakeDigest,
		"--source-commit=0123456789abcdef", "--result=/golden/out/bump.json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
	got = BumpCommand(BumpCommandOptions{Golden: "/usr/local/bin/golden", Repo: "r", Path: "p", Image: "i", Digest: fakeDigest})
	want = []string{"/usr/local/bin/golden", "bump", "--repo=r", "--path=p", "--image=i", "--digest=" + fakeDigest}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("minimal argv (-want +got):\n%s", diff)
	}
}

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

// buildGolden builds golden from this checkout with GoldenBuildCommand.
// The module stays read-only (-mod=readonly): the build never edits
// go.mod or go.sum.
func buildGolden(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds golden: not in -short mode")
	}
	goBin := testtool.LookPath(t, "go")
	bin := filepath.Join(t.TempDir(), "golden")
	env := []string{"CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly"}
	run := hostRun(t, testtool.Root(), env, goBin, GoldenBuildCommand(bin), "")
	if run.ExitCode != 0 {
		t.Fatalf("%s exited %d:\n%s", strings.Join(GoldenBuildCommand(bin), " "), run.ExitCode, run.Stderr)
	}
	return bin
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

// TestBumpOnHost runs golden bump, built with GoldenBuildCommand, with the
// exact command line Bump runs, against a real git repository, and
// assembles the bump stage from the result file it records.
func TestBumpOnHost(t *testing.T) {
	t.Parallel()
	golden := buildGolden(t)
	bare := gitopsRepo(t)
	out := t.TempDir()
	bump := func(path string) *toolRun {
		resultFile := filepath.Join(out, "bump.json")
		_ = os.Remove(resultFile)
		argv := BumpCommand(BumpCommandOptions{
			Golden: golden, Repo: bare, Base: "main", Path: path, Image: "ghcr.io/acme/api",
			Tag: "sha-0123456789ab", Digest: fakeDigest, SourceCommit: "0123456789abcdef0123456789abcdef01234567",
			Result: resultFile,
		})
		env := []string{"HOME=" + t.TempDir(), "GIT_CONFIG_GLOBAL=/dev/null", "GOLDEN_GIT_TOKEN=", "GITHUB_SHA=", "CI_COMMIT_SHA="}
		return hostRun(t, out, env, golden, argv, "", resultFile)
	}

	run := bump("overlays/staging")
	res, err := bumpStage(run, filepath.Join(out, "bump.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, run.Stderr)
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

	// Again: the environment already runs the image.
	run = bump("overlays/staging")
	res2, err := bumpStage(run, filepath.Join(out, "bump.json"))
	if err != nil || res2.Changed || res2.Commit != res.Commit || res2.Stage.Status != result.Passed {
		t.Errorf("second bump %+v, %v", res2, err)
	}

	// A path that is not in the repository is bad input.
	run = bump("overlays/nope")
	if _, err := bumpStage(run, filepath.Join(out, "bump.json")); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "overlays/nope") {
		t.Errorf("bump of a missing path: exit %d, err %v\n%s", run.ExitCode, err, run.Stderr)
	}
}

func TestBumpStageWithoutResult(t *testing.T) {
	t.Parallel()
	_, err := bumpStage(&toolRun{ExitCode: 127, Stderr: "golden: not found\n"}, "/golden/out/bump.json")
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "golden bump failed (exit code 127):\ngolden: not found") {
		t.Errorf("err = %v", err)
	}
	_, err = bumpStage(&toolRun{ExitCode: 3, Files: map[string]string{"/b.json": `{"schemaVersion": 1, "stages": []}`}}, "/b.json")
	if exitcode.Code(err) != exitcode.Infra || !strings.Contains(err.Error(), `no "bump" stage`) {
		t.Errorf("err = %v", err)
	}
	_, err = bumpStage(&toolRun{ExitCode: 3, Files: map[string]string{"/b.json": `{"schemaVersion": 1, "stages": [{"name": "bump", "status": "error", "error": "pushing: connection refused"}]}`}}, "/b.json")
	if exitcode.Code(err) != exitcode.Infra || err.Error() != "pushing: connection refused" {
		t.Errorf("err = %v", err)
	}
}
