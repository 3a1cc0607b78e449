package promote

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/semver"
)

func TestPromoteResult(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "2.0.0-rc.1")
	f.reg.PushIndex(t, "acme/go-service-prod", "v1.9.0")
	f.stage(t, "acme/go-service", "2.0.0-rc.1", digest)
	stagedAt := f.head(t)

	o := f.options("acme/go-service-prod")
	o.Bump = semver.Minor
	before := f.srv.Requests()
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	// One listing of the remote's branches, one clone, one push.
	after := f.srv.Requests()
	if refs, clones, pushes := after.InfoRefs-before.InfoRefs, after.UploadPack-before.UploadPack, after.ReceivePack-before.ReceivePack; refs != 3 || clones != 1 || pushes != 1 {
		t.Errorf("the promotion made %d ref advertisements, %d clones or fetches and %d pushes; want 3 (listing, clone, push), 1 and 1", refs, clones, pushes)
	}
	prod := f.reg.Repo("acme/go-service-prod")
	want := Result{
		From: stagingOverlay, To: prodOverlay,
		SourceImage: f.reg.Repo("acme/go-service") + "@" + digest, SourceRepository: f.reg.Repo("acme/go-service"),
		SourceTag: "2.0.0-rc.1", SourceCommit: stagedAt, Digest: digest,
		Version:          "v1.10.0", // the repository's v style
		TargetRepository: prod, TargetImage: prod + ":v1.10.0@" + digest,
		Copied: true, Tagged: true,
		Outcome: gitrepo.Outcome{Base: "main", Branch: "main", Pushed: true, Attempts: 1},
	}
	got := *res
	got.Commit, got.Parent, got.Message, got.Diff, got.Files, got.Changes = "", "", "", "", nil, nil
	if !equalResult(got, want) {
		t.Errorf("result =\n%+v\nwant\n%+v", got, want)
	}
	if res.Commit != f.head(t) || res.Parent != stagedAt {
		t.Errorf("commit %s parent %s", res.Commit, res.Parent)
	}
	if !slices.Equal(res.Files, []string{"overlays/production/kustomization.yaml"}) {
		t.Errorf("files = %v", res.Files)
	}
	var fields []string
	for _, c := range res.Changes {
		fields = append(fields, c.File+" "+c.Field)
	}
	wantFields := []string{
		"overlays/production/kustomization.yaml images[name=" + exampleImage + "].newName",
		"overlays/production/kustomization.yaml images[name=" + exampleImage + "].newTag",
		"overlays/production/kustomization.yaml images[name=" + exampleImage + "].digest",
	}
	slices.Sort(fields)
	slices.Sort(wantFields)
	if !slices.Equal(fields, wantFields) {
		t.Errorf("changes = %v", fields)
	}
	if !strings.Contains(res.Diff, "+    digest: "+digest) {
		t.Errorf("diff:\n%s", res.Diff)
	}
	log := f.srv.Log(t, "gitops.git", "main")
	if log[0].Message != res.Message {
		t.Errorf("message %q, want %q", log[0].Message, res.Message)
	}
	// Golden-From-Commit is the GitOps commit staging was read at;
	// Golden-Source-Commit, an application commit, is not the promotion's
	// to give.
	tr := map[string]string{}
	for _, x := range gitrepo.ParseTrailers(res.Message) {
		tr[x.Key] = x.Value
	}
	if tr["Golden-From-Commit"] != stagedAt || tr["Golden-From"] != stagingOverlay {
		t.Errorf("trailers %v: want Golden-From-Commit %s", tr, stagedAt)
	}
	if v, ok := tr["Golden-Source-Commit"]; ok {
		t.Errorf("trailer Golden-Source-Commit: %s, want none", v)
	}
	p := f.progress.String()
	for _, w := range []string{"copying " + res.SourceImage + " to " + prod, "tagged " + prod + "@" + digest + " as v1.10.0", "pushed "} {
		if !strings.Contains(p, w) {
			t.Errorf("progress lacks %q:\n%s", w, p)
		}
	}
}

