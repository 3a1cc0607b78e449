package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dagger.io/dagger"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// fakeStages implements stager with canned outcomes, to test Run's
// scheduling and skip rules (golden's own logic; no tool is imitated).
type fakeStages struct {
	mu    sync.Mutex
	calls []string

	lintStatus, testStatus, scanStatus, imageStatus result.Status
	lintErr, testErr, scanErr, buildErr             error
	publishErr, bumpErr, releaseErr                 error
	coverage                                        *result.Coverage
	coverageErr                                     error
	bumpOutputs                                     map[string]string

	// barrier, when set, makes the four independent stages wait until
	// all of them have started: Run must start them together.
	barrier *barrier
	// published receives the build Publish was given.
	published *BuildResult
	bumped    string
	// released receives what Release was given.
	released *ReleaseOptions
	// buildPlatforms are the platforms Build was asked for.
	buildPlatforms []string
}

func (f *fakeStages) called(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
	if f.barrier != nil && slices.Contains([]string{StageLint, StageTest, StageScan, StageBuild}, name) {
		f.barrier.wait()
	}
}

func (f *fakeStages) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := append([]string(nil), f.calls...)
	slices.Sort(c)
	return c
}

func orPassed(s result.Status) result.Status {
	if s == "" {
		return result.Passed
	}
	return s
}

func (f *fakeStages) Lint(context.Context) (*LintResult, error) {
	f.called(StageLint)
	if f.lintErr != nil {
		return nil, f.lintErr
	}
	st := result.Stage{Name: StageLint, Status: orPassed(f.lintStatus), Summary: "golangci-lint: no findings"}
	return &LintResult{Stage: st}, nil
}

func (f *fakeStages) Test(context.Context) (*TestResult, error) {
	f.called(StageTest)
	if f.testErr != nil {
		return nil, f.testErr
	}
	res := &TestResult{Stage: result.Stage{Name: StageTest, Status: orPassed(f.testStatus)}, Coverage: f.coverage}
	if f.coverage != nil || f.coverageErr != nil {
		cst := result.Stage{Name: StageCoverage, Status: result.Passed}
		if f.coverageErr != nil {
			cst.Status, cst.Error = result.Errored, f.coverageErr.Error()
			res.coverageErr = f.coverageErr
		}
		res.CoverageStage = &cst
	}
	return res, nil
}

func (f *fakeStages) Scan(context.Context) (*ScanResult, error) {
	f.called(StageScan)
	if f.scanErr != nil {
		return nil, f.scanErr
	}
	return &ScanResult{Stage: result.Stage{Name: StageScan, Status: orPassed(f.scanStatus)}}, nil
}

func (f *fakeStages) Build(_ context.Context, o BuildOptions) (*BuildResult, error) {
	f.mu.Lock()
	f.buildPlatforms = o.Platforms
	f.mu.Unlock()
	f.called(StageBuild)
	if f.buildErr != nil {
		return nil, f.buildErr
	}
	return &BuildResult{Tags: []string{"sha-0123456789ab", "main"}, Stage: result.Stage{Name: StageBuild, Status: result.Passed}}, nil
}

func (f *fakeStages) ScanImage(_ context.Context, b *BuildResult) (*ScanResult, error) {
	f.called(StageScanImage)
	if b == nil {
		return nil, errors.New("ScanImage without a build")
	}
	return &ScanResult{Stage: result.Stage{Name: StageScanImage, Status: orPassed(f.imageStatus)}}, nil
}

const fakeDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func (f *fakeStages) Publish(_ context.Context, b *BuildResult, _ Credentials) (*PublishResult, error) {
	f.called(StagePublish)
	f.published = b
	if f.publishErr != nil {
		return nil, f.publishErr
	}
	return &PublishResult{Ref: "ghcr.io/acme/api@" + fakeDigest, Digest: fakeDigest, Tags: b.Tags,
		Stage: result.Stage{Name: StagePublish, Status: result.Passed}}, nil
}

func (f *fakeStages) Release(_ context.Context, o ReleaseOptions) (*ReleaseResult, error) {
	f.called("release")
	f.released = &o
	if f.releaseErr != nil {
		return nil, f.releaseErr
	}
	return &ReleaseResult{
		Signature: "ghcr.io/acme/api:sha256-0123.sig", Attestations: "ghcr.io/acme/api:sha256-0123.att",
		Summary: "signed with SHA256:k (sha256-0123.sig); attested gates (sha256-0123.att)",
	}, nil
}

