package promote

import (
	"context"
	"testing"
	"time"

	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/gitrepo"
	"github.com/goldenci/golden/internal/testsupport/gitserver"
	"github.com/goldenci/golden/internal/testsupport/promotetest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/registry"
)

// Canary credentials: no result, error or progress line may hold them.
const (
	canaryUser     = "ci-bot"
	canaryToken    = "canary-token-5e0f9a2b7c41"
	canaryRegUser  = "reg-bot"
	canaryRegPass  = "canary-regpass-0d8c3b6a19"
	exampleImage   = "registry.example.com/acme/go-service"
	stagingOverlay = "overlays/staging"
	prodOverlay    = "overlays/production"
)

var fastBackoff = gitrepo.Backoff{Initial: 20 * time.Millisecond, Max: 400 * time.Millisecond}

var testNow = func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer is a goroutine-safe progress sink.
type syncBuffer = testtool.SyncBuffer

// assertNoSecret fails when s holds a canary value.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	testtool.AssertNoCanary(t, what, s, canaryToken, canaryRegPass)
}

// assertClass checks an error's exit code and, when kind is set, its kind.
func assertClass(t *testing.T, err error, code int, kind error) {
	t.Helper()
	testtool.AssertExit(t, err, code, kind)
}

// fixture is a git server (auth required) with the example repository and
// a registry (auth required).
type fixture struct {
	srv      *gitserver.Server
	reg      *promotetest.Registry
	progress *syncBuffer
}

func newFixture(t *testing.T, extra map[string]string) *fixture {
	t.Helper()
	files := promotetest.ExampleFiles(t)
	for k, v := range extra {
		files[k] = v
	}
	srv := gitserver.New(t, gitserver.Options{Username: canaryUser, Password: canaryToken})
	srv.CreateRepo(t, "gitops.git", files)
	f := &fixture{srv: srv, reg: promotetest.NewRegistry(t, canaryRegUser, canaryRegPass), progress: &syncBuffer{}}
	t.Cleanup(func() { assertNoSecret(t, "progress", f.progress.String()) })
	return f
}

func (f *fixture) repo() Repo {
	return Repo{
		URL:      f.srv.URL("gitops.git"),
		Auth:     gitrepo.Auth{Username: canaryUser, Token: canaryToken},
		Backoff:  fastBackoff,
		Now:      testNow,
		Progress: f.progress,
	}
}

func (f *fixture) head(t *testing.T) string {
	t.Helper()
	return gitserver.Head(t, f.srv.Path("gitops.git"), "main")
}

func (f *fixture) current(t *testing.T, ref, file string) gitops.Image {
	t.Helper()
	img, err := gitops.CurrentImageBytes(file, []byte(f.srv.ReadFile(t, "gitops.git", ref, file)), exampleImage, gitops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// stage bumps staging to the image repo@digest (repo in the registry).
func (f *fixture) stage(t *testing.T, repo, tag, digest string) {
	t.Helper()
	_, err := Bump(testContext(t), BumpOptions{
		Repo:  f.repo(),
		Path:  stagingOverlay,
		Image: gitops.Image{Name: exampleImage, NewName: f.reg.Repo(repo), Tag: tag, Digest: digest},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// options promotes staging to production, copying to prodRepo.
func (f *fixture) options(prodRepo string) Options {
	o := Options{
		Repo:               f.repo(),
		Image:              exampleImage,
		From:               stagingOverlay,
		To:                 prodOverlay,
		Actor:              "octocat",
		RegistryCredential: &registry.Credential{Username: canaryRegUser, Password: canaryRegPass},
	}
	if prodRepo != "" {
		o.ToImage = f.reg.Repo(prodRepo)
	}
	return o
}