func equalResult(a, b Result) bool {
	return a.From == b.From && a.To == b.To && a.SourceImage == b.SourceImage && a.SourceRepository == b.SourceRepository &&
		a.SourceTag == b.SourceTag && a.PinnedByTag == b.PinnedByTag && a.SourceCommit == b.SourceCommit &&
		a.Digest == b.Digest && a.Version == b.Version && a.VersionReused == b.VersionReused &&
		a.TargetRepository == b.TargetRepository && a.TargetImage == b.TargetImage && a.Copied == b.Copied &&
		a.Tagged == b.Tagged && a.WouldCopy == b.WouldCopy && a.WouldTag == b.WouldTag && a.Base == b.Base && a.Branch == b.Branch && a.Pushed == b.Pushed &&
		a.Unchanged == b.Unchanged && a.DryRun == b.DryRun && a.AlreadyPromoted == b.AlreadyPromoted &&
		a.Attempts == b.Attempts && a.CompareURL == b.CompareURL && len(a.Warnings) == len(b.Warnings)
}

// TestPromoteCompletesAfterFailedPush: the push of a first run is
// declined by a hook after the image was copied; the version tag follows
// the push, so nothing is tagged. The re-run picks the same version,
// copies nothing, pushes and tags.
func TestPromoteCompletesAfterFailedPush(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	f.reg.PushIndex(t, "acme/go-service-prod", "1.0.0")
	f.stage(t, "acme/go-service", "1.0.0", digest)
	before := f.head(t)

	hook := filepath.Join(f.srv.Path("gitops.git"), "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'deploy freeze' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := f.options("acme/go-service-prod")
	o.Bump = semver.Patch
	_, err := Promote(testContext(t), o)
	assertClass(t, err, exitcode.Usage, gitrepo.ErrRejected)
	if f.head(t) != before {
		t.Fatal("the declined push moved main")
	}
	// The digest is copied; the version tag follows the push, so the
	// declined push left it untagged.
	if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.0.0"}) {
		t.Fatalf("tags after the declined push = %v, want [1.0.0]", tags)
	}

	if err := os.Remove(hook); err != nil {
		t.Fatal(err)
	}
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "1.0.1" || res.VersionReused || res.Copied || !res.Tagged || !res.Pushed || res.AlreadyPromoted {
		t.Errorf("re-run = %+v", res)
	}
	if img := f.current(t, "main", prodOverlay+"/kustomization.yaml"); img.Tag != "1.0.1" || img.Digest != digest {
		t.Errorf("production runs %+v", img)
	}
	if tags := f.reg.Tags(t, "acme/go-service-prod"); !slices.Equal(tags, []string{"1.0.0", "1.0.1"}) {
		t.Errorf("tags = %v", tags)
	}

	// A third run has nothing left to do.
	again, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyPromoted || !again.Unchanged || again.Pushed || again.Commit != "" || again.Parent != res.Commit {
		t.Errorf("third run = %+v", again)
	}
}