func (f *fakeStages) Bump(_ context.Context, digest string, _ GitCredentials) (*BumpResult, error) {
	f.called(StageBump)
	f.bumped = digest
	if f.bumpErr != nil {
		return nil, f.bumpErr
	}
	return &BumpResult{Commit: "c0ffee", Changed: true, Outputs: f.bumpOutputs,
		Stage: result.Stage{Name: StageBump, Status: result.Passed}}, nil
}

// barrier releases its waiters once n have arrived.
type barrier struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) wait() {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.release)
	}
	b.mu.Unlock()
	// The guard only turns a deadlock (stages run one after another) into
	// a failure; a loaded machine never comes near it.
	select {
	case <-b.release:
	case <-time.After(2 * time.Minute):
		panic("the independent stages did not run in parallel")
	}
}

func testConfig() *config.Config {
	cfg := config.Default(config.Go)
	cfg.Service = "api"
	cfg.Image.Repository = "ghcr.io/acme/api"
	cfg.GitOps.Repo = "https://github.com/acme/gitops.git"
	cfg.GitOps.Environments = map[string]config.Environment{"staging": {Path: "overlays/staging"}}
	return cfg
}

// stageStatuses renders a run's stages as "name=status".
func stageStatuses(r *result.Run) []string {
	var out []string
	for _, s := range r.Stages {
		out = append(out, s.Name+"="+string(s.Status))
	}
	return out
}

