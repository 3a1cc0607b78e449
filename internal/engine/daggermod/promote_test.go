package daggermod

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/promote"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

// Credentials of the fixture's git server and registry: canaries that must
// never show in an output.
const (
	gitUser     = "golden-bot"
	gitToken    = "canary-git-token-d41c9e07"
	regUser     = "golden-pusher"
	regPassword = "canary-registry-pw-5ab2f3e1"
	// exampleImage is the image of examples/gitops.
	exampleImage = "registry.example.com/acme/go-service"
)

// TestPromoteInProcess runs the promotion as the module function does,
// in this process, against a real git server and registry that both
// require credentials: a staging bump, a dry run, the promotion, its
// re-run, a refused downgrade and an unknown environment. No output or
// error holds a credential.
func TestPromoteInProcess(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: gitUser, Password: gitToken})
	repo := srv.CreateRepo(t, "gitops.git", promotetest.ExampleFiles(t))
	reg := promotetest.NewRegistry(t, regUser, regPassword)
	staging, prod := reg.Repo("acme/go-service"), reg.Repo("acme/go-service-prod")
	digest := reg.PushIndex(t, "acme/go-service", "sha-0123456789ab")
	auth := gitrepo.Auth{Username: gitUser, Token: gitToken}
	cred := &registry.Credential{Username: regUser, Password: regPassword}
	ctx := context.Background()

	// The manifests name the image registry.example.com/...; the fixture's
	// registry is another host.
	if _, err := promote.Bump(ctx, promote.BumpOptions{
		Repo: promote.Repo{URL: repo, Auth: auth}, Path: "overlays/staging",
		Image: gitops.Image{Name: exampleImage, NewName: staging, Tag: "sha-0123456789ab", Digest: digest},
	}); err != nil {
		t.Fatal(err)
	}
	bumped := gitserver.Head(t, srv.Path("gitops.git"), "main")

	var progress testtool.SyncBuffer
	o := PromoteOptions{Repo: repo, Image: exampleImage, From: "overlays/staging", To: "overlays/production",
		ToImage: prod, Version: "1.0.0", Actor: "octocat"}
	run := func(o PromoteOptions) (string, error) {
		out, err := promoteWith(ctx, o, nil, errors.New("no service here"), auth, cred, &progress)
		texts := out + progress.String()
		if err != nil {
			texts += err.Error()
		}
		testtool.AssertNoCanary(t, "the promotion's output", texts, gitToken, regPassword)
		return out, err
	}

	dry := o
	dry.DryRun = true
	if out, err := run(dry); err != nil || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %q, %v", out, err)
	}
	if head := gitserver.Head(t, srv.Path("gitops.git"), "main"); head != bumped {
		t.Errorf("the dry run pushed %s", head)
	}

	out, err := run(o)
	if err != nil || !strings.Contains(out, "promoted: promote go-service 1.0.0 from overlays/staging to overlays/production") {
		t.Fatalf("promote: %q, %v", out, err)
	}
	if d := reg.Digest(t, "acme/go-service-prod:1.0.0"); d != digest {
		t.Errorf("prod 1.0.0 = %q, want %s", d, digest)
	}

	if out, err := run(o); err != nil || !strings.Contains(out, "already promoted") {
		t.Errorf("re-run: %q, %v", out, err)
	}

	down := o
	down.Version = "0.9.0"
	if _, err := run(down); exitcode.Code(err) != exitcode.Failed || !strings.Contains(err.Error(), "0.9.0") {
		t.Errorf("downgrade: exit %d, %v", exitcode.Code(err), err)
	}

	bad := o
	bad.From = "overlays/qa"
	if _, err := run(bad); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("unknown environment: exit %d, %v", exitcode.Code(err), err)
	}

	// Without a repository and without a service, the configuration's
	// error is the answer.
	if _, err := promoteWith(ctx, PromoteOptions{From: "a", To: "b", Version: "1.0.0"}, nil, exitcode.Inputf("no language"), auth, cred, &progress); err == nil || !strings.Contains(err.Error(), "no language") {
		t.Errorf("no repository, no service: %v", err)
	}
}

func TestStageRun(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	cov := &result.Coverage{Percent: 82.14, Statements: 100, Covered: 82}
	r := stageRun(now, cov,
		result.Stage{Name: "test", Status: result.Passed},
		result.Stage{Name: "coverage", Status: result.Failed, Error: "coverage 82.1% < 90%"})
	s, err := encodeRun(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := result.Read(strings.NewReader(s), ResultFile)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status() != result.Failed || len(back.Stages) != 2 || back.Outputs["coverage"] != "82.1" || back.Coverage.Covered != 82 {
		t.Errorf("run read back: %+v", back)
	}
}