// TestPromoteVersionPolicy: an old digest promoted again with --bump keeps
// its version, which is a downgrade unless allowed.
func TestPromoteVersionPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	old := f.reg.PushIndex(t, "acme/go-service", "old")
	cur := f.reg.PushIndex(t, "acme/go-service", "cur")
	ctx := testContext(t)
	prod := f.reg.Repo("acme/go-service")
	for tag, d := range map[string]string{"1.0.0": old, "1.1.0": cur} {
		if _, err := registry.TagImmutable(ctx, prod, tag, d, registry.Options{Credentials: map[string]registry.Credential{f.reg.Host: {Username: canaryRegUser, Password: canaryRegPass}}}); err != nil {
			t.Fatal(err)
		}
	}
	f.stage(t, "acme/go-service", "", old) // roll staging back
	before := f.head(t)

	o := f.options("")
	o.Bump = semver.Minor
	_, err := Promote(ctx, o)
	var down *semver.DowngradeError
	assertClass(t, err, exitcode.Failed, nil)
	if !errors.As(err, &down) || !strings.Contains(err.Error(), "already carries the version tag 1.0.0") {
		t.Errorf("err = %v", err)
	}
	if f.head(t) != before {
		t.Fatal("a refused promotion pushed")
	}

	o.AllowDowngrade = true
	res, err := Promote(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "1.0.0" || !res.VersionReused || res.Tagged || res.Copied || !res.Pushed {
		t.Errorf("rollback = %+v", res)
	}
	if img := f.current(t, "main", prodOverlay+"/kustomization.yaml"); img.NewName != prod || img.Tag != "1.0.0" || img.Digest != old {
		t.Errorf("production runs %+v", img)
	}

	// --version with a constraint.
	f.stage(t, "acme/go-service", "", cur)
	o = f.options("")
	o.Version = "1.2.0"
	o.Constraint = "~> 1.1.0"
	_, err = Promote(ctx, o)
	var ce *semver.ConstraintError
	assertClass(t, err, exitcode.Failed, nil)
	if !errors.As(err, &ce) {
		t.Errorf("err = %v", err)
	}
	o.Constraint = ">= 1.1, < 2"
	if res, err = Promote(ctx, o); err != nil || res.Version != "1.2.0" || !res.Tagged {
		t.Errorf("promote 1.2.0: %+v, %v", res, err)
	}
}

// TestPromoteDryRun copies, tags and pushes nothing.
func TestPromoteDryRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	f.stage(t, "acme/go-service", "1.0.0", digest)
	before := f.head(t)
	o := f.options("acme/go-service-prod")
	o.Version = "1.0.0"
	o.DryRun = true
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Pushed || res.Copied || res.Tagged || res.Commit != "" || res.AlreadyPromoted || !res.WouldCopy || !res.WouldTag {
		t.Errorf("dry run = %+v", res)
	}
	if !strings.Contains(res.Diff, `+    newTag: "1.0.0"`) || !strings.Contains(res.Diff, "+    newName: "+f.reg.Repo("acme/go-service-prod")) {
		t.Errorf("diff:\n%s", res.Diff)
	}
	if f.head(t) != before || f.srv.Requests().ReceivePack != 1 {
		t.Errorf("the dry run pushed")
	}
	if f.reg.Digest(t, "acme/go-service-prod@"+digest) != "" || len(f.reg.Tags(t, "acme/go-service-prod")) != 0 {
		t.Errorf("the dry run copied or tagged")
	}
}

// TestPromoteToBranchAndHelm promotes into Helm values on a review
// branch; the repository of the values changes to the target repository.
func TestPromoteToBranchAndHelm(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{
		"charts/prod/values.yaml": "replicaCount: 3\nimage:\n  repository: " + exampleImage + "\n  tag: \"0.9.0\"\n  pullPolicy: IfNotPresent\n",
	})
	digest := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	f.stage(t, "acme/go-service", "1.0.0", digest)
	before := f.head(t)
	o := f.options("acme/go-service-prod")
	o.To = "charts/prod"
	o.Version = "1.0.0"
	o.Branch = "golden/promote-prod"
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "golden/promote-prod" || res.Base != "main" || !res.Pushed || res.CompareURL != "" {
		t.Errorf("result = %+v", res)
	}
	if f.head(t) != before {
		t.Error("main moved")
	}
	values := f.srv.ReadFile(t, "gitops.git", "golden/promote-prod", "charts/prod/values.yaml")
	want := "replicaCount: 3\nimage:\n  repository: " + f.reg.Repo("acme/go-service-prod") + "\n  tag: \"1.0.0\"\n  pullPolicy: IfNotPresent\n  digest: " + digest + "\n"
	if values != want {
		t.Errorf("values.yaml:\n%s\nwant:\n%s", values, want)
	}
	// Re-run: the branch already has it.
	again, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyPromoted {
		t.Errorf("re-run = %+v", again)
	}
}