func TestRun(t *testing.T) {
	t.Parallel()
	inputErr := exitcode.Inputf("malformed report")
	infraErr := exitcode.Infraf("registry unreachable")
	for _, tc := range []struct {
		name     string
		fake     *fakeStages
		opts     RunOptions
		branch   string
		cfg      func(*config.Config)
		stages   []string
		calls    []string
		code     int
		errText  string
		outputs  map[string]string
		noImage  bool
		bumpedTo string
	}{{
		name:   "everything passes, nothing published",
		fake:   &fakeStages{coverage: &result.Coverage{Percent: 82.14}},
		stages: []string{"lint=passed", "test=passed", "coverage=passed", "scan=passed", "build=passed", "scan-image=passed"},
		calls:  []string{"build", "lint", "scan", "scan-image", "test"},
		outputs: map[string]string{
			"coverage": "82.1", "tags": "sha-0123456789ab,main",
		},
	}, {
		name:   "a failed gate does not stop the others, and blocks publish",
		fake:   &fakeStages{lintStatus: result.Failed, imageStatus: result.Failed},
		opts:   RunOptions{Publish: true},
		stages: []string{"lint=failed", "test=passed", "scan=passed", "build=passed", "scan-image=failed", "publish=skipped"},
		calls:  []string{"build", "lint", "scan", "scan-image", "test"},
		code:   exitcode.Failed, errText: "failed: lint, scan-image",
		outputs: map[string]string{"tags": "sha-0123456789ab,main"},
	}, {
		name:   "a stage that cannot run keeps its exit class",
		fake:   &fakeStages{testErr: inputErr, scanStatus: result.Failed},
		opts:   RunOptions{Publish: true},
		stages: []string{"lint=passed", "test=error", "scan=failed", "build=passed", "scan-image=passed", "publish=skipped"},
		calls:  []string{"build", "lint", "scan", "scan-image", "test"},
		code:   exitcode.Usage, errText: "test: malformed report",
		outputs: map[string]string{"tags": "sha-0123456789ab,main"},
	}, {
		name:   "coverage that cannot be computed keeps the tests and its class",
		fake:   &fakeStages{coverageErr: exitcode.Inputf("parsing coverprofile: bad")},
		stages: []string{"lint=passed", "test=passed", "coverage=error", "scan=passed", "build=passed", "scan-image=passed"},
		calls:  []string{"build", "lint", "scan", "scan-image", "test"},
		code:   exitcode.Usage, errText: "coverage: parsing coverprofile: bad",
		outputs: map[string]string{"tags": "sha-0123456789ab,main"},
	}, {
		name:    "no Dockerfile skips the image stages",
		fake:    &fakeStages{buildErr: exitcode.InputError(fmt.Errorf("build: %w: Dockerfile is not in the source", ErrNoDockerfile))},
		stages:  []string{"lint=passed", "test=passed", "scan=passed", "build=skipped", "scan-image=skipped"},
		calls:   []string{"build", "lint", "scan", "test"},
		noImage: true,
	}, {
		name:    "no Dockerfile with publish is an error",
		fake:    &fakeStages{buildErr: exitcode.InputError(fmt.Errorf("build: %w: Dockerfile is not in the source", ErrNoDockerfile))},
		opts:    RunOptions{Publish: true},
		stages:  []string{"lint=passed", "test=passed", "scan=passed", "build=error", "scan-image=skipped", "publish=skipped"},
		calls:   []string{"build", "lint", "scan", "test"},
		code:    exitcode.Usage,
		errText: "build: build: no Dockerfile",
		noImage: true,
	}, {
		name:   "publish and bump on the main branch",
		fake:   &fakeStages{bumpOutputs: map[string]string{"commit": "c0ffee", "changed": "true", "branch": "main", "image": "x", "digest": "y"}},
		opts:   RunOptions{Publish: true, Bump: true},
		branch: "main",
		stages: []string{"lint=passed", "test=passed", "scan=passed", "build=passed", "scan-image=passed", "publish=passed", "bump=passed"},
		calls:  []string{"build", "bump", "lint", "publish", "scan", "scan-image", "test"},
		outputs: map[string]string{
			"tags": "sha-0123456789ab,main", "digest": fakeDigest, "image": "ghcr.io/acme/api@" + fakeDigest,
			"gitops_commit": "c0ffee", "gitops_changed": "true", "gitops_branch": "main",
		},
		bumpedTo: fakeDigest,
	}, {
		name:   "no bump from another branch",
		fake:   &fakeStages{},
		opts:   RunOptions{Publish: true, Bump: true},
		branch: "feature/x",
		stages: []string{"lint=passed", "test=passed", "scan=passed", "build=passed", "scan-image=passed", "publish=passed", "bump=skipped"},
		calls:  []string{"build", "lint", "publish", "scan", "scan-image", "test"},
		outputs: map[string]string{
			"tags": "sha-0123456789ab,main", "digest": fakeDigest, "image": "ghcr.io/acme/api@" + fakeDigest,
		},
	}, {
		name:   "a registry failure is infrastructure, and nothing is bumped",
		fake:   &fakeStages{publishErr: infraErr},
		opts:   RunOptions{Publish: true, Bump: true},
		branch: "main",
		stages: []string{"lint=passed", "test=passed", "scan=passed", "build=passed", "scan-image=passed", "publish=error", "bump=skipped"},
		calls:  []string{"build", "lint", "publish", "scan", "scan-image", "test"},
		code:   exitcode.Infra, errText: "publish: registry unreachable",
		outputs: map[string]string{"tags": "sha-0123456789ab,main"},
	}, {
		name:   "skips from options and configuration",
		fake:   &fakeStages{},
		opts:   RunOptions{Skip: []string{StageLint, StageScanImage}},
		cfg:    func(c *config.Config) { c.Scan.Skip = true; c.Test.Skip = true },
		stages: []string{"lint=skipped", "test=skipped", "scan=skipped", "build=passed", "scan-image=skipped"},
		calls:  []string{"build"},
		outputs: map[string]string{
			"tags": "sha-0123456789ab,main",
		},
	}, {
		name:    "skipping the build skips the image scan",
		fake:    &fakeStages{},
		opts:    RunOptions{Skip: []string{StageBuild}},
		stages:  []string{"lint=passed", "test=passed", "scan=passed", "build=skipped", "scan-image=skipped"},
		calls:   []string{"lint", "scan", "test"},
		noImage: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			env := runEnv{cfg: cfg, opts: Options{Commit: "0123456789abcdef", Branch: tc.branch, Now: func() time.Time { return now }}}
			r, err := run(context.Background(), tc.fake, env, tc.opts)
			if r == nil {
				t.Fatalf("run returned no run: %v", err)
			}
			if diff := cmp.Diff(tc.stages, stageStatuses(r)); diff != "" {
				t.Errorf("stages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.calls, tc.fake.callList()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if got := exitcode.Code(err); got != tc.code {
				t.Errorf("exit code %d (%v), want %d", got, err, tc.code)
			}
			if tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)) {
				t.Errorf("error %v, want it to contain %q", err, tc.errText)
			}
			if diff := cmp.Diff(tc.outputs, r.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if tc.noImage != (r.Image == nil) {
				t.Errorf("image %+v, want none: %v", r.Image, tc.noImage)
			}
			if tc.fake.bumped != tc.bumpedTo {
				t.Errorf("bumped to %q, want %q", tc.fake.bumped, tc.bumpedTo)
			}
			for _, s := range r.Stages {
				if s.StartedAt.IsZero() {
					t.Errorf("stage %s has no start time", s.Name)
				}
				if s.Status == result.Skipped && !strings.HasPrefix(s.Summary, "skipped: ") {
					t.Errorf("skipped stage %s says %q", s.Name, s.Summary)
				}
			}
			if r.Source == nil || r.Source.Commit != "0123456789abcdef" {
				t.Errorf("source %+v", r.Source)
			}
		})
	}
}

