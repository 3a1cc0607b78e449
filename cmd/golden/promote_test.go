package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// trailers returns the trailers of a commit message as a map.
func trailers(msg string) map[string]string {
	m := map[string]string{}
	for _, tr := range gitrepo.ParseTrailers(msg) {
		m[tr.Key] = tr.Value
	}
	return m
}

// TestBumpAndPromoteEndToEnd is the release flow of
// examples/gitops/README.md, step by step, against a git server and a
// registry that both require credentials: bump staging to a build, promote
// it to production with --version, bump staging again, promote with
// --bump minor, re-run the promotion.
func TestBumpAndPromoteEndToEnd(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	stop := testtool.WatchProcesses(t, canaryGitToken, canaryRegPassword)
	defer stop()
	stagingRepo := f.reg.Repo("acme/go-service")
	prodRepo := f.reg.Repo("acme/go-service-prod")
	resultFile := filepath.Join(t.TempDir(), "golden-result.json")
	env := map[string]string{"GITHUB_ACTOR": "octocat"}
	for k, v := range f.env {
		env[k] = v
	}
	run := func(args ...string) invocation {
		t.Helper()
		got := golden(t, env, args...)
		assertClean(t, got)
		if got.code != 0 {
			t.Fatalf("golden %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got.code, got.stdout, got.stderr)
		}
		return got
	}

	// 1. CI built 1.2.3 and bumps staging to it.
	d1 := f.reg.PushIndex(t, "acme/go-service", "1.2.3")
	run("bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", stagingRepo, "--tag", "1.2.3", "--digest", d1, "--source-commit", "1111111111111111111111111111111111111111")
	if img := f.current(t, "overlays/staging"); img.NewName != stagingRepo || img.Tag != "1.2.3" || img.Digest != d1 {
		t.Fatalf("staging runs %+v", img)
	}

	// 2. The release engineer promotes it to production as 1.0.0.
	stagedAt := f.head(t)
	got := run("promote", "--repo", f.url, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", prodRepo, "--version", "1.0.0", "--result", resultFile)
	for _, want := range []string{"copied: " + stagingRepo + "@" + d1 + " to " + prodRepo, "tagged: " + prodRepo + ":1.0.0@" + d1,
		"promoted: promote go-service 1.0.0 from overlays/staging to overlays/production"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if img := f.current(t, "overlays/production"); img.NewName != prodRepo || img.Tag != "1.0.0" || img.Digest != d1 {
		t.Errorf("production runs %+v", img)
	}
	if d := f.reg.Digest(t, "acme/go-service-prod:1.0.0"); d != d1 {
		t.Errorf("prod 1.0.0 = %s, want %s", d, d1)
	}
	if p := f.reg.Platforms(t, "acme/go-service-prod@"+d1); !slices.Equal(p, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("prod index platforms = %v", p)
	}
	promoted := f.srv.Log(t, "gitops.git", "main")[0]
	if promoted.Parents[0] != stagedAt {
		t.Errorf("promotion commit's parent %v, want %s", promoted.Parents, stagedAt)
	}

	// 3. The next build goes to staging.
	d2 := f.reg.PushIndex(t, "acme/go-service", "1.3.0")
	run("bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", stagingRepo, "--tag", "1.3.0", "--digest", d2)
	stagedAt = f.head(t)

	// 4. Promote it as the next minor version.
	got = run("promote", "--repo", f.url, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", prodRepo, "--bump", "minor", "--result", resultFile)
	if img := f.current(t, "overlays/production"); img.NewName != prodRepo || img.Tag != "1.1.0" || img.Digest != d2 {
		t.Errorf("production runs %+v", img)
	}
	k := f.read(t, "overlays/production/kustomization.yaml")
	if !strings.HasPrefix(k, "# Production: only golden promote writes here") || !strings.Contains(k, "count: 3") {
		t.Errorf("production kustomization lost content:\n%s", k)
	}
	if d := f.reg.Digest(t, "acme/go-service-prod:1.1.0"); d != d2 {
		t.Errorf("prod 1.1.0 = %s, want %s", d, d2)
	}
	if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.0.0", "1.1.0"}) {
		t.Errorf("prod tags = %v", tags)
	}

	// The real kustomize renders production with the promoted image.
	work := filepath.Join(t.TempDir(), "gitops")
	gitserver.Git(t, "", "clone", "--quiet", f.gitDir(), work)
	cmd := exec.Command(testtool.Path(t, "kustomize"), "build", filepath.Join(work, "overlays", "production"))
	rendered, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	if !strings.Contains(string(rendered), "image: "+prodRepo+":1.1.0@"+d2+"\n") {
		t.Errorf("kustomize build overlays/production:\n%s", rendered)
	}

	// The audit trail.
	log := f.srv.Log(t, "gitops.git", "main")
	c := log[0]
	if c.Subject() != "promote go-service 1.1.0 from overlays/staging to overlays/production" {
		t.Errorf("subject = %q", c.Subject())
	}
	wantTrailers := map[string]string{
		"Golden-Promoted-By":  "octocat",
		"Golden-From":         "overlays/staging",
		"Golden-To":           "overlays/production",
		"Golden-Image":        prodRepo + ":1.1.0@" + d2,
		"Golden-Digest":       d2,
		"Golden-Version":      "1.1.0",
		"Golden-Source-Image": stagingRepo + ":1.3.0@" + d2,
		"Golden-From-Commit":  stagedAt, // the GitOps commit; Golden-Source-Commit is bump's application commit
	}
	if tr := trailers(c.Message); !equalMaps(tr, wantTrailers) {
		t.Errorf("trailers = %v\nwant %v", tr, wantTrailers)
	}
	for _, commit := range log {
		assertNoCanary(t, "commit message", commit.Message)
	}

	// The outputs a CI job sees.
	r := readResult(t, resultFile)
	if st, ok := r.Stage("promote"); !ok || st.Status != result.Passed || !strings.Contains(st.Summary, "promoted "+prodRepo+" 1.1.0") {
		t.Errorf("stage = %+v", st)
	}
	wantOut := map[string]string{
		"digest": d2, "version": "1.1.0", "commit": c.Hash, "image": prodRepo + ":1.1.0@" + d2,
		"source_image": stagingRepo + "@" + d2, "source_commit": stagedAt, "changed": "true", "branch": "main",
	}
	if !equalMaps(r.Outputs, wantOut) {
		t.Errorf("outputs = %v\nwant %v", r.Outputs, wantOut)
	}
	if r.Image == nil || r.Image.Name != prodRepo || r.Image.Digest != d2 || !slices.Equal(r.Image.Tags, []string{"1.1.0"}) {
		t.Errorf("result image = %+v", r.Image)
	}

	// 5. A dry run of the completed promotion says that nothing would
	// change, and pushes, copies and tags nothing.
	head, receives := f.head(t), f.srv.Requests().ReceivePack
	dryResult := filepath.Join(t.TempDir(), "dry-run-result.json")
	got = run("promote", "--repo", f.url, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", prodRepo, "--bump", "minor", "--dry-run", "--result", dryResult)
	for _, want := range []string{"already copied", "already tagged",
		"dry run: already promoted: overlays/production runs " + prodRepo + ":1.1.0@" + d2, "nothing would change"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("dry run stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	for _, notWant := range []string{"would copy", "would tag", "would commit"} {
		if strings.Contains(got.stdout, notWant) {
			t.Errorf("dry run stdout holds %q:\n%s", notWant, got.stdout)
		}
	}
	if f.head(t) != head || f.srv.Requests().ReceivePack != receives {
		t.Errorf("the dry run pushed")
	}
	if r := readResult(t, dryResult); r.Outputs["changed"] != "false" || r.Outputs["commit"] != head {
		t.Errorf("dry run outputs = %v", r.Outputs)
	} else if st, _ := r.Stage("promote"); !strings.HasPrefix(st.Summary, "dry run: already promoted: "+prodRepo+" 1.1.0") {
		t.Errorf("dry run stage = %+v", st)
	}

	// 6. Re-running the promotion changes nothing.
	got = run("promote", "--repo", f.url, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", prodRepo, "--bump", "minor", "--result", resultFile)
	for _, want := range []string{"version: 1.1.0 (the digest already carries it)", "already copied", "already tagged",
		"already promoted: overlays/production runs " + prodRepo + ":1.1.0@" + d2} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("re-run stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if f.head(t) != head || f.srv.Requests().ReceivePack != receives {
		t.Errorf("the re-run pushed")
	}
	if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.0.0", "1.1.0"}) {
		t.Errorf("prod tags after the re-run = %v", tags)
	}
	if r := readResult(t, resultFile); r.Outputs["changed"] != "false" || r.Outputs["commit"] != head {
		t.Errorf("re-run outputs = %v", r.Outputs)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPromoteWalkthroughLocalPath runs the commands of
// examples/gitops/README.md as written there, against a local bare
// repository (a path) and a registry without credentials.
func TestPromoteWalkthroughLocalPath(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, promotetest.ExampleFiles(t))
	reg := promotetest.NewRegistry(t, "", "")
	host := reg.Host // localhost:5000 in the README
	env := map[string]string{"USER": "alice"}
	cfg := filepath.Join(t.TempDir(), "golden.yaml")
	if err := os.WriteFile(cfg, []byte("language: go\ngitops:\n  repo: "+repo+"\n  environments:\n    staging:\n      path: overlays/staging\n    production:\n      path: overlays/production\n      image: "+host+"/acme/go-service-prod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(args ...string) invocation {
		t.Helper()
		got := golden(t, env, args...)
		if got.code != 0 {
			t.Fatalf("golden %s: exit %d\n%s\n%s", strings.Join(args, " "), got.code, got.stdout, got.stderr)
		}
		return got
	}
	digest := reg.PushIndex(t, "acme/go-service", "1.2.3")
	must("bump", "--repo", repo, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", host+"/acme/go-service", "--tag", "1.2.3", "--digest", digest)
	dry := must("promote", "--repo", repo, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", host+"/acme/go-service-prod", "--version", "1.0.0", "--dry-run")
	if !strings.Contains(dry.stdout, "+    newName: "+host+"/acme/go-service-prod") || !strings.Contains(dry.stdout, "nothing copied, tagged or pushed") {
		t.Errorf("dry run:\n%s", dry.stdout)
	}
	if tags := reg.Tags(t, "acme/go-service-prod"); len(tags) != 0 {
		t.Errorf("the dry run tagged %v", tags)
	}
	must("promote", "--repo", repo, "--image", exampleImage, "--from", "overlays/staging", "--to", "overlays/production",
		"--to-image", host+"/acme/go-service-prod", "--version", "1.0.0")
	next := reg.PushIndex(t, "acme/go-service", "1.3.0")
	must("bump", "--repo", repo, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", host+"/acme/go-service", "--tag", "1.3.0", "--digest", next)
	// golden.yaml names the repository and the environments: the README's
	// golden promote --config golden.yaml --from staging --to production.
	must("promote", "--config", cfg, "--image", exampleImage, "--from", "staging", "--to", "production", "--bump", "minor")
	head := gitserver.Head(t, repo, "main")
	again := must("promote", "--config", cfg, "--image", exampleImage, "--from", "staging", "--to", "production", "--bump", "minor")
	if !strings.Contains(again.stdout, "already promoted") || gitserver.Head(t, repo, "main") != head {
		t.Errorf("re-run:\n%s", again.stdout)
	}
	prod := gitserver.ReadFile(t, repo, "main", "overlays/production/kustomization.yaml")
	if !strings.Contains(prod, "newName: "+host+"/acme/go-service-prod") || !strings.Contains(prod, `newTag: "1.1.0"`) || !strings.Contains(prod, "digest: "+next) {
		t.Errorf("production:\n%s", prod)
	}
	if tr := trailers(gitserver.Log(t, repo, "main")[0].Message); tr["Golden-Promoted-By"] != "alice" || tr["Golden-Version"] != "1.1.0" {
		t.Errorf("trailers = %v", tr)
	}
	if tags := reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.0.0", "1.1.0"}) {
		t.Errorf("tags = %v", tags)
	}

	// production's verifyKey (a file beside golden.yaml) refuses the
	// unsigned 1.3.0: exit 1, nothing tagged or committed.
	_, pubPEM, err := attest.GenerateKey([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(t.TempDir(), "golden.yaml")
	testtool.WriteFiles(t, filepath.Dir(signed), map[string]string{
		"keys/cosign.pub": string(pubPEM),
		"golden.yaml": "language: go\ngitops:\n  repo: " + repo + "\n  environments:\n    staging:\n      path: overlays/staging\n    production:\n" +
			"      path: overlays/production\n      image: " + host + "/acme/go-service-prod\n      verifyKey: keys/cosign.pub\n",
	})
	head = gitserver.Head(t, repo, "main")
	refused := golden(t, env, "promote", "--config", signed, "--image", exampleImage, "--from", "staging", "--to", "production", "--bump", "minor")
	if refused.code != exitcode.Failed || !strings.Contains(refused.stderr, "no signature") && !strings.Contains(refused.stderr, "not verified") {
		t.Errorf("unsigned promotion: exit %d\n%s", refused.code, refused.stderr)
	}
	if gitserver.Head(t, repo, "main") != head || len(reg.Tags(t, "acme/go-service-prod")) != 2 {
		t.Error("the refused promotion moved something")
	}
}

// TestPromoteConcurrent: two promotions of the same version at once leave
// one commit and one tag.
func TestPromoteConcurrent(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "1.4.0-build.7")
	f.reg.PushIndex(t, "acme/go-service-prod", "1.3.0")
	if got := golden(t, f.env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", f.reg.Repo("acme/go-service"), "--digest", digest); got.code != 0 {
		t.Fatalf("bump: %d %s", got.code, got.stderr)
	}
	before := f.head(t)

	outs := make([]invocation, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			outs[i] = golden(t, f.env, "promote", "--repo", f.url, "--image", exampleImage,
				"--from", "overlays/staging", "--to", "overlays/production",
				"--to-image", f.reg.Repo("acme/go-service-prod"), "--bump", "minor")
		})
	}
	wg.Wait()
	for i, got := range outs {
		if got.code != 0 {
			t.Errorf("promotion %d: exit %d\n%s\n%s", i, got.code, got.stdout, got.stderr)
		}
		assertClean(t, got)
	}
	log := f.srv.Log(t, "gitops.git", "main")
	if len(log) < 2 || log[1].Hash != before {
		t.Fatalf("main has %d new commits, want 1: %+v", len(log)-1, log)
	}
	if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.3.0", "1.4.0"}) {
		t.Errorf("prod tags = %v, want [1.3.0 1.4.0]", tags)
	}
	if img := f.current(t, "overlays/production"); img.Tag != "1.4.0" || img.Digest != digest {
		t.Errorf("production runs %+v", img)
	}
	pushed := 0
	for _, got := range outs {
		if strings.Contains(got.stdout, "promoted: promote go-service 1.4.0") {
			pushed++
		}
	}
	if pushed != 1 {
		t.Errorf("%d promotions say they pushed, want 1:\n%s\n%s", pushed, outs[0].stdout, outs[1].stdout)
	}
}

// TestPromoteStagingPinnedByTag: a source environment without digest is
// resolved in the registry, with a warning; without --to-image the
// version tag goes on the source repository.
func TestPromoteStagingPinnedByTag(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "main-42")
	if got := golden(t, f.env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", f.reg.Repo("acme/go-service"), "--tag", "main-42"); got.code != 0 {
		t.Fatalf("bump: %d %s", got.code, got.stderr)
	}
	got := golden(t, f.env, "promote", "--repo", f.url, "--image", exampleImage, "--from", "overlays/staging",
		"--to", "overlays/production", "--bump", "patch", "--actor", "carol")
	if got.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stderr, "golden promote: warning: overlays/staging is not pinned by digest") {
		t.Errorf("no warning:\n%s", got.stderr)
	}
	if img := f.current(t, "overlays/production"); img.NewName != f.reg.Repo("acme/go-service") || img.Tag != "0.0.1" || img.Digest != digest {
		t.Errorf("production runs %+v", img)
	}
	if d := f.reg.Digest(t, "acme/go-service:0.0.1"); d != digest {
		t.Errorf("0.0.1 = %q", d)
	}
}

// TestPromoteBadInput: each bad input fails with a clear message and the
// contract's exit code, pushes nothing and leaks no secret.
func TestPromoteBadInput(t *testing.T) {
	t.Parallel()
	f := newGitopsFixture(t, map[string]string{
		"helm/production/values.yaml":          "image:\n  repository: registry.example.com/acme/other\n  tag: 1.0.0\n",
		"plain/production/deployment.yaml":     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec:\n      containers:\n        - name: other\n          image: registry.example.com/acme/other:1.0.0\n",
		"broken/production/kustomization.yaml": "images:\n  - name: " + exampleImage + "\n    newTag: [1.0.0\n",
		"notag/staging/kustomization.yaml":     "images:\n  - name: " + exampleImage + "\n    newName: registry.example.com/acme/x\n",
	})
	prod := f.reg.Repo("acme/go-service-prod")
	digest := f.reg.PushIndex(t, "acme/go-service", "1.5.0")
	other := f.reg.PushIndex(t, "acme/go-service-prod", "1.3.0")
	if got := golden(t, f.env, "bump", "--repo", f.url, "--path", "overlays/staging", "--image", exampleImage,
		"--new-name", f.reg.Repo("acme/go-service"), "--tag", "1.5.0", "--digest", digest); got.code != 0 {
		t.Fatalf("bump: %d %s", got.code, got.stderr)
	}
	before := f.head(t)
	receives := f.srv.Requests().ReceivePack
	closedRepo := "http://" + promotetest.ClosedAddr(t) + "/gitops.git"
	closedReg := promotetest.ClosedAddr(t) + "/acme/go-service-prod"
	wrongToken := map[string]string{gitrepo.EnvUsername: canaryGitUser, gitrepo.EnvToken: "wrong-" + canaryGitToken,
		envRegistryUsername: canaryRegUser, envRegistryPassword: canaryRegPassword}
	wrongRegistry := map[string]string{gitrepo.EnvUsername: canaryGitUser, gitrepo.EnvToken: canaryGitToken,
		envRegistryUsername: canaryRegUser, envRegistryPassword: "wrong-" + canaryRegPassword}
	onlyUser := map[string]string{gitrepo.EnvUsername: canaryGitUser, gitrepo.EnvToken: canaryGitToken, envRegistryUsername: canaryRegUser}
	cfg := filepath.Join(t.TempDir(), "golden.yaml")
	if err := os.WriteFile(cfg, []byte("gitops:\n  environments:\n    staging:\n      path: overlays/staging\n      colour: blue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"promote", "--repo", f.url, "--image", exampleImage}
	std := []string{"--from", "overlays/staging", "--to", "overlays/production", "--to-image", prod}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"missing source overlay", nil, []string{"--from", "overlays/nope", "--to", "overlays/production", "--bump", "minor"}, exitcode.Usage, `"overlays/nope": no such file or directory`},
		{"missing target overlay", nil, []string{"--from", "overlays/staging", "--to", "overlays/prod", "--to-image", prod, "--bump", "minor"}, exitcode.Usage, `"overlays/prod": no such file or directory`},
		{"image not in the source", nil, []string{"--from", "base", "--to", "overlays/production", "--to-image", prod, "--bump", "minor"}, exitcode.Usage, `image "` + exampleImage + `" not found in "base/kustomization.yaml"`},
		{"image not in target manifests", nil, []string{"--from", "overlays/staging", "--to", "plain/production", "--to-image", prod, "--bump", "minor"}, exitcode.Usage, `not found in "plain/production/deployment.yaml"`},
		{"image not in target helm values", nil, []string{"--from", "overlays/staging", "--to", "helm/production", "--to-image", prod, "--bump", "minor"}, exitcode.Usage, `no image.repository equal to "` + exampleImage + `"`},
		{"malformed target kustomization", nil, []string{"--from", "overlays/staging", "--to", "broken/production", "--to-image", prod, "--bump", "minor"}, exitcode.Usage, "broken/production/kustomization.yaml"},
		{"source without tag or digest", nil, []string{"--from", "notag/staging", "--to", "overlays/production", "--bump", "minor"}, exitcode.Usage, "notag/staging sets no tag and no digest"},
		{"invalid version", nil, append(std, "--version", "1.4"), exitcode.Usage, `invalid version "1.4"`},
		{"invalid constraint", nil, append(std, "--bump", "minor", "--constraint", ">>= 1.0"), exitcode.Usage, `invalid version constraint ">>= 1.0"`},
		{"unknown bump", nil, append(std, "--bump", "huge"), exitcode.Usage, `unknown bump "huge"`},
		{"version and bump", nil, append(std, "--bump", "minor", "--version", "1.4.0"), exitcode.Usage, "not both"},
		{"no version", nil, std, exitcode.Usage, "give --version X.Y.Z or --bump"},
		{"same environment", nil, []string{"--from", "overlays/staging", "--to", "overlays/staging/", "--bump", "minor"}, exitcode.Usage, "same environment"},
		{"bad target repository", nil, []string{"--from", "overlays/staging", "--to", "overlays/production", "--to-image", prod + ":1.0", "--bump", "minor"}, exitcode.Usage, "target image repository"},
		{"downgrade", nil, append(std, "--version", "1.2.0"), exitcode.Failed, "refusing to downgrade"},
		{"constraint", nil, append(std, "--bump", "major", "--constraint", "< 2.0"), exitcode.Failed, `does not satisfy the constraint "< 2.0"`},
		{"tag points elsewhere", nil, append(std, "--version", "1.3.0"), exitcode.Failed, `tag "1.3.0" in ` + prod + " already points to " + other},
		{"bad config", nil, []string{"--config", cfg, "--from", "staging", "--to", "prod", "--bump", "minor"}, exitcode.Usage, `unknown key "colour"`},
		{"missing config", nil, []string{"--config", cfg + ".nope", "--from", "staging", "--to", "prod", "--bump", "minor"}, exitcode.Usage, "no such file"},
		{"wrong git token", wrongToken, append(std, "--bump", "minor"), exitcode.Usage, "invalid credentials"},
		{"wrong registry password", wrongRegistry, append(std, "--bump", "minor"), exitcode.Usage, "refused access"},
		{"registry user without password", onlyUser, append(std, "--bump", "minor"), exitcode.Usage, "set both GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD"},
		{"unreachable remote", nil, append([]string{"--repo", closedRepo}, append(std, "--bump", "minor")...), exitcode.Infra, "unreachable"},
		{"unreachable registry", nil, []string{"--from", "overlays/staging", "--to", "overlays/production", "--to-image", closedReg, "--bump", "minor"}, exitcode.Infra, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := tt.env
			if env == nil {
				env = f.env
			}
			assertGitOpsFailure(t, env, append(append([]string{}, base...), tt.args...), tt.code, tt.want, "promote", true)
		})
	}
	t.Cleanup(func() {
		if h := f.head(t); h != before {
			t.Errorf("main moved to %s: bad input pushed something", h)
		}
		if n := f.srv.Requests().ReceivePack; n != receives {
			t.Errorf("%d pushes, want none", n-receives)
		}
		if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.3.0"}) {
			t.Errorf("prod tags = %v: bad input tagged something", tags)
		}
	})
}

// TestBumpPromoteHelpNamesCredentials checks that the help documents the credentials.
func TestBumpPromoteHelpNamesCredentials(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"bump", "promote"} {
		got := golden(t, nil, cmd, "--help")
		for _, want := range []string{gitrepo.EnvToken, gitrepo.EnvSSHKey, gitrepo.EnvPassword, "Example"} {
			if !strings.Contains(got.stdout, want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
	if got := golden(t, nil, "promote", "--help"); !strings.Contains(got.stdout, envRegistryPassword) {
		t.Errorf("promote --help lacks %s", envRegistryPassword)
	}
}