// TestPromoteInputErrors covers errors found before any clone.
func TestPromoteInputErrors(t *testing.T) {
	t.Parallel()
	repo := gitserver.NewBareRepo(t, map[string]string{"a": "b"})
	ok := Options{Repo: Repo{URL: repo}, Image: exampleImage, From: "a", To: "b", Bump: semver.Minor}
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"bad image", func(o *Options) { o.Image = "Bad Name" }, "bad image name"},
		{"image with tag", func(o *Options) { o.Image = exampleImage + ":1.0" }, "bad image name"},
		{"no from", func(o *Options) { o.From = "" }, "from: no path given"},
		{"escaping to", func(o *Options) { o.To = "a/../../b" }, "want a path inside"},
		{"into .git", func(o *Options) { o.To = ".git/config" }, "is inside .git"},
		{"same", func(o *Options) { o.To = "./a" }, "same environment"},
		{"bad to image", func(o *Options) { o.ToImage = "host/x:1.0" }, "target image repository"},
		{"both", func(o *Options) { o.Version = "1.0.0" }, "not both"},
		{"neither", func(o *Options) { o.Bump = "" }, "give a version"},
		{"bad bump", func(o *Options) { o.Bump = "mega" }, `unknown bump "mega"`},
		{"bad version", func(o *Options) { o.Bump, o.Version = "", "1.0.0+build" }, "build metadata"},
		{"bad constraint", func(o *Options) { o.Constraint = "~~> 1" }, "invalid version constraint"},
		{"bad actor", func(o *Options) { o.Actor = "a\nGolden-Version: 9.9.9" }, "actor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.change(&o)
			_, err := Promote(testContext(t), o)
			assertClass(t, err, exitcode.Usage, nil)
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPromoteVersionLookupManyTags: the digest's version tag is found
// among many version tags (several lookup batches).
func TestPromoteVersionLookupManyTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/app", "build")
	other := f.reg.PushIndex(t, "acme/app", "other")
	opts := registry.Options{Credentials: map[string]registry.Credential{f.reg.Host: {Username: canaryRegUser, Password: canaryRegPass}}}
	ctx := testContext(t)
	repo := f.reg.Repo("acme/app")
	var valid []string
	for i := range 30 {
		tag := fmt.Sprintf("2.%d.0", i)
		d := other
		if i == 3 {
			d = digest
		}
		if _, err := registry.TagImmutable(ctx, repo, tag, d, opts); err != nil {
			t.Fatal(err)
		}
		valid = append(valid, tag)
	}
	got, err := versionTagOf(ctx, repo, digest, append(valid, "latest", "build", "other"), opts)
	if err != nil || got != "2.3.0" {
		t.Errorf("versionTagOf = %q, %v; want 2.3.0", got, err)
	}
	if got, err := versionTagOf(ctx, repo, "sha256:"+strings.Repeat("0", 64), valid, opts); err != nil || got != "" {
		t.Errorf("versionTagOf(unknown digest) = %q, %v", got, err)
	}
}

// TestPromoteSourceNotInRegistry: the digest staging names is missing.
func TestPromoteSourceNotInRegistry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	missing := "sha256:" + strings.Repeat("ab", 32)
	f.stage(t, "acme/go-service", "", missing)
	before := f.head(t)
	o := f.options("acme/go-service-prod")
	o.Version = "1.0.0"
	_, err := Promote(testContext(t), o)
	assertClass(t, err, exitcode.Usage, nil)
	if err != nil && !strings.Contains(err.Error(), "not found") {
		t.Errorf("err = %v", err)
	}
	if f.head(t) != before {
		t.Error("pushed")
	}
	o.ToImage = ""
	_, err = Promote(testContext(t), o)
	assertClass(t, err, exitcode.Usage, nil)
	if f.head(t) != before {
		t.Error("pushed")
	}
}