func TestRunStartsIndependentStagesTogether(t *testing.T) {
	t.Parallel()
	fake := &fakeStages{barrier: newBarrier(4)}
	r, err := run(context.Background(), fake, runEnv{cfg: testConfig()}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stages) != 5 {
		t.Errorf("stages %v", stageStatuses(r))
	}
}

func TestRunRecordsImageAndCoverage(t *testing.T) {
	t.Parallel()
	cov := &result.Coverage{Percent: 75, Patch: &result.PatchCoverage{Base: "origin/main", Percent: 90, Lines: 10, Covered: 9}}
	fake := &fakeStages{coverage: cov}
	r, err := run(context.Background(), fake, runEnv{cfg: testConfig(), opts: Options{Branch: "main", GitTag: ""}}, RunOptions{Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	want := &result.Image{Name: "ghcr.io/acme/api", Digest: fakeDigest, Tags: []string{"sha-0123456789ab", "main"}}
	if diff := cmp.Diff(want, r.Image); diff != "" {
		t.Errorf("image (-want +got):\n%s", diff)
	}
	if r.Coverage != cov {
		t.Errorf("coverage %+v", r.Coverage)
	}
	if r.Outputs["coverage_patch"] != "90.0" || r.Outputs["coverage"] != "75.0" {
		t.Errorf("outputs %v", r.Outputs)
	}
	if fake.published == nil || len(fake.published.Tags) != 2 {
		t.Errorf("Publish got build %+v", fake.published)
	}
}

// TestRunBuildsTheScannedPlatformOnly: without publish only the first
// platform is built (the one the image scan scans); a publish builds
// every configured one.
func TestRunBuildsTheScannedPlatformOnly(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Image.Platforms = []string{"linux/amd64", "linux/arm64"}
	for _, tc := range []struct {
		publish bool
		want    []string
	}{{false, []string{"linux/amd64"}}, {true, nil}} {
		fake := &fakeStages{}
		if _, err := run(context.Background(), fake, runEnv{cfg: cfg, opts: Options{Branch: "main"}}, RunOptions{Publish: tc.publish}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fake.buildPlatforms, tc.want) {
			t.Errorf("publish %v: Build got platforms %v, want %v (nil: every configured one)", tc.publish, fake.buildPlatforms, tc.want)
		}
	}
}

func TestBuildSummary(t *testing.T) {
	t.Parallel()
	if got := buildSummary("Dockerfile", []string{"linux/amd64"}, []string{"sha-0123456789ab", "main"}); got != "built Dockerfile for linux/amd64; tags sha-0123456789ab, main" {
		t.Errorf("with tags: %q", got)
	}
	if got := buildSummary("go .", []string{"linux/amd64", "linux/arm64"}, nil); got != "built go . for linux/amd64, linux/arm64; no tags (no commit, branch or tag known: nothing to publish under)" {
		t.Errorf("without tags: %q", got)
	}
}

func TestRunOptionsValidate(t *testing.T) {
	t.Parallel()
	noRepo := testConfig()
	noRepo.Image.Repository = ""
	noGitOps := testConfig()
	noGitOps.GitOps = config.GitOpsConfig{Staging: "staging"}
	noStaging := testConfig()
	noStaging.GitOps.Environments = map[string]config.Environment{"prod": {Path: "overlays/prod"}}
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		opts RunOptions
		want string
	}{
		{"ok", testConfig(), RunOptions{Publish: true, Bump: true}, ""},
		{"no config", nil, RunOptions{}, "no configuration"},
		{"unknown stage", testConfig(), RunOptions{Skip: []string{"publish"}}, `cannot skip "publish": want one of lint, test, scan, build, scan-image`},
		{"publish without build", testConfig(), RunOptions{Publish: true, Skip: []string{"build"}}, "cannot publish without building"},
		{"publish without repository", noRepo, RunOptions{Publish: true}, "no image repository to publish to"},
		{"password without user", testConfig(), RunOptions{Publish: true, Credentials: Credentials{Password: nonNilSecret()}}, "no user name"},
		{"bump without publish", testConfig(), RunOptions{Bump: true}, "the staging bump needs publish"},
		{"bump without gitops", noGitOps, RunOptions{Publish: true, Bump: true}, "no GitOps repository"},
		{"bump without staging", noStaging, RunOptions{Publish: true, Bump: true}, `no "staging" environment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.opts.Validate(tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if exitcode.Code(err) != exitcode.Usage {
				t.Errorf("exit code %d, want 2", exitcode.Code(err))
			}
			// A run with these options runs nothing.
			fake := &fakeStages{}
			if r, err := run(context.Background(), fake, runEnv{cfg: tc.cfg}, tc.opts); r != nil || err == nil || len(fake.callList()) > 0 {
				t.Errorf("run = %v, %v, calls %v", r, err, fake.callList())
			}
		})
	}
}

func TestStageError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st   result.Stage
		code int
	}{
		{result.Stage{Name: "lint", Status: result.Passed}, exitcode.Passed},
		{result.Stage{Name: "lint", Status: result.Skipped}, exitcode.Passed},
		{result.Stage{Name: "lint", Status: result.Failed, Error: "3 findings"}, exitcode.Failed},
		{result.Stage{Name: "lint", Status: result.Errored, Error: "boom"}, exitcode.Infra},
	} {
		if got := exitcode.Code(StageError(tc.st)); got != tc.code {
			t.Errorf("StageError(%+v) exit code %d, want %d", tc.st, got, tc.code)
		}
	}
	if err := StageError(result.Stage{Name: "lint", Status: result.Failed, Error: "3 findings"}); err.Error() != "lint failed: 3 findings" {
		t.Errorf("message %q", err)
	}
}

func TestNewWithoutClient(t *testing.T) {
	t.Parallel()
	p := New(nil, nil, Options{Config: testConfig()})
	for name, f := range map[string]func() error{
		"lint":    func() error { _, err := p.Lint(context.Background()); return err },
		"test":    func() error { _, err := p.Test(context.Background()); return err },
		"scan":    func() error { _, err := p.Scan(context.Background()); return err },
		"build":   func() error { _, err := p.Build(context.Background(), BuildOptions{}); return err },
		"publish": func() error { _, err := p.Publish(context.Background(), nil, Credentials{}); return err },
		"bump":    func() error { _, err := p.Bump(context.Background(), fakeDigest, GitCredentials{}); return err },
		"run":     func() error { _, err := p.Run(context.Background(), RunOptions{}); return err },
	} {
		if err := f(); exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "no Dagger client") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// nonNilSecret is a secret for option checks, which only look at whether
// one is given.
func nonNilSecret() *dagger.Secret { return &dagger.Secret{} }

func TestStageErrorNamesWhatFailed(t *testing.T) {
	t.Parallel()
	st := result.Stage{Name: "scan", Status: result.Failed, Summary: "1 finding at CRITICAL,HIGH fails the gate",
		Findings: []result.Finding{
			{Severity: result.Medium, RuleID: "DS002", File: "Dockerfile", Title: "Image user should not be 'root'"},
			{Severity: result.Critical, RuleID: "CVE-2021-44228", File: "pom.xml", Line: 12, Package: "log4j-core",
				InstalledVersion: "2.14.1", FixedVersion: "2.15.0", Title: "log4j-core: remote code execution"},
		},
		Tests: []result.TestCase{{Suite: "example.com/api", Name: "TestOK", Status: result.Passed}, {Suite: "example.com/api", Name: "TestAdd", Status: result.Failed}},
	}
	want := "scan failed: 1 finding at CRITICAL,HIGH fails the gate" +
		"\n  FAIL example.com/api TestAdd" +
		"\n  CRITICAL CVE-2021-44228 pom.xml:12: log4j-core: remote code execution (log4j-core 2.14.1, fixed in 2.15.0)" +
		"\n  MEDIUM DS002 Dockerfile: Image user should not be 'root'"
	if err := StageError(st); err == nil || err.Error() != want {
		t.Errorf("StageError:\n got %v\nwant %s", err, want)
	}
}

func TestFindingLineNamesThePackageOnce(t *testing.T) {
	t.Parallel()
	f := result.Finding{Severity: result.High, RuleID: "CVE-2021-23337", File: "package-lock.json", Package: "lodash",
		InstalledVersion: "4.17.4", FixedVersion: "4.17.12", Message: "CVE-2021-23337 in lodash 4.17.4 (fixed in 4.17.12)"}
	if got, want := FindingLine(f), "HIGH CVE-2021-23337 package-lock.json: CVE-2021-23337 in lodash 4.17.4 (fixed in 4.17.12)"; got != want {
		t.Errorf("FindingLine:\n got %s\nwant %s", got, want)
	}
}
