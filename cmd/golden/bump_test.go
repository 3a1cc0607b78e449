package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/result"
)

// Canary credentials of the bump and promote tests: no output, error,
// result file, commit or process may contain them.
const (
	canaryGitUser     = "release-bot"
	canaryGitToken    = "canary-git-token-6b1f0e2d9c"
	canaryRegUser     = "registry-bot"
	canaryRegPassword = "canary-registry-pw-3e8a71c4"
)

// exampleImage is the image of the example GitOps repository.
const exampleImage = "registry.example.com/acme/go-service"

// gitopsFixture is a real git smart-HTTP server (basic auth required)
// holding gitops.git, seeded from examples/gitops, and an in-process
// registry (basic auth required).
type gitopsFixture struct {
	srv *gitserver.Server
	url string
	reg *promotetest.Registry
	env map[string]string // the credentials, as a CI job sets them
}

func newGitopsFixture(t *testing.T, extra map[string]string) *gitopsFixture {
	t.Helper()
	files := promotetest.ExampleFiles(t)
	for k, v := range extra {
		files[k] = v
	}
	srv := gitserver.New(t, gitserver.Options{Username: canaryGitUser, Password: canaryGitToken})
	return &gitopsFixture{
		srv: srv,
		url: srv.CreateRepo(t, "gitops.git", files),
		reg: promotetest.NewRegistry(t, canaryRegUser, canaryRegPassword),
		env: map[string]string{
			gitrepo.EnvUsername: canaryGitUser,
			gitrepo.EnvToken:    canaryGitToken,
			envRegistryUsername: canaryRegUser,
			envRegistryPassword: canaryRegPassword,
		},
	}
}

func (f *gitopsFixture) gitDir() string { return f.srv.Path("gitops.git") }

func (f *gitopsFixture) head(t *testing.T) string {
	t.Helper()
	return gitserver.Head(t, f.gitDir(), "main")
}

func (f *gitopsFixture) read(t *testing.T, path string) string {
	t.Helper()
	return f.srv.ReadFile(t, "gitops.git", "main", path)
}