// TestPromoteReplacesAStaleNewName: promoting within one repository sets
// the target environment to pull from it, removing a newName that named
// another registry, which the promotion neither copied to nor tagged.
func TestPromoteReplacesAStaleNewName(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	repo := f.reg.Repo("acme/go-service")
	digest := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	overlay := func(extra string) string {
		return "resources:\n- ../../base\nimages:\n- name: " + repo + "\n" + extra
	}
	gitserver.CommitFiles(t, f.srv.Path("gitops.git"), "main", map[string]string{
		stagingOverlay + "/kustomization.yaml": overlay("  digest: " + digest + "\n"),
		prodOverlay + "/kustomization.yaml":    overlay("  newName: registry.acme.internal/old/go-service\n  newTag: 0.9.0\n"),
	}, "name the image by its repository")
	o := f.options("")
	o.Image, o.Version = repo, "1.0.0"
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gitops.CurrentImageBytes("kustomization.yaml", []byte(f.srv.ReadFile(t, "gitops.git", "main", prodOverlay+"/kustomization.yaml")), repo, gitops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.NewName != "" || got.Tag != "1.0.0" || got.Digest != digest || res.TargetImage != repo+":1.0.0@"+digest {
		t.Errorf("production runs %+v (result %s); want %s:1.0.0@%s without a newName", got, res.TargetImage, repo, digest)
	}
}

// TestPromoteConcurrentSameVersion: promotions of different digests to the
// same new version, run at once against the real registry and git server:
// exactly one wins; the others fail the gate (exit 1, a tag conflict)
// without tagging or committing, and the version tag, production and the
// history all name the winner's digest.
func TestPromoteConcurrentSameVersion(t *testing.T) {
	t.Parallel()
	const n = 4
	staging := promotetest.ExampleFiles(t)[stagingOverlay+"/kustomization.yaml"]
	extra := map[string]string{}
	for i := range n {
		extra[fmt.Sprintf("overlays/src-%d/kustomization.yaml", i)] = staging
	}
	f := newFixture(t, extra)
	f.reg.PushIndex(t, "acme/go-service-prod", "1.0.0")
	digests := map[string]bool{}
	for i := range n {
		d := f.reg.PushIndex(t, "acme/go-service", fmt.Sprintf("rc-%d", i))
		digests[d] = true
		if _, err := Bump(testContext(t), BumpOptions{Repo: f.repo(), Path: fmt.Sprintf("overlays/src-%d", i),
			Image: gitops.Image{Name: exampleImage, NewName: f.reg.Repo("acme/go-service"), Digest: d}}); err != nil {
			t.Fatal(err)
		}
	}
	before := f.head(t)

	type outcome struct {
		res *Result
		err error
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := f.options("acme/go-service-prod")
			o.From, o.Version = fmt.Sprintf("overlays/src-%d", i), "2.0.0"
			out[i].res, out[i].err = Promote(testContext(t), o)
		}()
	}
	wg.Wait()

	var winner *Result
	for i, r := range out {
		var conflict *registry.TagConflictError
		switch {
		case r.err == nil && winner == nil:
			winner = r.res
		case r.err == nil:
			t.Errorf("promotion %d also succeeded: %s and %s both got 2.0.0", i, winner.Digest, r.res.Digest)
		case exitcode.Code(r.err) != exitcode.Failed || !errors.As(r.err, &conflict):
			t.Errorf("promotion %d: exit %d: %v; want a tag conflict (exit 1)", i, exitcode.Code(r.err), r.err)
		}
	}
	if winner == nil {
		t.Fatal("no promotion succeeded")
	}
	if !digests[winner.Digest] || !winner.Pushed || !winner.Tagged {
		t.Errorf("winner = %+v", winner)
	}
	if d := f.reg.Digest(t, "acme/go-service-prod:2.0.0"); d != winner.Digest {
		t.Errorf("tag 2.0.0 = %s, the winner promoted %s", d, winner.Digest)
	}
	if img := f.current(t, "main", prodOverlay+"/kustomization.yaml"); img.Tag != "2.0.0" || img.Digest != winner.Digest {
		t.Errorf("production runs %+v, the winner promoted %s", img, winner.Digest)
	}
	var promotions int
	for _, c := range f.srv.Log(t, "gitops.git", "main") {
		if c.Hash == before {
			break
		}
		promotions++
	}
	if promotions != 1 {
		t.Errorf("%d promotion commits, want 1", promotions)
	}
}