// current reads the image the environment's kustomization at main runs.
func (f *gitopsFixture) current(t *testing.T, env string) gitops.Image {
	t.Helper()
	file := env + "/kustomization.yaml"
	img, err := gitops.CurrentImageBytes(file, []byte(f.read(t, file)), exampleImage, gitops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// assertNoCanary fails when s holds a canary secret.
func assertNoCanary(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range []string{canaryGitToken, canaryRegPassword} {
		if strings.Contains(s, c) {
			t.Errorf("%s contains the secret %q:\n%s", what, c, s)
		}
	}
}

// assertClean checks an invocation's outputs for secrets.
func assertClean(t *testing.T, got invocation) {
	t.Helper()
	assertNoCanary(t, "stdout", got.stdout)
	assertNoCanary(t, "stderr", got.stderr)
}

// readResult loads a result file, checking it for secrets.
func readResult(t *testing.T, path string) *result.Run {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertNoCanary(t, "result file", string(b))
	r, err := result.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestBumpCommitsAndPushes(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	before := f.head(t)
	res := filepath.Join(t.TempDir(), "result.json")
	env := map[string]string{"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
	for k, v := range f.env {
		env[k] = v
	}
	stop := testtool.WatchProcesses(t, canaryGitToken, canaryRegPassword)
	got := golden(t, env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--tag", "1.2.3", "--digest", digestA, "--result", res)
	stop()
	if got.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
	assertClean(t, got)

	staging := f.current(t, "overlays/staging")
	if staging != (gitops.Image{Name: exampleImage, Tag: "1.2.3", Digest: digestA}) {
		t.Errorf("staging runs %+v", staging)
	}
	if prod := f.current(t, "overlays/production"); prod.Tag != "0.1.0" || prod.Digest != "" {
		t.Errorf("production changed: %+v", prod)
	}
	k := f.read(t, "overlays/staging/kustomization.yaml")
	if !strings.HasPrefix(k, "# Staging: golden bump writes") || !strings.Contains(k, `newTag: "1.2.3"`) {
		t.Errorf("the kustomization lost its comment or quoting:\n%s", k)
	}

	log := f.srv.Log(t, "gitops.git", "main")
	if len(log) != 2 || log[1].Hash != before {
		t.Fatalf("log = %+v", log)
	}
	wantMsg := "bump go-service in overlays/staging to 1.2.3@sha256:aaaaaaaaaaaa…\n\n" +
		"Golden-Image: " + exampleImage + ":1.2.3@" + digestA + "\n" +
		"Golden-Digest: " + digestA + "\n" +
		"Golden-Source-Commit: 0123456789abcdef0123456789abcdef01234567\n"
	if log[0].Message != wantMsg {
		t.Errorf("commit message:\n%s\nwant:\n%s", log[0].Message, wantMsg)
	}
	assertNoCanary(t, "commit message", log[0].Message)

	for _, want := range []string{"images[name=" + exampleImage + "].newTag: 0.1.0 -> 1.2.3", "pushed to main", log[0].Hash} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	for _, want := range []string{"golden bump: cloning " + f.url, "golden bump: pushing to " + f.url} {
		if !strings.Contains(got.stderr, want) {
			t.Errorf("stderr lacks the progress line %q:\n%s", want, got.stderr)
		}
	}

	run := readResult(t, res)
	st, ok := run.Stage("bump")
	if !ok || st.Status != result.Passed {
		t.Errorf("stage = %+v", st)
	}
	want := map[string]string{
		"image":   exampleImage + ":1.2.3@" + digestA,
		"digest":  digestA,
		"version": "1.2.3",
		"commit":  log[0].Hash,
		"changed": "true",
		"branch":  "main",
	}
	for k, v := range want {
		if run.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, run.Outputs[k], v)
		}
	}

	// The same bump again: no commit, exit 0, says so.
	again := golden(t, f.env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--tag", "1.2.3", "--digest", digestA, "--result", res)
	if again.code != 0 || !strings.Contains(again.stdout, "no change: overlays/staging already runs") {
		t.Errorf("re-run: exit %d\n%s\n%s", again.code, again.stdout, again.stderr)
	}
	if h := f.head(t); h != log[0].Hash {
		t.Errorf("re-run moved main to %s", h)
	}
	if r := readResult(t, res); r.Outputs["changed"] != "false" || r.Outputs["commit"] != log[0].Hash {
		t.Errorf("re-run outputs = %v", r.Outputs)
	}
}

// TestBumpConcurrent is the lost-update test of the command: 20 bumps,
// each of another service listed in one kustomization, run at once
// against one repository. All must land: 20 commits, 20 images.
func TestBumpConcurrent(t *testing.T) {
	t.Parallel()
	const services = 20
	var k strings.Builder
	k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n")
	for i := range services {
		fmt.Fprintf(&k, "  - name: registry.example.com/acme/svc-%02d\n    newTag: 1.0.0\n", i)
	}
	f := newGitopsFixture(t, map[string]string{"apps/staging/kustomization.yaml": k.String()})
	initial := f.head(t)

	stop := testtool.WatchProcesses(t, canaryGitToken)
	outs := make([]invocation, services)
	var wg sync.WaitGroup
	for i := range services {
		wg.Go(func() {
			outs[i] = golden(t, f.env, "bump", "--repo", f.url, "--path", "apps/staging",
				"--image", fmt.Sprintf("registry.example.com/acme/svc-%02d", i),
				"--tag", "1.1.0", "--digest", fmt.Sprintf("sha256:%064x", i+1))
		})
	}
	wg.Wait()
	seen := stop()

	attempts, most := 0, 0
	for i, got := range outs {
		if got.code != 0 {
			t.Errorf("bump %d: exit %d\n%s\n%s", i, got.code, got.stdout, got.stderr)
		}
		assertClean(t, got)
		n := strings.Count(got.stderr, "retrying on the new head") + 1
		attempts += n
		most = max(most, n)
	}
	log := f.srv.Log(t, "gitops.git", "main")
	if len(log) != services+1 || log[services].Hash != initial {
		t.Fatalf("main has %d commits, want %d", len(log), services+1)
	}
	subjects := map[string]bool{}
	for _, c := range log[:services] {
		subjects[c.Subject()] = true
		if len(c.Parents) != 1 {
			t.Errorf("commit %s has parents %v: want a linear history", c.Hash, c.Parents)
		}
	}
	final := f.read(t, "apps/staging/kustomization.yaml")
	for i := range services {
		name := fmt.Sprintf("registry.example.com/acme/svc-%02d", i)
		digest := fmt.Sprintf("sha256:%064x", i+1)
		if !subjects[fmt.Sprintf("bump svc-%02d in apps/staging to 1.1.0@%s", i, promote.ShortDigest(digest))] {
			t.Errorf("the commit of svc-%02d is missing", i)
		}
		img, err := gitops.CurrentImageBytes("kustomization.yaml", []byte(final), name, gitops.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if img.Tag != "1.1.0" || img.Digest != digest {
			t.Errorf("svc-%02d runs %s: update lost", i, img.Ref())
		}
	}
	t.Logf("%d bumps landed in %d attempts (at most %d for one, of %d allowed); %d git requests; watched %d processes",
		services, attempts, most, gitrepo.DefaultMaxAttempts, f.srv.Requests().Total, seen)
}

func TestBumpDryRun(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	before := f.head(t)
	got := golden(t, f.env, "bump", "--dry-run", "--repo", f.url, "--path", "overlays/staging",
		"--image", exampleImage, "--tag", "1.2.3")
	if got.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	for _, want := range []string{
		"--- a/overlays/staging/kustomization.yaml",
		"+++ b/overlays/staging/kustomization.yaml",
		`-    newTag: "0.1.0"`,
		`+    newTag: "1.2.3"`,
		"dry run: would commit \"bump go-service in overlays/staging to 1.2.3\" to main; nothing pushed",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if f.head(t) != before || f.srv.Requests().ReceivePack != 0 {
		t.Errorf("a dry run pushed")
	}
}

// TestBumpBranch pushes to a review branch and leaves main alone.
func TestBumpBranch(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	before := f.head(t)
	got := golden(t, f.env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--digest", digestB, "--branch", "golden/bump-staging", "--base", "main")
	if got.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stdout, "branch: golden/bump-staging (open a pull or merge request into main)") {
		t.Errorf("stdout:\n%s", got.stdout)
	}
	if f.head(t) != before {
		t.Errorf("main moved")
	}
	k := f.srv.ReadFile(t, "gitops.git", "golden/bump-staging", "overlays/staging/kustomization.yaml")
	img, err := gitops.CurrentImageBytes("kustomization.yaml", []byte(k), exampleImage, gitops.Options{})
	if err != nil || img.Digest != digestB || img.Tag != "" {
		t.Errorf("branch runs %+v, %v", img, err)
	}
}

// TestBumpHelmAndManifests bumps Helm values and plain manifests, with
// custom Helm value paths.
func TestBumpHelmAndManifests(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{
		"helm/staging/values.yaml": "app:\n  image:\n    repo: " + exampleImage + "\n    version: 1.0.0 # set by golden\n",
		"plain/staging/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: go-service\nspec:\n  template:\n    spec:\n" +
			"      containers:\n        - name: app\n          image: " + exampleImage + ":1.0.0\n",
	})
	got := golden(t, nil, "bump", "--repo", repo, "--path", "helm/staging", "--image", exampleImage, "--tag", "1.1.0",
		"--helm-repository-path", "app.image.repo", "--helm-tag-path", "app.image.version", "--helm-digest-path", "app.image.digest")
	if got.code != 0 {
		t.Fatalf("helm: exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	if v := gitserver.ReadFile(t, repo, "main", "helm/staging/values.yaml"); !strings.Contains(v, "version: 1.1.0 # set by golden") {
		t.Errorf("values.yaml:\n%s", v)
	}
	got = golden(t, nil, "bump", "--repo", repo, "--path", "plain/staging/deploy.yaml", "--kind", "manifests",
		"--image", exampleImage, "--tag", "1.1.0", "--digest", digestA, "--message", "ship it")
	if got.code != 0 {
		t.Fatalf("manifests: exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	if v := gitserver.ReadFile(t, repo, "main", "plain/staging/deploy.yaml"); !strings.Contains(v, "image: "+exampleImage+":1.1.0@"+digestA) {
		t.Errorf("deploy.yaml:\n%s", v)
	}
	if log := gitserver.Log(t, repo, "main"); log[0].Subject() != "ship it" || !strings.Contains(log[0].Message, "Golden-Digest: "+digestA) {
		t.Errorf("commit: %q", log[0].Message)
	}
}

// TestBumpKeepsNewName is issue 9's overlay: a digest bump keeps the
// registry the environment pulls from (newName) and removes the stale
// newTag, saying so.
func TestBumpKeepsNewName(t *testing.T) {
	t.Parallel()
	const file = "overlays/production/kustomization.yaml"
	repo := gitserver.NewBareRepo(t, map[string]string{
		file: "resources:\n  - ../../base\nimages:\n  - name: " + exampleImage + "\n" +
			"    newName: registry.acme.internal/prod/go-service # the internal mirror\n" +
			"    newTag: 1.4.2\n    digest: " + digestA + "\n",
	})
	got := golden(t, nil, "bump", "--repo", repo, "--path", "overlays/production", "--image", exampleImage, "--digest", digestB)
	if got.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	want := "resources:\n  - ../../base\nimages:\n  - name: " + exampleImage + "\n" +
		"    newName: registry.acme.internal/prod/go-service # the internal mirror\n" +
		"    digest: " + digestB + "\n"
	if k := gitserver.ReadFile(t, repo, "main", file); k != want {
		t.Errorf("%s:\n%s\nwant:\n%s", file, k, want)
	}
	line := file + ":6: images[name=" + exampleImage + "].newTag: 1.4.2 -> (none) (stale: "
	if !strings.Contains(got.stdout, line) {
		t.Errorf("stdout does not say why newTag went (%q):\n%s", line, got.stdout)
	}
}

// TestBumpBadInput: each bad input fails with a clear message and the
// contract's exit code, pushes nothing and leaks no secret.
func TestBumpBadInput(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, map[string]string{
		"helm/staging/values.yaml":            "image:\n  repository: registry.example.com/acme/other\n  tag: 1.0.0\n",
		"plain/staging/deployment.yaml":       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec:\n      containers:\n        - name: other\n          image: registry.example.com/acme/other:1.0.0\n",
		"broken/staging/kustomization.yaml":   "resources:\n  - ../../base\nimages:\n  - name: " + exampleImage + "\n    newTag: [1.0.0\n",
		"notalist/staging/kustomization.yaml": "images: " + exampleImage + "\n",
	})
	before := f.head(t)
	closed := "http://" + promotetest.ClosedAddr(t) + "/gitops.git"
	wrongToken := map[string]string{gitrepo.EnvUsername: canaryGitUser, gitrepo.EnvToken: "wrong-" + canaryGitToken}
	base := []string{"bump", "--repo", f.url, "--image", exampleImage}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"missing overlay", nil, []string{"--path", "overlays/nope", "--tag", "1.2.3"}, exitcode.Usage, `"overlays/nope": no such file or directory`},
		{"image not in manifests", nil, []string{"--path", "plain/staging", "--tag", "1.2.3"}, exitcode.Usage, `image "` + exampleImage + `" not found in "plain/staging/deployment.yaml"`},
		{"image not in helm values", nil, []string{"--path", "helm/staging", "--tag", "1.2.3"}, exitcode.Usage, `no image.repository equal to "` + exampleImage + `"`},
		{"malformed kustomization", nil, []string{"--path", "broken/staging", "--tag", "1.2.3"}, exitcode.Usage, "broken/staging/kustomization.yaml"},
		{"images not a list", nil, []string{"--path", "notalist/staging", "--tag", "1.2.3"}, exitcode.Usage, "images is not a list"},
		{"bad digest", nil, []string{"--path", "overlays/staging", "--digest", "sha256:abc"}, exitcode.Usage, `bad digest "sha256:abc"`},
		{"bad tag", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3+build"}, exitcode.Usage, `bad tag "1.2.3+build"`},
		{"no tag or digest", nil, []string{"--path", "overlays/staging"}, exitcode.Usage, "give --tag, --digest or both"},
		{"path outside the repository", nil, []string{"--path", "../etc", "--tag", "1.2.3"}, exitcode.Usage, "want a path inside the GitOps repository"},
		{"absolute path", nil, []string{"--path", "/etc", "--tag", "1.2.3"}, exitcode.Usage, "want a path inside the GitOps repository"},
		{"unknown kind", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3", "--kind", "jsonnet"}, exitcode.Usage, `unknown kind "jsonnet"`},
		{"bad branch", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3", "--branch", "a..b"}, exitcode.Usage, `invalid branch name "a..b"`},
		{"missing base branch", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3", "--base", "nope"}, exitcode.Usage, `branch "nope" not found`},
		{"bad source commit", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3", "--source-commit", "a b"}, exitcode.Usage, `source commit "a b"`},
		{"wrong token", wrongToken, []string{"--path", "overlays/staging", "--tag", "1.2.3"}, exitcode.Usage, "invalid credentials"},
		{"no credentials", map[string]string{}, []string{"--path", "overlays/staging", "--tag", "1.2.3"}, exitcode.Usage, "credentials required"},
		{"unreachable remote", nil, []string{"--repo", closed, "--path", "overlays/staging", "--tag", "1.2.3"}, exitcode.Infra, "unreachable"},
		{"missing repository", nil, []string{"--repo", filepath.Join(t.TempDir(), "nope.git"), "--path", "overlays/staging", "--tag", "1.2.3"}, exitcode.Usage, "repository not found"},
		{"no --repo", nil, []string{"--repo", "", "--path", "overlays/staging", "--tag", "1.2.3"}, exitcode.Usage, "--repo is required"},
		{"stray argument", nil, []string{"--path", "overlays/staging", "--tag", "1.2.3", "extra"}, exitcode.Usage, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := tt.env
			if env == nil {
				env = f.env
			}
			assertGitOpsFailure(t, env, append(append([]string{}, base...), tt.args...), tt.code, tt.want, "bump", false)
		})
	}
	t.Cleanup(func() {
		if h := f.head(t); h != before {
			t.Errorf("main moved to %s: bad input pushed something", h)
		}
		if n := f.srv.Requests().ReceivePack; n != 0 {
			t.Errorf("%d pushes, want none", n)
		}
	})
}

// lastLine is the last line of s: the error of a failed command.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// assertGitOpsFailure runs golden with args and env and checks a failed
// bump or promote: the exit code, want in stderr, no temporary clone
// named, nothing leaked, and a failed stage with its error in the result
// file (when mustRecord, or when the file was written).
func assertGitOpsFailure(t *testing.T, env map[string]string, args []string, code int, want, stage string, mustRecord bool) {
	t.Helper()
	res := filepath.Join(t.TempDir(), "result.json")
	got := golden(t, env, append(args, "--result", res)...)
	t.Logf("exit %d: %s", got.code, lastLine(got.stderr))
	if got.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got.code, code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, got.stderr)
	}
	if strings.Contains(got.stderr, "golden-promote-") || strings.Contains(got.stderr, "golden-gitrepo-") {
		t.Errorf("the message names the temporary clone:\n%s", got.stderr)
	}
	assertClean(t, got)
	if _, err := os.Stat(res); err == nil || mustRecord {
		run := readResult(t, res)
		if st, ok := run.Stage(stage); !ok || st.Status == result.Passed || st.Error == "" {
			t.Errorf("stage = %+v", st)
		}
	}
}

// TestBumpPolicy: golden bump --policy refuses a change to an environment
// that violates the policies (a root container; exit 1, nothing pushed)
// and bumps a compliant one, printing the verdict.
func TestBumpPolicy(t *testing.T) {
	t.Parallel()
	files := promotetest.ExampleFiles(t)
	files["overlays/dev/kustomization.yaml"] = strings.Replace(files["overlays/staging/kustomization.yaml"], "namespace: staging",
		"namespace: dev\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/securityContext/runAsUser\n        value: 0", 1)
	repo := gitserver.NewBareRepo(t, files)
	policies := filepath.Join(testtool.Root(), "examples", "policy")
	head := gitserver.Head(t, repo, "main")
	refused := golden(t, nil, "bump", "--repo", repo, "--path", "overlays/dev", "--image", exampleImage, "--tag", "0.2.0", "--policy", policies)
	if refused.code != exitcode.Failed || !strings.Contains(refused.stderr, "runs as root") {
		t.Errorf("root container: exit %d\n%s", refused.code, refused.stderr)
	}
	if gitserver.Head(t, repo, "main") != head {
		t.Error("the refused bump pushed")
	}
	ok := golden(t, nil, "bump", "--repo", repo, "--path", "overlays/staging", "--image", exampleImage, "--tag", "0.2.0", "--policy", policies)
	if ok.code != 0 || !strings.Contains(ok.stdout, "policy passed:") {
		t.Errorf("compliant bump: exit %d\n%s\n%s", ok.code, ok.stdout, ok.stderr)
	}

	// The same through the service's golden.yaml: policy.dir beside it,
	// the repository, the image and the environments by name.
	svc := t.TempDir()
	if err := os.CopyFS(filepath.Join(svc, "policy"), os.DirFS(policies)); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(svc, "golden.yaml")
	testtool.WriteFiles(t, svc, map[string]string{"golden.yaml": "language: go\nimage: {repository: " + exampleImage + "}\npolicy: {dir: policy}\n" +
		"gitops:\n  repo: " + repo + "\n  environments:\n    dev: {path: overlays/dev}\n    staging: {path: overlays/staging}\n"})
	head = gitserver.Head(t, repo, "main")
	if got := golden(t, nil, "bump", "--config", cfg, "--path", "dev", "--tag", "0.3.0"); got.code != exitcode.Failed || !strings.Contains(got.stderr, "runs as root") {
		t.Errorf("--config, root container: exit %d\n%s", got.code, got.stderr)
	}
	if gitserver.Head(t, repo, "main") != head {
		t.Error("the refused bump pushed")
	}
	if got := golden(t, nil, "bump", "--config", cfg, "--path", "staging", "--tag", "0.3.0"); got.code != 0 || !strings.Contains(got.stdout, "policy passed:") {
		t.Errorf("--config, compliant bump: exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
}
